"""What a user does, in headless Chromium (Playwright driving Debian's /usr/bin/chromium).

The app runs in a background thread (werkzeug) on a free localhost port, over a store built once
from the real sample corpus in ../shared/corpus. Tests that change the store (uploads) come last.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
from pathlib import Path

import pytest

from dashboard.ids import CHART_IDS

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 60_000  # ms: the first scoring, kaleido's first start and a slow CI box all fit

pytestmark = [
    pytest.mark.skipif(not (CORPUS / "s400").is_dir(), reason="sample corpus ../shared/corpus missing"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")


# ---------------------------------------------------------------- fixtures


class LiveServer:
    """A Dash app served by werkzeug in a daemon thread."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(10)


def build_store(db: Path, paths: list[Path]) -> None:
    from analysis.pipeline import ingest_paths, score_pending
    from analysis.scoring import Analyser
    from analysis.store import Store

    with Store(db) as store:
        ingest_paths(store, paths, strict=False, on_error=lambda e: None)
        score_pending(store, Analyser.load())


CODER, PASSWORD = "alice", "browser test password"


class Worker:
    """The background worker (analysis/jobs.py) in a daemon thread, as `python -m dashboard` runs one."""

    def __init__(self, db: Path) -> None:
        from analysis import jobs
        from analysis.scoring import Analyser
        from analysis.store import Store

        self._stop = threading.Event()

        def run() -> None:
            with Store(db) as store:
                jobs.work(store, Analyser.load(), poll=0.2, should_stop=self._stop.is_set)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(server, upload folder) over the sample corpus: s400 captures + turkey-nato.jsonl, with a
    coder account and a background worker."""
    from analysis.store import Store
    from dashboard.app import create_app
    from dashboard.users import add_user

    root = tmp_path_factory.mktemp("sample")
    db = root / "var" / "framing.db"
    db.parent.mkdir()
    build_store(db, [CORPUS / "s400", CORPUS / "turkey-nato.jsonl"])
    with Store(db) as store:
        add_user(store, CODER, "coder", PASSWORD)
    uploads = root / "var" / "uploads"
    server = LiveServer(create_app(db, upload_dir=uploads, secret_key="browser-test-secret"))
    worker = Worker(db)
    yield server, uploads
    worker.stop()
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


# ---------------------------------------------------------------- helpers

POINT_IDS_JS = """
() => {
  const gd = document.querySelector('#framing-by-outlet .js-plotly-plot');
  if (!gd || !gd.data) return null;
  const ids = [];
  for (const trace of gd.data) {
    for (const c of (trace.customdata || [])) ids.push(Array.isArray(c) ? c[0] : c);
  }
  return ids.filter(x => x != null).map(String).sort();
}
"""


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_for_charts(page)


def sign_in(page, server) -> None:
    """Through the sign-in form, as a coder; back on the dashboard with its charts drawn."""
    page.goto(server.url + "/login")
    page.fill("#login-name", CODER)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(server.url + "/")
    wait_for_charts(page)
    assert f"{CODER} (coder)" in page.inner_text("#signed-in-as")


def wait_for_charts(page) -> None:
    """Every chart holds a drawn figure with data."""
    for cid in CHART_IDS:
        page.wait_for_function(
            """(id) => { const gd = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
                          return gd && gd.data && gd.data.length > 0 && gd.querySelector('.main-svg'); }""",
            arg=cid,
        )
    page.wait_for_load_state("networkidle")


def point_ids(page) -> list[str]:
    return page.evaluate(POINT_IDS_JS)


def wait_points_change(page, before: list[str]) -> list[str]:
    page.wait_for_function(f"(before) => {{ const ids = ({POINT_IDS_JS})(); "
                           "return ids && JSON.stringify(ids) !== JSON.stringify(before); }", arg=before)
    return point_ids(page)


def y_tick_labels(page, cid: str = "framing-by-outlet") -> list[str]:
    """The outlet rows of a per-outlet chart, as drawn."""
    return page.evaluate("(id) => [...document.querySelectorAll('#' + CSS.escape(id) + ' .ytick text')]"
                         ".map(t => t.textContent)", cid)


def choose_outlet(page, outlet: str) -> None:
    """Dash 4's dropdown: a button opening a popover with a search box and option rows."""
    page.click("#outlet-filter")
    content = page.locator(".dash-dropdown-content")
    content.wait_for(state="visible")
    search = content.locator("input").first
    search.fill(outlet)
    content.get_by_role("option", name=re.compile(rf"^{re.escape(outlet)} \(\d+\)$")).click()
    page.keyboard.press("Escape")


