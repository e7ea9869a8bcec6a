"""Shared fixtures: the sample corpus beside the repository, and a fresh store path."""
from __future__ import annotations

import shutil
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


@pytest.fixture(scope="module")
def river_dam_story(tmp_path_factory) -> Path:
    """The made-up river-dam story (tests/fixtures/river_dam) copied to a temporary folder and
    trained there, as a user would (`python -m analysis train --lexicon FILE`); its models never
    touch the repository. The story file's path."""
    from analysis import stance
    from analysis.__main__ import main

    root = tmp_path_factory.mktemp("river_dam")
    folder = root / "river_dam"
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "river_dam", folder)
    saved = stance.MODEL_DIR
    stance.MODEL_DIR = root / "models"
    try:
        assert main(["train", "--lexicon", str(folder / "story.yaml")]) == 0
        yield folder / "story.yaml"
    finally:
        stance.MODEL_DIR = saved
        stance._load_cached.cache_clear()
