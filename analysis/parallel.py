"""Score articles in parallel with Dask `distributed`: on all local cores or on a running cluster.

`scheduler` is either "local" (a throw-away `LocalCluster`, one single-threaded worker process per
core) or the address of a running scheduler, "tcp://HOST:PORT". The analyser is shipped to every
worker once; articles travel in partitions and come back in input order, so the result is exactly
what `analyser.score_many(articles)` gives in one process.
"""
from __future__ import annotations

import json
import logging
import math
import os
import warnings
from collections import deque
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from analysis.errors import FramingError
from analysis.models import Article, ArticleScore

CONNECT_TIMEOUT = "5s"
MAX_PARTITION = 500  # big enough that per-task overhead is noise, small enough to balance workers
MIN_PARTITION = 25


def partition_size(n_articles: int, n_workers: int) -> int:
    """Articles per partition: about four partitions per worker, clamped to a sane range."""
    if n_articles <= 0:
        return 1
    per = math.ceil(n_articles / max(1, 4 * n_workers))
    return max(1, min(MAX_PARTITION, max(MIN_PARTITION, per)))


def partitions(items: Sequence, size: int) -> list[list]:
    """Consecutive chunks of `items`, in order."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _check_address(scheduler: str) -> None:
    if scheduler == "local":
        return
    if not scheduler.startswith("tcp://") or ":" not in scheduler[len("tcp://") :]:
        raise FramingError(f"unknown scheduler {scheduler!r}: use 'local' or tcp://HOST:PORT")


@contextmanager
def dask_client(scheduler: str) -> Iterator["distributed.Client"]:  # noqa: F821
    """A connected `distributed.Client`; a local cluster started here is also stopped here."""
    _check_address(scheduler)
    # Imported late: the single-process path never pays for importing distributed.
    from distributed import Client, LocalCluster

    if scheduler == "local":
        with warnings.catch_warnings():
            # The scheduler's small HTTP endpoint falls back to a free port when 8787 is taken.
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(
                n_workers=os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,  # no Bokeh dashboard
                silence_logs=logging.ERROR,
            )
        try:
            with Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FramingError(f"cannot reach Dask scheduler at {scheduler}: {reason}") from None
    try:
        yield client
    finally:
        client.close()


def _score_part(analyser, part: list[Article]) -> list[ArticleScore]:
    return analyser.score_many(part)


# Evaluated on each worker (a string, so it travels without needing `analysis` there): a hash of
# the worker's `analysis` code, or None when it cannot import the package.
_CODE_PROBE = (
    "(lambda u, h, p: None if u.find_spec('analysis') is None else h.sha256(b''.join("
    "f.read_bytes() for f in sorted(p.Path(u.find_spec('analysis').origin).parent.glob('*.py'))"
    ")).hexdigest())(__import__('importlib.util').util, __import__('hashlib'), __import__('pathlib'))"
)


# The code this process imported (taken when this module is first imported, next to the rest of
# the package): if the files change on disk during a run, fresh workers would run other code.
_IMPORTED_CODE = eval(_CODE_PROBE)


def check_workers(client, where: str) -> None:
    """Refuse a cluster whose workers cannot import this `analysis` code, or run another version
    of it: their scores would differ from this machine's (or the tasks would fail one by one)."""
    root = Path(__file__).resolve().parents[1]
    try:
        # The scheduler unpickles the task graph, so it needs the code as much as the workers.
        on_scheduler = client.run_on_scheduler(eval, _CODE_PROBE)
        found = client.run(eval, _CODE_PROBE)
    except (OSError, TimeoutError) as exc:
        raise FramingError(f"lost the Dask scheduler at {where}: {exc}") from None
    ours = eval(_CODE_PROBE)
    if ours != _IMPORTED_CODE:
        raise FramingError(
            f"the analysis code in {root} changed on disk since this process started; run the command again"
        )
    if on_scheduler is None:
        raise FramingError(
            f"the Dask scheduler at {where} cannot import the analysis package; start it from the project "
            f"folder: cd {root} && PYTHONPATH=. dask scheduler"
        )
    if not found:
        raise FramingError(f"the Dask scheduler at {where} has no workers; start some with `dask worker {where}`")
    missing = sorted(w for w, h in found.items() if h is None)
    if missing:
        raise FramingError(
            f"{len(missing)} Dask worker(s) at {where} cannot import the analysis package; start them from "
            f"the project folder: cd {root} && PYTHONPATH=. dask worker {where}"
        )
    other = sorted(w for w, h in found.items() if h != ours)
    if other or on_scheduler != ours:
        raise FramingError(
            f"the Dask cluster at {where} runs a different version of the analysis code; "
            f"restart its scheduler and workers from this checkout ({root})"
        )


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of `size` items (the last may be shorter), from any iterable."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def iter_scored_on(
    client, analyser, articles: Iterable[Article], size: int | None = None, in_flight: int | None = None
) -> Iterator[tuple[list[Article], list[ArticleScore]]]:
    """Score `articles` with an existing client, yielding (partition, scores) in input order.

    At most `in_flight` partitions are out on the cluster at once, so memory stays bounded
    however many articles stream in (a generator over a store of millions is fine)."""
    where = getattr(client.scheduler, "address", None) or "the Dask scheduler"
    check_workers(client, where)
    n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    if size is None:
        size = partition_size(len(articles), n_workers) if isinstance(articles, Sequence) else MAX_PARTITION
    in_flight = in_flight or 3 * n_workers
    from distributed import KilledWorker

    parts = chunks(articles, size)
    queue: deque = deque()
    try:
        # One copy of the analyser (lexicon + fitted model) per worker instead of one per task.
        remote = client.scatter(analyser, broadcast=True, hash=False)
        for part in islice(parts, in_flight):
            queue.append((part, client.submit(_score_part, remote, part, pure=False)))
        while queue:
            part, future = queue.popleft()
            scored = future.result()
            future.release()
            nxt = next(parts, None)
            if nxt:
                queue.append((nxt, client.submit(_score_part, remote, nxt, pure=False)))
            if len(scored) != len(part):
                raise RuntimeError(f"a worker returned {len(scored)} scores for {len(part)} articles")
            yield part, scored
    except KilledWorker as exc:
        raise FramingError(f"a Dask worker at {where} died while scoring (out of memory?): {exc}") from None
    except (OSError, TimeoutError) as exc:
        raise FramingError(f"lost the Dask scheduler at {where} while scoring: {exc}") from None
    finally:
        for _, future in queue:
            future.cancel()


