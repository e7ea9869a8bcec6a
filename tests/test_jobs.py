"""Background work (analysis/jobs.py): uploads are read and scored by a worker, never in the request."""
from __future__ import annotations

import json
import time

import pytest

from analysis import jobs
from analysis.models import Article
from analysis.store import Store
from dashboard import layout, uploads
from dashboard.service import Config
from dashboard.data import get_analyser
from uploading import WRITER, data_url


def _bulk(n: int) -> bytes:
    body = " ".join(["Officials in Ankara said the purchase of the Russian system would go ahead, while "
                     "Washington repeated its warning about sanctions."] * 20)
    return "".join(json.dumps({"id": f"bulk-{i}", "outlet": f"Wire {i % 5}", "title": f"Report {i}",
                               "text": f"Report {i}. {body}"}) + "\n" for i in range(n)).encode()


@pytest.fixture()
def cfg(tmp_path):
    return Config(db_path=str(tmp_path / "store.db"), upload_dir=str(tmp_path / "uploads"))


def test_the_upload_request_only_queues_the_work(cfg):
    started = time.perf_counter()
    result = uploads.handle_upload(cfg, [data_url(_bulk(500))], ["bulk.jsonl"], WRITER)
    took = time.perf_counter() - started
    assert result.job_id is not None and result.queued == ("bulk.jsonl",)
    with Store(cfg.db_path) as store:
        assert store.count() == 0  # nothing was read in the request
        job = jobs.JobQueue(store).get(result.job_id)
    assert job.status == "queued" and job.submitted_by == "alice"
    assert took < 5, took  # a generous bound: reading and scoring 500 long articles takes minutes


def test_a_worker_reads_scores_and_reports_progress(cfg):
    uploads.handle_upload(cfg, [data_url(_bulk(30)), data_url(b'{"id": 1}\n[[[')],
                          ["bulk.jsonl", "broken.jsonl"], WRITER)
    stages = []
    with Store(cfg.db_path) as store:
        queue = jobs.JobQueue(store)
        real = queue.progress

        def spy(job_id, stage, done, total):
            stages.append((stage, done, total))
            real(job_id, stage, done, total)

        job = queue.claim("test-worker")
        queue.progress = spy
        done = jobs.run_job(store, queue, job, get_analyser(None))
        assert store.count() == 30 and not store.unscored_ids(get_analyser(None).version)
    assert done.status == "done" and done.finished
    by_file = {m.file: m for m in done.messages}
    assert by_file["bulk.jsonl"].ok and "30 article(s) added" in by_file["bulk.jsonl"].text
    assert not by_file["broken.jsonl"].ok
    assert any(s[0] == "scoring" for s in stages) and stages[0][0].startswith("reading")
    assert not list(cfg.uploads.glob("upload-*"))  # the job's files are removed when it ends
    shown = json.dumps(layout.job_status([done], time.time()), default=str)
    assert "30 article(s) added" in shown


def test_two_workers_never_take_the_same_job_and_a_silent_worker_is_replaced(tmp_path):
    with Store(tmp_path / "s.db") as store:
        queue = jobs.JobQueue(store)
        a = queue.submit("ingest", {"folder": "", "files": []}, "alice")
        b = queue.submit("ingest", {"folder": "", "files": []}, "bob")
        first, second = queue.claim("w1"), queue.claim("w2")
        assert {first.id, second.id} == {a, b}
        assert queue.claim("w3") is None  # both are running and alive
        # w1 stops sending heartbeats: after STALE_AFTER its job is taken again
        retaken = queue.claim("w3", now=time.time() + jobs.STALE_AFTER + 1)
        assert retaken is not None and retaken.status == "running"


def test_stored_but_unscored_articles_are_always_picked_up(tmp_path):
    analyser = get_analyser(None)
    with Store(tmp_path / "s.db") as store:
        store.add_articles([Article("late-1", "Wire", "Late", "Officials in Ankara said the talks went well."),
                            Article("late-2", "Wire", "Later", "Washington warned of sanctions again.")])
        assert len(store.unscored_ids(analyser.version)) == 2
        assert jobs.work(store, analyser, once=True) == 0  # no job, but the worker scored them
        assert store.unscored_ids(analyser.version) == []


def test_the_page_says_when_no_worker_takes_a_job(cfg):
    result = uploads.handle_upload(cfg, [data_url(_bulk(1))], ["one.jsonl"], WRITER)
    job = uploads.job_statuses(cfg, [result.job_id, "not-an-id", 10**9])[0]
    assert [j.id for j in uploads.job_statuses(cfg, [result.job_id, "x", True])] == [result.job_id]
    soon = json.dumps(layout.job_status([job], time.time()), default=str)
    late = json.dumps(layout.job_status([job], time.time() + 60), default=str)
    assert "waiting for the background worker" in soon and "is a worker running" not in soon
    assert "is a worker running" in late and "python -m dashboard worker" in late


def test_an_uploaded_bomb_or_deep_nesting_is_one_message_and_the_good_rows_land(cfg):
    import gzip

    nested = b"[" * 100_000 + b"]" * 100_000 + b"\n"
    good = json.dumps({"id": "after-1", "title": "After", "text": "Officials in Ankara said the talks went well."}).encode()
    bomb = gzip.compress(b"{" + b" " * (200 * 2**20) + b"}\n")  # 200 MB of one line in a 200 KB file
    result = uploads.handle_upload(cfg, [data_url(nested + good + b"\n"), data_url(bomb)],
                                     ["nested.jsonl", "bomb.jsonl.gz"], WRITER)
    with Store(cfg.db_path) as store:
        jobs.work(store, get_analyser(None), once=True)
        assert [a.id for a in store.articles()] == ["after-1"]
    job = uploads.job_statuses(cfg, [result.job_id])[0]
    assert job.status == "done"
    nested = [(m.text, m.ok) for m in job.messages if m.file == "nested.jsonl"]
    assert nested == [("1 article(s) added; 1 problem(s):", True), ("line 1: nested deeper than 64 levels", False)]
    bomb = [m for m in job.messages if m.file == "bomb.jsonl.gz"]
    assert len(bomb) == 1 and not bomb[0].ok and "\n" not in bomb[0].text


def test_a_failing_job_ends_failed_and_the_worker_goes_on(cfg, monkeypatch):
    first = uploads.handle_upload(cfg, [data_url(_bulk(1))], ["one.jsonl"], WRITER)
    second = uploads.handle_upload(cfg, [data_url(_bulk(2))], ["two.jsonl"], WRITER)
    real = jobs._ingest_job
    calls = []

    def flaky(store, queue, job, analyser):
        calls.append(job.id)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real(store, queue, job, analyser)

    monkeypatch.setattr(jobs, "_ingest_job", flaky)
    with Store(cfg.db_path) as store:
        assert jobs.work(store, get_analyser(None), once=True) == 2
    failed, done = uploads.job_statuses(cfg, [first.job_id, second.job_id])
    assert failed.status == "failed" and "internal error" in failed.messages[0].text
    assert done.status == "done"
