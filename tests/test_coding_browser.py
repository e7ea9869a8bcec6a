"""The researcher's loop in headless Chromium (Playwright driving Debian's /usr/bin/chromium): two
coders sign in and code the same six articles of the sample corpus, an admin adjudicates their
one disagreement, the agreement shown equals the arithmetic done here by hand, and the admin
retrains the article model, after which /validity shows the new analyser with its figures.
The store is its own (retraining changes its analyser), built once from ../shared/corpus."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from agreement_by_hand import cohen_kappa, nominal_alpha
from test_browser import CHROMIUM, CORPUS, LiveServer, Worker, build_store

TIMEOUT = 60_000
PASSWORD = "browser coding password"
# What each coder answers for the six articles the sample gives them, in order: they disagree on
# the third (the admin settles it as pro-Washington).
ANN = ["pro-Ankara", "neutral", "pro-Washington", "neutral", "off-topic", "pro-Ankara"]
BOB = ["pro-Ankara", "neutral", "neutral", "neutral", "off-topic", "pro-Ankara"]
KEYS = {"pro-Washington": "1", "neutral": "2", "pro-Ankara": "3", "off-topic": "0"}

pytestmark = [
    pytest.mark.skipif(not (CORPUS / "s400").is_dir(), reason="sample corpus ../shared/corpus missing"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from analysis.store import Store
    from dashboard.app import create_app
    from dashboard.users import add_user

    db = tmp_path_factory.mktemp("coding-browser") / "framing.db"
    build_store(db, [CORPUS / "s400", CORPUS / "turkey-nato.jsonl"])
    with Store(db) as store:
        for name, role in (("ann", "coder"), ("bob", "coder"), ("root", "admin")):
            add_user(store, name, role, PASSWORD)
    live = LiveServer(create_app(db, secret_key="coding-browser-secret"))
    worker = Worker(db)
    yield live
    worker.stop()
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                                "--disable-background-networking", "--no-first-run"])
        yield b
        b.close()


def signed_in_page(browser, server, name: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto(server.url + "/code")  # asks to sign in first, then comes back
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/code$"))
    return page


def current_article(page) -> str:
    return page.get_attribute("#c-article", "data-article")


def test_two_coders_an_admin_and_a_retraining(server, browser):
    ann = signed_in_page(browser, server, "ann")
    coded = []
    assert "the analyser:" not in ann.inner_text("body")  # nothing of the model before a code
    for label in ANN:  # ann codes with the keyboard
        coded.append(current_article(ann))
        ann.keyboard.press(KEYS[label])
        ann.wait_for_selector("#c-reveal")  # the analyser's reading of what she just coded, and the next article
        assert label in ann.inner_text("#c-reveal") and "the analyser:" in ann.inner_text("#c-reveal")
    assert len(set(coded)) == 6

    bob = signed_in_page(browser, server, "bob")
    for i, label in enumerate(BOB):  # bob gets the same six, in the same order, and clicks
        assert current_article(bob) == coded[i]
        bob.click(".c-sentence >> nth=1")  # marks a sentence that decided it
        bob.click(f'button.c-label[value="{label}"]')
        bob.wait_for_selector("#c-reveal")
    bob.wait_for_selector("#alpha")  # the agreement block arrives after the page
    units = [[a, b] for a, b in zip(ANN, BOB)]
    alpha, kappa = nominal_alpha(units), cohen_kappa(ANN, BOB)
    # by hand: 12 values, pA 4, N 5, pW 1, off 2; 2 disagreeing coincidences:
    # alpha = 1 - 11 * 2 / (144 - (16 + 25 + 1 + 4)) = 1 - 22/98; kappa: p_o 5/6, p_e (2*2 + 2*3 + 0 + 1*1)/36
    assert alpha == pytest.approx(1 - 22 / 98) and kappa == pytest.approx((5 / 6 - 11 / 36) / (1 - 11 / 36))
    assert bob.inner_text("#alpha") == f"{alpha:.3f}" and bob.inner_text("#alpha-items") == "6"
    assert bob.inner_text("#agreement .kappa") == f"{kappa:.3f}"

    root = signed_in_page(browser, server, "root")
    root.goto(server.url + "/code/review")
    row = root.locator(f'tr[data-article="{coded[2]}"]')
    assert "ann: pro-Washington" in row.inner_text() and "bob: neutral" in row.inner_text()
    assert root.locator("tr[data-article]").count() == 1
    row.locator("select").select_option("pro-Washington")
    row.locator("button").click()
    root.wait_for_load_state()
    assert root.inner_text(f'tr[data-article="{coded[2]}"] .c-decided') == "pro-Washington"
    assert root.inner_text("#alpha") == f"{alpha:.3f}"  # agreement is the coders', adjudication aside
    old_version = root.inner_text("#analyser-version")

    root.click("#retrain")  # a background job; the page reloads itself while it runs
    root.wait_for_selector("#retrain-status")
    began = time.monotonic()
    while True:  # asked with the admin's session, beside the page (which keeps reloading)
        status = root.context.request.get(server.url + "/code/review").text()
        assert "Last retraining: <b>failed</b>" not in status, status
        if "Last retraining: <b>done</b>" in status:
            break
        assert time.monotonic() - began < 600, status
        time.sleep(1)
    root.goto(server.url + "/validity")
    new_version = root.inner_text("#store-analyser")
    assert new_version != old_version and new_version.startswith(old_version + "+article-")
    text = root.inner_text("body")
    before_after = root.locator("#before-after tr")
    assert before_after.count() == 3  # header, the story's model, refitted with the codes
    assert "story model (no codes)" in before_after.nth(1).inner_text()
    assert "refitted with codes" in before_after.nth(2).inner_text()
    assert re.search(r"\d\.\d\d", before_after.nth(2).inner_text())
    # five on-topic articles with a coders' label, the adjudicated one among them
    assert "The analyser against the coders 5 articles" in text and "(1 adjudicated" in text
    assert root.inner_text("#alpha") == f"{alpha:.3f}"
    for page in (ann, bob, root):
        assert page.js_errors == []
