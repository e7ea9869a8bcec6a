"""`python -m analysis ingest|score` as a user runs it: the bad-input matrix (one stderr line
naming the file and reason, no traceback, the rest ingested, --strict non-zero, earlier data
kept), output formats, Parquet output, and an end-to-end run on the real sample corpus."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.lexicon import Lexicon
from analysis.models import ArticleScore
from analysis.pipeline import run_score
from analysis.store import Store

LABELS = Lexicon.load().labels

REPO = Path(__file__).resolve().parents[1]

GOOD = "The harbour board voted on Tuesday to build a second ferry terminal, its chair said after the meeting."
EARLIER = "Engineers inspected the old bridge on Monday and found cracks in two of its main cables."


def cli(*args, env=None, timeout=180):
    import os

    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env
    )


@pytest.fixture
def seeded_db(tmp_path, tmp_db):
    """A store that already holds one article from an earlier run."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "kept-before.txt").write_text("Bridge Cracks Found\n\n" + EARLIER, encoding="utf-8")
    r = cli("ingest", earlier, "--db", tmp_db)
    assert r.returncode == 0, r.stderr
    return tmp_db


def stored(db) -> dict:
    with Store(db) as store:
        return {a.id: a for a in store.articles()}


def make_good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "good.txt"
    path.write_text("Board Backs Ferry Terminal\n\n" + GOOD, encoding="utf-8")
    return path


def check_matrix_case(db, paths, bad: Path, reason: str, line: int | None = None, env=None, new_ids=("good",)):
    """Non-strict: exit 0, one line naming the file (and line) and reason, the rest ingested.
    Strict: exit 1, nothing from the run stored. Both: the earlier article is still there."""
    before = stored(db)
    strict = cli("ingest", *paths, "--db", db, "--strict", env=env)
    assert strict.returncode == 1, strict.stderr
    assert "Traceback" not in strict.stderr + strict.stdout
    assert stored(db) == before
    r = cli("ingest", *paths, "--db", db, env=env)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stdout == ""
    where = f"{bad}:{line}: " if line is not None else f"{bad}: "
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(where)]
    assert len(lines) == 1, r.stderr
    assert reason in lines[0], lines[0]
    after = stored(db)
    assert "kept-before" in after and after["kept-before"] == before["kept-before"]
    for article_id in new_ids:
        assert article_id in after, r.stderr
    return after


def test_empty_file(tmp_path, seeded_db):
    good = make_good(tmp_path / "in")
    bad = tmp_path / "in" / "empty.txt"
    bad.write_bytes(b"")
    check_matrix_case(seeded_db, [tmp_path / "in"], bad, "empty file")


def test_binary_file(tmp_path, seeded_db):
    make_good(tmp_path / "in")
    bad = tmp_path / "in" / "photo.txt"
    bad.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8)
    check_matrix_case(seeded_db, [tmp_path / "in"], bad, "binary file")


@pytest.mark.parametrize(
    "encoding, sentence",
    [
        ("latin-1", "Foreign Minister Mevlüt Çavusoglu said in Zürich that the deal was final, señor."),
        ("cp1252", "“We will not step back,” Çavusoglu said – the deal’s fate is sealed."),
    ],
)
def test_legacy_encodings_are_decoded_not_rejected(tmp_path, tmp_db, encoding, sentence):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "legacy.txt").write_bytes(("Minister Speaks On Deal\n\n" + sentence + "\n").encode(encoding))
    r = cli("ingest", folder, "--db", tmp_db, "--strict")
    assert r.returncode == 0, r.stderr
    assert stored(tmp_db)["legacy"].text == sentence


def test_file_over_the_size_limit(tmp_path, seeded_db):
    make_good(tmp_path / "in")
    bad = tmp_path / "in" / "huge.txt"
    with bad.open("w", encoding="utf-8") as fh:
        chunk = (GOOD + "\n\n") * 1000
        while fh.tell() < 21 * 1024 * 1024:  # the default limit is 20 MB
            fh.write(chunk)
    check_matrix_case(seeded_db, [tmp_path / "in"], bad, "file too large")


