"""An upload that answers: every refused file and bad line gets a message, the outlet and date
typed beside the upload fill in what the files lack, and an admin corrects or removes uploaded
articles on /uploads (analysis/uploaded.py, dashboard/uploads_admin.py). Texts written for these
tests."""
from __future__ import annotations

import json
import re

import pytest

from analysis import uploaded
from analysis.errors import FramingError
from analysis.models import Article
from analysis.store import Store
from dashboard import ids
from dashboard.app import create_app
from dashboard.data import get_analyser
from dashboard.service import Config
from dashboard.users import add_user
from uploading import PASSWORD, data_url, post_poll, post_upload, run_worker, sign_in, upload

BODY = ("Officials in Ankara said on Monday that the radar purchase would go ahead. Diplomats in Brussels "
        "warned that the step could strain ties within the alliance.")


def row(article_id: str, **fields) -> bytes:
    return json.dumps({"id": article_id, "title": f"Report {article_id}", "text": f"{article_id}. {BODY}",
                       **fields}).encode() + b"\n"


@pytest.fixture()
def cfg(tmp_path):
    return Config(db_path=str(tmp_path / "var" / "store.db"), upload_dir=str(tmp_path / "var" / "uploads"))


# ---------------------------------------------------------------- the store


def test_store_updates_and_removes_articles_and_their_scores(tmp_path):
    analyser = get_analyser(None)
    with Store(tmp_path / "s.db") as store:
        twins = [Article("a", "Wire", "Same story", BODY), Article("b", "Post", "Same story", BODY)]
        store.add_articles(twins + [Article("c", "Wire", "Other story", "Washington warned of sanctions again.")])
        from analysis.pipeline import score_pending

        score_pending(store, analyser)
        shared = twins[0].content_hash
        assert twins[1].content_hash == shared
        before = store.generation()

        moved = store.update_article("a", outlet="Kuzey Haber", date="2019-07", date_precision="month")
        assert (moved.outlet, moved.date, moved.date_precision, moved.content_hash) == ("Kuzey Haber", "2019-07",
                                                                                      "month", shared)
        assert store.get_article("a") == moved and store.generation() > before
        retitled = store.update_article("a", title="A new headline")
        assert retitled.title_source == "given" and retitled.content_hash != shared
        assert store.get_score(shared, analyser.version) is not None  # "b" still has it
        assert store.unscored_ids(analyser.version) == ["a"]  # the new title waits for the worker
        assert store.update_article("nope", outlet="x") is None

        generation = store.generation()
        assert store.remove_articles(["b", "c", "missing"]) == 2
        assert store.generation() > generation
        assert [x.id for x in store.articles()] == ["a"]
        assert store.get_score(shared, analyser.version) is None  # no article has that text any more
        assert store.query("SELECT COUNT(*) FROM scores")[0][0] == 0


# ---------------------------------------------------------------- uploading


def test_outlet_and_date_fill_in_what_the_files_lack(cfg):
    rows = (row("bare") + row("own-outlet", outlet="Güney Postası") + row("own-date", date="2018-03-02")
            + row("bad-date", date="someday"))
    note = f"Radar talks\n\n{BODY}".encode()
    messages, job = upload(cfg, [data_url(rows), data_url(note)], ["wire.jsonl", "note.txt"],
                           outlet="  Kuzey   Haber ", date="July 2019")
    assert job.status == "done", messages
    assert job.payload["defaults"] == {"outlet": "Kuzey Haber", "date": "2019-07"}
    with Store(cfg.db_path) as store:
        got = {a.id: (a.outlet, a.date, a.date_precision) for a in store.articles()}
    assert got == {
        "bare": ("Kuzey Haber", "2019-07", "month"),
        "own-outlet": ("Güney Postası", "2019-07", "month"),
        "own-date": ("Kuzey Haber", "2018-03-02", "day"),
        "bad-date": ("Kuzey Haber", None, "unknown"),  # the file gives a date: it is not overridden
        "note": ("Kuzey Haber", "2019-07", "month"),
    }
    assert ("wire.jsonl", "line 4: unparseable date 'someday': kept with the date unknown", False) in messages


