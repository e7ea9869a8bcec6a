"""The evaluation sets, each a small loader returning named records.

- `dev`: 60 real article openings (../shared/eval/s400-pages-dev.csv), their texts rebuilt into
  the git-ignored cache var/eval/pages-dev.jsonl; looked at and tuned to.
- `gold`: 71 real articles of ../shared/corpus with the project's labels
  (analysis/data/gold_articles.csv).
- `blind`: texts written and labelled by people who never saw the method (eval/blind.jsonl);
  never trained or tuned on, run only on a frozen method.
- `probes`: minimal pairs (eval/probes.jsonl): the two texts of a pair must be ordered right.
These are the S-400 story's sets; their labels are that story file's. `labelled_set` reads any
story's own labelled articles (a JSONL file its `training.article_sets` names).
Only the text is scored: never the outlet or the address.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis.errors import FramingError
from analysis.models import Article

ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "s400-pages-dev.csv"
DEV_CACHE = ROOT / "var" / "eval" / "pages-dev.jsonl"
BLIND_PATH = ROOT / "eval" / "blind.jsonl"
PROBES_PATH = ROOT / "eval" / "probes.jsonl"


@dataclass
class Item:
    id: str
    article: Article
    label: str
    meta: dict = field(default_factory=dict)


@dataclass
class EvalSet:
    name: str
    description: str
    items: list[Item]
    missing: str = ""  # why the set (or part of it) could not be read


@dataclass(frozen=True)
class Probe:
    id: str
    kind: str
    more_positive: Article  # the text that must score higher on the axis
    less_positive: Article


def _jsonl(path: Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line, raw in enumerate(fh, start=1):
            if raw.strip():
                try:
                    out.append(json.loads(raw))
                except json.JSONDecodeError as exc:
                    raise FramingError(f"{path}:{line}: not JSON ({exc.msg})") from None
    return out


def _article(item_id: str, text: str, title: str = "") -> Article:
    from analysis.corpus import article_from_text

    return article_from_text(item_id, text, title)


@lru_cache(maxsize=1)
def story_labels() -> tuple[str, str, str]:
    """The labels of the S-400 story file, which these sets are labelled in."""
    from analysis.lexicon import Lexicon

    return Lexicon.load().labels


def _check_label(label: str, where: str, labels: tuple[str, ...] | None = None) -> str:
    labels = labels or story_labels()
    if label not in labels:
        raise FramingError(f"{where}: label {label!r} is not one of {', '.join(labels)}")
    return label


def labelled_set(path: Path, labels: tuple[str, ...]) -> EvalSet:
    """A story's own labelled articles: JSONL records with id, label, text and an optional title."""
    items = []
    try:
        records = _jsonl(path)
    except FileNotFoundError:
        raise FramingError(f"{path}: labelled articles not found") from None
    for line, rec in enumerate(records, start=1):
        if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str) and rec[k].strip() for k in ("id", "label", "text")):
            raise FramingError(f"{path}: record {line}: needs non-empty string fields id, label and text")
        label = _check_label(rec["label"], f"{path}: {rec['id']}", labels)
        items.append(Item(rec["id"], _article(rec["id"], rec["text"], str(rec.get("title") or "")), label))
    return EvalSet(path.stem, f"labelled articles ({path.name})", items)


def dev_set(cache: Path = DEV_CACHE, index: Path = SHARED_EVAL) -> EvalSet:
    """The real openings whose texts have been rebuilt; labels from the shared CSV."""
    desc = "real article openings (../shared/eval), development set"
    if not index.exists():
        return EvalSet("dev", desc, [], f"{index} not found")
    with open(index, newline="", encoding="utf-8") as fh:
        labels = {r["id"]: r for r in csv.DictReader(fh)}
    if not cache.exists():
        return EvalSet("dev", desc, [], f"{cache} not built (see ../shared/eval/README.md)")
    items = []
    for rec in _jsonl(cache):
        row = labels.get(rec.get("id"))
        if row is None:
            continue
        label = _check_label(row["label"], f"{index}: {row['id']}")
        items.append(Item(row["id"], _article(row["id"], rec["text"], rec.get("title") or ""), label,
                          {"second_label": row.get("second_label", "")}))
    missing = f"{len(labels) - len(items)} of {len(labels)} texts not in {cache}" if len(items) < len(labels) else ""
    return EvalSet("dev", desc, items, missing)


def blind_set(path: Path = BLIND_PATH) -> EvalSet:
    """The blind test set: adjudicated labels of two independent readers (see eval/README.md)."""
    desc = "blind test set written and labelled by independent helpers (eval/)"
    if not path.exists():
        return EvalSet("blind", desc, [], f"{path} not found")
    items = []
    for rec in _jsonl(path):
        label = _check_label(rec["label"], f"{path}: {rec['id']}")
        items.append(Item(rec["id"], _article(rec["id"], rec["text"]), label,
                          {"register": rec.get("register", ""), "form": rec.get("form", "")}))
    return EvalSet("blind", desc, items)


def gold_set() -> EvalSet:
    from analysis.evaluation.gold import GOLD_PATH, gold_articles, load_gold

    gold = load_gold()
    found = gold_articles(gold)
    items = [Item(f"{g['source']}/{g['id']}", found[(g["source"], g["id"])], g["label"], {"split": g["split"]})
             for g in gold if (g["source"], g["id"]) in found]
    missing = f"{len(gold) - len(items)} gold articles not in the corpus" if len(items) < len(gold) else ""
    return EvalSet("gold", f"real articles of ../shared/corpus labelled by the project ({GOLD_PATH.name})", items, missing)


def probes(path: Path = PROBES_PATH) -> list[Probe]:
    out = []
    for rec in _jsonl(path):
        a = _article(f"{rec['id']}-a", rec["a"])
        b = _article(f"{rec['id']}-b", rec["b"])
        hi, lo = (a, b) if rec["higher"] == "a" else (b, a)
        out.append(Probe(rec["id"], rec["kind"], hi, lo))
    return out
