"""The SQLite store: idempotent re-ingest, updates vs conflicts, foreign files refused and left
untouched, score cache, the scored frame, concurrent readers, and a SIGKILL in mid-ingest."""
from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import FramingError
from analysis.models import Article, ArticleScore, Evidence, content_hash
from analysis.store import APPLICATION_ID, SCHEMA_VERSION, Store

REPO = Path(__file__).resolve().parents[1]


def art(i, text=None, source="/data/a.jsonl", **kw) -> Article:
    return Article(
        id=f"a{i}", outlet=kw.pop("outlet", "Harbour Gazette"), title=f"Title {i}",
        text=text or f"Body of article {i}. It has two sentences.", source=source, **kw,
    )


def score(a: Article, version="v1", framing=0.25, **kw) -> ArticleScore:
    return ArticleScore(
        content_hash=a.content_hash, analyser_version=version, framing=framing,
        label="pro-Ankara" if framing > 0.1 else "neutral", confidence=0.5,
        frames=kw.get("frames", {"security": 0.6, "sanctions": 0.4}),
        voices=kw.get("voices", {"turkey_gov": 1.0}),
        sentiment=kw.get("sentiment", {"turkey": 0.2}),
        evidence=[Evidence(1, "It has two sentences.", 0.1, ["x"], None, None, ["security"])],
        n_sentences=2,
    )


def test_new_store_is_marked_and_in_wal_mode(tmp_db):
    with Store(tmp_db) as store:
        assert store.count() == 0
    header = tmp_db.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    conn = sqlite3.connect(tmp_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert not list(tmp_db.parent.glob("*.new"))  # the temporary build file is gone


def test_add_is_idempotent_and_reports(tmp_db):
    with Store(tmp_db) as store:
        batch = [art(i) for i in range(3)]
        r1 = store.add_articles(batch)
        r2 = store.add_articles(batch)
        assert (r1.added, r1.updated, r1.unchanged, r1.conflicts) == (3, 0, 0, [])
        assert (r2.added, r2.updated, r2.unchanged, r2.conflicts) == (0, 0, 3, [])
        assert store.count() == 3
        assert store.get_article("a1") == batch[1]
        assert [a.id for a in store.articles()] == ["a0", "a1", "a2"]
        assert [a.id for a in store.articles(["a2", "zz", "a0"])] == ["a2", "a0"]


def test_same_source_new_text_updates_other_source_conflicts(tmp_db):
    with Store(tmp_db) as store:
        store.add_articles([art(1)])
        edited = art(1, text="Corrected body. Now different.")
        r = store.add_articles([edited])
        assert r.updated == 1 and store.get_article("a1").text == "Corrected body. Now different."
        other = art(1, text="Someone else's article.", source="/elsewhere/b.jsonl")
        r = store.add_articles([other])
        assert r.added == r.updated == 0 and len(r.conflicts) == 1
        assert "already stored from /data/a.jsonl" in r.conflicts[0].reason
        assert store.get_article("a1").text == "Corrected body. Now different."
        # The identical article found in another file is not a conflict.
        same = art(1, text="Corrected body. Now different.", source="/elsewhere/c.jsonl")
        assert store.add_articles([same]).unchanged == 1


def test_duplicate_ids_in_one_batch_keep_the_first(tmp_db):
    with Store(tmp_db) as store:
        r = store.add_articles([art(1), art(1, text="Other text."), art(1)])
        assert (r.added, r.unchanged, len(r.conflicts)) == (1, 1, 1)
        assert store.get_article("a1").text == art(1).text


def test_metadata_change_with_same_text_is_an_update(tmp_db):
    with Store(tmp_db) as store:
        store.add_articles([art(1)])
        r = store.add_articles([art(1, date="2020", date_precision="year")])
        assert r.updated == 1 and store.get_article("a1").date == "2020"


def _fingerprint(path: Path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b"this is a plain text file, not a database\n" * 10),
        lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 84 + os.urandom(4000)),  # corrupt
        lambda p: p.write_bytes(b""),
        lambda p: _foreign_sqlite(p),
    ],
    ids=["text", "corrupt", "empty", "foreign-sqlite"],
)
def test_foreign_or_corrupt_file_is_refused_and_untouched(tmp_path, make):
    path = tmp_path / "thing.db"
    make(path)
    before = _fingerprint(path)
    with pytest.raises(FramingError) as exc:
        Store(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)
    assert _fingerprint(path) == before


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE articles (id TEXT)")
    conn.execute("INSERT INTO articles VALUES ('theirs')")
    conn.commit()
    conn.close()


