"""Shared fixtures: the sample corpus beside the repository, and a fresh store path."""
from __future__ import annotations

from pathlib import Path

import pytest

SHARED_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def shared_corpus() -> Path:
    """../shared/corpus (read-only third-party text); the test is skipped when it is missing."""
    if not (SHARED_CORPUS / "s400").is_dir():
        pytest.skip(f"sample corpus not found at {SHARED_CORPUS}")
    return SHARED_CORPUS


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    """Path of a store file that does not exist yet (the Store creates it)."""
    return tmp_path / "store" / "framing.db"


@pytest.fixture(scope="session", autouse=True)
def fitted_stance_model():
    """Fit (or load) the S-400 story's stance model once before any test, so that command-line
    tests running in their own processes find it cached and print nothing about training."""
    from analysis.stance import load_model

    load_model()
