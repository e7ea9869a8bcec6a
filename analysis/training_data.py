"""The stance model's training data, read, checked and versioned (no scikit-learn here).

Three files in analysis/data/, all written by this project (no text copied from any article):
- `sentences.csv`: labelled sentences in families (`group`), the original set;
- `stance_sentences.csv`: more labelled sentences in more registers, each family holding
  counterfactual variants (actors or verdict swapped, label flipped) and a neutral version, so
  that the model learns what is said about whom, not who is named;
- `training_articles.jsonl`: short labelled articles; each of their sentences is a weak example
  of its article's label (weight `ARTICLE_SENTENCE_WEIGHT`, the weight of
  ../shared/notes/measurement.md, not tuned further). They do not train the article level,
  which learns from real articles only (analysis/training.py).

Kept apart from the model so that the analyser's version, which names the training data, is
known without importing scikit-learn (the dashboard only reads scores).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import FramingError

CLASSES = ("pro-Washington", "neutral", "pro-Ankara")
DATA_DIR = Path(__file__).resolve().parent / "data"
SENTENCE_FILES = (DATA_DIR / "sentences.csv", DATA_DIR / "stance_sentences.csv")
ARTICLES_PATH = DATA_DIR / "training_articles.jsonl"
REQUIRED_COLUMNS = ("id", "label", "kind", "group", "text")
# Bump when the model definition (analysis/stance.py) changes: it is part of data_version(),
# so cached models and cached article scores are invalidated together.
MODEL_SPEC = "stance/4:word12+marked12+char35->lr"
ARTICLE_SENTENCE_WEIGHT = 0.3


@dataclass(frozen=True)
class TrainingArticle:
    id: str
    label: str
    register: str
    text: str


def data_files() -> list[Path]:
    return [*SENTENCE_FILES, ARTICLES_PATH]


def data_version(paths: list[Path] | None = None) -> str:
    """Short hash of the training data files (and the model spec), e.g. 'a1b2c3d4e5f6'."""
    h = hashlib.sha256(MODEL_SPEC.encode() + f"\0{ARTICLE_SENTENCE_WEIGHT}".encode())
    for p in paths or data_files():
        try:
            h.update(b"\0" + p.read_bytes())
        except OSError as exc:
            raise FramingError(f"{p}: cannot read training data ({exc.strerror or exc})") from None
    return h.hexdigest()[:12]


def _read_csv(p: Path) -> pd.DataFrame:
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
    for col in REQUIRED_COLUMNS:
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
    df["source"] = p.name
    return df


def load_training_data(paths: list[Path] | tuple[Path, ...] | None = None) -> pd.DataFrame:
    """The labelled sentences of every sentence file: id, label, kind, group, text, source (and
    `frame`, `register` where the file has them); FramingError naming the bad file, row or field."""
    frames = [_read_csv(Path(p)) for p in (paths or SENTENCE_FILES)]
    df = pd.concat(frames, ignore_index=True).fillna("")
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise FramingError(f"sentence id {dup.iloc[0]!r} is used in two training files")
    return df


def load_training_articles(path: Path | None = None) -> list[TrainingArticle]:
    """The labelled training articles; FramingError naming the line of a bad record."""
    p = Path(path) if path else ARTICLES_PATH
    out: list[TrainingArticle] = []
    seen: set[str] = set()
    try:
        with open(p, encoding="utf-8") as fh:
            for line, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    rec = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise FramingError(f"{p}:{line}: not JSON ({exc.msg})") from None
                if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str) and rec[k].strip()
                                                         for k in ("id", "label", "text")):
                    raise FramingError(f"{p}:{line}: needs non-empty string fields id, label and text")
                if rec["label"] not in CLASSES:
                    raise FramingError(f"{p}:{line}: label {rec['label']!r} is not one of {', '.join(CLASSES)}")
                if rec["id"] in seen:
                    raise FramingError(f"{p}:{line}: duplicate id {rec['id']!r}")
                seen.add(rec["id"])
                out.append(TrainingArticle(rec["id"], rec["label"], str(rec.get("register", "")), rec["text"].strip()))
    except FileNotFoundError:
        raise FramingError(f"{p}: training articles not found") from None
    except UnicodeDecodeError:
        raise FramingError(f"{p}: not UTF-8 text") from None
    return out
