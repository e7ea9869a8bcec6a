"""Uploading as the app does it: a signed-in coder's request queues a job, a worker runs it."""
from __future__ import annotations

from analysis import jobs
from analysis.store import Store
from dashboard import uploads
from dashboard.data import get_analyser
from dashboard.users import User

WRITER = User("alice", "coder")


def upload(cfg, contents, names):
    """([(file, message, ok)] of the files refused at once and of the finished job, the job or None)."""
    result = uploads.handle_upload(cfg, contents, names, WRITER)
    job = None
    if result.job_id is not None:
        with Store(cfg.db_path) as store:
            jobs.work(store, get_analyser(cfg.lexicon_path), once=True)
        job = uploads.job_statuses(cfg, [result.job_id])[0]
    messages = result.refused + (job.messages if job else [])
    return [(m.file, m.text, m.ok) for m in messages], job
