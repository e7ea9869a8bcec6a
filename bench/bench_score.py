"""Benchmark: full framing analysis against a bare TextBlob sentiment pass over the same texts.

    .venv/bin/python bench/bench_score.py [--limit N] [--workers 2]

Streams ../shared/corpus/allsides.jsonl.gz, times `Analyser.score_many` (spread over worker
processes, each scoring chunks in batches, a bounded number in flight) and a single-process
`TextBlob(text).sentiment` pass, and prints articles/s of both, their ratio and the peak memory
of all processes.
Goal: analysis time <= 2x the bare pass, peak < 2 GB.
"""
from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.models import Article  # noqa: E402
from analysis.parallel import chunks  # noqa: E402
from analysis.scoring import Analyser  # noqa: E402
from analysis.sentiment import text_sentiment  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "allsides.jsonl.gz"
CHUNK = 250
IN_FLIGHT = 2  # chunks per worker submitted ahead: enough to keep workers busy, bounded memory

_analyser: Analyser | None = None


def _init(analyser: Analyser) -> None:
    global _analyser
    _analyser = analyser


def _score_chunk(chunk: list[Article]) -> int:
    return len(_analyser.score_many(chunk))


def read(limit: int | None) -> Iterator[Article]:
    """The corpus's articles, streamed (the whole corpus is never held in memory)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            row = json.loads(line)
            yield Article(str(row.get("id")), row.get("outlet") or "", row.get("title") or "", row.get("text") or "")


def score_streaming(analyser: Analyser, articles: Iterable[Article], workers: int) -> int:
    """Score in chunks on `workers` processes with a bounded number of chunks in flight."""
    parts = chunks(articles, CHUNK)
    if workers <= 1:
        return sum(len(analyser.score_many(c)) for c in parts)
    done = 0
    # spawn, not fork: a forked worker would start with a copy of this process's heap.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init, initargs=(analyser,)) as pool:
        pending = {pool.submit(_score_chunk, c) for c in islice(parts, IN_FLIGHT * workers)}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            done += sum(f.result() for f in finished)
            pending |= {pool.submit(_score_chunk, c) for c in islice(parts, len(finished))}
    return done


class PeakMemory:
    """Samples the resident memory of this process and its children every 50 ms."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if not CORPUS.exists():
        print(f"error: {CORPUS} not found", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    analyser = Analyser.load()
    print(f"analyser {analyser.version} ready in {time.perf_counter() - t0:.1f}s")

    with PeakMemory() as mem:
        t0 = time.perf_counter()
        n = 0
        for a in read(args.limit):
            text_sentiment(a.text)
            n += 1
        bare = time.perf_counter() - t0

        t0 = time.perf_counter()
        done = score_streaming(analyser, read(args.limit), args.workers)
        full = time.perf_counter() - t0
    assert done == n, (done, n)

    print(f"bare TextBlob(text).sentiment, 1 process : {n / bare:8.1f} articles/s ({bare:.1f}s)")
    print(f"full analysis, {args.workers} worker(s)          : {n / full:8.1f} articles/s ({full:.1f}s)")
    print(f"ratio full/bare time                   : {full / bare:8.2f}  (goal <= 2)")
    print(f"peak memory, all processes             : {mem.peak / 2**20:8.0f} MB  (goal < 2048)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
