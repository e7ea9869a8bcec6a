"""Files -> store -> scores: the `ingest` and `score` commands and the functions behind them.

stdout carries only records; problems (one line each, "path[:line]: reason"), progress and
summaries go to stderr.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from analysis.corpus import Defaults, IngestWarning, Limits, read_paths
from analysis.errors import FramingError
from analysis.models import Article, ArticleScore, IngestError
from analysis.parallel import chunks  # Dask itself is imported only when a scheduler is used
from analysis.safe_text import neutralise, terminal_safe
from analysis.store import Store

BATCH_SIZE = 500  # articles per transaction: large enough to amortise commits, small enough to lose little on a kill
BATCH_BYTES = 64 * 1024 * 1024  # ...or fewer, when their text adds up to this (a file of 20 MB articles)
SCORE_CHUNK = 200
RECORD_FIELDS = ("id", "outlet", "title", "date", "date_precision", "url")
SCORE_FIELDS = (
    "framing", "label", "confidence", "core", "frames", "voices", "sentiment", "subjectivity",
    "components", "evidence", "n_sentences", "content_hash", "analyser_version",
)
NOTHING_USABLE = "nothing usable was read from the given paths (not one article could be read from them)"
TABLE_COLUMNS = (("id", 22), ("outlet", 20), ("date", 10), ("label", 14), ("framing", 7), ("confidence", 10), ("title", 60))


def _stderr(item: IngestError) -> None:
    print(item, file=sys.stderr, flush=True)


class _StrictStop(Exception):
    """Raised inside the strict-mode transaction so that it rolls back."""


@dataclass
class IngestReport:
    """What one ingest run did. `ids`: every article id read from the given paths, in order."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[IngestError] = field(default_factory=list)
    warnings: list[IngestError] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    aborted: bool = False  # strict mode stopped at the first error; nothing from this run was kept
    read: int = 0  # articles the readers produced (before duplicates and conflicts)

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    @property
    def nothing_usable(self) -> bool:
        """No article at all came out of the given paths (missing, empty, unsupported, all bad)."""
        return self.read == 0 and not self.aborted

    def summary(self, db: Path | str) -> str:
        if self.aborted:
            return f"strict: stopped at the first problem; nothing from this run was stored in {db}"
        problems = f"; {len(self.errors)} problem(s)" if self.errors else ""
        return (
            f"{len(self.ids)} article(s) read into {db}: {self.added} new, {self.updated} updated, "
            f"{self.unchanged} unchanged{problems}"
        )


def _where(article: Article) -> tuple[str, int | None]:
    return getattr(article, "_where", (article.source, None))


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    strict: bool = False,
    on_error: Callable[[IngestError], None] | None = None,
    batch_size: int = BATCH_SIZE,
    limits: Limits | None = None,
    defaults: Defaults | None = None,
) -> IngestReport:
    """Read files/folders into `store` in transactions of `batch_size` articles. Every bad file
    or row is passed to `on_error` (default: one line on stderr) and skipped; a row kept with a
    caveat (unreadable date) is reported the same way. With `strict`, the first problem of
    either kind stops the run and everything this run wrote is rolled back. `defaults` (an
    upload's outlet and date) fill in what an article's own fields leave empty."""
    on_error = on_error or _stderr
    report = IngestReport()
    seen: dict[str, tuple[str, str, int | None]] = {}  # id -> (content hash, file, line) of its first appearance
    refused: set[str] = set()
    batch: list[Article] = []
    batch_bytes = 0

    def problem(err: IngestError) -> None:
        report.errors.append(err)
        on_error(err)
        if strict:
            raise _StrictStop

    def flush() -> None:
        nonlocal batch_bytes
        batch_bytes = 0
        if not batch:
            return
        where = {a.id: _where(a) for a in batch}
        done = store.add_articles(batch)
        report.added += done.added
        report.updated += done.updated
        report.unchanged += done.unchanged
        batch.clear()
        for conflict in done.conflicts:
            article_id = getattr(conflict, "article_id", None)
            src, line = where.get(article_id, (conflict.source, None))
            refused.add(article_id)
            problem(IngestError(src, conflict.reason, line))

    try:
        with store.transaction() if strict else nullcontext():
            for item in read_paths(paths, limits, defaults):
                if isinstance(item, IngestWarning):
                    report.warnings.append(item)
                    if strict:  # strict means: any problem line fails the run
                        problem(item)
                    on_error(item)
                    continue
                if isinstance(item, IngestError):
                    problem(item)
                    continue
                report.read += 1
                src, line = _where(item)
                first = seen.get(item.id)
                if first is not None:
                    if first[0] == item.content_hash:
                        report.unchanged += 1
                    else:
                        at = f"{first[1]}:{first[2]}" if first[2] is not None else first[1]
                        problem(IngestError(src, f"duplicate id {item.id!r} with different text (first at {at}); kept the first one", line))
                    continue
                seen[item.id] = (item.content_hash, src, line)
                report.ids.append(item.id)
                batch.append(item)
                batch_bytes += len(item.text)
                if len(batch) >= batch_size or batch_bytes >= BATCH_BYTES:
                    flush()
            flush()
    except _StrictStop:
        report.aborted = True
        report.added = report.updated = report.unchanged = 0
    if refused:
        report.ids = [i for i in report.ids if i not in refused]
    return report


