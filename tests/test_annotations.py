"""Codes in the store, the coding queue, agreement, and the `annotations` / `agreement` commands
(through the real entry point: `python -m analysis ...`)."""
from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agreement_by_hand import cohen_kappa, nominal_alpha
from analysis.agreement import model_vs_coders, store_agreement
from analysis.annotations import (Code, adjudicate, check_code, code_history, current_codes, disagreements,
                                  reference_labels, save_codes)
from analysis.coding_queue import next_article
from analysis.errors import FramingError
from analysis.lexicon import Lexicon
from analysis.models import Article, ArticleScore
from analysis.store import Store

REPO = Path(__file__).resolve().parents[1]
LABELS = ("pro-Washington", "neutral", "pro-Ankara", "off-topic")
W, N, A, OFF = LABELS


def article(i: int, outlet: str) -> Article:
    return Article(id=f"a{i}", outlet=outlet, title=f"Title {i}", text=f"First sentence of {i}. Second one.",
                   source="made-up")


@pytest.fixture()
def store(tmp_path):
    """Eight articles: five from the Gazette, two from the Courier, one from the Wire."""
    outlets = ["Gazette"] * 5 + ["Courier"] * 2 + ["Wire"]
    with Store(tmp_path / "codes.db") as s:
        s.add_articles([article(i, o) for i, o in enumerate(outlets)])
        yield s


def code(store, article_id, coder, label, **kw) -> None:
    save_codes(store, [check_code(Code(article_id, coder, label, codebook="1.test", **kw), LABELS)])


# ---------------------------------------------------------------- codes in the store


def test_a_second_code_replaces_the_first_and_keeps_the_history(store):
    code(store, "a0", "ann", W, sentences=(2, 1, 2), note=" first read ")
    code(store, "a0", "ann", N, note="on second reading")
    code(store, "a0", "bob", N)
    current = {(c.coder, c.label) for c in current_codes(store)}
    assert current == {("ann", N), ("bob", N)}
    history = code_history(store, "a0")
    assert [(c.coder, c.label) for c in history] == [("ann", W), ("ann", N), ("bob", N)]
    assert history[0].sentences == (1, 2) and history[0].note == "first read"  # sorted, trimmed
    assert history[0].content_hash == store.get_article("a0").content_hash


@pytest.mark.parametrize("bad,message", [
    (Code("a0", "", N), "empty coder"),
    (Code("a0", "ann", "sideways"), "label 'sideways' is not one of"),
    (Code("a0", "ann", N, note="x" * 2001), "note longer than 2000"),
])
def test_bad_codes_are_refused_with_the_reason(store, bad, message):
    with pytest.raises(FramingError, match=message):
        save_codes(store, [check_code(bad, LABELS)])
    assert current_codes(store) == []


def test_a_code_of_an_unknown_article_stores_nothing(store):
    with pytest.raises(FramingError, match="unknown article 'nope'"):
        save_codes(store, [Code("a1", "ann", N), Code("nope", "ann", N)])
    assert current_codes(store) == []


def test_reference_labels_adjudicated_else_strict_majority(store):
    code(store, "a0", "ann", W)
    code(store, "a0", "bob", W)
    code(store, "a0", "cyd", N)  # 2 to 1: majority
    code(store, "a1", "ann", W)
    code(store, "a1", "bob", N)  # tie: no reference until adjudicated
    code(store, "a2", "ann", A)  # one coder: their label
    refs = reference_labels(store)
    assert {a: (r.label, r.basis) for a, r in refs.items()} == {"a0": (W, "majority"), "a2": (A, "majority")}
    assert [(d.article_id, d.labels) for d in disagreements(store)] == [("a0", {"ann": W, "bob": W, "cyd": N}),
                                                                        ("a1", {"ann": W, "bob": N})]
    adjudicate(store, "a1", W, "root", LABELS)
    adjudicate(store, "a1", N, "root", LABELS, note="the headline is plain")
    assert (reference_labels(store)["a1"].label, reference_labels(store)["a1"].basis) == (N, "adjudicated")
    rows = sqlite3.connect(store.path).execute("SELECT label, current FROM adjudications ORDER BY id").fetchall()
    assert rows == [(W, 0), (N, 1)]  # the first decision is kept


# ---------------------------------------------------------------- the queue