def score_on(client, analyser, articles: Sequence[Article]) -> list[ArticleScore]:
    """Score `articles` with an existing client; results in input order."""
    return [s for _, scored in iter_scored_on(client, analyser, list(articles)) for s in scored]


def iter_scored(
    analyser, articles: Iterable[Article], scheduler: str, size: int | None = None
) -> Iterator[tuple[list[Article], list[ArticleScore]]]:
    """Like `score_articles` but streaming: (partition, scores) pairs in input order, so a caller
    can save each batch as it arrives (bounded memory for corpora of millions)."""
    _check_address(scheduler)
    with dask_client(scheduler) as client:
        yield from iter_scored_on(client, analyser, articles, size=size)


def score_articles(analyser, articles: Iterable[Article], scheduler: str) -> list[ArticleScore]:
    """Score `articles` on Dask (`scheduler`: "local" or tcp://HOST:PORT); same order and values
    as `analyser.score_many(articles)`. Unreachable scheduler -> FramingError (one line)."""
    articles = list(articles)
    _check_address(scheduler)
    if not articles:
        return []
    with dask_client(scheduler) as client:
        return score_on(client, analyser, articles)


# --- Parquet in, Parquet out -------------------------------------------------------------------

ARTICLE_COLUMNS = ("id", "outlet", "title", "text", "url", "date", "date_precision", "byline", "source", "title_source")