def outlet_count(page, outlet: str) -> int:
    """The article count the dropdown shows for an outlet."""
    page.click("#outlet-filter")
    option = page.locator(".dash-dropdown-content").get_by_role(
        "option", name=re.compile(rf"^{re.escape(outlet)} \(\d+\)$"))
    text = option.inner_text()
    page.keyboard.press("Escape")
    return int(re.search(r"\((\d+)\)", text).group(1).replace(",", ""))


def table_titles(page) -> list[str]:
    page.wait_for_selector("#article-table .ag-row .ag-cell[col-id='title']")
    return page.locator("#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='title']").all_inner_texts()


def click_first_row(page) -> str:
    """Click the table's first title; its text."""
    first = page.locator("#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='title']").first
    first.wait_for()
    title = first.inner_text()
    first.click()
    return title


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


# ---------------------------------------------------------------- tests


def test_page_shows_the_five_charts_table_and_footer(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    for cid in CHART_IDS:
        assert page.locator(f"#{cid} .js-plotly-plot").count() == 1
    assert len(y_tick_labels(page)) > 3  # one row per outlet
    assert len(point_ids(page)) > 100  # one dot per article
    assert len(table_titles(page)) > 0
    assert "Analyser version" in page.inner_text("#footer")
    assert page.locator("#empty-state").is_hidden()
    assert page.js_errors == []
    # A viewport as tall as the page (rather than full_page) so the grid renders every visible row.
    page.set_viewport_size({"width": 1440, "height": page.evaluate("document.body.scrollHeight")})
    table_titles(page)
    page.screenshot(path=os.environ.get("SCREENSHOT", "/tmp/dashboard-sample.png"))


def test_validity_page_from_the_footer_link(sample, page):
    """The footer links to /validity, which shows every evaluation set's figures with intervals,
    the baselines, a confusion matrix and the reliability diagram for this analyser."""
    from analysis.evaluation.report import load_validity

    server, _ = sample
    open_page(page, server.url + "/")
    page.click("#validity-link")
    page.wait_for_url("**/validity", timeout=TIMEOUT)
    text = page.inner_text("body")
    assert "measured on the analyser that scored this dashboard" in text
    record = load_validity()
    measured = [s for s in record["sets"] if s["reports"]]
    assert page.locator("table.v-figures").count() == len(measured) >= 2
    for s in measured:
        assert f"{s['name']} {s['n']} texts" in text
        assert f"{s['reports'][0]['sign_accuracy']['value']:.2f}" in text
    for method in ("analyser", "always neutral", "TF-IDF + LR mean"):
        assert text.count(method) >= len(measured)
    assert page.locator("table.v-confusion").count() == len(measured)
    assert page.locator("svg circle").count() >= len(measured)  # the reliability diagram
    assert "Krippendorff" in text and "minimal pairs" in text.lower()
    page.screenshot(path=os.environ.get("SCREENSHOT_VALIDITY", "/tmp/validity.png"), full_page=True)


def test_filter_by_outlet_changes_charts_and_address_and_back_button(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    everything = point_ids(page)
    n_sputnik = outlet_count(page, "Sputnik")

    choose_outlet(page, "Sputnik")
    page.wait_for_url(re.compile(r"\?outlet=Sputnik$"))
    only = wait_points_change(page, everything)
    assert 0 < len(only) < len(everything)
    assert len(only) == min(n_sputnik, 300)  # one dot per article (charts draw at most 300 per outlet)
    ticks = y_tick_labels(page)
    assert len(ticks) == 1 and ticks[0].startswith("Sputnik"), ticks
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('%d of ')"
                           % n_sputnik)
    # the table follows the filters too
    page.wait_for_function("""() => { const cells = [...document.querySelectorAll(
        "#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='outlet']")];
        return cells.length > 0 && cells.every(c => c.innerText === 'Sputnik'); }""")

    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    restored = wait_points_change(page, only)
    assert restored == everything
    assert "All outlets" in page.inner_text("#outlet-filter")


def test_shared_link_applies_its_filters(sample, page):
    server, _ = sample
    open_page(page, server.url + "/?outlet=Sputnik&start=2017-01-01")
    assert "Sputnik" in page.inner_text("#outlet-filter")
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.includes('2017-01-01')")
    summary = page.inner_text("#filter-summary")
    assert "outlets: Sputnik" in summary
    start_value = page.locator("#date-filter").input_value()  # Dash 4 puts the id on the start input
    assert start_value == "2017-01-01"
    ticks = y_tick_labels(page)
    assert all(t.startswith("Sputnik") for t in ticks), ticks
    assert page.url.endswith("?outlet=Sputnik&start=2017-01-01")


def test_shared_link_keeps_an_outlet_the_store_does_not_hold(sample, page):
    server, _ = sample
    open_page(page, server.url + "/?outlet=Sputnik&outlet=Nowhere+Times")
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.includes('Nowhere Times')")
    page.wait_for_timeout(1500)  # give a dropdown that discards unknown values the time to do it
    assert page.url.endswith("?outlet=Sputnik&outlet=Nowhere+Times")
    assert "Nowhere Times (0)" in page.inner_text("#outlet-filter")
    assert all(t.startswith("Sputnik") for t in y_tick_labels(page))


def test_label_checkboxes_and_clear_button_drive_the_address(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    before = point_ids(page)
    page.locator("#label-filter").get_by_label("neutral").uncheck()
    page.wait_for_url(re.compile(r"\?label=pro-Washington&label=pro-Ankara$"))
    fewer = wait_points_change(page, before)
    assert len(fewer) < len(before)
    page.click("#clear-filters")
    page.wait_for_url(re.compile(r"/$"))
    assert wait_points_change(page, fewer) == before
    assert page.locator("#label-filter").get_by_label("neutral").is_checked()


def test_open_an_article_from_the_table_shows_shaded_sentences(sample, page):
    server, _ = sample
    open_page(page, server.url + "/?outlet=Sputnik")
    title = click_first_row(page)
    detail = page.locator("#article-detail")
    detail.locator(".article-text").wait_for()
    assert detail.locator(".detail-title").inner_text() == title
    assert "Sputnik" in detail.locator(".meta").inner_text()
    assert detail.locator(".verdict .badge").inner_text() in ("pro-Washington", "neutral", "pro-Ankara")
    sentences = detail.locator(".article-text .sentence")
    assert sentences.count() > 3
    shaded = [s for s in sentences.evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
              if s not in ("rgba(0, 0, 0, 0)", "transparent")]
    assert shaded, "no sentence is shaded"
    assert detail.locator(".breakdown table").count() >= 1
    # the text is the article's text, not a summary
    assert len(detail.locator(".article-text").inner_text()) > 500


def test_click_a_point_opens_its_article(sample, page):
    server, _ = sample
    open_page(page, server.url + "/?outlet=Sputnik")
    point = page.locator("#framing-by-outlet .scatterlayer .trace .points path").first
    point.click(force=True)
    page.locator("#article-detail .article-text").wait_for()
    assert "Sputnik" in page.inner_text("#article-detail .meta")


def test_an_open_article_lives_in_the_address_and_survives_back_and_forward(sample, page):
    server, _ = sample
    open_page(page, server.url + "/?outlet=Sputnik")
    title = click_first_row(page)
    page.wait_for_url(re.compile(r"\?outlet=Sputnik&article=[^&]+$"))
    link = page.url
    detail = page.locator("#article-detail")
    detail.locator(".detail-title").wait_for()
    assert detail.locator(".detail-title").inner_text() == title
    page.go_back()
    page.wait_for_url(re.compile(r"\?outlet=Sputnik$"))
    page.wait_for_function("() => document.querySelector('#article-detail').innerText.includes('Click a row')")
    page.go_forward()
    page.wait_for_url(link)
    detail.locator(".detail-title").wait_for()
    assert detail.locator(".detail-title").inner_text() == title
    # A filter change keeps the article open and in the address.
    page.locator("#label-filter").get_by_label("neutral").uncheck()
    page.wait_for_url(re.compile(r"label=.*&article="))
    assert detail.locator(".detail-title").inner_text() == title
    # The link, opened fresh, shows the article and its breakdown in words.
    other = page.context.new_page()
    other.goto(link)
    other.locator("#article-detail .detail-title").wait_for(timeout=TIMEOUT)
    assert other.locator("#article-detail .detail-title").inner_text() == title
    breakdown = other.inner_text("#article-detail .breakdown")
    assert "How the score was reached" in breakdown and "mean_stance" not in breakdown
    assert re.search(r"probability pro-Ankara\s+\d+%", breakdown)
    assert page.js_errors == []


def test_the_page_explains_the_score_and_switches_to_the_core_story(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    guide = page.inner_text(".reading-guide")
    for words in ("Label:", "Framing:", "Confidence:", "calibrated"):
        assert words in guide
    assert page.locator(".reading-guide a[href='/validity']").count() == 1
    # The switch names the core thread and counts its articles.
    core_option = page.locator("#scope-filter label").filter(has_text="core story only")
    match = re.search(r"the S-400 dispute \((\d+)\)", core_option.inner_text())
    assert match, core_option.inner_text()
    n_core = int(match.group(1))
    total = int(re.search(r"whole quarrel \(([\d,]+)\)", page.inner_text("#scope-filter")).group(1).replace(",", ""))
    assert 0 < n_core < total
    before = point_ids(page)
    core_option.click()
    page.wait_for_url(re.compile(r"\?scope=core$"))
    core_points = wait_points_change(page, before)
    assert len(core_points) == n_core
    page.wait_for_function("(n) => document.querySelector('#filter-summary').innerText.startsWith(n + ' of ')",
                           arg=str(n_core))
    assert "core story only" in page.inner_text("#filter-summary")
    page.go_back()
    assert wait_points_change(page, core_points) == before
    # The method page, linked from the guide, renders the notes (headings and tables).
    page.click("#method-link")
    page.wait_for_url("**/method")
    assert page.locator("h2").count() >= 3 and page.locator("table").count() >= 1
    assert page.js_errors == []


def test_export_png_and_csv_from_the_buttons(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    choose_outlet(page, "Defense World")
    page.wait_for_url(re.compile(r"outlet=Defense\+World"))
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.includes('Defense World')")
    buttons = page.locator(".chart-framing-by-outlet .export-buttons")

    with page.expect_download(timeout=120_000) as png_info:
        buttons.get_by_role("button", name="PNG", exact=True).click()
    png = Path(png_info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_info.value.suggested_filename.endswith(".png")

    with page.expect_download() as csv_info:
        buttons.get_by_role("button", name="CSV", exact=True).click()
    rows = read_csv(Path(csv_info.value.path()).read_bytes())
    assert rows and {r["outlet"] for r in rows} == {"Defense World"}


def test_anonymous_visitors_are_asked_to_sign_in_before_uploading(sample, page):
    server, _ = sample
    open_page(page, server.url + "/")
    assert page.locator("#sign-in").is_visible()
    card = page.locator("#upload-card")
    assert "as a coder or admin to add articles" in card.inner_text()
    assert page.locator("#upload input[type=file]").is_disabled()
    card.get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#login-name", CODER)
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    assert "unknown name or wrong password" in page.inner_text("body")


def test_upload_a_good_and_a_bad_file(sample, page):
    server, uploads = sample
    sign_in(page, server)
    good = (
        "Quiet harbour talks on the zephyrine radar deal\n\n"
        "Officials in Ankara said on Monday that the zephyrine radar purchase would go ahead regardless of "
        "pressure from Washington. A spokesman for the ministry argued that the country must decide its own "
        "air defence. Diplomats in Brussels warned that the step could strain ties within the alliance. "
        "Analysts expect further talks before the end of the year."
    ).encode()
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "harbour-talks.txt", "mimeType": "text/plain", "buffer": good},
        {"name": "broken.txt", "mimeType": "text/plain", "buffer": b""},
    ])
    # the request only queues the files; the background worker reads them and the page follows it
    page.locator("#upload-messages li.pending").first.wait_for()
    assert "queued" in page.inner_text("#upload-messages")
    messages = page.locator("#job-status")
    messages.locator("li.error").wait_for(timeout=120_000)
    assert "broken.txt" in messages.locator("li.error").inner_text()
    ok = messages.locator("li.ok")
    assert "harbour-talks.txt" in ok.inner_text() and "1 article" in ok.inner_text()

    page.fill("#search-filter", "zephyrine")
    page.press("#search-filter", "Enter")
    page.wait_for_url(re.compile(r"q=zephyrine"))
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('1 of ')")
    page.wait_for_function("""() => { const cells = [...document.querySelectorAll(
        "#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='title']")];
        return cells.length === 1 && cells[0].innerText.includes('zephyrine'); }""")
    assert not any(uploads.glob("upload-*/*")), "temporary upload files are removed after ingest"


def test_upload_binary_and_hostile_name_and_markup_stay_inert(sample, page, tmp_path):
    server, uploads = sample
    sign_in(page, server)
    title = "<script>window.__pwned = 1</script><b>Kestrelwind</b> [order](javascript:alert(1)) confirmed"
    text = (
        f"{title}\n\n"
        "The defence ministry confirmed the kestrelwind order. <img src=x onerror=\"window.__pwned = 2\"> "
        "Critics in Washington called it a mistake, while officials in Ankara described it as a sovereign "
        "choice that others should respect. **Nothing here is bold.**"
    ).encode()
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "../../evil.txt", "mimeType": "text/plain", "buffer": text},
        {"name": "image.txt", "mimeType": "text/plain", "buffer": bytes(range(256)) * 40},
    ])
    messages = page.locator("#job-status")
    messages.locator("li").nth(1).wait_for(timeout=120_000)
    texts = messages.locator("li").all_inner_texts()
    assert any(t.startswith("evil.txt:") and "1 article" in t for t in texts), texts
    assert messages.locator("li.error").count() == 1 and "image.txt" in messages.locator("li.error").inner_text()
    for escaped in (uploads.parent / "evil.txt", uploads.parent.parent / "evil.txt", Path.cwd() / "evil.txt"):
        assert not escaped.exists(), f"upload escaped to {escaped}"

    # Open it: markup in the title and text is shown as typed and never runs.
    page.fill("#search-filter", "kestrelwind")
    page.press("#search-filter", "Enter")
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('1 of ')")
    cell = page.locator("#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='title']").first
    page.wait_for_function("""() => { const c = document.querySelector(
        "#article-table .ag-center-cols-container .ag-row .ag-cell[col-id='title']");
        return c && c.innerText.includes('Kestrelwind'); }""")
    cell.click()
    detail = page.locator("#article-detail")
    detail.locator(".article-text").wait_for()
    shown_title = detail.locator(".detail-title").inner_text()
    assert "<script>" in shown_title and "<b>Kestrelwind</b>" in shown_title
    body = detail.locator(".article-text").inner_text()
    assert "<img src=x" in body and "**Nothing here is bold.**" in body
    assert detail.locator("script, img, b, strong, a[href^='javascript']").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert page.js_errors == []


