"""Ingestion throughput: ../shared/corpus/allsides.jsonl.gz into a fresh temporary store.

    .venv/bin/python bench/bench_ingest.py [--limit N] [--path FILE] [--profile]

Prints articles per second, wall and CPU time, and peak memory (RSS). Goal: the whole
37,544-article file in under a minute on a 2-core machine.
"""
from __future__ import annotations

import argparse
import gzip
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analysis.pipeline import ingest_paths  # noqa: E402
from analysis.store import Store  # noqa: E402

DEFAULT = REPO.parent / "shared" / "corpus" / "allsides.jsonl.gz"


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_scored_frame(store: Store) -> float:
    """Give every article a stand-in score (six frames, five camps, four actors, as the S-400
    lexicon has), then time the dashboard's read: Store.scored_frame."""
    from analysis.models import ArticleScore

    version = "bench-stand-in"
    frames = ["security", "alliance", "sanctions", "technology", "reliability", "threat"]
    camps = ["turkey_gov", "us_gov", "nato", "russia_gov", "analysts"]
    actors = ["turkey", "united_states", "nato", "russia"]
    batch = []
    for i, a in enumerate(store.unscored(version)):
        k = (i % 97) / 97
        batch.append(ArticleScore(a.content_hash, version, k * 2 - 1, "neutral", k,
                                  {f: k / (j + 1) for j, f in enumerate(frames)},
                                  {c: k / 5 for c in camps[: 1 + i % 5]},
                                  {x: k - 0.5 for x in actors[: i % 5]}, n_sentences=10 + i % 30))
        if len(batch) >= 5000:
            store.save_scores(batch)
            batch = []
    store.save_scores(batch)
    import pandas  # noqa: F401 - imported before the clock starts: a server has it loaded already

    t0 = time.perf_counter()
    frame = store.scored_frame(version)  # first read after a write: built from SQLite
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = store.scored_frame(version)  # every later read until the next write: the Arrow cache
    cached = time.perf_counter() - t0
    assert len(frame) == len(again) == store.count()
    return built, cached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=None, help="only the first N lines")
    parser.add_argument("--profile", action="store_true", help="print the top functions by time")
    parser.add_argument("--no-frame", dest="frame", action="store_false", help="skip timing Store.scored_frame")
    args = parser.parse_args(argv)
    if not args.path.exists():
        print(f"missing {args.path}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        source = args.path
        if args.limit:
            # A truncated copy, so the reader streams exactly as it does for the real file.
            source = Path(tmp) / ("head" + "".join(args.path.suffixes))
            with gzip.open(args.path, "rb") as src, gzip.open(source, "wb", compresslevel=1) as dst:
                for i, line in enumerate(src):
                    if i >= args.limit:
                        break
                    dst.write(line)
        errors: list = []
        rss_before = _peak_rss_mb()
        cpu0, t0 = time.process_time(), time.perf_counter()
        with Store(Path(tmp) / "bench.db") as store:
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                report = prof.runcall(ingest_paths, store, [source], on_error=errors.append)
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(20)
                print(out.getvalue(), file=sys.stderr)
            else:
                report = ingest_paths(store, [source], on_error=errors.append)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            ingest_peak = _peak_rss_mb()
            stored = store.count()
            frame_s = _time_scored_frame(store) if args.frame else None
        db_mb = sum(f.stat().st_size for f in Path(tmp).glob("bench.db*")) / 1e6

    n = len(report.ids)
    for problem in errors[:5]:
        print(f"  e.g. {problem}", file=sys.stderr)
    print(f"file            {args.path.name}{f' (first {args.limit} lines)' if args.limit else ''}")
    print(f"articles        {n} read, {stored} stored, {len(report.errors)} problems, {len(report.warnings)} warnings")
    print(f"wall time       {wall:.1f} s")
    print(f"cpu time        {cpu:.1f} s")
    print(f"throughput      {n / wall:.0f} articles/s")
    print(f"peak memory     {ingest_peak:.0f} MB RSS during ingest (before ingest {rss_before:.0f} MB)")
    print(f"store size      {db_mb:.0f} MB")
    if frame_s is not None:
        print(f"scored_frame    {frame_s[0]:.2f} s first read after a write, {frame_s[1]:.3f} s cached"
              f" ({stored} articles, stand-in scores; goal < 1.5 s)")
    if not args.limit and args.path == DEFAULT:
        print(f"goal            whole file < 60 s: {'met' if wall < 60 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
