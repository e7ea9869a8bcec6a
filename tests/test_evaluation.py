"""`python -m analysis evaluate` end to end, the evaluation sets' sanity, and the metrics."""
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
from analysis.evaluation import metrics
from analysis.evaluation.gold import GOLD_PATH, assign_split, load_gold
from analysis.evaluation.report import format_confusion
from analysis.lexicon import Lexicon

LABELS = Lexicon.load().labels

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

def test_report_on_a_hand_made_case():
    true = ["pro-Ankara", "pro-Ankara", "neutral", "pro-Washington"]
    pred = ["pro-Ankara", "neutral", "neutral", "pro-Ankara"]
    score = [0.8, 0.1, 0.0, 0.0]  # the Washington text scores exactly 0: no side named, wrong
    conf = [0.9, 0.6, 0.7, 0.8]
    r = metrics.report("m", true, pred, score, conf, LABELS)
    assert r.n == 4 and r.n_polar == 3
    assert r.sign_accuracy.value == pytest.approx(2 / 3)
    assert r.accuracy.value == pytest.approx(0.5)
    assert r.confusion == [[0, 0, 1], [0, 1, 0], [0, 1, 1]]
    # F1: Washington 0, neutral 2/3, Ankara 1/2
    assert r.macro_f1.value == pytest.approx((0 + 2 / 3 + 0.5) / 3)
    for iv in (r.sign_accuracy, r.macro_f1, r.accuracy, r.ece):
        assert iv.low <= iv.value <= iv.high
    assert format_confusion(r.confusion, LABELS)[1].split() == ["pro-Washington", "0", "0", "1"]


def test_macro_f1_is_scikit_learns_on_random_labellings():
    """metrics.macro_f1 is numpy (the bootstrap calls it thousands of times): it must give what
    scikit-learn's f1_score gives, labels missing from one side and foreign labels included."""
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        true, pred = list(rng.choice([*LABELS, "off-topic"], n)), list(rng.choice(LABELS, n))
        expected = f1_score(true, pred, labels=list(LABELS), average="macro", zero_division=0)
        assert metrics.macro_f1(true, pred, LABELS) == pytest.approx(expected, abs=1e-12)


def test_expected_calibration_error_by_hand():
    # bins: 0.9 (2 items, 1 right) -> |0.5 - 0.9| ; 0.6 (2 items, both right) -> |1 - 0.6|
    conf, right = [0.9, 0.9, 0.6, 0.6], [True, False, True, True]
    assert metrics.expected_calibration_error(conf, right) == pytest.approx((2 * 0.4 + 2 * 0.4) / 4)
    bins = metrics.reliability(conf, right)
    assert [(b.n, b.accuracy) for b in bins] == [(2, 1.0), (2, 0.5)]
    assert metrics.expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)


def test_bootstrap_is_seeded_and_brackets_the_value():
    data = np.array([1.0] * 30 + [0.0] * 10)
    a = metrics.bootstrap(lambda i: data[i].mean(), len(data))
    b = metrics.bootstrap(lambda i: data[i].mean(), len(data))
    assert a == b and a.low < 0.75 < a.high and a.value == pytest.approx(0.75)


def test_agreement_statistics_by_hand():
    a = ["pro-Ankara", "neutral", "neutral", "pro-Washington"]
    b = ["pro-Ankara", "neutral", "pro-Washington", "pro-Washington"]
    # observed 3/4; expected from marginals (A .25/.25, N .5/.25, W .25/.5): .0625+.125+.125
    p_e = 0.0625 + 0.125 + 0.125
    assert metrics.cohen_kappa(a, b) == pytest.approx((0.75 - p_e) / (1 - p_e))
    assert metrics.krippendorff_alpha([a, a], LABELS) == pytest.approx(1.0)
    assert metrics.krippendorff_alpha([a, b], LABELS) < metrics.cohen_kappa(a, b) + 0.05


# ---------------------------------------------------------------- the sets

def test_blind_set_is_large_varied_and_doubly_read():
    from analysis.evaluation.sets import BLIND_PATH, blind_set

    recs = [json.loads(line) for line in BLIND_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(recs) >= 300 and len({r["id"] for r in recs}) == len(recs)
    assert {r["form"] for r in recs} == {"headline", "paragraph", "article"}
    assert len({r["register"] for r in recs}) >= 12
    for r in recs:  # the final label is the readers' agreement, or the third reader's where they differ
        assert r["label"] == (r["reader_a"] if r["reader_a"] == r["reader_b"] else r["adjudicated"])
    agreement = json.loads((BLIND_PATH.parent / "agreement.json").read_text())
    assert agreement["agree"] == sum(r["reader_a"] == r["reader_b"] for r in recs)
    assert agreement["kappa"] == pytest.approx(metrics.cohen_kappa([r["reader_a"] for r in recs],
                                                                   [r["reader_b"] for r in recs]), abs=1e-4)
    assert len(blind_set().items) == len(recs)


def test_training_never_reads_the_blind_set():
    """The blind set and the probes are test data: no training module names their files."""
    for module in ("training.py", "training_data.py", "stance.py", "article.py"):
        source = (REPO / "analysis" / module).read_text(encoding="utf-8")
        assert "blind" not in source.replace("The blind test set is never read here", "") and "probes" not in source


def test_validity_record_is_for_the_current_analyser():
    """eval/validity.json is what /validity shows: it must be rewritten (`evaluate --write`)
    whenever the method or its data change."""
    from analysis.evaluation.report import load_validity
    from analysis.scoring import reader

    _, version = reader()
    assert load_validity()["analyser_version"] == version


# ---------------------------------------------------------------- the command

def test_evaluate_command_end_to_end(shared_corpus):
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "evaluate"], cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    sets = dict(re.findall(r"^(gold|dev|blind): (\d+) texts", out, re.M))
    assert int(sets["gold"]) == len(load_gold()) and int(sets["blind"]) >= 300
    for name in sets:  # the analyser beside both baselines, each figure with an interval
        block = out.split(f"{name}: ", 1)[1].split("\n\n", 1)[0]
        for method in ("analyser", "always neutral", "TF-IDF + LR mean"):
            line = next(x for x in block.splitlines() if x.strip().startswith(method))
            assert re.search(r"sign \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]  macro-F1 \d\.\d{3} \[", line), line
        matrix = re.search(r"true \\ predicted.*\n((?:.*\n){3})", block).group(1)
        assert sum(int(v) for v in re.findall(r"\s(\d+)", matrix)) == int(sets[name])
        assert "reliability" in block
    assert re.search(r"probes: \d+ of \d+ minimal pairs ordered right", out)
    assert "Cohen's kappa" in out
    if "dev" not in sets:  # without the rebuilt openings the set is named and skipped, not silently dropped
        assert "dev: skipped" in out


def test_gold_path_constant_points_into_the_package():
    assert GOLD_PATH.parent.name == "data" and GOLD_PATH.exists()
