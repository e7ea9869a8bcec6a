"""Scoring throughput: one process vs. Dask on local cores vs. a running cluster, by corpus size.

    python bench/bench_parallel.py [--limit N] [--sizes 1000,10000,all] [--partition 500]

For each size (a prefix of ../shared/corpus/allsides.jsonl.gz) it times
  1 process   Analyser.score_many in this process,
  local       score_articles(..., "local"): a LocalCluster with one worker per core, started and
              stopped inside the call (what `score --scheduler local` costs, start-up included),
  cluster     score_articles(..., "tcp://..."): a two-worker LocalCluster started beforehand and
              reached by its address (the cost of sending work to a running cluster),
and prints articles per second, the speed-up over one process, seconds per 1,000 articles (how
the cost grows), worker memory and the size of the scores as Parquet.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus" / "allsides.jsonl.gz"


def load_articles(path: Path, limit: int | None):
    """Articles as ingestion makes them (cleaned), in file order."""
    from analysis.corpus import read_paths
    from analysis.models import Article

    out = []
    for item in read_paths([path]):
        if isinstance(item, Article):
            out.append(item)
            if limit and len(out) >= limit:
                break
    return out


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _cpu_seconds() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return t.user + t.system


def _cluster_cpu(address: str) -> float:
    """CPU seconds used so far by all workers of the cluster."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        return sum(client.run(_cpu_seconds).values())


def parquet_bytes(articles, scores) -> int:
    import pandas as pd

    from analysis.parallel import scores_to_records

    buf = io.BytesIO()
    pd.DataFrame(scores_to_records(articles, scores)).to_parquet(buf, index=False)
    return buf.tell()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N articles")
    ap.add_argument("--sizes", default="1000,10000,all", help="comma-separated prefix sizes; 'all' = every article")
    ap.add_argument("--skip-single", action="store_true", help="skip the one-process baseline")
    args = ap.parse_args(argv)

    if not args.corpus.exists():
        print(f"error: {args.corpus} not found", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="Port .* is already in use")
    from distributed import LocalCluster

    from analysis.parallel import score_articles
    from analysis.scoring import Analyser

    t0 = time.perf_counter()
    articles = load_articles(args.corpus, args.limit)
    print(f"loaded {len(articles)} articles from {args.corpus.name} in {time.perf_counter() - t0:.1f} s")
    sizes = sorted({len(articles) if s.strip() == "all" else min(int(s), len(articles)) for s in args.sizes.split(",")})
    t0 = time.perf_counter()
    analyser = Analyser.load()
    print(f"analyser {analyser.version} loaded in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews the figures)")

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    address = cluster.scheduler_address
    # First use costs a few CPU-seconds per process (imports, TextBlob's lexicon, unpickling the
    # analyser). A running cluster pays it once, so warm both paths before timing them.
    t0 = time.perf_counter()
    analyser.score_many(articles[:20])
    t1 = time.perf_counter()
    score_articles(analyser, articles[:100], address)
    print(f"warm-up: this process {t1 - t0:.1f} s, cluster workers {time.perf_counter() - t1:.1f} s (not in the figures)")
    rows = []
    cpu_rows = []
    mismatch = False
    try:
        for n in sizes:
            part = articles[:n]
            chars = sum(len(a.text) for a in part)
            timings = {}
            reference = None
            cpu = {}
            if not args.skip_single:
                t0, c0 = time.perf_counter(), time.process_time()
                reference = analyser.score_many(part)
                timings["1 process"] = time.perf_counter() - t0
                cpu["1 process"] = time.process_time() - c0
            t0 = time.perf_counter()
            local = score_articles(analyser, part, "local")
            timings["local (all cores)"] = time.perf_counter() - t0
            c0 = _cluster_cpu(address)
            t0 = time.perf_counter()
            remote = score_articles(analyser, part, address)
            timings["cluster tcp://"] = time.perf_counter() - t0
            cpu["cluster tcp://"] = _cluster_cpu(address) - c0
            if reference is None:
                reference = local
            diffs = {m: sum(x != y for x, y in zip(r, reference)) for m, r in (("local", local), ("cluster", remote))}
            same = not any(diffs.values())
            base = timings.get("1 process")
            for mode, secs in timings.items():
                rows.append((n, mode, secs, n / secs, (base / secs) if base else float("nan"), secs / n * 1000))
                print(f"  n={n:>6} {mode:<18} {secs:8.1f} s {n / secs:8.1f} art/s  "
                      f"speed-up {(base / secs) if base else float('nan'):4.2f}x", flush=True)
            print(f"  n={n:>6} {chars / n:,.0f} chars/article; results identical across modes: {same}"
                  + ("" if same else f" (articles differing from one process: {diffs})"))
            # CPU seconds do not depend on what else the machine is doing: the basis for sizing.
            for mode, c in cpu.items():
                print(f"  n={n:>6} {mode:<18} {c / n * 1000:6.2f} CPU-seconds per 1,000 articles")
                cpu_rows.append((n, mode, c / n * 1000))
            mismatch = mismatch or not same
        with_client_rss = None
        from distributed import Client

        with Client(address, set_as_default=False) as client:
            with_client_rss = client.run(_rss)
        pq = parquet_bytes(articles[: sizes[-1]], remote)
    finally:
        cluster.close()

    print("\nsummary (articles per second; speed-up over one process; seconds per 1,000 articles)")
    print(f"{'articles':>9} {'mode':<18} {'seconds':>8} {'art/s':>8} {'speed-up':>9} {'s/1k':>7}")
    for n, mode, secs, rate, speed, per_k in rows:
        print(f"{n:>9} {mode:<18} {secs:8.1f} {rate:8.1f} {speed:8.2f}x {per_k:7.2f}")
    for n, mode, per_k in cpu_rows:
        print(f"{n:>9} {mode:<18} CPU {per_k:6.2f} s/1k articles")
    if with_client_rss:
        mb = [v / 2**20 for v in with_client_rss.values()]
        print(f"\ncluster worker RSS after the largest run: {', '.join(f'{m:.0f} MB' for m in mb)}")
    print(f"this process RSS: {_rss() / 2**20:.0f} MB; load average at the end {os.getloadavg()[0]:.1f}")
    print(f"scores as Parquet: {pq / sizes[-1]:.0f} bytes per article ({pq / 2**20:.1f} MB for {sizes[-1]})")
    store = REPO / "var" / "bench-allsides.db"
    if store.exists():
        print(f"scored store {store.name}: {store.stat().st_size / 2**20:.0f} MB")
    if mismatch:
        print("error: parallel results differ from the single-process ones", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