def score_pending(
    store: Store,
    analyser,
    scheduler: str | None = None,
    progress: bool = False,
    ids: Sequence[str] | None = None,
    chunk_size: int = SCORE_CHUNK,
) -> int:
    """Score the stored articles (all, or those among `ids`) that have no score for
    `analyser.version` yet, saving each chunk as it is done. Returns how many were scored."""
    pending = store.unscored_ids(analyser.version, ids)
    if not pending:
        return 0
    from tqdm import tqdm

    # Articles are read from the store a chunk at a time (each read is complete before any
    # write), so memory holds the chunks in flight, never the whole corpus.
    parts = (list(store.articles(ids_part)) for ids_part in chunks(pending, chunk_size))
    if scheduler is not None:
        from analysis.parallel import iter_scored, partition_size

        # The articles arrive as a stream: size partitions from the count (local cores as a guess).
        size = partition_size(len(pending), os.cpu_count() or 2)
        batches = iter_scored(analyser, (a for part in parts for a in part), scheduler, size=size)
    else:
        batches = ((part, analyser.score_many(part)) for part in parts)
    done = 0
    with tqdm(total=len(pending), file=sys.stderr, disable=not progress, unit="article", desc="scoring") as bar:
        # each batch is saved as it arrives, so an interrupted run keeps what it finished
        for chunk, scores in batches:
            store.save_scores(scores)
            done += len(chunk)
            bar.update(len(chunk))
    return done


# ---------------------------------------------------------------- command line


def run_ingest(paths: Sequence[Path], db: Path, strict: bool = False) -> int:
    """`python -m analysis ingest`: 0 when done (bad inputs reported and skipped), 1 with
    --strict when any input was bad (nothing from the run stored), 2 (FramingError) when not one
    article could be read from `paths` or the store is refused."""
    with Store(db) as store:
        store.check()
        report = ingest_paths(store, paths, strict=strict)
    if report.nothing_usable:
        raise FramingError(NOTHING_USABLE)
    print(report.summary(db), file=sys.stderr)
    return 1 if strict and report.failed else 0


def score_record(article: Article, score: ArticleScore | None, with_text: bool = False) -> dict:
    """One printed record: the article's metadata, every ArticleScore field, and the text if asked."""
    record = {f: getattr(article, f) for f in RECORD_FIELDS}
    sd = score.to_dict() if score is not None else {}
    for f in SCORE_FIELDS:
        record[f] = sd.get(f)
    if with_text:
        record["text"] = article.text
    return record