def test_size_limit_is_configurable(tmp_path, seeded_db):
    make_good(tmp_path / "in")
    bad = tmp_path / "in" / "long.txt"
    bad.write_text("Long Article Title Here\n\n" + (GOOD + "\n\n") * 50, encoding="utf-8")
    check_matrix_case(seeded_db, [tmp_path / "in"], bad, "the limit is 0.002 MB", env={"FRAMING_MAX_DOCUMENT_MB": "0.002"})


def _row(i, text=GOOD, **kw):
    return json.dumps({"id": f"j{i}", "outlet": "Harbour Gazette", "title": f"Ferry story {i}", "date": "2021-03-02", "text": text, **kw})


def test_malformed_jsonl_line(tmp_path, seeded_db):
    bad = tmp_path / "rows.jsonl"
    bad.write_text("\n".join([_row(1), '{"id": "j2", "text": "unterminated', _row(3)]) + "\n", encoding="utf-8")
    check_matrix_case(seeded_db, [bad], bad, "malformed JSON", line=2, new_ids=("j1", "j3"))


def test_csv_without_text_column(tmp_path, seeded_db):
    good = make_good(tmp_path / "in")
    bad = tmp_path / "table.csv"
    bad.write_text("id,title,outlet\n1,Something,Somewhere\n", encoding="utf-8")
    check_matrix_case(seeded_db, [good, bad], bad, "no 'text' column")


def test_unparseable_date_keeps_the_article_with_date_unknown(tmp_path, seeded_db):
    bad = tmp_path / "rows.jsonl"
    bad.write_text("\n".join([_row(1, date="the day after the vote"), _row(2)]) + "\n", encoding="utf-8")
    after = check_matrix_case(seeded_db, [bad], bad, "unparseable date", line=1, new_ids=("j1", "j2"))
    assert (after["j1"].date, after["j1"].date_precision) == (None, "unknown")
    assert (after["j2"].date, after["j2"].date_precision) == ("2021-03-02", "day")


def test_duplicate_ids_with_different_text(tmp_path, seeded_db):
    bad = tmp_path / "rows.jsonl"
    other = "A completely different article about the city budget was published on the same day."
    bad.write_text("\n".join([_row(1), _row(2), _row(1, text=other)]) + "\n", encoding="utf-8")
    after = check_matrix_case(seeded_db, [bad], bad, "duplicate id 'j1'", line=3, new_ids=("j1", "j2"))
    assert after["j1"].text == GOOD  # the first one is kept


def test_same_id_from_another_file_with_different_text_is_refused(tmp_path, seeded_db):
    first = tmp_path / "a.jsonl"
    first.write_text(_row(7) + "\n", encoding="utf-8")
    assert cli("ingest", first, "--db", seeded_db).returncode == 0
    second = tmp_path / "b.jsonl"
    second.write_text(_row(7, text="Another outlet's story about something else entirely, on another day.") + "\n" + _row(8) + "\n", encoding="utf-8")
    after = check_matrix_case(seeded_db, [second], second, "already stored from", line=1, new_ids=("j8",))
    assert after["j7"].text == GOOD


def test_reingest_is_idempotent(tmp_path, tmp_db):
    folder = tmp_path / "in"
    make_good(folder)
    assert "1 new" in cli("ingest", folder, "--db", tmp_db).stderr
    again = cli("ingest", folder, "--db", tmp_db)
    assert again.returncode == 0 and "0 new, 0 updated, 1 unchanged" in again.stderr


def test_foreign_db_is_refused_in_one_line(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("my notes, not a database\n", encoding="utf-8")
    make_good(tmp_path / "in")
    r = cli("ingest", tmp_path / "in", "--db", db)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and str(db) in r.stderr and "Traceback" not in r.stderr
    assert db.read_text(encoding="utf-8") == "my notes, not a database\n"


# ---------------------------------------------------------------- score plumbing (stand-in analyser)


class LengthAnalyser:
    """A tiny deterministic stand-in for analysis.scoring.Analyser."""

    version = "test-length-1"

    def __init__(self):
        self.calls = 0

    def score_many(self, articles):
        self.calls += len(articles)
        out = []
        for a in articles:
            f = round(min(1.0, len(a.text) / 1000), 3)
            out.append(ArticleScore(a.content_hash, self.version, f, "pro-Ankara" if f > 0.1 else "neutral", 0.5,
                                    frames={"size": f}, voices={"x": 1.0}, n_sentences=a.text.count(".")))
        return out


def _inputs(tmp_path) -> Path:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join([_row(3), _row(1, text=GOOD + " " + EARLIER), _row(2, date="")]) + "\n", encoding="utf-8")
    return rows


