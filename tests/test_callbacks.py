"""The callbacks' logic as plain functions, and the Flask routes through the test client.

The store is built from a handful of short articles written for these tests (own words), one of
them hostile: HTML, a script tag, Markdown and a formula in its title and text.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from dash import no_update
from plotly.utils import PlotlyJSONEncoder

from analysis.lexicon import Lexicon
from analysis.models import Article
from dashboard import callbacks, ids, service
from dashboard.callbacks import sync_filters
from dashboard.service import Config
from dashboard.uploads import handle_upload, safe_filename
from dashboard.data import get_reader, load_dataset, outlet_value
from uploading import data_url, upload

LABELS = Lexicon.load().labels

HOSTILE_TITLE = '<script>window.pwned=1</script><b>Bold</b> claim [link](javascript:alert(1)) =SUM(A1)'
HOSTILE_TEXT = (
    "<img src=x onerror=alert(1)> Officials in Ankara said the S-400 deal is final. "
    "**Markdown** should stay as typed. Washington warned of sanctions over the purchase."
)

ARTICLES = [
    Article(id="alpha-1", outlet="Alpha Daily", title="Ankara defends its missile choice", date="2019-07-12",
            date_precision="day",
            text="Turkish officials said the S-400 purchase was a sovereign decision. President Erdogan said "
                 "no country could dictate Turkey's defence needs. Russia welcomed the first delivery."),
    Article(id="alpha-2", outlet="Alpha Daily", title="Delivery of the system begins", date="2019-07",
            date_precision="month",
            text="The first parts of the S-400 system arrived near Ankara. Officials called it a milestone "
                 "for national security and said NATO membership was not in question."),
    Article(id="beta-1", outlet="Beta Wire", title="Washington removes Turkey from jet programme",
            date="2019-07-17", date_precision="day",
            text="The United States removed Turkey from the F-35 programme after the S-400 delivery. "
                 "A Pentagon official said the Russian system is incompatible with NATO defences. "
                 "Lawmakers urged CAATSA sanctions."),
    Article(id="beta-2", outlet="Beta Wire", title="Patriot offer renewed", date="2018-07-17", date_precision="day",
            text="Washington again offered Patriot missiles to Turkey. US officials warned that buying the "
                 "S-400 would trigger sanctions and harm the alliance."),
    Article(id="gamma-1", outlet="Gamma Post", title=HOSTILE_TITLE, date="2020-12-14", date_precision="day",
            text=HOSTILE_TEXT),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from analysis.pipeline import score_pending
    from analysis.scoring import Analyser
    from analysis.store import Store
    from dashboard.app import create_app

    root = tmp_path_factory.mktemp("cb")
    db = root / "framing.db"
    with Store(db) as store:
        store.add_articles(ARTICLES)
        score_pending(store, Analyser.load())
    cfg = Config(db_path=str(db), upload_dir=str(root / "uploads"))
    app = create_app(db, upload_dir=root / "uploads")
    return cfg, app


def as_json(component) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder)


def walk(node):
    """Every Dash component in a tree (children lists, nested components)."""
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from walk(item)
        return
    if hasattr(node, "to_plotly_json"):
        yield node
        yield from walk(getattr(node, "children", None))


# ---------------------------------------------------------------- address <-> controls


def test_address_sets_the_controls():
    out = sync_filters(LABELS, None, "?outlet=Beta+Wire&start=2018-01-01&label=neutral&q=patriot&scope=core",
                       [], None, None, [], "")
    assert out[0] is no_update
    assert out[1:] == ([outlet_value("Beta Wire")], "2018-01-01", None, ["neutral"], "patriot", "core")


def test_controls_rewrite_the_address_and_unchanged_is_no_update():
    labels = list(LABELS)
    picked = [outlet_value("Alpha Daily"), outlet_value("Beta Wire")]
    out = sync_filters(LABELS, ids.OUTLET_FILTER, "", picked, "2019-01-01", None, labels, "")
    assert out[0] == "?outlet=Alpha+Daily&outlet=Beta+Wire&start=2019-01-01"
    assert all(v is no_update for v in out[1:])
    same = sync_filters(LABELS, ids.OUTLET_FILTER, out[0], picked, "2019-01-01", None, labels, "")
    assert all(v is no_update for v in same)
    cleared = sync_filters(LABELS, ids.CLEAR_FILTERS, out[0], picked[:1], None, None, labels, "", clear_clicked=True)
    assert cleared == ("", [], None, None, labels, "", "all")
    core = sync_filters(LABELS, ids.SCOPE_FILTER, out[0], picked, "2019-01-01", None, labels, "", "core")
    assert core[0] == out[0] + "&scope=core"


def test_a_filter_change_keeps_the_open_article_and_clear_keeps_it_too():
    labels = list(LABELS)
    out = sync_filters(LABELS, ids.LABEL_FILTER, "?article=beta-1", [], None, None, ["neutral"], "")
    assert out[0] == "?label=neutral&article=beta-1"
    cleared = sync_filters(LABELS, ids.CLEAR_FILTERS, out[0], [], None, None, labels, "", clear_clicked=True)
    assert cleared[0] == "?article=beta-1"


def test_a_click_puts_the_article_in_the_address_and_the_panel_follows_it(env):
    cfg, _ = env
    search = callbacks.select_article(cfg, "?outlet=Beta+Wire&label=neutral", "beta-1")
    assert search == "?outlet=Beta+Wire&label=neutral&article=beta-1"
    assert callbacks.select_article(cfg, search, None) is no_update
    panel, shown = callbacks.open_article(cfg, search, None)
    assert shown == "beta-1" and "Pentagon official" in as_json(panel)
    # A filter change with the same article open redraws nothing; back to no article shows the hint.
    assert callbacks.open_article(cfg, "?article=beta-1", "beta-1") == (no_update, no_update)
    panel, shown = callbacks.open_article(cfg, "?outlet=Beta+Wire", "beta-1")
    assert shown is None and "Click a row" in as_json(panel)
    # A link to an article this store does not hold says so.
    panel, shown = callbacks.open_article(cfg, "?article=no-such-id", None)
    assert shown == "no-such-id" and "no longer in the store" in as_json(panel)


# ---------------------------------------------------------------- view, table, detail


def test_render_view_follows_the_filters(env):
    cfg, _ = env
    everything = service.render_view(cfg, "")
    assert set(everything["figures"]) == set(ids.CHART_IDS)
    assert everything["summary"].startswith("5 of 5 articles")
    beta = service.render_view(cfg, "?outlet=Beta+Wire")
    assert beta["summary"].startswith("2 of 5 articles")
    points = [c for trace in beta["figures"]["framing-by-outlet"]["data"] for c in trace.get("customdata", [])]
    assert sorted(map(str, points)) == ["beta-1", "beta-2"]
    assert not everything["empty"]


def test_table_page_filters_sorts_and_pages(env):
    cfg, _ = env
    page = service.table_page(cfg, "", {"startRow": 0, "endRow": 2, "sortModel": [{"colId": "framing", "sort": "desc"}]})
    assert page["rowCount"] == 5 and len(page["rowData"]) == 2
    all_rows = service.table_page(cfg, "", {"startRow": 0, "endRow": 10})["rowData"]
    framings = sorted((r["framing"] for r in all_rows), reverse=True)
    assert [r["framing"] for r in page["rowData"]] == framings[:2]
    assert set(page["rowData"][0]) >= {"id", "outlet", "date", "title", "label", "framing", "confidence"}
    text = service.table_page(cfg, "?outlet=Alpha+Daily", {
        "startRow": 0, "endRow": 10, "filterModel": {"title": {"filterType": "text", "type": "contains", "filter": "DELIVERY"}}})
    assert [r["id"] for r in text["rowData"]] == ["alpha-2"]
    number = service.table_page(cfg, "", {"startRow": 0, "endRow": 10, "filterModel": {
        "framing": {"filterType": "number", "type": "greaterThan", "filter": framings[2]}}})
    assert number["rowCount"] == sum(f > framings[2] for f in framings) < 5


def test_clicked_article_id_from_table_and_chart():
    assert callbacks.clicked_article_id(ids.TABLE, {"rowId": "beta-1", "colId": "title"}, None) == "beta-1"
    click = {"points": [{"x": 0.2, "customdata": "alpha-2"}]}
    assert callbacks.clicked_article_id("framing-by-outlet", None, click) == "alpha-2"
    click = {"points": [{"x": 0.2, "customdata": ["alpha-1", "extra"]}]}
    assert callbacks.clicked_article_id("framing-by-outlet", None, click) == "alpha-1"
    assert callbacks.clicked_article_id("framing-by-outlet", None, {"points": [{"x": 0}]}) is None


def test_detail_shows_evidence_shading_and_breakdown(env):
    cfg, _ = env
    children = service.article_detail(cfg, "beta-1")
    components = list(walk(children))
    spans = [c for c in components if getattr(c, "className", None) == "sentence"]
    assert spans, "sentences are shaded spans"
    assert all("backgroundColor" in c.style for c in spans)
    text = "".join(
        s if isinstance(s, str) else "" for c in components if getattr(c, "className", None) == "article-text"
        for s in walk_text(c)
    )
    assert "Pentagon official" in text
    assert any(getattr(c, "className", None) == "breakdown" for c in components)
    # The breakdown speaks in words, with probabilities as percentages and no internal names.
    breakdown = as_json([c for c in components if getattr(c, "className", None) == "breakdown"])
    assert "How the score was reached" in breakdown and "stance of the headline" in breakdown
    assert re.search(r"probability pro-Ankara\"}.{0,120}\"\d+%\"", breakdown)
    for internal in ("mean_stance", "title_stance", "neutral_mass", "on_topic", "P(pro-Ankara)"):
        assert internal not in breakdown


def walk_text(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from walk_text(item)
    elif hasattr(node, "to_plotly_json"):
        yield from walk_text(getattr(node, "children", None))


def test_hostile_title_and_text_stay_text_in_the_detail(env):
    cfg, _ = env
    children = service.article_detail(cfg, "gamma-1")
    components = list(walk(children))
    kinds = {type(c).__name__ for c in components}
    assert "Markdown" not in kinds and "Iframe" not in kinds and "Script" not in kinds
    serial = as_json(children)
    assert "dangerously" not in serial
    title = next(c for c in components if getattr(c, "className", None) == "detail-title")
    assert title.children == HOSTILE_TITLE  # the literal string, which React renders as text
    body = "".join(walk_text([c for c in components if getattr(c, "className", None) == "article-text"]))
    assert "<img src=x onerror=alert(1)>" in body and "**Markdown**" in body


def test_hostile_title_in_table_rows_and_csv_is_plain_data(env):
    cfg, app = env
    rows = service.table_page(cfg, "?outlet=Gamma+Post", {"startRow": 0, "endRow": 10})["rowData"]
    assert rows[0]["title"] == HOSTILE_TITLE
    client = app.server.test_client()
    body = client.get("/export/framing-by-outlet.csv?outlet=Gamma+Post").data.decode()
    assert "<script>window.pwned=1</script>" in body  # CSV is data, not markup: unchanged text
    html = client.get("/export/framing-by-outlet.html?outlet=Gamma+Post").data.decode()
    assert "<script>window.pwned=1</script>" not in html  # escaped inside the standalone page


def test_unknown_article_says_so(env):
    cfg, _ = env
    children = service.article_detail(cfg, "no-such-id")
    assert "no longer in the store" in as_json(children)
    assert service.article_detail(cfg, None) is no_update


# ---------------------------------------------------------------- routes

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html", "csv": "text/csv"}


@pytest.mark.parametrize("chart_id", ids.CHART_IDS)
@pytest.mark.parametrize("fmt", ["png", "svg", "html", "csv"])
def test_export_route_every_chart_and_format(env, chart_id, fmt):
    _, app = env
    resp = app.server.test_client().get(f"/export/{chart_id}.{fmt}?outlet=Alpha+Daily&outlet=Beta+Wire")
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == CONTENT_TYPES[fmt]
    assert resp.headers["Content-Type"].count("charset") == (1 if fmt in ("html", "csv") else 0)
    assert f'filename="{chart_id}.{fmt}"' in resp.headers["Content-Disposition"]
    body = resp.data
    if fmt == "png":
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
    elif fmt == "svg":
        assert b"<svg" in body[:500]
    elif fmt == "html":
        assert b"<html" in body[:200].lower() and b"Alpha Daily" in body
    else:
        assert set(pd.read_csv(io.BytesIO(body))["outlet"]) == {"Alpha Daily", "Beta Wire"}
    assert "Alpha Daily" in resp.headers["X-Framing-Filters"]  # the filters travel in the headers
    assert resp.headers["X-Framing-Chart"] == chart_id


def test_export_csv_honours_the_filter_parameters(env):
    _, app = env
    client = app.server.test_client()
    resp = client.get("/export/framing-by-outlet.csv?outlet=Beta+Wire")
    rows = pd.read_csv(io.BytesIO(resp.data))
    assert set(rows["outlet"]) == {"Beta Wire"} and len(rows) == 2
    assert "Beta Wire" in resp.headers["X-Framing-Filters"]
    rows = pd.read_csv(io.BytesIO(client.get("/export/framing-by-outlet.csv?start=2019-07-13&end=2019-12-31").data))
    assert set(rows["id"]) == {"beta-1"}  # alpha-2 is "2019-07": its period starts on the 1st
    rows = pd.read_csv(io.BytesIO(client.get("/export/framing-by-outlet.csv").data))
    assert len(rows) == 5


def test_export_headers_stay_safe_with_a_unicode_outlet(env):
    from urllib.parse import unquote

    _, app = env
    lexicon, version = get_reader(None)
    resp = app.server.test_client().get("/export/voices.csv?outlet=Alpha+Daily&outlet=T%C3%BCrkiye%0D%0AHaber")
    assert resp.status_code == 200
    framing = {k: v for k, v in resp.headers.items() if k.startswith("X-Framing-")}
    assert {"X-Framing-Chart", "X-Framing-Filters", "X-Framing-Analyser-Version", "X-Framing-Story",
            "X-Framing-Exported"} <= set(framing)
    for value in framing.values():
        assert value.isascii() and value.isprintable(), value  # no newline, nothing a client must guess
    filters = framing["X-Framing-Filters"]
    assert filters.startswith("UTF-8''") and "Türkiye Haber" in unquote(filters[len("UTF-8''"):])
    assert framing["X-Framing-Analyser-Version"] == version and framing["X-Framing-Story"] == lexicon.title
    assert set(pd.read_csv(io.BytesIO(resp.data))["outlet"]) == {"Alpha Daily"}


@pytest.mark.parametrize("path,fragment", [
    ("/export/no-such-chart.png", "unknown chart 'no-such-chart'"),
    ("/export/framing-by-outlet.gif", "unknown format 'gif'"),
    ("/export/framing-by-outlet", "unknown export"),
    ("/export/all.png", "all.zip"),
    ("/export/..%2F..%2Fetc%2Fpasswd.csv", "unknown export"),
    ("/export/voices.csv.exe", "unknown format"),
])
def test_unknown_export_is_a_clear_404(env, path, fragment):
    _, app = env
    resp = app.server.test_client().get(path)
    assert resp.status_code == 404
    assert resp.mimetype == "text/plain"
    text = resp.data.decode()
    assert fragment in text and "Traceback" not in text and len(text.splitlines()) == 1


def test_export_all_zip_and_healthz(env):
    _, app = env
    client = app.server.test_client()
    resp = client.get("/export/all.zip?outlet=Alpha+Daily")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert "Alpha Daily" in resp.headers["X-Framing-Filters"] and resp.headers["X-Framing-Chart"] == "all"
    bundle = zipfile.ZipFile(io.BytesIO(resp.data))
    names = bundle.namelist()
    for chart_id in ids.CHART_IDS:
        assert f"charts/{chart_id}.png" in names and f"charts/{chart_id}.csv" in names
    metadata = json.loads(bundle.read("metadata.json"))
    assert "Alpha Daily" in metadata["filters"] and metadata["articles"] == 2
    for name in (n for n in names if n.endswith(".csv")):
        assert len(pd.read_csv(io.BytesIO(bundle.read(name)))) == metadata["files"][name]["rows"], name
    assert set(pd.read_csv(io.BytesIO(bundle.read("articles.csv")))["outlet"]) == {"Alpha Daily"}
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["articles"] == 5


def test_page_and_layout_are_served(env):
    _, app = env
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    for cid in ids.CHART_IDS + (ids.OUTLET_FILTER, ids.TABLE, ids.UPLOAD):
        assert f'"{cid}"' in layout
    assert "Alpha Daily (2)" in layout  # outlet options carry counts


# ---------------------------------------------------------------- upload


@pytest.mark.parametrize("name,expected", [
    ("../../evil.txt", "evil.txt"),
    ("/etc/passwd", "passwd"),
    ("..\\..\\win.jsonl", "win.jsonl"),
    ("..", "upload"),
    (".hidden.csv", "hidden.csv"),
    ("a<b>c.txt", "a_b_c.txt"),
    ("", "upload"),
    ("Türkiye haberleri.jsonl", "Türkiye haberleri.jsonl"),
    ("Сводка новостей.csv", "Сводка новостей.csv"),
    ("中文新闻.txt", "中文新闻.txt"),
    ("Ç" * 200 + ".jsonl.gz", "Ç" * 111 + ".jsonl.gz"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_an_upload_keeps_its_unicode_and_long_names(tmp_path):
    cfg = Config(db_path=str(tmp_path / "u.db"), upload_dir=str(tmp_path / "uploads"))
    text = b"Talks on the deal\n\nOfficials in Ankara said the purchase would go ahead."
    row = json.dumps({"id": "long-1", "title": "A long one", "text": "Washington warned of sanctions again."}).encode()
    long_name = "Dışişleri açıklaması " * 10 + ".jsonl"
    messages, job = upload(cfg, [data_url(text), data_url(row + b"\n")], ["Dışişleri.txt", long_name])
    names = [name for name, _, ok in messages if ok]
    assert names[0] == "Dışişleri.txt" and names[1].endswith(".jsonl") and names[1].startswith("Dışişleri açıklaması")
    assert job.status == "done" and all(ok for *_, ok in messages), messages


def test_upload_good_bad_oversized_and_hostile_names(tmp_path):
    from analysis.store import Store

    db = tmp_path / "var" / "up.db"
    uploads = tmp_path / "var" / "uploads"
    cfg = Config(db_path=str(db), upload_dir=str(uploads))
    good = b"Harbour talks on the radar deal\n\nOfficials in Ankara said the radar deal would go ahead. " \
           b"Diplomats in Brussels warned it could strain the alliance."
    other = b"Second note on the deal\n\nWashington repeated its warning about sanctions over the purchase."
    messages, job = upload(cfg, [
        data_url(good), data_url(b""), data_url(b"x" * (5 * 2**20 + 1)), data_url(other),
    ], ["../../escape.txt", "empty.txt", "huge.txt", "/tmp/absolute.txt"])
    by_name = {name: (text, ok) for name, text, ok in messages}
    assert job.status == "done"
    assert by_name["escape.txt"][1] and "1 article" in by_name["escape.txt"][0]
    assert by_name["absolute.txt"][1]
    assert not by_name["empty.txt"][1]
    assert not by_name["huge.txt"][1] and "5 MB" in by_name["huge.txt"][0]
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "var" / "escape.txt").exists()
    assert not Path("/tmp/absolute.txt").exists() or Path("/tmp/absolute.txt").read_bytes() != other
    assert list(uploads.iterdir()) == []  # the job's folder is removed when it ends
    assert str(uploads) not in json.dumps(messages)  # messages name the user's file, not server paths
    with Store(db) as store:
        assert store.count() == 2
    frame = load_dataset(cfg.db_path)
    assert len(frame.frame) == 2  # both landed and were scored


def test_upload_total_limit(tmp_path):
    cfg = Config(db_path=str(tmp_path / "t.db"), upload_dir=str(tmp_path / "uploads"))
    chunk = b"y" * (4 * 2**20)
    messages, job = upload(cfg, [data_url(chunk)] * 6, [f"f{i}.txt" for i in range(6)])
    assert job is None and len(messages) == 6
    assert all(not ok and "20 MB" in text for _, text, ok in messages)


def test_anonymous_upload_is_refused_and_nothing_is_saved(tmp_path):
    cfg = Config(db_path=str(tmp_path / "t.db"), upload_dir=str(tmp_path / "uploads"))
    result = handle_upload(cfg, [data_url(b"Title\n\nSome text.")], ["a.txt"], None,
                           "sign in as a coder or admin to add articles")
    assert result.job_id is None and [(m.file, m.ok) for m in result.refused] == [("a.txt", False)]
    assert "sign in" in result.refused[0].text
    assert not (tmp_path / "uploads").exists()


def test_readers_never_see_half_written_articles_during_an_upload(tmp_path):
    import threading

    db = tmp_path / "live.db"
    cfg = Config(db_path=str(db), upload_dir=str(tmp_path / "uploads"))
    seed = b"Seed note on the deal\n\nOfficials in Ankara said the purchase would go ahead despite warnings."
    assert upload(cfg, [data_url(seed)], ["seed.txt"])[0][0][2]
    lines = [
        json.dumps({"id": f"bulk-{i}", "outlet": f"Outlet {i % 4}", "date": "2019-07-%02d" % (i % 28 + 1),
                    "title": f"Bulletin {i} on the missile purchase",
                    "text": f"Bulletin {i}. Washington warned Ankara about sanctions over the S-400 purchase. "
                            f"Officials in Ankara said the decision was final."})
        for i in range(120)
    ]
    payload = ("\n".join(lines) + "\n").encode()
    seen, problems, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                ds = load_dataset(cfg.db_path)
                frame = ds.frame
                assert frame["framing"].notna().all() and frame["title"].notna().all()
                seen.append(len(frame))
                service.table_page(cfg, "", {"startRow": 0, "endRow": 15})
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                problems.append(repr(exc))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        messages, job = upload(cfg, [data_url(payload, "application/json")], ["bulk.jsonl"])
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert job.status == "done" and messages[0][2], messages
    assert problems == []
    assert seen and min(seen) >= 1 and max(seen) <= 121
    assert len(load_dataset(cfg.db_path, wait=True).frame) == 121


def test_empty_store_layout_says_how_to_add_articles(tmp_path):
    from analysis.store import Store
    from dashboard.app import create_app

    app = create_app(tmp_path / "empty.db", upload_dir=tmp_path / "uploads")
    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "No articles yet" in layout and "--corpus" in layout
    # stored but not scored by this analyser: the page says so instead of pretending it is empty
    with Store(tmp_path / "unscored.db") as store:
        store.add_articles(ARTICLES[:2])
    app = create_app(tmp_path / "unscored.db", upload_dir=tmp_path / "uploads")
    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "holds 2 articles, but none is scored" in layout


def test_method_page_renders_the_notes(env):
    _, app = env
    resp = app.server.test_client().get("/method")
    body = resp.data.decode()
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert body.count("<h2") >= 5 and "<table>" in body  # the notes' sections and their tables
    assert "href=/validity" in body
