"""Issue 10, "Untrusted input", analysis side: bounded reading of hostile data files (bombs,
over-long lines and rows, millions of bad rows, deep JSON nesting, Parquet with huge repeated
strings), a damaged store, CSV formula cells and terminal escapes in the CLI output, and the
exit code when nothing usable was read. Limits are set small here so each test runs in seconds.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.corpus import IngestWarning, Limits, read_paths
from analysis.errors import FramingError
from analysis.limits import MB, json_depth_over
from analysis.models import Article, IngestError
from analysis.store import Store

REPO = Path(__file__).resolve().parents[1]
BODY = "The harbour board voted on Tuesday to build a second ferry terminal, its chair said after the meeting."


def cli(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, **(env or {})),
    )


def peak_rss_mb(*args, env=None) -> tuple[float, str]:
    """Peak RSS (MB) of one `python -m analysis ...` run, and its stderr. Measured as bench_bombs
    does, from a small intermediate process: a child forked straight from pytest would report
    pytest's own peak (Linux carries the pre-exec image into ru_maxrss)."""
    import tempfile

    from bench.bench_bombs import peak_rss_run

    with tempfile.TemporaryFile("w+") as err:
        rss, _ = peak_rss_run([sys.executable, "-m", "analysis", *map(str, args)], env or {}, err)
        err.seek(0)
        return rss, err.read()


def row(i, text=BODY, **kw) -> dict:
    return {"id": f"r{i}", "outlet": "Harbour Gazette", "title": f"Ferry story {i}", "date": "2021-03-02", "text": text, **kw}


def split(items):
    items = list(items)
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, IngestError) and not isinstance(i, IngestWarning)]
    return arts, errs


def stored_ids(db) -> set[str]:
    with Store(db) as store:
        return {a.id for a in store.articles()}


def no_traceback(r) -> None:
    assert "Traceback" not in r.stderr + r.stdout, r.stderr[-3000:]


# ---------------------------------------------------------------- 1. bounded reading


def test_one_huge_gzip_line_is_skipped_without_being_held_in_memory(tmp_path, tmp_db):
    """A 300 MB line inside a small .jsonl.gz: one error line, the next line is still read, and
    the process never holds the line (the record limit is 1 MB; Python alone is ~60 MB)."""
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(json.dumps(row(1)).encode() + b"\n")
        fh.write(b'{"id": "huge", "text": "')
        block = b"a" * MB
        for _ in range(300):
            fh.write(block)
        fh.write(b'"}\n')
        fh.write(json.dumps(row(3)).encode() + b"\n")
    env = {"FRAMING_MAX_RECORD_MB": "1", "FRAMING_MAX_RATIO": "100000"}
    rss, stderr = peak_rss_mb("ingest", path, "--db", tmp_db, env=env)
    assert "Traceback" not in stderr
    problems = [ln for ln in stderr.splitlines() if ln.startswith(f"{path}:")]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: line too long") and "the limit is 1 MB" in problems[0]
    assert stored_ids(tmp_db) == {"r1", "r3"}
    assert rss < 250, f"peak RSS {rss:.0f} MB: the over-long line was held in memory"


def test_csv_gz_bomb_is_streamed_and_stops_at_the_decompressed_limit(tmp_path, tmp_db):
    """A .csv.gz that decompresses to ~40 MB with a 4 MB data limit: the rows before the limit
    are kept, one line says where it stopped and why, the other file of the run is kept."""
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "text"])
        for i in range(100_000):
            w.writerow([f"c{i}", f"Row {i}", BODY + " " + "x" * 300])
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(row(9)) + "\n", encoding="utf-8")
    r = cli("ingest", path, other, "--db", tmp_db, env={"FRAMING_MAX_DATA_MB": "4", "FRAMING_MAX_RATIO": "100000"})
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(str(path))]
    assert len(lines) == 1 and "stopped: more than 4 MB of decompressed data" in lines[0], r.stderr
    ids = stored_ids(tmp_db)
    assert "r9" in ids and "c0" in ids and 5_000 < len(ids) < 11_000


def test_a_compressed_file_may_expand_at_most_max_ratio_times(tmp_path):
    path = tmp_path / "ratio.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(20_000):
            fh.write(json.dumps(row(i)) + "\n")  # the same text again and again: ~23x smaller gzipped
    arts, errs = split(read_paths([path], Limits(max_ratio=10)))
    assert len(errs) == 1 and "of decompressed data (10x the file's 0.115 MB" in errs[0].reason
    assert 0 < len(arts) < 20_000
    arts, errs = split(read_paths([path], Limits()))
    assert not errs and len(arts) == 20_000