def test_score_jsonl_records_sorted_with_every_field(tmp_path, tmp_db, capsys):
    analyser = LengthAnalyser()
    assert run_score([_inputs(tmp_path)], db=tmp_db, fmt="jsonl", with_text=True, analyser=analyser) == 0
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["j1", "j2", "j3"]
    for key in ("id", "outlet", "title", "date", "date_precision", "url", "framing", "label", "confidence", "frames",
                "voices", "sentiment", "subjectivity", "components", "evidence", "analyser_version", "text"):
        assert key in records[0]
    assert records[1]["date"] is None and records[1]["date_precision"] == "unknown"
    assert records[0]["analyser_version"] == "test-length-1" and records[0]["frames"]["size"] == records[0]["framing"]
    assert analyser.calls == 3
    # Second run: everything is cached by content hash and analyser version.
    assert run_score([_inputs(tmp_path)], db=tmp_db, fmt="jsonl", analyser=analyser) == 0
    assert analyser.calls == 3
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["framing"] for r in again] == [r["framing"] for r in records] and "text" not in again[0]


def test_score_csv_and_table(tmp_path, tmp_db, capsys):
    run_score([_inputs(tmp_path)], db=tmp_db, fmt="csv", analyser=LengthAnalyser())
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in rows] == ["j1", "j2", "j3"]
    assert json.loads(rows[0]["frames"]) == {"size": float(rows[0]["framing"])}
    run_score([_inputs(tmp_path)], db=tmp_db, fmt="table", analyser=LengthAnalyser())
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["id", "outlet", "date", "label"] and len(lines) == 2 + 3
    assert lines[2].startswith("j1 ")


def test_score_out_writes_partitioned_parquet(tmp_path, tmp_db, capsys):
    import pyarrow.dataset as ds

    out = tmp_path / "scores"
    run_score([_inputs(tmp_path)], db=tmp_db, fmt="jsonl", out=out, analyser=LengthAnalyser())
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (out / "outlet=Harbour%20Gazette").is_dir() or (out / "outlet=Harbour Gazette").is_dir()
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pylist()
    assert sorted(r["id"] for r in table) == [r["id"] for r in printed]
    assert {r["outlet"] for r in table} == {"Harbour Gazette"}


def test_score_strict_with_bad_input_prints_nothing_and_fails(tmp_path, tmp_db, capsys):
    rows = _inputs(tmp_path)
    rows.write_text(rows.read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
    assert run_score([rows], db=tmp_db, strict=True, fmt="jsonl", analyser=LengthAnalyser()) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and f"{rows}:4: malformed JSON" in captured.err
    assert run_score([rows], db=tmp_db, fmt="jsonl", analyser=LengthAnalyser()) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


# ---------------------------------------------------------------- end to end, real analyser


def test_score_cli_on_the_sample_corpus(shared_corpus, tmp_db):
    pytest.importorskip("analysis.scoring")
    r = cli("score", shared_corpus / "s400", "--db", tmp_db, "--format", "jsonl", timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["id"][:3] for x in records] == ["000", "001", "002", "003", "004"]
    for x in records:
        assert x["label"] in LABELS and -1 <= x["framing"] <= 1 and 0 <= x["confidence"] <= 1
        assert x["outlet"] and x["title"] and x["analyser_version"]
    assert {x["id"][:3]: (x["date"], x["date_precision"]) for x in records}["002"] == ("2017-07-28", "day")
    again = cli("score", shared_corpus / "s400", "--db", tmp_db, "--format", "jsonl", timeout=600)
    assert again.returncode == 0 and [json.loads(line) for line in again.stdout.splitlines()] == records