def test_upload_with_an_outlet_lands_under_that_outlet_and_a_pdf_is_answered(sample, page):
    server, _ = sample
    sign_in(page, server)
    total = int(re.search(r"of ([\d,]+) articles", page.inner_text("#filter-summary")).group(1).replace(",", ""))
    outlet = "Kuzey Haber Ajansı"
    rows = "".join(json.dumps({"id": f"kuzey-{i}", "title": f"Radar talks, day {i}",
                               "text": "Officials in Ankara said the radar purchase would go ahead. Diplomats in "
                                       f"Brussels warned of strain within the alliance on day {i}."}) + "\n"
                   for i in (1, 2))
    page.fill("#upload-outlet", outlet)
    page.fill("#upload-date", "2019-07")
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "kuzey.jsonl", "mimeType": "application/json", "buffer": rows.encode()},
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 not an article"},
    ])
    refused = page.locator("#upload-messages li.error")
    refused.wait_for()
    assert refused.inner_text().startswith("report.pdf: not a supported format (use .jsonl")
    page.locator("#job-status li.ok").wait_for(timeout=120_000)
    assert "kuzey.jsonl: 2 article(s) added" in page.inner_text("#job-status")
    page.wait_for_function("(n) => document.querySelector('#filter-summary').innerText.includes(`of ${n} articles`)",
                           arg=f"{total + 2:,}")
    assert outlet_count(page, outlet) == 2
    choose_outlet(page, outlet)
    page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('2 of ')")
    assert {r.split("\t")[0] for r in table_titles(page)} == {"Radar talks, day 1", "Radar talks, day 2"}


