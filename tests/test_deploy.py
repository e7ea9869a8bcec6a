"""The Procfile as deployed: gunicorn serves the page, long share links, and only on localhost
unless told otherwise."""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]


def _procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The Procfile's `web` command, run as a platform would (through a shell, with PORT set)."""
    from analysis.models import Article
    from analysis.store import Store

    root = tmp_path_factory.mktemp("deploy")
    db = root / "store.db"
    with Store(db) as store:
        store.add_articles([Article("d1", "Wire", "Talks", "Officials in Ankara met their counterparts.")])
    port = _free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PORT=str(port), FRAMING_DB=str(db), PATH=bin_dir + os.pathsep + os.environ["PATH"])
    env.pop("FRAMING_BIND", None)
    proc = subprocess.Popen(["sh", "-c", "exec " + _procfile()["web"]], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("gunicorn from the Procfile did not start")
    yield base, port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_the_procfile_runs_a_web_and_a_worker_process():
    procs = _procfile()
    assert set(procs) == {"web", "worker"}
    assert "--timeout" not in procs["web"]  # requests are short: the default 30 s is enough
    assert shlex.split(procs["worker"])[-2:] == ["dashboard", "worker"]


def test_a_link_naming_many_outlets_is_served(web):
    base, _ = web
    outlets = [f"Regional News Service {i:03d}" for i in range(180)]
    url = base + "/?" + urlencode({"outlet": outlets, "start": "2018-01-01"}, doseq=True)
    assert len(url) > 4094 + 100  # over gunicorn's default request-line limit
    resp = requests.get(url, timeout=30)
    assert resp.status_code == 200, resp.status_code


def test_the_web_process_listens_on_localhost_only_by_default(web):
    import psutil

    _, port = web
    listening = {c.laddr.ip for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    assert listening == {"127.0.0.1"}
