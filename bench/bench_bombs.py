"""Hostile inputs (issue 10): peak memory and time of `python -m analysis ingest` on each bomb.

    .venv/bin/python bench/bench_bombs.py [--only NAME ...] [--keep DIR] [--slow]

Builds each bomb in a temporary folder, ingests it (beside one good file, which must still be
stored) in a fresh subprocess with the default limits, and prints that process's peak RSS
(getrusage of the child, spawned from a small process) and wall time. Goal: every bomb under 800 MB peak RSS, one line about
it on stderr, no traceback.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
GOAL_MB = 800
GOOD = {"id": "good-1", "outlet": "Harbour Gazette", "title": "Board backs ferry terminal", "date": "2021-03-02",
        "text": "The harbour board voted on Tuesday to build a second ferry terminal, its chair said after the meeting."}


def _gzip_stream(path: Path, head: bytes, block: bytes, repeat: int, tail: bytes) -> None:
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip framing
    with path.open("wb") as fh:
        fh.write(comp.compress(head))
        for _ in range(repeat):
            fh.write(comp.compress(block))
        fh.write(comp.compress(tail))
        fh.write(comp.flush())


def one_line_jsonl_gz(folder: Path) -> Path:
    """A 1.5 GB single JSON line (plus a good line after it), gzipped to ~1.5 MB."""
    path = folder / "one-line.jsonl.gz"
    _gzip_stream(path, b'{"id": "huge", "text": "', b"a" * MB, 1536, b'"}\n' + json.dumps(GOOD).encode() + b"\n")
    return path


def csv_gz_gigabytes(folder: Path) -> Path:
    """A .csv.gz that decompresses to 4 GB of rows (~4 MB on disk)."""
    path = folder / "rows.csv.gz"
    row = b'x,"Ferry story","' + b"The board met again and voted once more. " * 20 + b'"\n'
    block = row * (MB // len(row))
    _gzip_stream(path, b"id,title,text\n", block, 4096, b"")
    return path


def empty_objects_jsonl_gz(folder: Path) -> Path:
    """3.5 million `{}` lines in ~10 KB."""
    path = folder / "empty-objects.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b"{}\n" * 3_500_000)
    return path


def deep_json_line(folder: Path) -> Path:
    """One JSON line nested 1,000,000 deep, then a good line."""
    path = folder / "deep.jsonl"
    path.write_text("[" * 1_000_000 + "]" * 1_000_000 + "\n" + json.dumps({**GOOD, "id": "good-2"}) + "\n")
    return path


def _parquet(path: Path, rows: int, value_mb: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    value = pa.array(["Ankara said the talks went on. " * (value_mb * MB // 31)])
    pq.write_table(pa.table({
        "id": pa.array([f"p{i}" for i in range(rows)]),
        "text": pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), value),
    }), path, compression="zstd")
    return path


def parquet_repeated(folder: Path) -> Path:
    """1,000 rows that all hold the same 10 MB string: ~1 KB on disk, 10 GB once expanded."""
    return _parquet(folder / "repeated.parquet", rows=1000, value_mb=10)


BOMBS = {
    "one-line-1.5GB.jsonl.gz": (one_line_jsonl_gz, {}),
    "4GB.csv.gz": (csv_gz_gigabytes, {}),
    "3.5M-empty-objects.jsonl.gz": (empty_objects_jsonl_gz, {}),
    "nested-1M-deep.jsonl": (deep_json_line, {}),
    "repeated-10MB-strings.parquet": (parquet_repeated, {}),
}
SLOW = {
    # the same Parquet file with the expansion-ratio check switched off: the reader's own
    # per-row and per-file budgets have to hold it (stops at 512 MB of text); ~4.5 minutes,
    # nearly all of it cleaning 51 articles of 10 MB each
    "repeated-10MB-strings.parquet, no ratio limit": (parquet_repeated, {"FRAMING_MAX_RATIO": "1000000000"}),
}


# The ingest runs as the child of a small Python process, not of this one: a child forked from a
# large parent inherits the parent's peak RSS in its own ru_maxrss (Linux counts the memory image
# it had before exec), so this one's pyarrow and bomb buffers would inflate the figure.
SPAWN = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(usage.ru_maxrss, file=open(os.environ['PEAK_RSS_FILE'], 'w'))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def peak_rss_run(args: list[str], env: dict, stderr) -> tuple[float, int]:
    """Peak RSS (MB, the child's own getrusage maxrss) and exit code of one command."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        code = subprocess.call([sys.executable, "-c", SPAWN, *args], cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=stderr, env={**os.environ, **env, "PEAK_RSS_FILE": rss.name})
        return int(rss.read().strip() or 0) / 1024, code


def run(path: Path, env: dict, folder: Path) -> tuple[float, float, int, str]:
    """Peak RSS (MB), seconds, exit code and stderr of one ingest of `path` beside a good file."""
    good = folder / "good.jsonl"
    good.write_text(json.dumps({**GOOD, "id": "good-0"}) + "\n")
    db = folder / "store" / f"{path.stem}.db"
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        rss, code = peak_rss_run([sys.executable, "-m", "analysis", "ingest", str(path), str(good), "--db", str(db)], env, err)
        seconds = time.perf_counter() - t0
        err.seek(0)
        return rss, seconds, code, err.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of bombs to run")
    parser.add_argument("--keep", type=Path, default=None, help="build the bombs here and keep them")
    parser.add_argument("--slow", action="store_true", help="also the Parquet bomb without the ratio limit (~5 min)")
    args = parser.parse_args(argv)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bench-bombs-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'bomb':48} {'on disk':>10} {'peak RSS':>9} {'time':>7}  exit  what ingest said")
        for name, (build, env) in {**BOMBS, **(SLOW if args.slow else {})}.items():
            if args.only and not any(o in name for o in args.only):
                continue
            path = build(folder)
            rss, seconds, code, stderr = run(path, env, folder)
            lines = [ln for ln in stderr.splitlines() if ln.startswith(str(path))]
            said = lines[0].replace(str(path), path.name) if lines else "(nothing)"
            more = f" (+{len(lines) - 1} more lines)" if len(lines) > 1 else ""
            summary = re.search(r"(\d+) new", stderr.splitlines()[-1] if stderr.strip() else "")
            ok = rss < GOAL_MB and "Traceback" not in stderr and code == 0 and summary and int(summary.group(1)) >= 1
            failed += not ok
            size = path.stat().st_size
            print(f"{name:48} {size / 1e6:>8.2f}MB {rss:>7.0f}MB {seconds:>6.1f}s  {code:>4}  {said[:110]}{more}"
                  f"{'' if ok else '  <-- NOT met'}")
    print(f"goal            < {GOAL_MB} MB peak RSS, no traceback, the good file still stored: {'met' if not failed else 'NOT met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
