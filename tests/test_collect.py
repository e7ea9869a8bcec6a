"""`python -m analysis collect LIST` against a small web server on 127.0.0.1 that this file
controls: the three list formats, one failure line per bad address, robots.txt, retries, the
size limit, timeouts, the disk cache (a second run asks nothing; an interrupted run resumes),
and `score --db` with no paths. Every page here was written for this test."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from analysis.__main__ import main
from analysis.collect.lists import article_id
from analysis.store import Store

PARAGRAPHS = {
    "ferry": [
        "The harbour board voted on Tuesday to build a second ferry terminal on the eastern quay, "
        "ending a dispute that had lasted for most of the year.",
        "Its chair said the new terminal would take the evening crossings off the old pier, which has "
        "carried twice the traffic it was built for since the island's bridge closed for repairs.",
        "Shopkeepers on the quay asked the board to keep the market open during the works, and the "
        "board agreed to move the builders' entrance to the side street.",
    ],
    "bridge": [
        "Engineers inspected the island bridge on Monday and found cracks in two of its main cables, "
        "the council said in a statement after the inspection.",
        "The bridge will stay closed to lorries until the cables are replaced, which the council "
        "expects to take until the end of the summer, while cars may cross at walking pace.",
        "Residents who drive to the mainland for work said the closure had doubled their journeys, "
        "and asked the council to run more buses across the harbour.",
    ],
    "dam": [
        "Water in the valley reservoir fell to its lowest level in a decade this week, the water "
        "authority said, and it asked farmers to water their fields only at night.",
        "The authority said the dam itself was sound, but that the dry spring had left the river "
        "that feeds it at a third of its usual flow for the season.",
        "Farmers' groups said the night rule would cost them extra wages and asked for help with the "
        "cost of the pumps, which the authority said it would consider next month.",
    ],
    "flaky": [
        "The town's library reopened on Saturday after a year of repairs to its roof, with a new "
        "reading room on the top floor that looks out over the harbour.",
        "The librarian said more than four hundred people came through the doors on the first day, "
        "many of them children who joined the summer reading club.",
    ],
    "memo": [
        "This internal memo lists the harbour board's draft budget for the coming year, which the "
        "board has not yet approved and which may still change before the vote.",
        "It must not be collected by any crawler, because the site's robots.txt disallows the path.",
    ],
}
TITLES = {
    "ferry": "Harbour Board Approves Second Ferry Terminal",
    "bridge": "Cracks Found in Island Bridge Cables",
    "dam": "Reservoir Falls to Decade Low",
    "flaky": "Library Reopens After Roof Repairs",
    "memo": "Draft Budget Memo",
}
PAGE_DATE = {"dam": "2019-07-14"}  # the only page that names its own date


def html_page(key: str) -> bytes:
    meta = f'<meta property="article:published_time" content="{PAGE_DATE[key]}">' if key in PAGE_DATE else ""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[key])
    return (
        f"<!DOCTYPE html><html><head><title>{TITLES[key]}</title>"
        f'<meta property="og:title" content="{TITLES[key]}">{meta}</head><body>'
        '<nav><a href="/">Home</a> <a href="/news/">News</a></nav>'
        f"<article><h1>{TITLES[key]}</h1>{body}</article>"
        "<footer>Harbour Gazette, made up for a test</footer></body></html>"
    ).encode("utf-8")


EMPTY_PAGE = b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
SLOW_SECONDS = 2.5
TIMEOUT = "1"  # generous: a busy machine must not time out the fast pages
MAX_BYTES = 100_000


class Site:
    """The test web server: what it serves and every path it was asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.times: list[float] = []
        self.robots = ROBOTS
        self.agents: set[str] = set()
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                with site.lock:
                    site.requests.append(self.path)
                    site.times.append(time.monotonic())
                    site.agents.add(self.headers.get("User-Agent", ""))
                    count = site.requests.count(self.path)
                try:
                    site.answer(self, self.path, count)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the slow page): that is the point

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, h: BaseHTTPRequestHandler, path: str, count: int) -> None:
        def send(status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", length: bool = True, **headers) -> None:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            if length:
                h.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                h.send_header(name.replace("_", "-"), value)
            h.end_headers()
            h.wfile.write(body)

        name = path.rsplit("/", 1)[-1].removesuffix(".html")
        if path == "/robots.txt":
            send(200, self.robots, "text/plain")
        elif path == "/news/flaky.html" and count == 1:
            send(429, b"slow down", Retry_After="0")
        elif path in ("/news/ferry.html", "/news/bridge.html", "/news/dam.html", "/news/flaky.html", "/private/memo.html"):
            send(200, html_page(name))
        elif path == "/news/empty.html":
            send(200, EMPTY_PAGE)
        elif path == "/news/later.html":
            send(429, b"come back tomorrow", Retry_After="86400")
        elif path == "/news/down.html":
            send(503, b"maintenance")
        elif path == "/news/huge.html":
            send(200, b"<html><body><p>" + b"word " * (MAX_BYTES // 2) + b"</p></body></html>", length=False)
        elif path == "/news/slow.html":
            time.sleep(SLOW_SECONDS)
            send(200, html_page("ferry"))
        else:
            send(404, b"not here")

    def hits(self) -> Counter:
        with self.lock:
            return Counter(self.requests)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.times.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


GOOD = ("ferry", "bridge", "dam", "flaky")
BAD = {  # path -> the reason its failure line gives
    "/private/memo.html": "disallowed by robots.txt",
    "/news/missing.html": "HTTP 404",
    "/news/down.html": "HTTP 503 after 3 attempts",
    "/news/later.html": "HTTP 429, asked to wait 86400 s (more than 60 s)",
    "/news/huge.html": "over the 100,000 bytes limit",
    "/news/slow.html": "timed out after 3 attempts",
    "/news/empty.html": "no article text",
}


def collect(list_path: Path, db: Path, *extra: str) -> int:
    return main(["collect", str(list_path), "--db", str(db), "--delay", "0.01", "--timeout", TIMEOUT,
                 "--max-bytes", str(MAX_BYTES), *extra])


def stored(db: Path) -> dict:
    with Store(db) as store:
        return {a.url: a for a in store.articles()}


def lines_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def media_cloud_list(site: Site, path: Path, keys=GOOD, bad=BAD) -> Path:
    rows = ["stories_id,publish_date,title,url,language,ap_syndicated,themes,media_id,media_name,media_url"]
    for i, key in enumerate(keys, start=1):
        rows.append(f'{100 + i},2019-07-{10 + i} 08:30:00,"{TITLES[key]}, as listed",{site.url(f"/news/{key}.html")},en,False,,{i},Harbour Gazette,{site.base}')
    for i, bad_path in enumerate(bad, start=1):
        rows.append(f"{200 + i},2019-08-01 00:00:00,Bad {i},{site.url(bad_path)},en,False,,9,Harbour Gazette,{site.base}")
    rows.append("300,2019-08-02,Not the web,ftp://127.0.0.1/news/file.html,en,False,,9,Harbour Gazette,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_media_cloud_list_is_collected_stored_scored_with_one_line_per_failure(site, tmp_path, tmp_db, capsys):
    listed = media_cloud_list(site, tmp_path / "stories.csv")
    assert collect(listed, tmp_db) == 0
    err = capsys.readouterr().err

    articles = stored(tmp_db)
    assert set(articles) == {site.url(f"/news/{k}.html") for k in GOOD}
    for i, key in enumerate(GOOD, start=1):
        a = articles[site.url(f"/news/{key}.html")]
        assert (a.title, a.date, a.date_precision, a.outlet) == (f"{TITLES[key]}, as listed", f"2019-07-{10 + i}", "day", "Harbour Gazette")
        assert a.id == article_id(a.url) and a.source == a.url
        assert PARAGRAPHS[key][0][:40] in a.text and "Home" not in a.text

    # one line per bad address, naming it and the reason; nothing else but the summary
    lines = lines_of(err)
    for path, reason in BAD.items():
        assert [line for line in lines if line.startswith(site.url(path) + ": ")] != [], (path, err)
        assert any(line.startswith(f"{site.url(path)}: {reason}") for line in lines), (path, reason, err)
    assert any(line.startswith("ftp://127.0.0.1/news/file.html: not an http or https address") for line in lines)
    assert len(lines) == len(BAD) + 2, err
    assert lines[-1].endswith("5 fetched, 0 from cache, 8 failed, 4 stored (4 new, 0 updated, 0 unchanged), 4 scored")

    hits = site.hits()
    assert hits["/robots.txt"] == 1  # once per host
    assert hits["/private/memo.html"] == 0  # robots.txt honoured
    assert hits["/news/flaky.html"] == 2  # 429, then the page
    assert hits["/news/down.html"] == 3 and hits["/news/slow.html"] == 3  # the most attempts
    assert hits["/news/missing.html"] == hits["/news/huge.html"] == hits["/news/later.html"] == 1
    assert all(agent.startswith("media-framing-collect/") for agent in site.agents)

    with Store(tmp_db) as store:
        from analysis.scoring import Analyser

        version = Analyser.load().version
        scores = store.scores([a.content_hash for a in articles.values()], version)
    assert len(scores) == 4


def test_second_run_asks_nothing_for_cached_pages_and_remembered_failures(site, tmp_path, tmp_db, capsys):
    cache = tmp_path / "pages"
    permanent = {p: BAD[p] for p in ("/private/memo.html", "/news/missing.html")}
    listed = media_cloud_list(site, tmp_path / "stories.csv", bad=permanent)
    assert collect(listed, tmp_db, "--cache", str(cache)) == 0
    first = capsys.readouterr().err
    assert "(remembered: not asked again on later runs)" in first
    assert not list(cache.rglob(".tmp-*"))  # every entry renamed into place
    site.reset()

    assert collect(listed, tmp_db, "--cache", str(cache)) == 0
    err = capsys.readouterr().err
    assert site.hits() == Counter()  # not even robots.txt
    for path, reason in permanent.items():
        assert f"{site.url(path)}: {reason} (remembered from an earlier run; delete {cache}" in err
    assert lines_of(err)[-1].endswith("0 fetched, 6 from cache, 3 failed, 4 stored (0 new, 0 updated, 4 unchanged), 0 scored")
    assert len(stored(tmp_db)) == 4


def test_passing_failures_are_tried_again_on_the_next_run(site, tmp_path, tmp_db, capsys):
    listed = media_cloud_list(site, tmp_path / "stories.csv")
    collect(listed, tmp_db)
    site.reset()
    assert collect(listed, tmp_db) == 0
    capsys.readouterr()
    hits = site.hits()
    assert set(hits) == {"/robots.txt", "/news/down.html", "/news/slow.html", "/news/huge.html", "/news/later.html"}


def test_an_interrupted_run_resumes_fetching_only_what_is_missing(site, tmp_path, tmp_db, capsys):
    keys = list(GOOD)
    whole = tmp_path / "urls.txt"
    whole.write_text("".join(site.url(f"/news/{k}.html") + "\n" for k in keys), encoding="utf-8")
    half = tmp_path / "half.txt"
    half.write_text("".join(site.url(f"/news/{k}.html") + "\n" for k in keys[:2]), encoding="utf-8")
    assert collect(half, tmp_db) == 0  # the run that was stopped after two pages
    site.reset()

    assert collect(whole, tmp_db) == 0
    assert site.hits() == Counter({"/robots.txt": 1, "/news/dam.html": 1, "/news/flaky.html": 2})
    assert lines_of(capsys.readouterr().err)[-1].endswith("2 fetched, 2 from cache, 0 failed, 4 stored (2 new, 0 updated, 2 unchanged), 2 scored")
    assert len(stored(tmp_db)) == 4


def test_requests_to_one_host_are_spaced_by_the_delay(site, tmp_path, tmp_db, capsys):
    listed = tmp_path / "urls.txt"
    listed.write_text("".join(site.url(f"/news/{k}.html") + "\n" for k in ("ferry", "bridge", "dam")), encoding="utf-8")
    assert main(["collect", str(listed), "--db", str(tmp_db), "--delay", "0.3"]) == 0
    assert site.requests == ["/robots.txt", "/news/ferry.html", "/news/bridge.html", "/news/dam.html"]
    gaps = [b - a for a, b in zip(site.times, site.times[1:])]
    assert min(gaps) >= 0.29, gaps


def test_a_longer_crawl_delay_in_robots_txt_wins(site, tmp_path, tmp_db, capsys):
    site.robots = b"User-agent: *\nCrawl-delay: 1\n"
    listed = tmp_path / "urls.txt"
    listed.write_text(site.url("/news/ferry.html") + "\n" + site.url("/news/bridge.html") + "\n", encoding="utf-8")
    assert collect(listed, tmp_db) == 0  # --delay 0.01
    assert site.requests == ["/robots.txt", "/news/ferry.html", "/news/bridge.html"]
    assert site.times[2] - site.times[1] >= 0.99


def test_plain_text_list_takes_title_and_date_from_the_page_and_outlet_from_the_host(site, tmp_path, tmp_db, capsys):
    listed = tmp_path / "addresses.csv"  # the name says CSV; the content decides
    listed.write_text(
        "# articles to read\n\n"
        + site.url("/news/ferry.html") + "\n"
        + "   \n" + site.url("/news/dam.html#comments") + "\n"
        + site.url("/news/ferry.html") + "\n"  # listed twice: fetched once
        + "mailto:desk@example.org\n",
        encoding="utf-8",
    )
    assert collect(listed, tmp_db) == 0
    err = capsys.readouterr().err
    articles = stored(tmp_db)
    assert set(articles) == {site.url("/news/ferry.html"), site.url("/news/dam.html")}
    ferry, dam = articles[site.url("/news/ferry.html")], articles[site.url("/news/dam.html")]
    assert (ferry.title, ferry.outlet, ferry.date) == (TITLES["ferry"], "127.0.0.1", None)
    assert (dam.title, dam.date) == (TITLES["dam"], PAGE_DATE["dam"])
    assert "mailto:desk@example.org: not an http or https address (list line 7)" in err
    assert site.hits()["/news/ferry.html"] == 1


def test_gdelt_doc_csv_list(site, tmp_path, tmp_db, capsys):
    listed = tmp_path / "artlist.csv"
    rows = ["URL,MobileURL,Date,Title"]
    rows += [f'{site.url(f"/news/{k}.html")},,2019-07-20 10:15:00,"{TITLES[k]} (GDELT)"' for k in ("bridge", "dam")]
    listed.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode("utf-8") + b"\n")  # GDELT writes a BOM
    assert collect(listed, tmp_db) == 0
    articles = stored(tmp_db)
    bridge, dam = articles[site.url("/news/bridge.html")], articles[site.url("/news/dam.html")]
    assert (bridge.title, bridge.date, bridge.outlet) == (TITLES["bridge"] + " (GDELT)", "2019-07-20", "127.0.0.1")
    # GDELT's date is when it saw the article: the page's own date wins
    assert (dam.title, dam.date) == (TITLES["dam"] + " (GDELT)", PAGE_DATE["dam"])


def test_gdelt_events_export(site, tmp_path, tmp_db, capsys):
    def event(n: int, day: str, url: str) -> str:
        fields = [str(900000 + n), day] + [""] * 58 + [url]  # 61 tab-separated columns, SOURCEURL last
        return "\t".join(fields)

    listed = tmp_path / "20190712.export.CSV"
    listed.write_text(
        "\n".join([
            event(1, "20190712", site.url("/news/ferry.html")),
            event(2, "20190712", site.url("/news/ferry.html")),  # two events, one article
            event(3, "20190711", site.url("/news/bridge.html")),
            "too\tfew\tcolumns",
        ]) + "\n",
        encoding="utf-8",
    )
    assert collect(listed, tmp_db) == 0
    err = capsys.readouterr().err
    articles = stored(tmp_db)
    assert {(a.title, a.date, a.outlet) for a in articles.values()} == {
        (TITLES["ferry"], "2019-07-12", "127.0.0.1"),
        (TITLES["bridge"], "2019-07-11", "127.0.0.1"),
    }
    assert f"{listed}:4: 3 tab-separated fields, a GDELT event row has at least 50" in err


def test_the_list_is_read_within_the_limits(site, tmp_path, tmp_db, capsys, monkeypatch):
    monkeypatch.setenv("FRAMING_MAX_RECORD_MB", "0.0001")  # 104 bytes a line
    monkeypatch.setenv("FRAMING_MAX_ROWS", "3")
    listed = tmp_path / "urls.txt"
    long_one = site.url("/news/" + "x" * 120 + ".html")
    listed.write_text("\n".join([site.url("/news/ferry.html"), long_one, site.url("/news/dam.html"), site.url("/news/bridge.html")]) + "\n")
    assert collect(listed, tmp_db) == 0
    err = capsys.readouterr().err
    assert f"{listed}:2: line too long" in err
    assert f"{listed}:4: stopped: more than 3 lines (the limit)" in err
    assert set(stored(tmp_db)) == {site.url("/news/ferry.html"), site.url("/news/dam.html")}
    assert "/news/bridge.html" not in site.hits()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not one article could be collected"),
        (b"# only a comment\n", "not one article could be collected"),
        (b"\x00\x01\x02binary\x00", "not a list of addresses"),
    ],
)
def test_a_list_without_a_usable_address_exits_2_with_one_line(tmp_path, tmp_db, capsys, content, message):
    listed = tmp_path / "list.txt"
    listed.write_bytes(content)
    assert collect(listed, tmp_db) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert lines_of(err)[-1].startswith("error: not one article could be collected from")


def test_collect_through_the_real_entry_point(site, tmp_path, tmp_db):
    import subprocess
    import sys

    listed = tmp_path / "urls.txt"
    listed.write_text(site.url("/news/bridge.html") + "\n" + site.url("/news/missing.html") + "\n", encoding="utf-8")
    repo = Path(__file__).resolve().parents[1]
    r = subprocess.run(
        [sys.executable, "-m", "analysis", "collect", str(listed), "--db", str(tmp_db), "--delay", "0.01"],
        cwd=repo, capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert f"{site.url('/news/missing.html')}: HTTP 404" in r.stderr
    assert (tmp_db.parent / "collect-cache").is_dir()  # the default cache sits beside the store
    assert list(stored(tmp_db)) == [site.url("/news/bridge.html")]


def test_score_with_no_paths_prints_every_stored_article(site, tmp_path, tmp_db, capsys):
    listed = tmp_path / "urls.txt"
    listed.write_text(site.url("/news/ferry.html") + "\n" + site.url("/news/dam.html") + "\n", encoding="utf-8")
    assert collect(listed, tmp_db) == 0
    extra = tmp_path / "files"
    extra.mkdir()
    (extra / "note.txt").write_text("Quay Market Stays Open\n\n" + PARAGRAPHS["ferry"][2], encoding="utf-8")
    assert main(["ingest", str(extra), "--db", str(tmp_db)]) == 0  # stored, not yet scored
    capsys.readouterr()

    assert main(["score", "--db", str(tmp_db), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["id"] for r in records) == sorted([article_id(site.url("/news/ferry.html")), article_id(site.url("/news/dam.html")), "note"])
    assert all(r["label"] and r["analyser_version"] for r in records)  # the ingested one was scored too

    assert main(["score", "--db", str(tmp_db), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    assert main(["score", "--db", str(tmp_db)]) == 0
    assert "Reservoir Falls to Decade Low" in capsys.readouterr().out

    missing = tmp_path / "nowhere.db"
    assert main(["score", "--db", str(missing)]) == 2
    assert "no store at" in capsys.readouterr().err and not missing.exists()


def test_every_collect_and_score_argument_has_help():
    import argparse

    from analysis.__main__ import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in ("collect", "score"):
        actions = [a for a in commands[name]._actions if not isinstance(a, argparse._HelpAction)]
        assert actions and all(a.help for a in actions), name