def test_millions_of_bad_lines_stop_after_max_errors(tmp_path):
    """`{}` lines (no text): 100 error lines, then one line saying reading stopped, quickly."""
    path = tmp_path / "empty-objects.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"{}\n" * 1_000_000)
    items = list(read_paths([path], Limits()))
    assert len(items) == 101
    assert all(e.reason == "no 'text' field" for e in items[:100])
    assert str(items[100]) == f"{path}: stopped after 100 errors; the rest of the file was skipped"


def test_warnings_past_max_errors_are_counted_not_listed_and_the_rows_kept(tmp_path):
    path = tmp_path / "dates.jsonl"
    path.write_text("".join(json.dumps(row(i, date="some day")) + "\n" for i in range(30)), encoding="utf-8")
    items = list(read_paths([path], Limits(max_errors=5)))
    warns = [i for i in items if isinstance(i, IngestWarning)]
    assert len([i for i in items if isinstance(i, Article)]) == 30
    assert len(warns) == 6 and warns[-1].reason == "25 more warning(s) like those above, not listed"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_rows_past_max_rows_are_not_read(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    rows = [row(i) for i in range(10)]
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    arts, errs = split(read_paths([path], Limits(max_rows=4)))
    assert len(errs) == 1 and ("the limit" in errs[0].reason) and "4" in errs[0].reason, errs
    if suffix == ".parquet":  # refused from the footer's row count, before reading
        assert arts == [] and errs[0].reason == "too many rows (10; the limit is 4)"
    else:
        assert [a.id for a in arts] == ["r0", "r1", "r2", "r3"]


def test_csv_over_long_row_is_skipped_and_the_next_rows_kept(tmp_path):
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerow(["a", BODY])
        w.writerow(["huge", "y" * 50_000])
        w.writerow(["multi", ("a quoted cell over many lines\n" * 2000)])
        w.writerow(["b", BODY])
    arts, errs = split(read_paths([path], Limits(max_record_bytes=10_000)))
    assert [a.id for a in arts] == ["a", "b"]
    assert [(e.line, e.reason.split(" (")[0]) for e in errs] == [(3, "row too large"), (4, "row too large")]


def _parquet_bomb(path: Path, rows: int, value_mb: float) -> None:
    """`rows` rows whose text is the same `value_mb` MB string: a few KB on disk (dictionary
    encoding and compression), `rows * value_mb` MB once expanded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = pa.array([("Ankara said the talks went on. " * int(value_mb * MB / 31))]).dictionary_encode()
    table = pa.table({
        "id": pa.array([f"p{i}" for i in range(rows)]),
        "text": pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), text.dictionary),
    })
    pq.write_table(table, path, compression="zstd")


def test_parquet_of_huge_repeated_strings_is_bounded(tmp_path):
    """A tiny Parquet file whose rows all hold one 2 MB string (300 MB once expanded): reading
    stops at the data limit, each row's size is known before it becomes a Python string."""
    path = tmp_path / "bomb.parquet"
    _parquet_bomb(path, rows=150, value_mb=2)
    assert path.stat().st_size < 100_000
    arts, errs = split(read_paths([path], Limits(max_data_bytes=10 * MB, max_ratio=10**9)))
    assert len(arts) <= 5 and len(errs) == 1
    assert "stopped: more than 10 MB of text" in errs[0].reason
    arts, errs = split(read_paths([path], Limits(max_record_bytes=MB, max_ratio=10**9)))
    assert arts == [] and len(errs) == 101 and errs[0].reason.startswith("row too large (2 MB; the limit is 1 MB)")
    assert errs[-1].reason.startswith("stopped after 100 errors")
    # default limits: a file this small may expand to 1 MB at most (100x its size is less),
    # and its footer already declares a 2 MB dictionary page: refused before reading
    arts, errs = split(read_paths([path]))
    assert arts == [] and [e.reason for e in errs] == ["file too large (2 MB uncompressed; the limit for this file is 1 MB)"]


def test_parquet_declaring_more_than_the_limit_is_refused_from_its_footer(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": [BODY * 2000, BODY * 2000]}), path,
                   use_dictionary=False, compression="zstd")
    arts, errs = split(read_paths([path], Limits(max_data_bytes=100_000, max_ratio=10**9)))
    assert arts == [] and errs[0].reason.startswith("file too large (") and "uncompressed" in errs[0].reason


def test_a_batch_of_large_articles_is_written_before_it_holds_more_than_batch_bytes(tmp_path, tmp_db, monkeypatch):
    from analysis import pipeline

    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(row(i, text=BODY * 100)) + "\n" for i in range(10)), encoding="utf-8")
    monkeypatch.setattr(pipeline, "BATCH_BYTES", 25_000)  # about two of these articles
    sizes = []
    with Store(tmp_db) as store:
        original = store.add_articles
        store.add_articles = lambda batch: sizes.append(len(batch)) or original(batch)
        report = pipeline.ingest_paths(store, [path])
    assert report.added == 10 and max(sizes) <= 3 and sum(sizes) == 10


