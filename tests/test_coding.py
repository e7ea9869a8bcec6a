"""The coding pages through HTTP (Flask's test client on the real app): who may code, adjudicate
and retrain, CSRF, no anchoring (the analyser's reading only after a code is saved), the queues,
/validity and the export bundle. The articles are made up for these tests."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest

from analysis.annotations import code_history, current_codes, reference_labels
from analysis.corpus import article_from_text
from analysis.pipeline import score_pending
from analysis.scoring import Analyser
from analysis.store import Store
from dashboard.app import create_app
from dashboard.users import add_user

PASSWORD = "a long enough secret"
ARTICLES = {  # id: (outlet, text)
    "g1": ("Gazette", "Ankara's right\n\nTurkey had every right to buy the S-400. Washington's pressure is unfair."),
    "g2": ("Gazette", "Talks go on\n\nTurkish and American officials met on Monday about the S-400. No deal was reached."),
    "c1": ("Courier", "A risk to NATO\n\nThe S-400 is incompatible with NATO and endangers the F-35. Ankara must drop it."),
    "c2": ("Courier", "League opens\n\nThe football league opened its season on Saturday with a late goal."),
    "w1": ("Wire", "Sanctions loom\n\nCongress may impose sanctions on Turkey over the S-400, officials said."),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("coding") / "store.db"
    articles = []
    for article_id, (outlet, text) in ARTICLES.items():
        a = article_from_text(article_id, text)
        a.outlet = outlet
        articles.append(a)
    with Store(path) as store:
        store.add_articles(articles)
        score_pending(store, Analyser.load())
        add_user(store, "ann", "coder", PASSWORD)
        add_user(store, "bob", "coder", PASSWORD)
        add_user(store, "cyd", "coder", PASSWORD)
        add_user(store, "root", "admin", PASSWORD)
    return path


@pytest.fixture()
def fresh(db, tmp_path):
    """A copy of the scored store without any code, and a client factory over it."""
    import shutil

    copy = tmp_path / "store.db"
    shutil.copy(db, copy)
    app = create_app(copy, secret_key="test-secret")
    return copy, lambda: app.server.test_client()


def sign_in(client, name: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', form)[1]
    assert client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD}).status_code == 302


def form_of(page: str) -> dict:
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|article_id|content_hash|mode)" value="([^"]*)"', page))
    return fields


def code(client, label: str, page: str | None = None, **extra):
    page = page or client.get("/code").get_data(as_text=True)
    data = form_of(page) | {"label": label} | extra
    return client.post("/code", data=data)


def test_coding_needs_a_signed_in_coder(fresh):
    _, client_of = fresh
    client = client_of()
    resp = client.get("/code?mode=unsure")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login?next=%2Fcode%3Fmode%3Dunsure"
    assert client.post("/code", data={"label": "neutral"}).status_code == 302
    assert client.get("/code/review").status_code == 302


def test_the_analyser_is_hidden_until_the_code_is_saved(fresh):
    path, client_of = fresh
    client = client_of()
    sign_in(client, "ann")
    page = client.get("/code").get_data(as_text=True)
    article_id = form_of(page)["article_id"]
    with Store(path) as store:
        score = store.get_score(store.get_article(article_id).content_hash, Analyser.load().version)
    assert not re.search(r"confidence \d|framing [+-]\d|the analyser:|c-contrib", page)
    assert 'data-key="1"' in page and 'data-key="0"' in page and "Codebook" in page and "Keys: 1 pro-Washington" in page
    assert client.get(f"/code?last={article_id}").get_data(as_text=True).count("the analyser:") == 0  # no peeking
    resp = code(client, "neutral", page, sentence=["1", "2"], note="plain report")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/code?mode=sample&last={article_id}"
    after = client.get(resp.headers["Location"]).get_data(as_text=True)
    reveal = re.search(r'id="c-reveal">(.*?)</section>', after, re.S)[1]
    assert f"the analyser: <b>{score.label}</b> (confidence {score.confidence:.2f}" in reveal
    assert form_of(after)["article_id"] != article_id  # the next article at once
    with Store(path) as store:
        (saved,) = current_codes(store)
    assert (saved.article_id, saved.coder, saved.label, saved.sentences, saved.note) == (
        article_id, "ann", "neutral", (1, 2), "plain report")
    assert saved.codebook.startswith("1.")  # the codebook's version and digest


def test_a_post_without_the_form_token_or_with_a_bad_label_stores_nothing(fresh):
    path, client_of = fresh
    client = client_of()
    sign_in(client, "ann")
    page = client.get("/code").get_data(as_text=True)
    forged = form_of(page) | {"csrf": "not-the-token", "label": "neutral"}
    resp = client.post("/code", data=forged)
    assert resp.status_code == 400 and resp.get_data(as_text=True).strip() == "the form expired; reload the page and try again"
    resp = code(client, "sideways", page)
    assert resp.status_code == 400 and "label 'sideways' is not one of" in resp.get_data(as_text=True)
    assert len(resp.get_data(as_text=True).strip().splitlines()) == 1
    with Store(path) as store:
        assert current_codes(store) == []


def test_recoding_an_article_replaces_the_code_and_keeps_the_history(fresh):
    path, client_of = fresh
    client = client_of()
    sign_in(client, "ann")
    code(client, "neutral", client.get("/code?article=g1").get_data(as_text=True))
    page = client.get("/code?article=g1").get_data(as_text=True)
    assert "You coded this article before as <b>neutral</b>" in page
    code(client, "pro-Ankara", page)
    with Store(path) as store:
        assert [c.label for c in code_history(store, "g1")] == ["neutral", "pro-Ankara"]
        assert [c.label for c in current_codes(store)] == ["pro-Ankara"]


def test_the_unsure_queue_starts_with_the_lowest_confidence(fresh):
    path, client_of = fresh
    client = client_of()
    sign_in(client, "bob")
    with Store(path) as store:
        version = Analyser.load().version
        ordered = [r[0] for r in store.query(
            "SELECT a.id FROM scores s JOIN articles a ON a.content_hash = s.content_hash "
            "WHERE s.analyser_version = ? ORDER BY s.confidence, a.id", (version,))]
    page = client.get("/code?mode=unsure").get_data(as_text=True)
    assert form_of(page)["article_id"] == ordered[0]
    after = client.get(code(client, "neutral", page).headers["Location"]).get_data(as_text=True)
    assert form_of(after)["article_id"] == ordered[1] and form_of(after)["mode"] == "unsure"
    assert client.get("/code?mode=sideways").status_code == 400


def test_coders_disagree_an_admin_adjudicates_and_queues_one_retraining(fresh):
    path, client_of = fresh
    ann, bob, root = client_of(), client_of(), client_of()
    for client, name in ((ann, "ann"), (bob, "bob"), (root, "root")):
        sign_in(client, name)
    code(ann, "pro-Ankara", ann.get("/code?article=g1").get_data(as_text=True))
    code(bob, "neutral", bob.get("/code?article=g1").get_data(as_text=True))
    code(ann, "neutral", ann.get("/code?article=g2").get_data(as_text=True))
    code(bob, "neutral", bob.get("/code?article=g2").get_data(as_text=True))
    assert form_of(root.get("/code?mode=disagreements").get_data(as_text=True))["article_id"] == "g1"
    block = ann.get("/code/agreement").get_data(as_text=True)
    assert re.search(r'id="alpha-items">2<', block) and "ann &amp; bob" in block
    review = bob.get("/code/review").get_data(as_text=True)
    assert 'data-article="g1"' in review and 'data-article="g2"' not in review and "/code/adjudicate" not in review
    assert "ann: pro-Ankara, bob: neutral" in review
    cyd = client_of()
    sign_in(cyd, "cyd")  # has not coded g1: the others' labels stay hidden from her
    review = cyd.get("/code/review").get_data(as_text=True)
    assert "2 coders (shown once you have coded it)" in review and "ann: pro-Ankara" not in review
    token = form_of(root.get("/code").get_data(as_text=True))["csrf"]
    assert bob.post("/code/adjudicate", data={"csrf": token, "article_id": "g1", "label": "neutral"}).status_code == 403
    assert bob.post("/code/retrain", data={"csrf": token}).status_code == 403
    resp = root.post("/code/adjudicate", data={"csrf": token, "article_id": "g1", "label": "pro-Ankara", "note": "lede"})
    assert resp.status_code == 303
    assert root.post("/code/adjudicate", data={"csrf": token, "article_id": "g1", "label": "x"}).status_code == 400
    with Store(path) as store:
        assert (reference_labels(store)["g1"].label, reference_labels(store)["g1"].basis) == ("pro-Ankara", "adjudicated")
    assert root.get("/code?mode=disagreements").get_data(as_text=True).count('id="c-done"') == 1
    for _ in range(2):
        assert root.post("/code/retrain", data={"csrf": token}).status_code == 303
    with Store(path) as store:
        assert store.query("SELECT kind, status, submitted_by FROM jobs") == [("retrain", "queued", "root")]
    assert "Last retraining: <b>queued</b>" in root.get("/code/review").get_data(as_text=True)


def test_validity_and_the_export_bundle_carry_the_coders(fresh):
    path, client_of = fresh
    ann, bob = client_of(), client_of()
    sign_in(ann, "ann")
    sign_in(bob, "bob")
    labels = {"g1": ("pro-Ankara", "pro-Ankara"), "c1": ("pro-Washington", "neutral"), "c2": ("off-topic", "off-topic")}
    for article_id, (a, b) in labels.items():
        code(ann, a, ann.get(f"/code?article={article_id}").get_data(as_text=True))
        code(bob, b, bob.get(f"/code?article={article_id}").get_data(as_text=True))
    page = ann.get("/validity").get_data(as_text=True)
    assert "The coders and the analyser" in page and 'id="alpha-items">3<' in page
    # g1 is the only on-topic article with a reference label (c1 is a tie, c2 off-topic)
    assert re.search(r"<h3>The analyser against the coders <small>1 articles</small>", page)
    resp = ann.get("/export/all.zip")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        names = set(zf.namelist())
        assert {"coding/codes.csv", "coding/agreement.json", "coding/model_vs_coders.csv"} <= names
        codes = list(csv.DictReader(io.StringIO(zf.read("coding/codes.csv").decode("utf-8"))))
        assert sorted((r["article_id"], r["coder"], r["label"]) for r in codes) == sorted(
            (a, coder, lab[i]) for a, lab in labels.items() for i, coder in enumerate(("ann", "bob")))
        agreement = json.loads(zf.read("coding/agreement.json"))
        (pair,) = agreement["pairs"]  # p_o 2/3, p_e (1 + 1) / 9: kappa (2/3 - 2/9) / (7/9) = 4/7
        assert agreement["items"] == 3 and pair["coders"] == ["ann", "bob"] and pair["n"] == 3
        assert pair["kappa"] == pytest.approx(4 / 7, abs=1e-6)
        table = zf.read("coding/model_vs_coders.csv").decode("utf-8")
        assert "compared,1" in table and "off-topic (left out),1" in table
        assert "coding/agreement.json" in zf.read("README.txt").decode("utf-8")
        files = json.loads(zf.read("metadata.json"))["files"]
        assert files["coding/codes.csv"]["rows"] == 6 and "label" in files["coding/codes.csv"]["columns"]
