"""`python -m analysis evaluate`: how good are the sentence classifier and the article score?

Two measurements, both printed:
1. the sentence classifier, 5-fold cross-validated on analysis/data/sentences.csv, split by
   `group` so near-variants of one sentence never sit on both sides of a split;
2. the whole article score (analysis.scoring.Analyser) against the hand-labelled gold set
   analysis/data/gold_articles.csv, whose articles are read from ../shared/corpus. Every gold
   row carries a fixed `split`: `dev` rows may be looked at while tuning the scorer, `test`
   rows are the honest held-out check. The split was drawn once, stratified by label, from a
   hash of source/id (see `assign_split`), before any tuning on the enlarged set.
"""
from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np

from analysis.errors import FramingError

GOLD_PATH = Path(__file__).resolve().parent / "data" / "gold_articles.csv"
CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
GOLD_SOURCES = {
    "s400": "s400",
    "turkey-nato": "turkey-nato.jsonl",
    "allsides": "allsides.jsonl.gz",
}
N_SPLITS = 5
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


# ---------------------------------------------------------------- metrics

def confusion(y_true, y_pred, labels) -> np.ndarray:
    """Rows = true label, columns = predicted label, in `labels` order."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(list(y_true), list(y_pred), labels=list(labels))


def scores(y_true, y_pred, labels) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    y_true, y_pred = list(y_true), list(y_pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)),
        "per_class": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": confusion(y_true, y_pred, labels),
    }


def format_confusion(matrix: np.ndarray, labels) -> str:
    """A small text table: one row per true label."""
    short = [lab.replace("pro-", "") for lab in labels]
    width = max(len(s) for s in short) + 2
    head = "true \\ predicted".ljust(18) + "".join(s.rjust(width) for s in short)
    rows = [head]
    for lab, row in zip(short, matrix):
        rows.append(lab.ljust(18) + "".join(str(int(v)).rjust(width) for v in row))
    return "\n".join(rows)


def _format_scores(res: dict, labels) -> list[str]:
    lines = [f"{'class':<16}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>6}"]
    for lab in labels:
        pc = res["per_class"][lab]
        lines.append(f"{lab:<16}{pc['precision']:>10.3f}{pc['recall']:>8.3f}{pc['f1']:>7.3f}{pc['support']:>6d}")
    return lines


# ---------------------------------------------------------------- sentence classifier

def sentence_cv(lexicon=None, n_splits: int = N_SPLITS, n_jobs: int = 2) -> dict:
    """Grouped, stratified k-fold cross-validation of the sentence classifier (refitted per fold)."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    from analysis import classifier

    lex = classifier.resolve_lexicon(lexicon)
    df = classifier.load_training_data()
    if df["group"].nunique() < n_splits:
        raise FramingError(f"{classifier.DATA_PATH}: need at least {n_splits} sentence groups for cross-validation")
    texts, labels, groups = df["text"].tolist(), df["label"].to_numpy(), df["group"].to_numpy()
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=classifier.RANDOM_STATE)
    model = clone(classifier.build_pipeline(lex))
    pred = cross_val_predict(model, texts, labels, groups=groups, cv=cv, n_jobs=n_jobs)
    fold_f1 = []
    for _, test in cv.split(texts, labels, groups):
        fold_f1.append(float(f1_score(labels[test], pred[test], average="macro")))
    res = scores(labels, pred, classifier.CLASSES)
    res.update(
        fold_f1=fold_f1,
        n=len(df),
        n_groups=int(df["group"].nunique()),
        y_true=labels,
        y_pred=pred,
        kinds=df["kind"].to_numpy(),
        lexicon=classifier.lexicon_tag(lex),
    )
    return res


# ---------------------------------------------------------------- gold articles

def load_gold(path: Path | str | None = None) -> list[dict]:
    """The gold rows (source, id, label, split, reason); FramingError naming the line for a bad row.

    A file without a `split` column is read with every row in `dev`."""
    from analysis.models import LABELS

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
                if row.get("label") not in LABELS:
                    raise FramingError(f"{p}:{line}: label {row.get('label')!r} is not one of {', '.join(LABELS)}")
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


