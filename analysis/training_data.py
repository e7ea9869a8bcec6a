"""The classifier's labelled sentences (analysis/data/sentences.csv): reading, checking, versioning.

Kept apart from the model (analysis/classifier.py) so that the analyser's version, which names
the training data, is known without importing scikit-learn (the dashboard only reads scores).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from analysis.errors import FramingError

CLASSES = ("pro-Washington", "neutral", "pro-Ankara")
DATA_PATH = Path(__file__).resolve().parent / "data" / "sentences.csv"
REQUIRED_COLUMNS = ("id", "label", "frame", "kind", "text")
# Bump when the model definition (analysis/classifier.py) changes: it is part of data_version(),
# so cached models and cached article scores are invalidated together.
MODEL_SPEC = "lr-word12-marked12-char25-lex/2"


def data_version(path: Path | str | None = None) -> str:
    """Short hash of the training data (and the model spec), e.g. 'a1b2c3d4e5f6'."""
    p = Path(path) if path else DATA_PATH
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FramingError(f"{p}: cannot read training data ({exc.strerror or exc})") from None
    return hashlib.sha256(MODEL_SPEC.encode() + b"\0" + raw).hexdigest()[:12]


def load_training_data(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the labelled sentences; raise FramingError naming the bad row or field."""
    p = Path(path) if path else DATA_PATH
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise FramingError(f"{p}: training data not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FramingError(f"{p}: not a readable CSV ({reason})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise FramingError(f"{p}: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise FramingError(f"{p}: no rows")
    for col in ("id", "label", "frame", "text"):
        empty = df.index[df[col].str.strip() == ""]
        if len(empty):
            # +2: header line, 1-based line numbers
            raise FramingError(f"{p}:{empty[0] + 2}: empty '{col}'")
    bad = df.index[~df["label"].isin(CLASSES)]
    if len(bad):
        i = bad[0]
        raise FramingError(f"{p}:{i + 2}: label {df.at[i, 'label']!r} is not one of {', '.join(CLASSES)}")
    dup = df.index[df["id"].duplicated()]
    if len(dup):
        raise FramingError(f"{p}:{dup[0] + 2}: duplicate id {df.at[dup[0], 'id']!r}")
    df["text"] = df["text"].str.strip()
    if "group" not in df.columns or (df["group"].str.strip() == "").any():
        # Without explicit groups every sentence is its own group.
        groups = df["group"] if "group" in df.columns else pd.Series([""] * len(df))
        df["group"] = [g if g.strip() else i for g, i in zip(groups, df["id"])]
    return df