def test_damaged_store_is_refused_and_its_file_untouched(tmp_db):
    with Store(tmp_db) as store:
        store.add_articles([art(i) for i in range(200)])
    data = bytearray(tmp_db.read_bytes())
    data[100:] = os.urandom(len(data) - 100)  # our header, garbage pages
    tmp_db.write_bytes(bytes(data))
    with pytest.raises(FramingError) as exc:
        with Store(tmp_db) as store:
            list(store.articles())
    assert str(tmp_db) in str(exc.value)
    assert tmp_db.read_bytes() == bytes(data)


def test_folder_and_newer_schema_are_refused(tmp_path, tmp_db):
    with pytest.raises(FramingError):
        Store(tmp_path)
    Store(tmp_db).close()
    conn = sqlite3.connect(tmp_db)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(FramingError, match="newer version"):
        Store(tmp_db)


def test_a_schema_1_store_is_upgraded_and_keeps_its_articles(tmp_db):
    """Stores written before `title_source` existed open, gain the column (their titles count as
    given) and the jobs and users tables, and lose nothing."""
    with Store(tmp_db) as store:
        store.add_articles([art(0), art(1)])
    conn = sqlite3.connect(tmp_db)
    conn.executescript("ALTER TABLE articles DROP COLUMN title_source; DROP TABLE jobs; DROP TABLE users; "
                       "DROP INDEX articles_source; DROP TABLE annotations; DROP TABLE adjudications; "
                       "DROP TABLE article_models; DROP INDEX articles_outlet; DROP INDEX scores_confidence; "
                       "PRAGMA user_version=1;")
    conn.close()
    with Store(tmp_db) as store:
        got = list(store.articles())
        assert [a.id for a in got] == [art(0).id, art(1).id]
        assert all(a.title_source == "given" for a in got)
        store.add_articles([art(2, title_source="address")])
        assert store.get_article(art(2).id).title_source == "address"
    conn = sqlite3.connect(tmp_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"jobs", "users"} <= tables  # schema 3: background jobs and the dashboard's users
    assert "generation" in {r[1] for r in conn.execute("PRAGMA table_info(jobs)")}  # schema 4
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles_source'").fetchone()  # schema 5
    assert {"annotations", "adjudications", "article_models"} <= tables  # schema 7: coding
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"articles_outlet", "scores_confidence", "annotations_current"} <= indexes
    conn.close()


# ---------------------------------------------------------------- the search index (schema 6)

# What the search index added; a store without them (and the previous user_version) is what the
# previous schema wrote.
_SEARCH_OBJECTS = (
    "DROP TRIGGER articles_fts_insert; DROP TRIGGER articles_fts_update; DROP TRIGGER articles_fts_delete;"
    " DROP TABLE articles_fts_terms; DROP TABLE articles_fts; DELETE FROM meta WHERE key = 'search_unicode';"
)


def scan(store: Store, q: str) -> list[str]:
    """The search by reading every stored title and text."""
    return sorted(a.id for a in store.articles() if q.lower() in a.title.lower() or q.lower() in a.text.lower())