# ---------------------------------------------------------------- 2. deep JSON nesting


def test_deeply_nested_json_line_is_one_error_and_the_following_lines_are_kept(tmp_path, tmp_db):
    path = tmp_path / "nested.jsonl"
    path.write_text(
        json.dumps(row(1)) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n" + '{"a":' * 100_000 + "\n" + json.dumps(row(4)) + "\n",
        encoding="utf-8",
    )
    r = cli("ingest", path, "--db", tmp_db)
    no_traceback(r)
    assert r.returncode == 0
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith(str(path))]
    assert lines == [f"{path}:2: nested deeper than 64 levels", f"{path}:3: nested deeper than 64 levels"], r.stderr
    assert stored_ids(tmp_db) == {"r1", "r4"}


def test_depth_check_counts_only_brackets_outside_strings():
    assert not json_depth_over(json.dumps({"text": "[" * 500 + "{" * 500}), 64)
    assert not json_depth_over("[" * 64 + "]" * 64, 64)
    assert json_depth_over("[" * 65 + "]" * 65, 64)
    assert json_depth_over('{"a": "\\"[[[", "b": ' + "[" * 70 + "]" * 70 + "}", 64)
    assert not json_depth_over("[]" * 10_000, 64)


# ---------------------------------------------------------------- 3. damaged store


def _damaged_store(db: Path) -> bytes:
    """A valid store of ours whose second half of pages is garbage: it opens, and the first
    rows of a query come back before the damage is met."""
    with Store(db) as store:
        store.add_articles([Article(f"t{i}", "Test Wire", f"Report {i}", f"Talks continued on day {i}. " * 100) for i in range(300)])
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    cut = len(data) // page // 2 * page
    data[cut:] = random.Random(7).randbytes(len(data) - cut)
    db.write_bytes(bytes(data))
    return bytes(data)


