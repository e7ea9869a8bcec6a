"""The gold set: real articles of ../shared/corpus with the project's own label and a one-line
reason (analysis/data/gold_articles.csv), referenced by source and id (no text is committed).

Every row carries a fixed `split` drawn once, stratified by label, from a hash of source/id
(`assign_split`); the article model now learns from every row and `evaluate` reports the set
cross-fitted, so the split is kept for comparison with earlier versions.
"""
from __future__ import annotations

import csv
from pathlib import Path

from analysis.errors import FramingError

GOLD_PATH = Path(__file__).resolve().parents[1] / "data" / "gold_articles.csv"
CORPUS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
GOLD_SOURCES = {
    "s400": "s400",
    "turkey-nato": "turkey-nato.jsonl",
    "allsides": "allsides.jsonl.gz",
}
GOLD_SPLITS = ("dev", "test")


def assign_split(rows: list[dict]) -> dict[tuple[str, str], str]:
    """The stratified dev/test split the gold file was written with: within each label, rows
    ordered by sha256("source/id") alternate dev, test, dev, ... (kept here so it can be checked)."""
    import hashlib

    out: dict[tuple[str, str], str] = {}
    by_label: dict[str, list[dict]] = {}
    for r in rows:
        by_label.setdefault(r["label"], []).append(r)
    for group in by_label.values():
        group.sort(key=lambda r: hashlib.sha256(f"{r['source']}/{r['id']}".encode()).hexdigest())
        for i, r in enumerate(group):
            out[(r["source"], r["id"])] = GOLD_SPLITS[i % 2]
    return out


# ---------------------------------------------------------------- gold articles

def load_gold(path: Path | str | None = None) -> list[dict]:
    """The gold rows (source, id, label, split, reason); FramingError naming the line for a bad row.

    A file without a `split` column is read with every row in `dev`."""
    from analysis.evaluation.sets import story_labels

    labels = story_labels()
    p = Path(path) if path else GOLD_PATH
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"source", "id", "label", "reason"} - set(reader.fieldnames or [])
            if missing:
                raise FramingError(f"{p}: missing column(s) {', '.join(sorted(missing))}")
            rows = []
            for line, row in enumerate(reader, start=2):
                if row.get("source") not in GOLD_SOURCES:
                    raise FramingError(f"{p}:{line}: source {row.get('source')!r} is not one of {', '.join(GOLD_SOURCES)}")
                if row.get("label") not in labels:
                    raise FramingError(f"{p}:{line}: label {row.get('label')!r} is not one of {', '.join(labels)}")
                if not (row.get("id") or "").strip() or not (row.get("reason") or "").strip():
                    raise FramingError(f"{p}:{line}: empty id or reason")
                split = (row.get("split") or "dev").strip()
                if split not in GOLD_SPLITS:
                    raise FramingError(f"{p}:{line}: split {split!r} is not one of {', '.join(GOLD_SPLITS)}")
                rec = {k: (row[k] or "").strip() for k in ("source", "id", "label", "reason")}
                rec["split"] = split
                rows.append(rec)
    except FileNotFoundError:
        raise FramingError(f"{p}: gold set not found") from None
    except UnicodeDecodeError:
        raise FramingError(f"{p}: not UTF-8 text") from None
    return rows


def gold_articles(gold: list[dict], corpus_dir: Path | None = None) -> dict[tuple[str, str], object]:
    """Read the gold articles from the shared corpus: {(source, id): Article}."""
    from analysis.corpus import read_paths
    from analysis.models import Article

    base = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    if not base.is_dir():
        raise FramingError(f"{base}: shared corpus not found (the gold set's articles are read from there)")
    found: dict[tuple[str, str], Article] = {}
    for source in sorted({g["source"] for g in gold}):
        wanted = {g["id"] for g in gold if g["source"] == source}
        path = base / GOLD_SOURCES[source]
        if not path.exists():
            raise FramingError(f"{path}: missing; needed for {len(wanted)} gold article(s)")
        for item in read_paths([path]):
            if isinstance(item, Article) and item.id in wanted:
                found[(source, item.id)] = item
                if all((source, w) in found for w in wanted):
                    break  # the big allsides file need not be read to the end
    return found
