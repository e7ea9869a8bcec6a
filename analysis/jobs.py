"""Background work: a job table in the store, drained by worker processes.

Two kinds of job: `ingest` (uploaded files) and `retrain` (refit the article model with the
store's codes, rescore, switch: analysis/training.py; queued by an admin on /code).

A web request never ingests or scores: it saves the uploaded files in a folder, `submit`s an
`ingest` job naming them and returns. A worker (`python -m dashboard worker`, or the one
`python -m dashboard` starts beside the page) `claim`s the oldest queued job in one transaction,
so two workers never take the same job, ingests the files, scores what is new, reports its
progress in the row as it goes, and ends it `done` or `failed` with one message per file. A job
whose worker stopped sending heartbeats (killed, machine restarted) is taken again: ingesting and
scoring are idempotent (content hashes), so a repeated job only finishes what was left. Between
jobs the worker scores any stored article that has no score for the current analyser, so an
article stored but not scored is always picked up, and it rebuilds the store's frame cache, the
snapshot the dashboard's web processes read (they never build it themselves while a worker does).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from analysis.errors import FramingError
from analysis.models import IngestError
from analysis.store import Store

STALE_AFTER = 120.0  # seconds without a heartbeat before a running job is taken again
POLL_SECONDS = 1.0
SCORE_BATCH = 200  # articles scored between two progress reports
SWEEP_BATCH = 1000  # stored-but-unscored articles scored between two looks at the queue
FRAME_EVERY = 15.0  # seconds: while jobs keep coming, the dashboard's frame is rebuilt at most this often
MAX_PROBLEMS = 20  # problems of one uploaded file listed one by one; the rest are counted


@dataclass(frozen=True)
class FileMessage:
    file: str
    text: str
    ok: bool


@dataclass
class Job:
    id: int
    kind: str
    status: str
    payload: dict
    submitted_by: str
    submitted_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat: float | None
    done: int
    total: int
    stage: str
    messages: list[FileMessage] = field(default_factory=list)
    generation: int | None = None  # the store's write counter when it ended: a snapshot at least this new shows it

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "stage": self.stage, "done": self.done, "total": self.total,
                "submitted_at": self.submitted_at, "finished": self.finished,
                "messages": [m.__dict__ for m in self.messages]}


_COLUMNS = ("id", "kind", "status", "payload", "submitted_by", "submitted_at", "started_at", "finished_at",
            "heartbeat", "done", "total", "stage", "messages", "generation")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _job(row) -> Job:
    values = dict(zip(_COLUMNS, row))
    values["payload"] = json.loads(values["payload"])
    values["messages"] = [FileMessage(**m) for m in json.loads(values["messages"])]
    return Job(**values)


class JobQueue:
    """The jobs table of one store."""

    def __init__(self, store: Store):
        self.store = store

    def submit(self, kind: str, payload: dict, submitted_by: str = "") -> int:
        # A web request queues; the worker checks the store's integrity before its own writes.
        with self.store.transaction(check=False):
            return self.store.execute(
                "INSERT INTO jobs (kind, status, payload, submitted_by, submitted_at) VALUES (?, 'queued', ?, ?, ?)",
                (kind, json.dumps(payload), submitted_by, _now()),
            )

    def record(self, kind: str, payload: dict, submitted_by: str, messages: list[FileMessage]) -> int:
        """Log work done at once (an admin's correction) as a finished job: who, when, what. Inside
        the caller's transaction, so the change and its record land together; no worker takes it."""
        now = _now()
        return self.store.execute(
            "INSERT INTO jobs (kind, status, payload, submitted_by, submitted_at, started_at, finished_at, stage,"
            " messages, generation) VALUES (?, 'done', ?, ?, ?, ?, ?, 'done', ?,"
            " (SELECT value FROM meta WHERE key = 'generation'))",
            (kind, json.dumps(payload, ensure_ascii=False), submitted_by, now, now, now,
             json.dumps([m.__dict__ for m in messages], ensure_ascii=False)))

    def get(self, job_id: int) -> Job | None:
        rows = self.store.query(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (int(job_id),))
        return _job(rows[0]) if rows else None

    def latest(self, kinds: tuple[str, ...], limit: int) -> list[Job]:
        """The newest jobs of these kinds, newest first."""
        rows = self.store.query(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE kind IN ({', '.join('?' * len(kinds))})"
                                " ORDER BY id DESC LIMIT ?", (*kinds, int(limit)))
        return [_job(r) for r in rows]

    def claim(self, worker: str, now: float | None = None) -> Job | None:
        """Take the oldest queued job (or a running one whose worker went silent), atomically."""
        now = time.time() if now is None else now
        with self.store.transaction():  # BEGIN IMMEDIATE: one claimer at a time
            rows = self.store.query(
                "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND heartbeat < ?) "
                "ORDER BY id LIMIT 1", (now - STALE_AFTER,))
            if not rows:
                return None
            self.store.execute(
                "UPDATE jobs SET status = 'running', worker = ?, heartbeat = ?, started_at = COALESCE(started_at, ?) "
                "WHERE id = ?", (worker, now, _now(), rows[0][0]))
        return self.get(rows[0][0])

    def progress(self, job_id: int, stage: str, done: int, total: int) -> None:
        with self.store.transaction():
            self.store.execute("UPDATE jobs SET stage = ?, done = ?, total = ?, heartbeat = ? WHERE id = ?",
                               (stage, done, total, time.time(), job_id))

    def finish(self, job_id: int, status: str, messages: list[FileMessage], stage: str = "") -> None:
        if status not in ("done", "failed"):
            raise ValueError(f"a job ends done or failed, not {status!r}")
        with self.store.transaction():
            self.store.execute(
                "UPDATE jobs SET status = ?, stage = ?, finished_at = ?, heartbeat = ?, messages = ?, "
                "generation = (SELECT value FROM meta WHERE key = 'generation') WHERE id = ?",
                (status, stage, _now(), time.time(), json.dumps([m.__dict__ for m in messages]), job_id))

    def pending(self) -> int:
        return self.store.query("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")[0][0]


# ---------------------------------------------------------------- the work


def _ingest_job(store: Store, queue: JobQueue, job: Job, analyser) -> list[FileMessage]:
    """Ingest each uploaded file on its own (one bad file does not stop the others), then score
    what is new; messages name the user's file, never the server's folder: one per file, then
    one per problem in it (at most MAX_PROBLEMS, then how many more)."""
    from analysis.corpus import Defaults
    from analysis.pipeline import ingest_paths, score_pending

    folder = Path(job.payload["folder"])
    files = job.payload["files"]
    defaults = Defaults(**job.payload.get("defaults", {}))
    messages: list[FileMessage] = []
    new_ids: list[str] = []
    for i, entry in enumerate(files):
        queue.progress(job.id, f"reading {entry['shown']}", i, len(files))
        path = folder / entry["name"]
        errors: list = []
        try:
            report = ingest_paths(store, [path], strict=False, on_error=errors.append, defaults=defaults)
        except FramingError as exc:
            messages.append(FileMessage(entry["shown"], _user_text(exc, folder), False))
            continue
        new_ids += list(report.ids) if (report.added or report.updated) else []
        messages += _file_messages(entry["shown"], report, errors, folder)
    pending = store.unscored_ids(analyser.version, new_ids) if new_ids else []
    for start in range(0, len(pending), SCORE_BATCH):
        queue.progress(job.id, "scoring", start, len(pending))
        score_pending(store, analyser, ids=pending[start:start + SCORE_BATCH])
    return messages


def _file_messages(shown: str, report, errors: list[IngestError], folder: Path) -> list[FileMessage]:
    """What one file gave: a line saying what landed, then each problem ("line 3: ..."); a file
    that gave nothing but one problem is that one line."""
    problems = [FileMessage(shown, _problem_text(e, folder), False) for e in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        problems.append(FileMessage(shown, f"and {len(errors) - MAX_PROBLEMS} more problem(s)", False))
    landed = report.added or report.updated or report.unchanged
    if not landed and len(errors) == 1:
        return problems
    if landed:
        text = f"{report.added} article(s) added"
        if report.updated:
            text += f", {report.updated} updated"
        if report.unchanged:
            text += f", {report.unchanged} already in the store"
    else:
        text = "no article could be read"
    if errors:
        text += f"; {len(errors)} problem(s):"
    return [FileMessage(shown, text, bool(landed)), *problems]


def _problem_text(error: IngestError, folder: Path) -> str:
    where = f"line {error.line}: " if error.line is not None else ""
    return where + _user_text(error.reason, folder)


def _retrain_job(store: Store, queue: JobQueue, job: Job, analyser) -> list[FileMessage]:
    """Refit the article model with the store's codes, rescore, switch (analysis/training.py)."""
    from analysis.training import format_retrained, retrain_with_codes

    result = retrain_with_codes(store, analyser.reader,
                                progress=lambda stage, done, total: queue.progress(job.id, stage, done, total))
    return [FileMessage("", line, True) for line in format_retrained(result)]


def _user_text(error, folder: Path) -> str:
    return str(error).replace(str(folder) + os.sep, "")


def run_job(store: Store, queue: JobQueue, job: Job, analyser) -> Job:
    """Do one claimed job and record its end; never raises for a bad file or a failed step."""
    try:
        work_of = {"ingest": _ingest_job, "retrain": _retrain_job}.get(job.kind)
        if work_of is None:
            raise FramingError(f"unknown job kind {job.kind!r}")
        messages = work_of(store, queue, job, analyser)
        queue.finish(job.id, "done", messages, stage="done")
    except FramingError as exc:
        queue.finish(job.id, "failed", [FileMessage("", str(exc), False)], stage="failed")
    except Exception as exc:  # noqa: BLE001 - a bug must end this job, not the worker (nor loop on it)
        traceback.print_exc(file=sys.stderr)
        queue.finish(job.id, "failed", [FileMessage("", f"internal error ({type(exc).__name__}); see the worker's log",
                                                    False)], stage="failed")
    finally:
        folder = job.payload.get("folder")
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    return queue.get(job.id)


def work(store: Store, analyser, worker: str | None = None, once: bool = False,
         poll: float = POLL_SECONDS, should_stop=lambda: False) -> int:
    """Drain the queue; between jobs score whatever stored article has no score yet, and keep the
    store's frame cache (what the dashboard reads) current: built when the queue is idle, or every
    FRAME_EVERY seconds while jobs keep coming (building it reads every article: seconds on a
    large store). With `once`, stop when nothing is left to do. Returns how many jobs were run."""
    from analysis.pipeline import score_pending

    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    queue = JobQueue(store)
    ran = 0
    framed = None  # the generation the frame cache was last built for
    last_frame = time.monotonic()
    while not should_stop():
        analyser = analyser.for_store(store)  # follows a retraining (by this worker or another)
        job = queue.claim(worker)
        if job is not None:
            run_job(store, queue, job, analyser)
            ran += 1
            if time.monotonic() - last_frame < FRAME_EVERY:
                continue
        else:
            # A slice at a time, so that an upload never waits behind a whole rescoring.
            pending = store.unscored_ids(analyser.version)[:SWEEP_BATCH] if store.generation() != framed else []
            if pending:
                score_pending(store, analyser, ids=pending)
                continue
        generation = store.generation()
        if generation != framed:
            store.scored_frame(analyser.version)
            framed, last_frame = generation, time.monotonic()
            continue
        if once:
            break
        time.sleep(poll)
    return ran


def run_worker(db: Path, lexicon: Path | None = None, once: bool = False) -> int:
    """`python -m dashboard worker`: run until interrupted (or, with `once`, until idle)."""
    from analysis.scoring import Analyser

    with Store(db) as store:
        analyser = Analyser.load(lexicon, store)
        print(f"worker for {db} ({analyser.version}) started", file=sys.stderr)
        try:
            n = work(store, analyser, once=once)
        except KeyboardInterrupt:
            return 0
    print(f"worker stopped after {n} job(s)", file=sys.stderr)
    return 0
