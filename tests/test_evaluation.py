"""`python -m analysis evaluate` end to end, the gold set's sanity, and the metric helpers."""
from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import FramingError
from analysis.evaluation import GOLD_PATH, assign_split, format_confusion, load_gold, scores
from analysis.models import LABELS

REPO = Path(__file__).resolve().parents[1]


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shares_run(a: str, b: str, n: int = 8) -> str | None:
    """The first run of n consecutive words that a and b share, if any."""
    ta, tb = _tokens(a), _tokens(b)
    grams = {tuple(tb[i : i + n]) for i in range(len(tb) - n + 1)}
    for i in range(len(ta) - n + 1):
        if tuple(ta[i : i + n]) in grams:
            return " ".join(ta[i : i + n])
    return None


def _corpus_texts(corpus: Path, gold: list[dict]) -> dict[tuple[str, str], str]:
    """Raw text of every gold article, read straight from the shared files."""
    out = {}
    for g in gold:
        if g["source"] == "s400":
            p = corpus / "s400" / f"{g['id']}.txt"
            if p.exists():
                out[("s400", g["id"])] = p.read_text(encoding="utf-8", errors="replace")
    for source, name, opener in (("turkey-nato", "turkey-nato.jsonl", open), ("allsides", "allsides.jsonl.gz", gzip.open)):
        wanted = {g["id"] for g in gold if g["source"] == source}
        if not wanted:
            continue
        with opener(corpus / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("id") in wanted:
                    out[(source, rec["id"])] = f"{rec.get('title', '')}\n{rec.get('text', '')}"
    return out


# ---------------------------------------------------------------- the gold file

def test_gold_file_is_well_formed():
    gold = load_gold()
    assert len(gold) >= 70
    assert {g["label"] for g in gold} == set(LABELS)
    assert len({(g["source"], g["id"]) for g in gold}) == len(gold)
    assert all(len(g["reason"].split()) >= 8 for g in gold)
    # the five samples are all in, with their readings
    samples = {g["id"][:3]: g["label"] for g in gold if g["source"] == "s400"}
    assert samples == {
        "000": "pro-Ankara",
        "001": "pro-Washington",
        "002": "pro-Ankara",
        "003": "pro-Ankara",
        "004": "neutral",
    }


def test_gold_split_is_the_fixed_stratified_hash_split():
    gold = load_gold()
    # the split written in the file is the one drawn from the ids, not a hand-picked one
    assert {(g["source"], g["id"]): g["split"] for g in gold} == assign_split(gold)
    for label in LABELS:
        splits = [g["split"] for g in gold if g["label"] == label]
        assert abs(splits.count("dev") - splits.count("test")) <= 1  # stratified by label
    assert sum(g["label"] != "neutral" for g in gold if g["split"] == "test") >= 10


def test_gold_split_column_is_validated(tmp_path):
    p = tmp_path / "gold.csv"
    p.write_text("source,id,label,split,reason\ns400,000_x,neutral,train,a reason long enough\n")
    with pytest.raises(FramingError, match=r"gold\.csv:2: split 'train'"):
        load_gold(p)


def test_gold_ids_exist_and_reasons_are_not_copied(shared_corpus):
    gold = load_gold()
    texts = _corpus_texts(shared_corpus, gold)
    missing = [g["source"] + "/" + g["id"] for g in gold if (g["source"], g["id"]) not in texts]
    assert not missing
    copied = [(g["id"], run) for g in gold if (run := _shares_run(g["reason"], texts[(g["source"], g["id"])]))]
    assert not copied


def test_bad_gold_row_names_the_line(tmp_path):
    p = tmp_path / "gold.csv"
    p.write_text("source,id,label,reason\ns400,000_x,neutral,fine reason\ns400,001_x,pro-Paris,bad label\n")
    with pytest.raises(FramingError, match=r"gold\.csv:3: label 'pro-Paris'"):
        load_gold(p)
    p.write_text("source,id,label\ns400,000_x,neutral\n")
    with pytest.raises(FramingError, match="missing column"):
        load_gold(p)


# ---------------------------------------------------------------- metrics

def test_scores_and_confusion_on_a_hand_made_case():
    true = ["pro-Ankara", "pro-Ankara", "neutral", "pro-Washington"]
    pred = ["pro-Ankara", "neutral", "neutral", "pro-Ankara"]
    res = scores(true, pred, LABELS)
    assert res["accuracy"] == pytest.approx(0.5)
    assert np.array_equal(res["confusion"], [[0, 0, 1], [0, 1, 0], [0, 1, 1]])
    # F1: Washington 0, neutral 2/3, Ankara 1/2
    assert res["macro_f1"] == pytest.approx((0 + 2 / 3 + 0.5) / 3)
    table = format_confusion(res["confusion"], LABELS)
    assert table.splitlines()[1].split() == ["Washington", "0", "0", "1"]


# ---------------------------------------------------------------- the command

def test_evaluate_command_end_to_end(shared_corpus):
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "evaluate", "--db", "/nonexistent/never-used.db"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "Traceback" not in proc.stderr
    cv = re.search(r"macro-F1 (\d\.\d{3})\s+accuracy (\d\.\d{3})", out)
    assert cv and 0.5 < float(cv.group(1)) <= 1.0
    assert out.count("confusion matrix") == 2
    gold = re.search(r"Article gold set \(gold_articles\.csv: (\d+) articles scored", out)
    assert gold and int(gold.group(1)) == len(load_gold())
    art = re.search(r"overall: accuracy (\d\.\d{3})\s+macro-F1 (\d\.\d{3})", out)
    assert art
    parts = dict(re.findall(r"  (dev|test) \((\d+) articles\)", out))
    assert set(parts) == {"dev", "test"} and sum(map(int, parts.values())) == int(gold.group(1))
    n_wrong = int(re.search(r"misclassified \((\d+)\)", out).group(1))
    assert out.count("      reason: ") == n_wrong
    # the confusion matrices add up to the sentence and article counts
    n_sent = int(re.search(r"sentences\.csv: (\d+) sentences", out).group(1))
    matrices = re.findall(r"true \\ predicted.*\n((?:\s+\S+\s+\d+\s+\d+\s+\d+\n){3})", out)
    totals = [sum(int(x) for x in re.findall(r"\s(\d+)", m)) for m in matrices]
    assert totals == [n_sent, int(gold.group(1))]


def test_gold_path_constant_points_into_the_package():
    assert GOLD_PATH.parent.name == "data" and GOLD_PATH.exists()