def test_without_outlet_and_date_the_old_behaviour_stays(cfg):
    messages, job = upload(cfg, [data_url(row("bare"))], ["wire.jsonl"])
    with Store(cfg.db_path) as store:
        article = store.get_article("bare")
    assert (article.outlet, article.date) == ("Unknown", None) and job.payload["defaults"] == {"outlet": "", "date": ""}


def test_a_date_that_is_not_one_refuses_the_upload(cfg):
    messages, job = upload(cfg, [data_url(row("x"))], ["wire.jsonl"], outlet="Wire", date="the day after")
    assert job is None
    assert messages == [("date", "'the day after' is not a date (e.g. 2019-07-12, 2019-07 or 2019); "
                                 "nothing was uploaded", False)]
    messages, job = upload(cfg, [data_url(row("x"))], ["wire.jsonl"], outlet="W" * 201)
    assert job is None and messages == [("outlet", "longer than 200 characters; nothing was uploaded", False)]


def test_every_bad_line_is_reported_up_to_a_bound(cfg):
    lines = row("good-1") + b"{not json\n" + b'{"id": "no-text"}\n' + row("good-2") + b"[1, 2]\n"
    lines += b"\n".join([b"{broken"] * 22) + b"\n"
    messages, job = upload(cfg, [data_url(lines)], ["mixed.jsonl"])
    texts = [text for _, text, _ in messages]
    assert texts[0] == "2 article(s) added; 25 problem(s):" and messages[0][2]
    assert texts[1:4] == ["line 2: malformed JSON (Expecting property name enclosed in double quotes at column 2)",
                          "line 3: no 'text' field", "line 5: not a JSON object (got list)"]
    assert texts[4] == "line 6: malformed JSON (Expecting property name enclosed in double quotes at column 2)"
    assert len(texts) == 1 + 20 + 1 and texts[-1] == "and 5 more problem(s)"
    assert all(name == "mixed.jsonl" and not ok for name, _, ok in messages[1:])


def test_a_json_array_is_read_and_other_json_is_explained(cfg):
    array = json.dumps([{"id": "arr-1", "title": "One", "text": BODY}, {"id": "arr-2", "text": BODY}, {"id": 3},
                        "not an object"]).encode()
    messages, job = upload(cfg, [data_url(array), data_url(b'{"text": "one object"}'), data_url(row("a") + row("b"))],
                           ["array.json", "object.json", "lines.json"])
    by_file: dict[str, list] = {}
    for name, text, ok in messages:
        by_file.setdefault(name, []).append((text, ok))
    assert by_file["array.json"] == [("2 article(s) added; 2 problem(s):", True),
                                     ("item 3: no 'text' field", False),
                                     ("item 4: not a JSON object (got str)", False)]
    assert by_file["object.json"] == [("not a JSON array of articles (got dict); a .json file holds one array of "
                                       "objects with a 'text' field", False)]
    [(lines_text, ok)] = by_file["lines.json"]
    assert not ok and "Extra data at line 2" in lines_text and ".jsonl" in lines_text
    with Store(cfg.db_path) as store:
        assert sorted(a.id for a in store.articles()) == ["arr-1", "arr-2"]