def gold_evaluation(lexicon=None, gold_path=None, corpus_dir=None) -> dict:
    """Score the gold articles with the Analyser and compare with the hand labels."""
    from analysis.models import LABELS
    from analysis.scoring import Analyser

    gold = load_gold(gold_path)
    articles = gold_articles(gold, corpus_dir)
    missing = [g for g in gold if (g["source"], g["id"]) not in articles]
    present = [g for g in gold if (g["source"], g["id"]) in articles]
    analyser = Analyser.load(lexicon)
    results = analyser.score_many([articles[(g["source"], g["id"])] for g in present])
    rows = []
    for g, res in zip(present, results):
        art = articles[(g["source"], g["id"])]
        rows.append({**g, "outlet": art.outlet, "title": art.title, "predicted": res.label,
                     "framing": res.framing, "confidence": res.confidence})
    res = scores([r["label"] for r in rows], [r["predicted"] for r in rows], LABELS)
    res["by_split"] = {
        split: scores([r["label"] for r in part], [r["predicted"] for r in part], LABELS)
        for split in GOLD_SPLITS
        if (part := [r for r in rows if r["split"] == split])
    }
    res.update(rows=rows, missing=missing, analyser_version=analyser.version)
    return res


# ---------------------------------------------------------------- command

def run_evaluate(lexicon=None, db=None) -> int:
    """`python -m analysis evaluate`: print sentence CV figures, then gold-set figures.

    `db` is accepted for the CLI contract; evaluation always re-scores so that it measures the
    current code, lexicon and model rather than cached scores.
    """
    from analysis import classifier

    started = time.perf_counter()
    cv = sentence_cv(lexicon)
    print(f"Sentence classifier ({classifier.DATA_PATH.name}: {cv['n']} sentences in {cv['n_groups']} groups, "
          f"lexicon {cv['lexicon']})")
    folds = np.asarray(cv["fold_f1"])
    print(f"  {N_SPLITS}-fold grouped stratified cross-validation, held-out predictions:")
    print(f"  macro-F1 {cv['macro_f1']:.3f}   accuracy {cv['accuracy']:.3f}   "
          f"per fold {folds.mean():.3f} ± {folds.std():.3f} ({', '.join(f'{f:.2f}' for f in folds)})")
    for line in _format_scores(cv, classifier.CLASSES):
        print("  " + line)
    print("  confusion matrix:")
    for line in format_confusion(cv["confusion"], classifier.CLASSES).splitlines():
        print("    " + line)
    kinds = {}
    for kind, t, p in zip(cv["kinds"], cv["y_true"], cv["y_pred"]):
        ok, n = kinds.get(kind, (0, 0))
        kinds[kind] = (ok + (t == p), n + 1)
    print("  accuracy by sentence kind: " + ", ".join(
        f"{k} {ok / n:.2f} ({n})" for k, (ok, n) in sorted(kinds.items(), key=lambda kv: -kv[1][1])))
    print(f"  ({time.perf_counter() - started:.0f}s)")
    print()

    try:
        gold = gold_evaluation(lexicon)
    except (ImportError, AttributeError) as exc:
        print(f"Article gold set: skipped, the article scorer is not available ({exc})")
        return 0
    from analysis.models import LABELS

    n = len(gold["rows"])
    print(f"Article gold set ({GOLD_PATH.name}: {n} articles scored, analyser {gold['analyser_version']})")
    if gold["missing"]:
        print(f"  not found in the corpus: {', '.join(g['source'] + '/' + g['id'] for g in gold['missing'])}")
    for split, part in gold["by_split"].items():
        n_part = int(part["confusion"].sum())
        print(f"  {split} ({n_part} articles): accuracy {part['accuracy']:.3f}   macro-F1 {part['macro_f1']:.3f}   "
              f"confusion {part['confusion'].tolist()}")
    print(f"  overall: accuracy {gold['accuracy']:.3f}   macro-F1 {gold['macro_f1']:.3f}")
    for line in _format_scores(gold, LABELS):
        print("  " + line)
    print("  confusion matrix (all splits):")
    for line in format_confusion(gold["confusion"], LABELS).splitlines():
        print("    " + line)
    wrong = [r for r in gold["rows"] if r["label"] != r["predicted"]]
    print(f"  misclassified ({len(wrong)}):")
    for r in wrong:
        print(f"    [{r['split']}] {r['source']}/{r['id']} [{r['outlet']}] gold {r['label']}, scored {r['predicted']} "
              f"(framing {r['framing']:+.2f}, confidence {r['confidence']:.2f})")
        print(f"      reason: {r['reason']}")
    print(f"  ({time.perf_counter() - started:.0f}s in all)")
    return 0