def scores_to_records(articles: Sequence[Article], scores: Sequence[ArticleScore]) -> list[dict]:
    """Flat rows (one per article) for Parquet: scalars as columns, nested parts as JSON text."""
    rows = []
    for art, sc in zip(articles, scores):
        rows.append(
            {
                "id": art.id,
                "outlet": art.outlet,
                "date": art.date,
                "content_hash": sc.content_hash,
                "analyser_version": sc.analyser_version,
                "framing": float(sc.framing),
                "label": sc.label,
                "confidence": float(sc.confidence),
                "n_sentences": int(sc.n_sentences),
                "frames": json.dumps(sc.frames, sort_keys=True),
                "voices": json.dumps(sc.voices, sort_keys=True),
                "sentiment": json.dumps(sc.sentiment, sort_keys=True),
                "subjectivity": json.dumps(sc.subjectivity, sort_keys=True),
                "components": json.dumps(sc.components, sort_keys=True),
                "evidence": json.dumps([e.__dict__ for e in sc.evidence]),
            }
        )
    return rows


def _articles_from_frame(df) -> list[Article]:
    out = []
    for rec in df.to_dict("records"):
        kw = {}
        for col in ARTICLE_COLUMNS:
            val = rec.get(col)
            if val is None or (isinstance(val, float) and math.isnan(val)):
                continue
            kw[col] = str(val)
        if rec.get("content_hash"):
            kw["content_hash"] = str(rec["content_hash"])
        out.append(Article(**{"title": "", "text": "", "outlet": "", **kw}))
    return out


def _score_frame(df, analyser):
    import pandas as pd

    articles = _articles_from_frame(df)
    rows = scores_to_records(articles, analyser.score_many(articles)) if articles else []
    return pd.DataFrame(rows, columns=list(_SCORE_META))


_SCORE_META = {
    "id": "string",
    "outlet": "string",
    "date": "string",
    "content_hash": "string",
    "analyser_version": "string",
    "framing": "float64",
    "label": "string",
    "confidence": "float64",
    "n_sentences": "int64",
    "frames": "string",
    "voices": "string",
    "sentiment": "string",
    "subjectivity": "string",
    "components": "string",
    "evidence": "string",
}


def score_parquet(in_dir: Path, out_dir: Path, analyser, scheduler: str) -> int:
    """Score a partitioned Parquet dataset of articles (the columns of `Article`; `id`, `title`
    and `text` required) into a partitioned Parquet dataset of scores, one output partition per
    input partition. Returns the number of articles scored."""
    import dask.dataframe as dd
    import pandas as pd

    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.exists():
        raise FramingError(f"{in_dir}: no such Parquet folder")
    try:
        ddf = dd.read_parquet(str(in_dir))
    except Exception as exc:  # pyarrow raises many types for a bad dataset
        raise FramingError(f"{in_dir}: not a readable Parquet dataset: {str(exc).splitlines()[0]}") from None
    missing = [c for c in ("id", "title", "text") if c not in ddf.columns]
    if missing:
        raise FramingError(f"{in_dir}: Parquet dataset lacks column(s) {', '.join(missing)}")
    if out_dir.exists() and any(not f.name.endswith(".parquet") and not f.name.startswith("_") for f in out_dir.iterdir()):
        raise FramingError(f"{out_dir}: folder holds files other than Parquet parts; choose an empty or new folder")
    meta = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _SCORE_META.items()})
    with dask_client(scheduler) as client:
        check_workers(client, scheduler)
        remote = client.scatter(analyser, broadcast=True, hash=False)
        scored = ddf.map_partitions(_score_frame, remote, meta=meta)
        out_dir.mkdir(parents=True, exist_ok=True)
        # overwrite: a re-run replaces the previous parts instead of mixing old and new ones.
        write = scored.to_parquet(str(out_dir), write_index=False, overwrite=True, compute=False)
        client.compute(write).result()
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(out_dir.glob("*.parquet")))
