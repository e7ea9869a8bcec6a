"""The models' training data, named by the story file, read, checked and versioned (no scikit-learn here).

The story file's `training:` block names, relative to itself:
- `sentences`: CSV files of labelled sentences in families (`group`). For the S-400 story,
  `sentences.csv` (the original set) and `stance_sentences.csv` (more registers, each family
  holding counterfactual variants, actors or verdict swapped and label flipped, and a neutral
  version, so that the model learns what is said about whom, not who is named);
- `articles`: short labelled articles (JSONL); each of their sentences is a weak example of its
  article's label (weight `ARTICLE_SENTENCE_WEIGHT`, the weight of
  ../shared/notes/measurement.md, not tuned further);
- `article_model`: where the fitted article model is kept (JSON);
- `article_sets`: the labelled real articles the article level learns from (analysis/training.py).
All the S-400 files were written by this project (no text copied from any article). Labels must
be the story's own (its `axis:` block).

Kept apart from the model so that the analyser's version, which names the training data, is
known without importing scikit-learn (the dashboard only reads scores).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import FramingError

REQUIRED_COLUMNS = ("id", "label", "kind", "group", "text")
# Bump when the model definition (analysis/stance.py) changes: it is part of data_version(),
# so cached models and cached article scores are invalidated together.
MODEL_SPEC = "stance/4:word12+marked12+char35->lr"
ARTICLE_SENTENCE_WEIGHT = 0.3


@dataclass(frozen=True)
class TrainingFiles:
    """What the story file's `training:` block names, as absolute paths (see the module doc)."""

    sentences: tuple[Path, ...]
    articles: Path
    article_model: Path
    article_sets: tuple[str, ...]  # a named evaluation set ("gold", "dev") or a labelled JSONL path

    @classmethod
    def parse(cls, data, base: Path, where: str) -> "TrainingFiles":
        if not isinstance(data, dict):
            raise FramingError(f"{where}: training: must be a mapping with sentences, articles, article_model, article_sets")

        def path(value, key: str) -> Path:
            if not isinstance(value, str) or not value.strip():
                raise FramingError(f"{where}: training.{key}: must be a file path")
            return (base / value.strip()).resolve()

        sentences = data.get("sentences")
        if not isinstance(sentences, list) or not sentences:
            raise FramingError(f"{where}: training.sentences: must be a list of CSV files")
        sets = data.get("article_sets")
        if not isinstance(sets, list) or not sets:
            raise FramingError(f"{where}: training.article_sets: must be a list of set names or files")
        return cls(
            tuple(path(v, "sentences") for v in sentences),
            path(data.get("articles"), "articles"),
            path(data.get("article_model"), "article_model"),
            tuple(s if s in NAMED_SETS else str(path(s, "article_sets")) for s in sets),
        )

    def data_files(self) -> list[Path]:
        """What the stance model learns from."""
        return [*self.sentences, self.articles]


NAMED_SETS = ("gold", "dev")  # the S-400 evaluation sets of analysis/evaluation/sets.py


@dataclass(frozen=True)
class TrainingArticle:
    id: str
    label: str
    register: str
    text: str


def lexicon_tag(lex) -> str:
    """Stable short name of a story file for cache keys (here, not in analysis/stance.py, so that
    the analyser's version is known without importing scikit-learn)."""
    raw = f"{getattr(lex, 'story', '?')}-{getattr(lex, 'version', '?')}"
    digest = str(getattr(lex, "digest", "") or "")[:8]
    if digest:  # an edited lexicon file without a version bump still gets its own model
        raw += f".{digest}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


def data_version(files: TrainingFiles) -> str:
    """Short hash of the stance model's training data files (and the model spec), e.g. 'a1b2c3d4e5f6'."""
    h = hashlib.sha256(MODEL_SPEC.encode() + f"\0{ARTICLE_SENTENCE_WEIGHT}".encode())
    for p in files.data_files():
        try:
            h.update(b"\0" + p.read_bytes())
        except OSError as exc:
            raise FramingError(f"{p}: cannot read training data ({exc.strerror or exc})") from None
    return h.hexdigest()[:12]


def _read_csv(p: Path, labels: tuple[str, ...]):
    import pandas as pd

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
    bad = df.index[~df["label"].isin(labels)]
    if len(bad):
        i = bad[0]
        raise FramingError(f"{p}:{i + 2}: label {df.at[i, 'label']!r} is not one of {', '.join(labels)}")
    dup = df.index[df["id"].duplicated()]
    if len(dup):
        raise FramingError(f"{p}:{dup[0] + 2}: duplicate id {df.at[dup[0], 'id']!r}")
    df["text"] = df["text"].str.strip()
    df["source"] = p.name
    return df


def load_training_data(paths: tuple[Path, ...], labels: tuple[str, ...]):
    """The labelled sentences of every sentence file (a DataFrame): id, label, kind, group, text,
    source (and `frame`, `register` where the file has them); FramingError naming the bad file,
    row or field."""
    import pandas as pd

    frames = [_read_csv(Path(p), labels) for p in paths]
    df = pd.concat(frames, ignore_index=True).fillna("")
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise FramingError(f"sentence id {dup.iloc[0]!r} is used in two training files")
    return df


def load_training_articles(path: Path, labels: tuple[str, ...]) -> list[TrainingArticle]:
    """The labelled training articles; FramingError naming the line of a bad record."""
    p = Path(path)
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
                if rec["label"] not in labels:
                    raise FramingError(f"{p}:{line}: label {rec['label']!r} is not one of {', '.join(labels)}")
                if rec["id"] in seen:
                    raise FramingError(f"{p}:{line}: duplicate id {rec['id']!r}")
                seen.add(rec["id"])
                out.append(TrainingArticle(rec["id"], rec["label"], str(rec.get("register", "")), rec["text"].strip()))
    except FileNotFoundError:
        raise FramingError(f"{p}: training articles not found") from None
    except UnicodeDecodeError:
        raise FramingError(f"{p}: not UTF-8 text") from None
    return out