def _flat_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def format_records(records: list[dict], fmt: str) -> str:
    """The records as JSON lines, CSV (nested values as JSON text) or an aligned table."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "csv":
        buf = io.StringIO()
        fields = list(records[0]) if records else list(RECORD_FIELDS + SCORE_FIELDS)
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([neutralise(f) for f in fields])
        for r in records:
            writer.writerow([neutralise(_flat_value(r.get(f))) for f in fields])
        return buf.getvalue()
    if fmt == "table":
        cols = list(TABLE_COLUMNS) + ([("text", 80)] if records and "text" in records[0] else [])

        def cell(r: dict, name: str, width: int) -> str:
            v = r.get(name)
            if v is None:
                s = "-"
            elif isinstance(v, float):
                s = f"{v:+.2f}" if name == "framing" else f"{v:.2f}"
            else:
                s = terminal_safe(" ".join(str(v).split()))
            return s if len(s) <= width else s[: width - 1] + "…"

        rows = [[cell(r, n, w) for n, w in cols] for r in records]
        widths = [max([len(n)] + [len(row[i]) for row in rows]) for i, (n, _) in enumerate(cols)]
        lines = ["  ".join(n.ljust(widths[i]) for i, (n, _) in enumerate(cols)).rstrip()]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip() for row in rows]
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def write_parquet(records: list[dict], out: Path, partition_by: str = "outlet") -> None:
    """The records as a Parquet dataset partitioned Hive-style by outlet (or "year")."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    rows = []
    for r in records:
        row = {k: _flat_value(v) for k, v in r.items()}
        row["year"] = (r.get("date") or "unknown")[:4]
        rows.append(row)
    if not rows:
        return
    table = pa.Table.from_pylist(rows)
    try:
        out.mkdir(parents=True, exist_ok=True)
        ds.write_dataset(
            table,
            out,
            format="parquet",
            partitioning=[partition_by],
            partitioning_flavor="hive",
            existing_data_behavior="delete_matching",
            basename_template="part-{i}.parquet",
        )
    except OSError as exc:
        raise FramingError(f"cannot write Parquet to {out}: {exc}") from exc


def run_score(
    paths: Sequence[Path],
    db: Path,
    strict: bool = False,
    fmt: str = "table",
    with_text: bool = False,
    lexicon: Path | None = None,
    scheduler: str | None = None,
    out: Path | None = None,
    analyser=None,
) -> int:
    """`python -m analysis score`: ingest what is new, score what has no cached score for this
    analyser version, print one record per article of `paths` sorted by id; with no `paths`,
    every stored article. Exit codes as for `run_ingest`; with no `paths`, 2 (FramingError)
    when the store is missing or empty."""
    if not paths and not Path(db).exists():
        raise FramingError(f"no store at {db}; give article files to score, or the --db of an existing store")
    with Store(db) as store:
        store.check()
        report = IngestReport()
        ids = None  # every stored article
        if paths:
            report = ingest_paths(store, paths, strict=strict)
            if report.aborted:
                print(report.summary(db), file=sys.stderr)
                return 1
            if report.nothing_usable:
                raise FramingError(NOTHING_USABLE)
            ids = report.ids
        elif not store.count():
            raise FramingError(f"the store {db} holds no articles; give article files to score")
        if analyser is None:
            from analysis.scoring import Analyser

            analyser = Analyser.load(lexicon, store)  # with the store's own article model, if it has one
        score_pending(store, analyser, scheduler=scheduler, progress=sys.stderr.isatty(), ids=ids)
        articles = sorted(store.articles(ids), key=lambda a: a.id)
        scores = store.scores([a.content_hash for a in articles], analyser.version)
    records = [score_record(a, scores.get(a.content_hash), with_text) for a in articles]
    try:
        sys.stdout.write(format_records(records, fmt))
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader has gone, which is fine
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        except OSError:
            pass
    if out is not None:
        write_parquet(records, Path(out))
    if report.errors:
        print(f"{len(report.errors)} problem(s); see above", file=sys.stderr)
    return 1 if strict and report.failed else 0
