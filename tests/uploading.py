"""Uploading as the app does it: a signed-in coder's request queues a job, a worker runs it; and
signing in and posting the upload callback through a Flask test client, as the page does."""
from __future__ import annotations

import base64
import re

from analysis import jobs
from analysis.store import Store
from dashboard import ids, uploads
from dashboard.data import get_analyser
from dashboard.users import User

WRITER = User("alice", "coder")
PASSWORD = "a long enough secret"


def data_url(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def upload(cfg, contents, names, outlet=None, date=None):
    """([(file, message, ok)] of the files refused at once and of the finished job, the job or None)."""
    result = uploads.handle_upload(cfg, contents, names, WRITER, outlet=outlet, date=date)
    job = None
    if result.job_id is not None:
        with Store(cfg.db_path) as store:
            jobs.work(store, get_analyser(cfg.lexicon_path), once=True)
        job = uploads.job_statuses(cfg, [result.job_id])[0]
    messages = result.refused + (job.messages if job else [])
    return [(m.file, m.text, m.ok) for m in messages], job


def run_worker(cfg) -> int:
    """One background worker until the queue is empty; how many jobs it ran."""
    with Store(cfg.db_path) as store:
        return jobs.work(store, get_analyser(cfg.lexicon_path), once=True)


def sign_in(client, name="alice", password=PASSWORD, next_url="/"):
    """Through the sign-in form, with the token it hands out."""
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    return client.post("/login", data={"csrf": token, "name": name, "password": password, "next": next_url})


def post_upload(client, files: dict[str, bytes], outlet=None, date=None) -> dict:
    """The upload callback as the page sends it (the files, the outlet and date fields)."""
    outputs = [{"id": ids.UPLOAD_MESSAGES, "property": "children"}, {"id": ids.JOBS, "property": "data"},
               {"id": ids.JOB_POLL, "property": "disabled"}]
    payload = {
        "output": f"..{ids.UPLOAD_MESSAGES}.children...{ids.JOBS}.data...{ids.JOB_POLL}.disabled..",
        "outputs": outputs,
        "inputs": [{"id": ids.UPLOAD_PAYLOAD, "property": "data",
                    "value": {"contents": [data_url(d) for d in files.values()], "filenames": list(files), "at": 1}}],
        "state": [{"id": ids.JOBS, "property": "data", "value": []},
                  {"id": ids.UPLOAD_OUTLET, "property": "value", "value": outlet},
                  {"id": ids.UPLOAD_DATE, "property": "value", "value": date}],
        "changedPropIds": [f"{ids.UPLOAD_PAYLOAD}.data"],
    }
    resp = client.post("/_dash-update-component", json=payload)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()["response"]


def post_poll(client, job_ids: list[int]) -> list:
    """The page's poll of its jobs (what the job-status list then shows), as the page sends it."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if {"id": ids.JOB_POLL, "property": "n_intervals"} in d["inputs"])
    output = dep["output"]  # names the allow_duplicate output as Dash registered it
    values = {(ids.JOB_POLL, "n_intervals"): 1, (ids.JOBS, "data"): job_ids, (ids.DATA_VERSION, "data"): ""}
    payload = {
        "output": output,
        "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in output.strip(".").split("...")],
        "inputs": [dict(i, value=values[(i["id"], i["property"])]) for i in dep["inputs"]],
        "state": [dict(x, value=values[(x["id"], x["property"])]) for x in dep["state"]],
        "changedPropIds": [f"{ids.JOB_POLL}.n_intervals"],
    }
    resp = client.post("/_dash-update-component", json=payload)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()["response"][ids.JOB_STATUS]["children"]