def test_oversized_uploads_are_refused_with_a_message(sample, page):
    server, _ = sample
    sign_in(page, server)
    # one file over the 5 MB per-file limit: sent, refused by the server with a message
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "big.txt", "mimeType": "text/plain", "buffer": b"word " * (5 * 2**20 // 5 + 100)},
    ])
    page.locator("#upload-messages li.error").wait_for(timeout=120_000)
    assert "over the 5 MB limit" in page.inner_text("#upload-messages")
    # more than 20 MB at once: refused in the page before anything is sent
    sent = []
    page.on("request", lambda r: sent.append(r) if "_dash-update-component" in r.url and
            "upload-messages" in (r.post_data or "") else None)
    page.set_input_files("#upload input[type=file]", files=[
        {"name": f"part{i}.txt", "mimeType": "text/plain", "buffer": b"x" * (4 * 2**20 + 1)} for i in range(6)
    ])
    page.wait_for_function("() => document.querySelector('#upload-refused').innerText.includes('20 MB limit')")
    assert "6 file(s)" in page.inner_text("#upload-refused")
    assert sent == []


def test_empty_store_shows_how_to_add_articles(browser, tmp_path):
    from dashboard.app import create_app

    server = LiveServer(create_app(tmp_path / "empty.db", upload_dir=tmp_path / "uploads"))
    try:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(server.url + "/")
        page.wait_for_load_state("networkidle")
        empty = page.locator("#empty-state")
        empty.wait_for(state="visible")
        assert "No articles yet" in empty.inner_text()
        assert "--corpus" in empty.inner_text()
        assert page.locator("#charts-section").is_hidden()
        assert page.locator("#upload input[type=file]").count() == 1
        assert page.locator("#sign-in").is_visible()
        page.close()
    finally:
        server.stop()