def test_a_store_of_the_previous_schema_is_indexed_on_open(tmp_db):
    """A store written before the search index existed (its articles inserted with the previous
    schema's statements) gets the index on first open, filled from every stored article, and loses nothing."""
    Store(tmp_db).close()
    conn = sqlite3.connect(tmp_db)
    conn.executescript(_SEARCH_OBJECTS + "PRAGMA user_version=5;")  # schema 6 brought the index
    conn.executemany(
        "INSERT INTO articles (id, outlet, title, text, content_hash, ingested_at) VALUES (?, ?, ?, ?, ?, '2024-01-01')",
        [(a.id, a.outlet, a.title, a.text, a.content_hash) for a in
         [art(0, text="The İncirlik base and the S-400."), art(1, text="Patriot batteries (again)."), art(2)]])
    generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
    conn.commit()
    conn.close()
    with Store(tmp_db) as store:
        assert [a.id for a in store.articles()] == ["a0", "a1", "a2"]
        for q in ["s-400", "İNCİRLİK", "(again)", "Title", "body of", "a.", "zzz"]:
            assert store.search_ids(q) == scan(store, q), q
        assert store.search_ids("patriot") == ["a1"]
        assert store.generation() == generation + 1  # cached frames (which held the text) are rebuilt
        store.add_articles([art(3, text="Later: more patriot news.")])  # the triggers work too
        assert store.search_ids("patriot") == ["a1", "a3"]
    conn = sqlite3.connect(tmp_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_writes_keep_the_search_index_in_step(tmp_db):
    with Store(tmp_db) as store:
        store.add_articles([art(0, text="Radar talks stalled."), art(1, text="Radar deal signed.")])
        assert store.search_ids("radar") == ["a0", "a1"]
        r = store.add_articles([art(1, text="Jet deal signed instead.")])  # the file was edited
        assert r.updated == 1
        assert store.search_ids("radar") == ["a0"] and store.search_ids("jet deal") == ["a1"]
        r = store.add_articles([art(0, text="Radar talks stalled."), art(1, text="Jet deal signed instead.")])
        assert r.unchanged == 2 and store.search_ids("radar") == ["a0"]  # re-ingest changes nothing
        store.add_articles([art(0, text="Radar talks stalled.", outlet="Other Desk")])  # metadata only
        assert store.search_ids("radar") == ["a0"]
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_articles([art(2, text="A radar story rolled back.")])
                assert store.search_ids("radar") == ["a0", "a2"]  # the writer sees its own write
                raise RuntimeError("boom")
        assert store.search_ids("radar") == ["a0"]  # and the index rolls back with the articles
        store.update_article("a1", title="Radar headline")  # an admin's correction
        assert store.search_ids("radar") == ["a0", "a1"]
        store.update_article("a1", outlet="Third Desk")  # the title as it was
        assert store.search_ids("radar headline") == ["a1"]
        assert store.remove_articles(["a0"]) == 1
        for q in ["radar", "jet", "deal", "r", "ra", "title", "zzz"]:
            assert store.search_ids(q) == scan(store, q), q
        # FTS5's own check of the index's structure
        store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_an_index_built_under_another_unicode_version_is_rebuilt(tmp_db):
    """The index holds text as this Python lower-cases it; a store indexed by a Python with
    another Unicode version is indexed again on open."""
    with Store(tmp_db) as store:
        store.add_articles([art(0, text="Radar talks stalled.")])
    conn = sqlite3.connect(tmp_db)
    conn.execute("UPDATE meta SET value = 1 WHERE key = 'search_unicode'")
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")  # what it indexed is unknown
    conn.commit()
    conn.close()
    with Store(tmp_db) as store:
        assert store.search_ids("radar") == ["a0"]
        from analysis.store import SEARCH_UNICODE

        assert store.query("SELECT value FROM meta WHERE key = 'search_unicode'") == [(SEARCH_UNICODE,)]


def test_transaction_rolls_back_everything_inside(tmp_db):
    with Store(tmp_db) as store:
        store.add_articles([art(0)])
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_articles([art(1)])
                store.add_articles([art(2)])
                raise RuntimeError("boom")
        assert [a.id for a in store.articles()] == ["a0"]


def test_score_cache(tmp_db):
    with Store(tmp_db) as store:
        arts = [art(i) for i in range(4)]
        store.add_articles(arts)
        assert [a.id for a in store.unscored("v1")] == ["a0", "a1", "a2", "a3"]
        s0 = score(arts[0])
        store.save_scores([s0, score(arts[1])])
        assert [a.id for a in store.unscored("v1")] == ["a2", "a3"]
        assert [a.id for a in store.unscored("v1", ids=["a3", "a0"])] == ["a3"]
        assert len(store.unscored("v2")) == 4
        assert store.get_score(arts[0].content_hash, "v1") == s0
        assert store.get_score(arts[0].content_hash, "v2") is None
        assert set(store.scores([a.content_hash for a in arts], "v1")) == {arts[0].content_hash, arts[1].content_hash}


def test_scored_frame(tmp_db):
    with Store(tmp_db) as store:
        arts = [
            art(0, date="2020", date_precision="year"),
            art(1, date="2021-06", date_precision="month"),
            art(2, date="2018-04-08", date_precision="day"),
            art(3),
            art(4),  # never scored
        ]
        store.add_articles(arts)
        store.save_scores([
            score(arts[0], framing=0.5),
            score(arts[1], framing=-0.5, frames={"security": 1.0}, voices={}, sentiment={}),
            score(arts[2]),
            score(arts[3]),
            score(arts[0], version="other"),
        ])
        frame = store.scored_frame("v1")
    assert list(frame["id"]) == ["a0", "a1", "a2", "a3"]
    for col in ("id", "outlet", "title", "url", "date", "date_precision", "date_start", "framing", "label", "confidence", "n_sentences"):
        assert col in frame.columns
    assert "text" not in frame.columns  # searches ask the store's index; views never need the text
    assert list(frame["date_start"]) == [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-06-01"), pd.Timestamp("2018-04-08"), pd.NaT]
    assert frame["framing"].tolist() == [0.5, -0.5, 0.25, 0.25]
    assert frame["frame:sanctions"].tolist() == [0.4, 0.0, 0.4, 0.4]  # absent frame -> 0
    assert frame["voice:turkey_gov"].tolist() == [1.0, 0.0, 1.0, 1.0]
    sent = frame["sent:turkey"].tolist()
    assert sent[0] == 0.2 and math.isnan(sent[1])  # no mention -> NaN, not a neutral 0
    with Store(tmp_db) as store:
        empty = store.scored_frame("nope")
    assert len(empty) == 0 and "date_start" in empty.columns and "framing" in empty.columns


def test_scored_frame_cache_follows_every_write(tmp_db):
    with Store(tmp_db) as store:
        arts = [art(i, date="2020-01-0%d" % (i + 1), date_precision="day") for i in range(3)]
        store.add_articles(arts)
        store.save_scores([score(arts[0]), score(arts[1])])
        first = store.scored_frame("v1")
        cached = store.scored_frame("v1")
        pd.testing.assert_frame_equal(cached, store.scored_frame("v1", cache=False), check_dtype=False)
        assert list(cached["id"]) == ["a0", "a1"]
        assert len(list(tmp_db.parent.glob(".*.frames/*.arrow"))) == 1
        store.save_scores([score(arts[2], framing=-0.75)])
        assert list(store.scored_frame("v1")["framing"]) == [0.25, 0.25, -0.75]
        store.add_articles([art(0, text="A corrected text. Different now.")])  # new hash: no score yet
        assert list(store.scored_frame("v1")["id"]) == ["a1", "a2"]
        with Store(tmp_db) as other:  # another process/connection sees the same
            assert list(other.scored_frame("v1")["id"]) == ["a1", "a2"]
    assert len(first) == 2
    assert len(list(tmp_db.parent.glob(".*.frames/*.arrow"))) == 1  # old generations are removed


def test_reader_never_sees_a_half_written_batch(tmp_db):
    writer = Store(tmp_db)
    reader = Store(tmp_db)
    writer.add_articles([art(0)])
    with writer.transaction():
        writer.add_articles([art(i) for i in range(1, 50)])
        assert reader.count() == 1  # the open transaction is invisible, and the reader is not blocked
        assert reader.get_article("a10") is None
    assert reader.count() == 50
    writer.close()
    reader.close()


def _write_rows(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"Paragraph one of story {i} says the council met again on a Monday. " * 4
            fh.write(json.dumps({"id": f"s{i:06d}", "outlet": "Gazette", "title": f"Story {i}", "date": "2020-01-02", "text": text}) + "\n")


def test_sigkill_mid_ingest_leaves_whole_articles_and_a_rerun_completes(tmp_path, tmp_db):
    n = 20000
    data = tmp_path / "big.jsonl"
    _write_rows(data, n)
    cmd = [sys.executable, "-m", "analysis", "ingest", str(data), "--db", str(tmp_db)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if tmp_db.exists():
                try:
                    with Store(tmp_db) as peek:
                        stored = peek.count()
                except FramingError:
                    stored = 0
                if stored > 0:
                    break
            time.sleep(0.02)
        if proc.poll() is not None:
            pytest.skip("the ingest finished before it could be killed")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with Store(tmp_db) as store:
        arts = list(store.articles())
    assert 0 < len(arts) < n
    assert len(arts) % 500 == 0  # whole batches (one transaction each), never part of one
    assert all(a.content_hash == content_hash(a.title, a.text) and a.text.startswith("Paragraph one") for a in arts)
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n - len(arts)} new" in rerun.stderr and f"{len(arts)} unchanged" in rerun.stderr
    with Store(tmp_db) as store:
        ids = [a.id for a in store.articles()]
    assert len(ids) == n == len(set(ids))


def test_score_pending_reads_the_store_a_chunk_at_a_time(tmp_db, monkeypatch):
    from analysis.pipeline import score_pending

    class Scorer:  # stands in for the Analyser: the test is about the streaming, not the scores
        version = "v1"

        def score_many(self, articles):
            return [score(a) for a in articles]

    with Store(tmp_db) as store:
        store.add_articles([art(i) for i in range(23)])
        store.save_scores([score(art(0))])
        assert store.unscored_ids("v1") == sorted(f"a{i}" for i in range(1, 23))
        reads = []
        real = Store.articles

        def articles(self, ids=None):
            ids = list(ids) if ids is not None else None
            reads.append(len(ids) if ids is not None else None)
            return real(self, ids)

        monkeypatch.setattr(Store, "articles", articles)
        assert score_pending(store, Scorer(), chunk_size=5) == 22
        assert reads and None not in reads and max(reads) <= 5 and sum(reads) == 22
        assert store.unscored_ids("v1") == []