def test_pdf_and_json_get_their_messages_through_the_page_callback(tmp_path):
    db = tmp_path / "store.db"
    with Store(db) as store:
        add_user(store, "alice", "coder", PASSWORD)
    cfg = Config(db_path=str(db), upload_dir=str(tmp_path / "uploads"))
    client = create_app(db, upload_dir=cfg.uploads, secret_key="test-secret").server.test_client()
    sign_in(client)
    answer = post_upload(client, {"report.pdf": b"%PDF-1.4 binary", "notes.json": b'{"text": "an object"}',
                                  "articles.json": json.dumps([{"id": "j1", "text": BODY}]).encode(),
                                  "noext": b"plain words"}, outlet="Kuzey Haber")
    said = json.dumps(answer[ids.UPLOAD_MESSAGES]["children"])
    assert ("report.pdf" in said and "not a supported format (use .jsonl, .json, .csv (each optionally .gz), "
            ".txt, .html or .parquet)" in said)
    assert "noext" in said and said.count("not a supported format") == 2
    assert "notes.json" in said and "articles.json" in said and said.count("queued") == 2
    [job_id] = answer[ids.JOBS]["data"]
    assert run_worker(cfg) == 1
    shown = json.dumps(post_poll(client, [job_id]))
    assert "notes.json" in shown and "not a JSON array of articles (got dict)" in shown
    assert "articles.json" in shown and "1 article(s) added" in shown
    with Store(db) as store:
        assert store.get_article("j1").outlet == "Kuzey Haber"


# ---------------------------------------------------------------- corrections


@pytest.fixture()
def site(tmp_path):
    """An app over a store holding one corpus article and two uploaded ones, with an admin and a coder."""
    db = tmp_path / "var" / "store.db"
    cfg = Config(db_path=str(db), upload_dir=str(tmp_path / "var" / "uploads"))
    with Store(db) as store:
        add_user(store, "alice", "coder", PASSWORD)
        add_user(store, "root", "admin", PASSWORD)
        store.add_articles([Article("corpus-1", "Wire", "From the corpus", BODY, source="/data/corpus.jsonl")])
    upload(cfg, [data_url(row("up-1") + row("up-2"))], ["wire.jsonl"])
    app = create_app(db, upload_dir=cfg.uploads, secret_key="test-secret")
    return cfg, app


def _token(page: str) -> str:
    return re.search(r"name=csrf value='([^']+)'", page).group(1)


def test_uploaded_articles_are_found_by_their_upload(site):
    cfg, _ = site
    with Store(cfg.db_path) as store:
        listed = uploaded.uploaded_articles(store, 10)
        assert [a.id for a in listed] == ["up-1", "up-2"] and uploaded.count_uploaded(store) == 2
        assert {(a.file, a.uploaded_by) for a in listed} == {("wire.jsonl", "alice")}
        assert uploaded.get_uploaded(store, "corpus-1") is None
        plan = [r[-1] for r in store.query("EXPLAIN QUERY PLAN " + uploaded._UPLOADED)]
        assert "SEARCH a USING INDEX articles_source" in plan[1]  # not by reading every article


def test_corrections_are_logged_and_corpus_articles_are_refused(site):
    cfg, _ = site
    with Store(cfg.db_path) as store:
        after = uploaded.correct(store, "up-1", "root", outlet="Kuzey Haber", date="2019-07-12", title="Report up-1")
        assert (after.outlet, after.date, after.title) == ("Kuzey Haber", "2019-07-12", "Report up-1")
        [log] = uploaded.corrections(store, 5)
        assert (log.kind, log.submitted_by, log.status) == ("correct", "root", "done")
        assert log.payload["changes"] == {"outlet": {"from": "Unknown", "to": "Kuzey Haber"},
                                          "date": {"from": [None, "unknown"], "to": ["2019-07-12", "day"]}}
        with pytest.raises(FramingError, match="corpus-1: not an uploaded article"):
            uploaded.correct(store, "corpus-1", "root", outlet="Elsewhere")
        with pytest.raises(FramingError, match="date: 'soon' is not a date"):
            uploaded.correct(store, "up-1", "root", date="soon")
        with pytest.raises(FramingError, match="outlet: empty"):
            uploaded.correct(store, "up-1", "root", outlet="  ")
        store.update_article("up-2", title="T" * 600)  # a file may give a title longer than one typed may be
        assert uploaded.correct(store, "up-2", "root", title="T" * 600, outlet="Wire B").outlet == "Wire B"
        with pytest.raises(FramingError, match="title: longer than 500 characters"):
            uploaded.correct(store, "up-2", "root", title="U" * 600)
        with pytest.raises(FramingError, match="nothing was removed: corpus-1"):
            uploaded.remove(store, ["up-2", "corpus-1"], "root")
        assert store.get_article("up-2") is not None and store.get_article("corpus-1").outlet == "Wire"
        assert uploaded.remove(store, ["up-2"], "root") == 1
        assert [j.kind for j in uploaded.corrections(store, 5)] == ["remove", "correct", "correct"]