def test_sample_is_stratified_by_outlet_and_shared_between_coders(store):
    rng = random.Random(3)
    drawn = []
    for _ in range(3):
        article_id = next_article(store, "ann", "sample", "v", rng=rng)
        drawn.append(store.get_article(article_id).outlet)
        code(store, article_id, "ann", N)
    assert sorted(drawn) == ["Courier", "Gazette", "Wire"]  # one per outlet before any gets a second
    fourth = store.get_article(next_article(store, "ann", "sample", "v", rng=rng)).outlet
    assert fourth in ("Courier", "Gazette")  # the Wire has nothing left
    ann = [c.article_id for c in current_codes(store)]
    bob = []
    for _ in range(3):  # bob gets ann's articles first, in her order
        bob.append(next_article(store, "bob", "sample", "v", rng=rng))
        code(store, bob[-1], "bob", N)
    assert bob == ann
    assert next_article(store, "cyd", "sample", "v", skip=(ann[0],)) == ann[1]


def test_unsure_gives_the_lowest_confidence_first(store):
    scored = {"a3": 0.41, "a5": 0.38, "a6": 0.90, "a1": 0.55}
    store.save_scores([ArticleScore(store.get_article(a).content_hash, "v", 0.0, N, c) for a, c in scored.items()])
    assert next_article(store, "ann", "unsure", "v") == "a5"
    code(store, "a5", "ann", N)
    assert next_article(store, "ann", "unsure", "v") == "a3"
    assert next_article(store, "bob", "unsure", "v") == "a5"
    assert next_article(store, "ann", "unsure", "another version") is None


def test_disagreements_go_to_a_third_coder_until_adjudicated(store):
    code(store, "a2", "ann", W)
    code(store, "a2", "bob", A)
    code(store, "a4", "ann", N)
    code(store, "a4", "bob", N)
    assert next_article(store, "cyd", "disagreements", "v") == "a2"
    assert next_article(store, "ann", "disagreements", "v") is None  # she coded it already
    adjudicate(store, "a2", W, "root", LABELS)
    assert next_article(store, "cyd", "disagreements", "v") is None


# ---------------------------------------------------------------- agreement


HAND_EXAMPLE = [  # article, coder, label
    ("a0", "ann", A), ("a0", "bob", A), ("a0", "cyd", A),
    ("a1", "ann", N), ("a1", "bob", N), ("a1", "cyd", W),
    ("a2", "ann", W), ("a2", "bob", N),
    ("a3", "ann", A), ("a3", "cyd", A),
    ("a4", "ann", OFF), ("a4", "bob", OFF),
    ("a5", "ann", N),  # coded once: not pairable
]


def _write_csv(path: Path, rows: list[tuple], header=("article_id", "coder", "label")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=REPO)


def test_agreement_json_is_the_arithmetic_by_hand(store, tmp_path):
    done = cli("annotations", "import", str(_write_csv(tmp_path / "codes.csv", HAND_EXAMPLE)), "--db", str(store.path))
    assert done.returncode == 0, done.stderr
    done = cli("agreement", "--db", str(store.path), "--format", "json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert {"alpha", "items", "coders", "pairs"} <= set(got)
    units = {}
    for a, _, label in HAND_EXAMPLE:
        units.setdefault(a, []).append(label)
    # Coincidences: a0 A-A 6 pairs x 1/2; a1 N-N 2 x 1/2, N-W and W-N 2 x 1/2 each; a2 W-N, N-W 1
    # each; a3 A-A 2; a4 O-O 2. n = 12 values; disagreeing coincidences 4; n_A 5, n_N 3, n_W 2, n_O 2.
    assert nominal_alpha(list(units.values())) == pytest.approx(1 - 11 * 4 / (12 * 12 - (25 + 9 + 4 + 4)))
    assert got["alpha"] == pytest.approx(nominal_alpha(list(units.values())), abs=1e-6)
    assert got["items"] == 5 and got["coders"] == ["ann", "bob", "cyd"]
    pairs = {tuple(p["coders"]): (p["kappa"], p["n"]) for p in got["pairs"]}
    assert pairs[("ann", "bob")] == (pytest.approx(cohen_kappa([A, N, W, OFF], [A, N, N, OFF]), abs=1e-6), 4)
    assert pairs[("ann", "bob")][0] == pytest.approx(2 / 3, abs=1e-6)  # p_o 3/4, p_e 4/16
    assert pairs[("ann", "cyd")] == (pytest.approx(0.4, abs=1e-6), 3)  # p_o 2/3, p_e 4/9
    assert pairs[("bob", "cyd")] == (pytest.approx(1 / 3, abs=1e-6), 2)  # p_o 1/2, p_e 1/4
    table = cli("agreement", "--db", str(store.path)).stdout
    assert f"alpha (nominal): {got['alpha']:.3f} over 5 article(s)" in table and "ann & bob  0.667  (n 4)" in table


def test_import_refuses_bad_rows_one_line_each_and_keeps_the_rest(store, tmp_path):
    rows = [("a0", "ann", A), ("a9", "ann", N), ("a1", "", N), ("a2", "bob", "sideways"), ("a3", "bob", OFF),
            ("a4", "bob", N, "x" * 2001), ("a5", "cyd", W, "", "2 x")]
    path = _write_csv(tmp_path / "bad.csv", rows, ("article_id", "coder", "label", "note", "sentences"))
    done = cli("annotations", "import", str(path), "--db", str(store.path))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith(str(path))]
    assert problems == [f"{path}:3: unknown article 'a9'", f"{path}:4: empty coder",
                        f"{path}:5: label 'sideways' is not one of pro-Washington, neutral, pro-Ankara, off-topic",
                        f"{path}:7: note longer than 2000 characters",
                        f"{path}:8: sentences '2 x' are not sentence numbers"]
    assert "2 code(s) imported" in done.stderr
    assert {(c.article_id, c.label) for c in current_codes(store)} == {("a0", A), ("a3", OFF)}
    missing = cli("annotations", "import", str(_write_csv(tmp_path / "x.csv", [("a0", "ann")], ("article_id", "coder"))),
                  "--db", str(store.path))
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: {tmp_path / 'x.csv'}: missing column(s) label; nothing imported"


