"""Run every benchmark in turn: `python -m bench [--limit N]` (all of allsides.jsonl.gz by default).

Each script prints its own figures; this runner only orders them so that the scored store built
by the dashboard benchmark is reused by the load test.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles of the corpus")
    args = ap.parse_args()
    limit = ["--limit", str(args.limit)] if args.limit else []
    runs = [
        ["bench_ingest.py", *limit],
        ["bench_score.py", *limit],
        ["bench_parallel.py", *limit],
        ["bench_dashboard.py", *limit],
        ["bench_export.py"],
        ["bench_bombs.py"],
        ["loadtest.py", "--uploaders", "2"] if not args.limit else None,
    ]
    failed = 0
    for run in filter(None, runs):
        print(f"\n=== {' '.join(run)}", flush=True)
        failed += subprocess.call([sys.executable, str(HERE / run[0]), *run[1:]]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