def test_an_admin_corrects_and_removes_on_the_page(site):
    cfg, app = site
    client = app.server.test_client()
    assert sign_in(client, "root").status_code == 302
    page = client.get("/uploads").get_data(as_text=True)
    assert "2 uploaded article(s)" in page and "up-1" in page and "corpus-1" not in page
    token = _token(page)
    with Store(cfg.db_path) as store:
        generation = store.generation()
    done = client.post("/uploads/correct", data={"csrf": token, "id": "up-1", "outlet": "Kuzey Haber",
                                                  "date": "2019-07", "title": "Radar talks go ahead"},
                       follow_redirects=True)
    assert done.status_code == 200 and "up-1: saved" in done.get_data(as_text=True)
    refused = client.post("/uploads/correct", data={"csrf": token, "id": "up-1", "outlet": "X", "date": "soon",
                                                     "title": "T"}, follow_redirects=True)
    assert "date: &#x27;soon&#x27; is not a date" in refused.get_data(as_text=True)
    removed = client.post("/uploads/remove", data={"csrf": token, "id": ["up-2"]}, follow_redirects=True)
    text = removed.get_data(as_text=True)
    assert "1 article(s) removed" in text and "1 uploaded article(s)" in text
    assert "root" in text and "outlet &#x27;Unknown&#x27; → &#x27;Kuzey Haber&#x27;" in text  # the change log
    with Store(cfg.db_path) as store:
        article = store.get_article("up-1")
        assert (article.outlet, article.date, article.title) == ("Kuzey Haber", "2019-07", "Radar talks go ahead")
        assert store.get_article("up-2") is None and store.generation() > generation
    assert run_worker(cfg) == 0  # the retitled article is scored again between jobs
    with Store(cfg.db_path) as store:
        assert store.unscored_ids(get_analyser(None).version) == []


def test_a_coder_reads_the_list_but_cannot_change_it(site):
    cfg, app = site
    client = app.server.test_client()
    sign_in(client, "alice")
    page = client.get("/uploads").get_data(as_text=True)
    assert "up-1" in page and "only an admin can change it" in page and "<form" not in page
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    for path, data in (("/uploads/correct", {"id": "up-1", "outlet": "Coder Wire"}),
                       ("/uploads/remove", {"id": "up-1"})):
        resp = client.post(path, data={"csrf": token, **data})
        assert resp.status_code == 403 and "alice (coder) may not change" in resp.get_data(as_text=True)
    with Store(cfg.db_path) as store:
        assert store.get_article("up-1").outlet == "Unknown" and not uploaded.corrections(store, 5)


def test_visitors_are_sent_to_sign_in_and_forms_need_the_token(site):
    cfg, app = site
    client = app.server.test_client()
    resp = client.get("/uploads")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login?next=%2Fuploads")
    assert client.post("/uploads/remove", data={"id": "up-1"}).status_code == 303
    sign_in(client, "root")
    client.get("/uploads")
    forged = client.post("/uploads/remove", data={"id": "up-1"})
    assert forged.status_code == 400 and "the form expired" in forged.get_data(as_text=True)
    wrong = client.post("/uploads/correct", data={"csrf": "guessed", "id": "up-1", "outlet": "Forged"})
    assert wrong.status_code == 400
    with Store(cfg.db_path) as store:
        assert store.get_article("up-1").outlet == "Unknown" and uploaded.count_uploaded(store) == 2