def test_export_round_trips_through_import(store, tmp_path):
    code(store, "a0", "ann", A, sentences=(0, 3), note="=HYPERLINK(\"x\"), a formula-looking note")
    code(store, "a0", "bob", N, note="line one\nline two")
    code(store, "a1", "ann", OFF)
    first = cli("annotations", "export", "--db", str(store.path))
    assert first.returncode == 0, first.stderr
    assert "'=HYPERLINK" in first.stdout  # a spreadsheet shows it, never runs it
    (tmp_path / "export.csv").write_text(first.stdout, encoding="utf-8")
    with Store(tmp_path / "copy.db") as copy:
        copy.add_articles([article(i, "Gazette" if i < 5 else "Courier") for i in range(8)])
    assert cli("annotations", "import", str(tmp_path / "export.csv"), "--db", str(tmp_path / "copy.db")).returncode == 0
    second = cli("annotations", "export", "--db", str(tmp_path / "copy.db"))
    assert second.stdout == first.stdout
    rows = list(csv.DictReader(io.StringIO(second.stdout)))
    assert rows[0]["sentences"] == "0 3" and rows[1]["note"] == "line one\nline two"
    with Store(tmp_path / "copy.db") as copy:
        assert current_codes(copy)[0].note.startswith("=HYPERLINK")


def test_commands_refuse_a_missing_store_in_one_line(tmp_path):
    for args in (("agreement",), ("annotations", "export")):
        done = cli(*args, "--db", str(tmp_path / "none.db"))
        assert done.returncode == 2 and done.stderr.strip() == f"error: {tmp_path / 'none.db'}: no such store"
    assert not (tmp_path / "none.db").exists()


def test_model_against_the_coders_reads_the_stored_scores(store):
    lex = Lexicon.load()
    scores = {"a0": (A, 0.9, 0.8), "a1": (N, 0.0, 0.6), "a2": (A, 0.5, 0.7)}
    store.save_scores([ArticleScore(store.get_article(a).content_hash, "v", f, lab, c) for a, (lab, f, c) in scores.items()])
    for a, label in (("a0", A), ("a1", W), ("a2", A), ("a3", OFF), ("a4", N)):
        code(store, a, "ann", label)
    result = model_vs_coders(store, lex, "v")
    assert (result.references, result.off_topic, result.unscored) == (5, 1, 1)  # a4 has no score of "v"
    assert result.report.n == 3 and result.report.accuracy.value == pytest.approx(2 / 3)
    assert result.report.confusion == [[0, 1, 0], [0, 0, 0], [0, 0, 2]]
    assert store_agreement(store).alpha is None  # one coder: nothing to agree on


def test_every_argument_of_the_coding_commands_has_help():
    import argparse

    from analysis.__main__ import build_parser

    def commands(parser):
        return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices

    top = commands(build_parser())
    parsers = [top["train"], top["agreement"], top["annotations"], *commands(top["annotations"]).values()]
    for parser in parsers:
        actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
        assert actions and all(a.help for a in actions), parser.prog