def test_damaged_store_is_refused_for_writing_in_one_line(tmp_path, tmp_db):
    before = _damaged_store(tmp_db)
    sample = tmp_path / "one.jsonl"
    sample.write_text(json.dumps(row(1)) + "\n", encoding="utf-8")
    for command in ("ingest", "score"):
        r = cli(command, sample, "--db", tmp_db, "--format" if command == "score" else "--strict", *(["jsonl"] if command == "score" else []))
        no_traceback(r)
        assert r.returncode == 2
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_db}: the store is damaged (")
        assert lines[0].endswith("; nothing was written")
        assert tmp_db.read_bytes() == before
    with pytest.raises(FramingError, match="the store is damaged"):
        with Store(tmp_db) as store:
            store.add_articles([Article("new", "W", "T", BODY)])
    assert tmp_db.read_bytes() == before


def test_reads_of_a_damaged_store_are_one_line_errors(tmp_db):
    _damaged_store(tmp_db)
    with Store(tmp_db) as store:  # opening to read does not scan the file
        with pytest.raises(FramingError) as exc:
            list(store.articles())
    message = str(exc.value)
    assert str(tmp_db) in message and "damaged" in message and "\n" not in message


def test_db_under_a_regular_file_is_one_line(tmp_path):
    blocker = tmp_path / "somefile.txt"
    blocker.write_text("notes\n", encoding="utf-8")
    sample = tmp_path / "one.jsonl"
    sample.write_text(json.dumps(row(1)) + "\n", encoding="utf-8")
    r = cli("ingest", sample, "--db", blocker / "x.db")
    no_traceback(r)
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: cannot create the store {blocker / 'x.db'}: {blocker} is a file, not a folder"
    assert blocker.read_text(encoding="utf-8") == "notes\n"


def test_quick_check_runs_once_per_store_before_its_first_write(tmp_db, monkeypatch):
    calls = []
    original = Store._check
    monkeypatch.setattr(Store, "_check", lambda self, conn: calls.append(1) or original(self, conn))
    with Store(tmp_db) as store:
        assert calls == []  # a reader pays nothing
        store.add_articles([Article("a", "W", "T", BODY)])
        store.add_articles([Article("b", "W", "T", BODY + " Again.")])
        assert calls == [1]


# ---------------------------------------------------------------- 4. CLI output injection


class _Stand:
    """A deterministic stand-in analyser (scoring is not what these tests are about)."""

    version = "test-stand-in-1"

    def score_many(self, articles):
        from analysis.models import ArticleScore

        return [ArticleScore(a.content_hash, self.version, -0.25, "neutral", 0.5, n_sentences=1) for a in articles]


HOSTILE_ROWS = [
    {"id": "=1+2", "outlet": "=HYPERLINK(\"https://attacker.example\",\"open\")", "title": "+SUM(A1)",
     "url": "@cmd", "date": "2021-03-02", "text": BODY},
    {"id": "minus", "outlet": "-2+3", "title": "\tTabbed", "url": "\rreturn", "text": BODY + " Two."},
    {"id": "esc", "outlet": "Wire\x1b]0;pwned\x07", "title": "Red \x1b[31malert\x1b[0m \u202egnp.exe \x9b2J",
     "text": BODY + " Three."},
]


def _score(tmp_path, tmp_db, fmt, capsys) -> str:
    from analysis.pipeline import run_score

    src = tmp_path / "hostile.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE_ROWS), encoding="utf-8")
    assert run_score([src], db=tmp_db, fmt=fmt, analyser=_Stand()) == 0
    return capsys.readouterr().out


def _number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def test_score_csv_neutralises_formula_cells(tmp_path, tmp_db, capsys):
    out = _score(tmp_path, tmp_db, "csv", capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    cells = [c for r in rows for c in r.values()]
    formulas = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not _number(c)]
    assert not formulas, formulas
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"'=1+2", "minus", "esc"}
    assert by_id["'=1+2"]["outlet"].startswith("'=HYPERLINK(") and by_id["'=1+2"]["title"] == "'+SUM(A1)"
    assert by_id["'=1+2"]["url"] == "'@cmd" and by_id["minus"]["outlet"] == "'-2+3"
    assert float(by_id["minus"]["framing"]) == -0.25  # numbers stay numbers


def test_score_table_shows_no_terminal_control_characters(tmp_path, tmp_db, capsys):
    out = _score(tmp_path, tmp_db, "table", capsys)
    bad = [c for c in out if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
    assert not bad, [hex(ord(c)) for c in bad]
    assert "Red \ufffd[31malert\ufffd[0m \ufffdgnp.exe \ufffd2J"[:40] in out


def test_dashboard_csv_export_uses_the_same_neutraliser():
    from analysis import safe_text
    from dashboard import export

    assert export.neutralise is safe_text.neutralise
    assert "def neutralise" not in (REPO / "dashboard" / "export.py").read_text(encoding="utf-8")


# ---------------------------------------------------------------- 5. exit codes


@pytest.mark.parametrize("command", ["ingest", "score"])
@pytest.mark.parametrize("case", ["missing", "empty-folder", "unsupported", "only-bad-rows"])
def test_nothing_usable_read_exits_non_zero(tmp_path, tmp_db, command, case):
    if case == "missing":
        target = tmp_path / "no-such-folder"
    elif case == "empty-folder":
        target = tmp_path / "empty"
        target.mkdir()
    elif case == "unsupported":
        target = tmp_path / "docs"
        target.mkdir()
        (target / "notes.docx").write_bytes(b"PK\x03\x04")
    else:
        target = tmp_path / "bad.jsonl"
        target.write_text("{}\nnot json\n", encoding="utf-8")
    r = cli(command, target, "--db", tmp_db)
    no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert r.stderr.splitlines()[-1] == "error: nothing usable was read from the given paths (not one article could be read from them)"