def test_outlets_named_like_javascript_internals_are_plain_data(browser, tmp_path):
    """An outlet called "__proto__" (one upload, or only a link) once made the outlet filter
    vanish for every visitor; the page must treat every name as data."""
    from analysis.models import Article
    from analysis.pipeline import score_pending
    from analysis.scoring import Analyser
    from analysis.store import Store
    from dashboard.app import create_app

    names = ["__proto__", "constructor", "hasOwnProperty", "Plain Wire"]
    db = tmp_path / "proto.db"
    with Store(db) as store:
        store.add_articles([Article(f"p{i}", name, f"Report {i} on the deal",
                                    "Officials in Ankara said the purchase would go ahead. Washington warned of sanctions.",
                                    date=f"2019-0{i + 1}-12", date_precision="day") for i, name in enumerate(names)])
        score_pending(store, Analyser.load())
    server = LiveServer(create_app(db, upload_dir=tmp_path / "uploads"))
    try:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for address in ("/", "/?outlet=__proto__", "/?outlet=constructor&outlet=Plain+Wire"):
            page.goto(server.url + address)
            wait_for_charts(page)
            assert page.locator("#outlet-filter").is_visible()
        assert "constructor (1)" in page.inner_text("#outlet-filter")
        page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('2 of ')")
        page.goto(server.url + "/?outlet=__proto__")
        wait_for_charts(page)
        page.wait_for_function("() => document.querySelector('#filter-summary').innerText.startsWith('1 of ')")
        assert "__proto" in page.inner_text("#outlet-filter")
        assert page.evaluate("() => Object.getOwnPropertyNames(Object.prototype).filter(n => n.includes(':'))") == []
        assert errors == []
        page.close()
    finally:
        server.stop()
