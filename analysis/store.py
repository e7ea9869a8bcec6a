"""The local store: one SQLite file (no server) holding articles and cached scores.

Safety: every write is one transaction, so a killed process leaves only whole articles (WAL
journal; SQLite rolls a half-written transaction back on the next open). A file that is not
ours (another application's SQLite database, a corrupt or non-SQLite file) is refused before
anything is written to it: it is recognised by the `application_id` in the SQLite header. A new
store is built in a temporary file and linked into place, so no one ever sees half a schema.
Readers (dashboard workers) and one writer can use the file at the same time.

Free-text search (schema 6) is answered by an FTS5 index inside the file, shared by every process
that reads it; see `search_text` for why its answers are exactly a case-insensitive substring match.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from analysis.errors import FramingError
from analysis.models import Article, ArticleScore, IngestError

APPLICATION_ID = 0x46524D31  # "FRM1": marks the file as this project's store
# 2: articles.title_source; 3: jobs, users; 4: jobs.generation; 5: index on articles.source; 6: articles_fts;
# 7: coding (annotations, adjudications, article_models)
SCHEMA_VERSION = 7
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit

# Free-text search. The index holds every title and text as Python lower-cases it, and the
# trigram tokenizer is told not to fold case itself (its folding differs from str.lower() for
# "İ", a final sigma, "ſ", "µ" and ~400 other characters; see tests/test_search.py), so an FTS5
# phrase finds exactly the articles where `q.lower()` is in `title.lower()` or `text.lower()`.
# Lower-cased text holds no upper-case ASCII letter, so two serve as markers: "Z" stands for NUL
# (which an FTS5 query cannot carry) and "AA" ends every field, so that each of its characters
# begins a trigram (a string under three characters is found through the trigrams it begins).
_NUL, _END = "Z", "AA"
# str.lower() follows Python's Unicode version: a store indexed under another one is indexed
# again when opened (the triggers' 'delete' statements must see what was indexed).
SEARCH_UNICODE = int("".join(f"{int(part):02d}" for part in unicodedata.unidata_version.split(".")))

# Schema 3: background jobs (analysis/jobs.py) and the dashboard's users (dashboard/users.py).
_V3 = (
    """CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,           -- queued | running | done | failed
    payload TEXT NOT NULL,          -- JSON: what to do
    submitted_by TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    heartbeat REAL,                 -- unix time of the worker's last sign of life
    worker TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    messages TEXT NOT NULL DEFAULT '[]'  -- JSON list of {file, text, ok}
)""",
    "CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, id)",
    """CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
)""",
)

# Schema 4: the store's write counter when a job ended (a snapshot at least this new shows it).
_V4 = ("ALTER TABLE jobs ADD COLUMN generation INTEGER",)

# Schema 5: articles found by the file they came from (an upload's folder: analysis/uploaded.py).
_V5 = ("CREATE INDEX IF NOT EXISTS articles_source ON articles(source)",)

# Schema 6: free-text search over titles and texts. The FTS5 table holds no copy of the text
# (content=''): only its trigrams, each field as `search_text` gives it, kept in step with the
# articles by the triggers; the vocabulary table lists the trigrams (for strings under three
# characters).
_V6 = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, text, content='',"
    " tokenize='trigram case_sensitive 1')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts_terms USING fts5vocab(articles_fts, 'row')",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, search_text(new.title), search_text(new.text));
END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, text ON articles
WHEN old.title IS NOT new.title OR old.text IS NOT new.text BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, search_text(old.title), search_text(old.text));
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, search_text(new.title), search_text(new.text));
END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, search_text(old.title), search_text(old.text));
END""",
)

# Schema 7: the researchers' codes (analysis/annotations.py), adjudications, a store's own
# article model (analysis/store_model.py), and the indexes the coding queue reads.
_V7 = (
    """CREATE TABLE IF NOT EXISTS annotations (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,     -- the text the coder read
    coder TEXT NOT NULL,
    label TEXT NOT NULL,            -- one of the story's labels or off-topic
    sentences TEXT NOT NULL DEFAULT '[]',  -- JSON list of the indices of the deciding sentences
    note TEXT NOT NULL DEFAULT '',
    coded_at TEXT NOT NULL,
    codebook TEXT NOT NULL DEFAULT '',     -- the codebook's tag (version.digest) the coder saw
    current INTEGER NOT NULL DEFAULT 1     -- 0 once the same coder coded the article again (history)
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS annotations_current ON annotations(article_id, coder) WHERE current = 1",
    "CREATE INDEX IF NOT EXISTS annotations_coder ON annotations(coder, article_id)",
    """CREATE TABLE IF NOT EXISTS adjudications (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    label TEXT NOT NULL,
    adjudicator TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 1
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS adjudications_current ON adjudications(article_id) WHERE current = 1",
    """CREATE TABLE IF NOT EXISTS article_models (
    digest TEXT PRIMARY KEY,
    model TEXT NOT NULL,            -- the ArticleModel as JSON (analysis/article.py)
    report TEXT NOT NULL,           -- JSON: what it was fitted on, before/after figures
    fitted_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS article_models_active ON article_models(active) WHERE active = 1",
    "CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet)",
    "CREATE INDEX IF NOT EXISTS scores_confidence ON scores(analyser_version, confidence)",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    outlet TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    date TEXT,
    date_precision TEXT NOT NULL DEFAULT 'unknown',
    byline TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    title_source TEXT NOT NULL DEFAULT 'given',
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS scores (
    content_hash TEXT NOT NULL,
    analyser_version TEXT NOT NULL,
    framing REAL NOT NULL,
    label TEXT NOT NULL,
    confidence REAL NOT NULL,
    n_sentences INTEGER NOT NULL,
    flat TEXT NOT NULL,     -- {"frame:<id>": w, "voice:<camp>": share, "sent:<actor>": polarity, "core": 0|1}
    payload TEXT NOT NULL,  -- the whole ArticleScore as JSON
    PRIMARY KEY (content_hash, analyser_version)
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
""" + "".join(s + ";\n" for s in _V3 + _V4 + _V5 + _V6 + _V7) + (
    f"INSERT OR IGNORE INTO meta (key, value) VALUES ('search_unicode', {SEARCH_UNICODE});\n")
_BUMP = "UPDATE meta SET value = value + 1 WHERE key = 'generation'"

ARTICLE_COLUMNS = (
    "id", "outlet", "title", "text", "url", "date", "date_precision", "byline", "source", "content_hash", "title_source",
)
# What decides "unchanged" on re-ingest: everything but the text itself, which the hash covers.
_COMPARED = ("outlet", "title", "url", "date", "date_precision", "byline", "source", "content_hash", "title_source")
# Schema upgrades, applied in one transaction on first open by this version: from -> statements.
# (The index of schema 6 is filled by _index_articles, which every upgrade to it runs; the scored
# frame lost its text column then, so the generation moves on and cached frames are rebuilt.)
_MIGRATIONS = {1: ("ALTER TABLE articles ADD COLUMN title_source TEXT NOT NULL DEFAULT 'given'",), 2: _V3, 3: _V4,
               4: _V5, 5: _V6 + (_BUMP,), 6: _V7}
FLAT_PREFIXES = {"frames": "frame:", "voices": "voice:", "sentiment": "sent:"}


@dataclass
class AddReport:
    """What one `add_articles` call did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[IngestError] = field(default_factory=list)


def _check_existing(path: Path) -> None:
    """Refuse anything that is not this project's store, reading only its header."""
    if path.is_dir():
        raise FramingError(f"{path} is a folder, not a store file")
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise FramingError(f"cannot read store {path}: {exc.strerror or exc}") from exc
    if not header:
        raise FramingError(f"{path} is an empty file, not a framing store; refusing to use it (remove it or choose another --db)")
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        raise FramingError(f"{path} is not a framing store (not an SQLite database); refusing to touch it")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise FramingError(
            f"{path} is an SQLite database of another application (application_id {app_id:#x}); refusing to touch it"
        )
    version = int.from_bytes(header[60:64], "big")
    if version > SCHEMA_VERSION:
        raise FramingError(f"{path} was written by a newer version of this tool (schema {version} > {SCHEMA_VERSION})")


def search_text(value: str | None) -> str | None:
    """What the search index holds for a title or a text (see _NUL, _END above)."""
    return None if value is None else _search_form(value) + _END


def _search_form(value: str) -> str:
    return value.lower().replace("\x00", _NUL)


def _phrase(text: str) -> str:
    """`text` as one FTS5 string: every character literal, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def _search_unicode(conn: sqlite3.Connection) -> int | None:
    rows = conn.execute("SELECT value FROM meta WHERE key = 'search_unicode'").fetchall()
    return rows[0][0] if rows else None


def _index_articles(conn: sqlite3.Connection) -> None:
    """Fill the search index from every stored title and text (one pass; inside the caller's
    transaction). About 100 s of CPU for 37,544 articles (225 MB of text)."""
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    conn.execute("INSERT INTO articles_fts (rowid, title, text)"
                 " SELECT rowid, search_text(title), search_text(text) FROM articles")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_unicode', ?)", (SEARCH_UNICODE,))


def _connect(path: Path, create: bool = False) -> sqlite3.Connection:
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(
        f"file:{path.as_posix()}?mode={mode}",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE / SAVEPOINT)
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.create_function("search_text", 1, search_text, deterministic=True)  # the search triggers call it
    return conn


def _create(path: Path) -> None:
    """Build a new, empty store beside `path` and link it into place (atomic; never overwrites)."""
    for folder in reversed(path.parents):
        if folder.exists() and not folder.is_dir():
            raise FramingError(f"cannot create the store {path}: {folder} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as exc:
        raise FramingError(f"cannot create the store {path} ({exc.strerror or exc})") from exc
    os.close(fd)
    try:
        conn = _connect(Path(tmp), create=True)
        try:
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
        finally:
            conn.close()  # last connection: the WAL is checkpointed into the file and removed
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first; theirs is used (and checked) instead
        except OSError:
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass


def open_existing(path: str | os.PathLike) -> "Store":
    """The store at `path`, which must exist (commands that only read or add to one)."""
    if not Path(path).exists():
        raise FramingError(f"{path}: no such store")
    return Store(path)


def _row_to_article(row: sqlite3.Row | tuple) -> Article:
    return Article(*row)


def _flat(score: ArticleScore) -> dict[str, float]:
    out: dict[str, float] = {}
    for attr, prefix in FLAT_PREFIXES.items():
        for key, value in (getattr(score, attr) or {}).items():
            if value is not None:
                out[prefix + str(key)] = float(value)
    if score.core is not None:
        out["core"] = float(score.core)
    return out


class Store:
    """Articles and cached scores in one SQLite file; see the module docstring."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.exists():
            _create(self.path)
        _check_existing(self.path)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._checked = False
        self._open()

    # -------------------------------------------------------- connection

    def _open(self) -> None:
        conn = None
        try:
            conn = _connect(self.path)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise FramingError(f"{self.path} is not a usable framing store ({exc}); refusing to touch it") from exc
        reindex = (app_id == APPLICATION_ID and version == SCHEMA_VERSION and "meta" in names
                   and _search_unicode(conn) != SEARCH_UNICODE)
        needs_upgrade = "meta" not in names or version < SCHEMA_VERSION or reindex
        if app_id == APPLICATION_ID and version <= SCHEMA_VERSION and needs_upgrade:
            try:
                self._check(conn)  # an upgrade writes: never into a damaged file
            except FramingError:
                conn.close()
                raise
        if app_id == APPLICATION_ID and {"articles", "scores"} <= names and "meta" not in names:
            # Stores made before the write counter existed get it on first open.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0)")
            conn.execute("COMMIT")
            names.add("meta")
        if app_id != APPLICATION_ID or version > SCHEMA_VERSION or not {"articles", "scores", "meta"} <= names:
            conn.close()
            raise FramingError(f"{self.path} is not a usable framing store (unexpected contents); refusing to touch it")
        if version < SCHEMA_VERSION or reindex:
            try:
                conn.execute("BEGIN IMMEDIATE")
                current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have upgraded it
                for step in range(current, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[step]:
                        conn.execute(statement)
                if _search_unicode(conn) != SEARCH_UNICODE:
                    _index_articles(conn)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                conn.execute("ROLLBACK") if conn.in_transaction else None
                conn.close()
                raise FramingError(f"{self.path}: cannot upgrade the store to schema {SCHEMA_VERSION} ({exc})") from exc
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against a killed process
        self._conn = conn
        self._pid = os.getpid()

    def check(self) -> None:
        """Refuse a damaged store before writing into it: SQLite's `PRAGMA quick_check` (every
        page and record read once: about 2 s for the 37,544-article bench store, 1.4 GB with its
        search index, from the page cache; 1 s without the index). Run once per Store, before its
        first write (`transaction` calls it); callers may call it on opening."""
        if not self._checked:
            with self._lock:
                self._check(self.conn)

    def _check(self, conn: sqlite3.Connection) -> None:
        try:
            rows = conn.execute("PRAGMA quick_check(1)").fetchall()
            problem = None if rows == [("ok",)] else " ".join(str(rows[0][0] if rows else "no answer").split())[:160]
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        if problem is not None:
            raise FramingError(f"{self.path}: the store is damaged ({problem}); nothing was written")
        self._checked = True

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise FramingError(f"store {self.path} is closed")
        if os.getpid() != self._pid:
            # A forked worker (gunicorn) must not share its parent's SQLite connection.
            self._conn = None
            self._open()
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and os.getpid() == self._pid:
                self._conn.close()
            self._conn = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def transaction(self, check: bool = True) -> Iterator[None]:
        """All writes inside happen together or not at all (nests via savepoints). `check=False`
        skips the integrity check before a Store's first write: only for one small row of
        bookkeeping (a web request queueing a job), never for articles, scores or users."""
        with self._lock:
            conn = self.conn
            if self._depth == 0:
                if check:
                    self.check()
                self._execute(conn, "BEGIN IMMEDIATE")
                commit, rollback = ["COMMIT"], ["ROLLBACK"]
            else:
                name = f"sp{self._depth}"
                self._execute(conn, f"SAVEPOINT {name}")
                commit, rollback = [f"RELEASE {name}"], [f"ROLLBACK TO {name}", f"RELEASE {name}"]
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                try:
                    for sql in rollback:
                        conn.execute(sql)
                except sqlite3.Error:
                    pass
                raise
            else:
                self._depth -= 1
                for sql in commit:
                    self._execute(conn, sql)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same state of the store (inside a
        caller's write transaction, that one)."""
        with self._lock:
            conn = self.conn
            own = self._depth == 0
            if own:
                self._execute(conn, "BEGIN")
            try:
                yield conn
            finally:
                if own:
                    conn.execute("COMMIT")

    def _execute(self, conn: sqlite3.Connection, sql: str, params=()) -> sqlite3.Cursor:
        try:
            return conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise FramingError(f"store {self.path} is busy (another process holds it for too long)") from exc
            raise FramingError(f"store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise FramingError(f"store {self.path} is damaged ({exc})") from exc

    def _query(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._fetchall(self.conn, sql, params)

    def _fetchall(self, conn: sqlite3.Connection, sql: str, params=()) -> list[tuple]:
        """All rows; a damaged page met while fetching them is a FramingError too."""
        cursor = self._execute(conn, sql, params)
        try:
            return cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            raise FramingError(f"store {self.path} is damaged ({exc})") from exc

    def query(self, sql: str, params=()) -> list[tuple]:
        """Rows of one read (for the modules that own the jobs and users tables)."""
        return self._query(sql, params)

    def execute(self, sql: str, params=()) -> int:
        """One write inside `transaction()`; returns the new row id or the rows changed."""
        if self._depth == 0:
            raise FramingError("store writes must run inside store.transaction()")
        cur = self._execute(self.conn, sql, params)
        return cur.lastrowid if sql.lstrip().upper().startswith("INSERT") else cur.rowcount

    def mark_changed(self) -> None:
        """Inside `transaction()`: tell readers that what they show changed (the write counter)."""
        self.execute(_BUMP)

    # -------------------------------------------------------- articles

    def add_articles(self, articles: Iterable[Article]) -> AddReport:
        """Insert new articles, update ones re-ingested from the same source, leave identical
        ones alone, and refuse (as conflicts) an id that another source already stored with
        different text, or that repeats within `articles` with different text (the first wins).
        One transaction."""
        batch = list(articles)
        report = AddReport()
        if not batch:
            return report
        with self._lock, self.transaction():
            existing = self._existing([a.id for a in batch])
            seen: dict[str, str] = {}
            inserts, updates = [], []
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for a in batch:
                if a.id in seen:
                    if seen[a.id] == a.content_hash:
                        report.unchanged += 1
                    else:
                        report.conflicts.append(self._conflict(a, "appears twice with different text; kept the first one"))
                    continue
                seen[a.id] = a.content_hash
                old = existing.get(a.id)
                row = tuple(getattr(a, c) for c in ARTICLE_COLUMNS)
                if old is None:
                    inserts.append(row + (now,))
                    report.added += 1
                elif tuple(getattr(a, c) for c in _COMPARED) == old:
                    report.unchanged += 1
                elif old[_COMPARED.index("content_hash")] == a.content_hash:
                    if old[_COMPARED.index("source")] != a.source:
                        report.unchanged += 1  # the same article found in another file
                    else:
                        updates.append(row[1:] + (now, a.id))
                        report.updated += 1
                elif old[_COMPARED.index("source")] == a.source:
                    updates.append(row[1:] + (now, a.id))  # the file was edited: take the new text
                    report.updated += 1
                else:
                    report.conflicts.append(
                        self._conflict(a, f"is already stored from {old[_COMPARED.index('source')]} with different text; kept the stored one")
                    )
            conn = self.conn
            try:
                if inserts:
                    conn.executemany(
                        f"INSERT INTO articles ({', '.join(ARTICLE_COLUMNS)}, ingested_at) VALUES ({', '.join('?' * (len(ARTICLE_COLUMNS) + 1))})",
                        inserts,
                    )
                if updates:
                    sets = ", ".join(f"{c} = ?" for c in ARTICLE_COLUMNS[1:])
                    conn.executemany(f"UPDATE articles SET {sets}, ingested_at = ? WHERE id = ?", updates)
                if inserts or updates:
                    conn.execute(_BUMP)
            except sqlite3.DatabaseError as exc:
                raise FramingError(f"store {self.path}: cannot write articles ({exc})") from exc
        return report

    @staticmethod
    def _conflict(a: Article, what: str) -> IngestError:
        err = IngestError(a.source, f"id {a.id!r} {what}")
        err.article_id = a.id  # lets the caller point at the file and line it came from
        return err

    def _existing(self, ids: list[str]) -> dict[str, tuple]:
        found: dict[str, tuple] = {}
        unique = list(dict.fromkeys(ids))
        cols = ", ".join(_COMPARED)
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            rows = self._fetchall(
                self.conn, f"SELECT id, {cols} FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            found.update({r[0]: tuple(r[1:]) for r in rows})
        return found

    def articles(self, ids: Iterable[str] | None = None) -> Iterator[Article]:
        """Stored articles: all (by id) or the given ids, in the order given (missing ids skipped)."""
        cols = ", ".join(ARTICLE_COLUMNS)
        if ids is None:
            last = ""
            while True:  # keyset pages: no cursor stays open across yields
                rows = self._query(f"SELECT {cols} FROM articles WHERE id > ? ORDER BY id LIMIT 1000", (last,))
                if not rows:
                    return
                for r in rows:
                    yield _row_to_article(r)
                last = rows[-1][0]
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            rows = self._query(f"SELECT {cols} FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            by_id = {r[0]: r for r in rows}
            for article_id in chunk:
                if article_id in by_id:
                    yield _row_to_article(by_id[article_id])

    def update_article(self, article_id: str, *, outlet: str | None = None, title: str | None = None,
                       date: str | None = None, date_precision: str | None = None) -> Article | None:
        """Change an article's outlet, title or date (None keeps a field; the date changes when
        `date_precision` is given: `date` None with "unknown" clears it). A new title is a given
        headline, so the content hash changes and the article waits to be scored again; a score no
        other article shares goes. None when there is no such article. One transaction; bumps the
        write counter."""
        with self._lock, self.transaction():
            old = self.get_article(article_id)
            if old is None:
                return None
            changes: dict = {"outlet": outlet} if outlet is not None else {}
            if title is not None:
                changes.update(title=title, title_source="given")
            if date_precision is not None:
                changes.update(date=date, date_precision=date_precision)
            new = replace(old, **changes, content_hash="")  # the hash is made again from title and text
            self.execute(
                "UPDATE articles SET outlet = ?, title = ?, date = ?, date_precision = ?, title_source = ?,"
                " content_hash = ? WHERE id = ?",
                (new.outlet, new.title, new.date, new.date_precision, new.title_source, new.content_hash, new.id))
            if new.content_hash != old.content_hash:
                self._drop_unshared_scores([old.content_hash])
            self.execute(_BUMP)
        return new

    def remove_articles(self, ids: Iterable[str]) -> int:
        """Remove articles and the scores no remaining article shares; how many were removed.
        One transaction; bumps the write counter."""
        unique = list(dict.fromkeys(ids))
        removed = 0
        with self._lock, self.transaction():
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                hashes = [r[0] for r in self._query(f"SELECT content_hash FROM articles WHERE id IN ({marks})", chunk)]
                removed += self.execute(f"DELETE FROM articles WHERE id IN ({marks})", chunk)
                self._drop_unshared_scores(hashes)
            if removed:
                self.execute(_BUMP)
        return removed

    def _drop_unshared_scores(self, hashes: list[str]) -> None:
        for i in range(0, len(hashes), _CHUNK):
            chunk = hashes[i : i + _CHUNK]
            self.execute(
                f"DELETE FROM scores WHERE content_hash IN ({', '.join('?' * len(chunk))})"
                " AND content_hash NOT IN (SELECT content_hash FROM articles)", chunk)

    def get_article(self, article_id: str) -> Article | None:
        rows = self._query(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE id = ?", (article_id,))
        return _row_to_article(rows[0]) if rows else None

    def search_ids(self, q: str) -> list[str]:
        """Ids of the articles whose title or text contains `q`, case-insensitively and literally
        (quotes, `*`, NEAR, AND, `-` and parentheses are plain characters): exactly those where
        `q.lower() in title.lower() or q.lower() in text.lower()`, answered from the search index.
        A string under three characters is looked up through the trigrams it begins: a rare pair
        costs milliseconds, a single common letter seconds."""
        needle = _search_form(q)
        try:
            needle.encode("utf-8")
        except UnicodeEncodeError:
            return []  # a lone surrogate: no stored text can hold one
        with self._snapshot() as conn:
            if not needle:
                return sorted(r[0] for r in self._fetchall(conn, "SELECT id FROM articles"))
            if len(needle) >= 3:
                query = _phrase(needle)
            else:  # every trigram that begins with it (the end marker gives each character one)
                terms = self._fetchall(conn, "SELECT term FROM articles_fts_terms WHERE term >= ? AND term <= ?",
                                       (needle, needle + "\U0010ffff" * (3 - len(needle))))
                if not terms:
                    return []
                query = " OR ".join(_phrase(t) for t, in terms)
            # "+rowid": read the ids from the small index of ids, keeping the matches, rather than
            # look each match up in the articles table (2-3x faster for common words).
            return sorted(r[0] for r in self._fetchall(
                conn, "SELECT id FROM articles WHERE +rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
                (query,)))

    def count(self) -> int:
        """Number of stored articles."""
        return self._query("SELECT COUNT(*) FROM articles")[0][0]

    def __len__(self) -> int:
        return self.count()

    # -------------------------------------------------------- scores

    def unscored_ids(self, version: str, ids: Iterable[str] | None = None) -> list[str]:
        """Ids (sorted) of the articles (all, or those among `ids`) with no score for this
        analyser version yet: only the ids, so millions of pending articles stay cheap."""
        sql = (
            "SELECT a.id FROM articles a LEFT JOIN scores s "
            "ON s.content_hash = a.content_hash AND s.analyser_version = ? WHERE s.content_hash IS NULL"
        )
        if ids is None:
            return [r[0] for r in self._query(sql + " ORDER BY a.id", (version,))]
        out: list[str] = []
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            out.extend(r[0] for r in self._query(sql + f" AND a.id IN ({', '.join('?' * len(chunk))})", (version, *chunk)))
        return sorted(out)

    def unscored(self, version: str, ids: Iterable[str] | None = None) -> list[Article]:
        """Articles (all, or those among `ids`) with no score for this analyser version yet."""
        return list(self.articles(self.unscored_ids(version, ids)))

    def save_scores(self, scores: Iterable[ArticleScore]) -> int:
        """Cache scores by (content hash, analyser version), in one transaction."""
        rows = [
            (
                s.content_hash,
                s.analyser_version,
                float(s.framing),
                s.label,
                float(s.confidence),
                int(s.n_sentences),
                json.dumps(_flat(s), separators=(",", ":")),
                json.dumps(s.to_dict(), ensure_ascii=False, separators=(",", ":")),
            )
            for s in scores
        ]
        if not rows:
            return 0
        with self._lock, self.transaction():
            try:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO scores (content_hash, analyser_version, framing, label, confidence,"
                    " n_sentences, flat, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self.conn.execute(_BUMP)
            except sqlite3.DatabaseError as exc:
                raise FramingError(f"store {self.path}: cannot write scores ({exc})") from exc
        return len(rows)

    def get_score(self, content_hash: str, version: str) -> ArticleScore | None:
        rows = self._query(
            "SELECT payload FROM scores WHERE content_hash = ? AND analyser_version = ?", (content_hash, version)
        )
        return ArticleScore.from_dict(json.loads(rows[0][0])) if rows else None

    def scores(self, content_hashes: Iterable[str], version: str) -> dict[str, ArticleScore]:
        """Cached scores for many content hashes at once (hash -> score; missing ones left out)."""
        out: dict[str, ArticleScore] = {}
        unique = list(dict.fromkeys(content_hashes))
        for i in range(0, len(unique), _CHUNK):
            chunk = unique[i : i + _CHUNK]
            rows = self._query(
                f"SELECT content_hash, payload FROM scores WHERE analyser_version = ? AND content_hash IN ({', '.join('?' * len(chunk))})",
                (version, *chunk),
            )
            out.update({h: ArticleScore.from_dict(json.loads(p)) for h, p in rows})
        return out

    def generation(self) -> int:
        """A counter that every write to articles or scores (or the active article model) increases."""
        return int(self._query("SELECT value FROM meta WHERE key = 'generation'")[0][0])

    def _frame_cache(self, version: str, generation: int) -> Path:
        key = hashlib.sha1(version.encode("utf-8")).hexdigest()[:16]
        return self.path.parent / f".{self.path.name}.frames" / f"{key}-{generation}.arrow"

    def scored_frame(self, version: str, cache: bool = True, build: bool = True):
        """One row per scored article (see the Store contract): article fields but the text (a
        search asks `search_ids`), `date_start`, framing, label, confidence, n_sentences and flat
        `frame:`, `voice:`, `sent:` columns.

        Building it means reading every score out of SQLite; the result is therefore kept as an
        Arrow file beside the store, keyed by analyser version and the store's write generation,
        and memory-mapped on later calls (by any process) until the next write. With
        `build=False`, None when that file is not there yet (the caller keeps what it has)."""
        with self._snapshot() as conn:  # one snapshot for the generation and the rows
            generation = int(self._fetchall(conn, "SELECT value FROM meta WHERE key = 'generation'")[0][0])
            path = self._frame_cache(version, generation)
            if cache:
                frame = _read_frame(path)
                if frame is not None:
                    return frame
            if not build:
                return None
            frame = self._build_frame(version)
        if cache and len(frame):
            _write_frame(frame, path)
        return frame

    def _build_frame(self, version: str):
        import numpy as np
        import pandas as pd

        # Scores drive the join (scan scores, look articles up by hash) and sorting happens in
        # pandas: an ORDER BY here would make SQLite sort every row in a temporary b-tree.
        rows = self._fetchall(
            self.conn,
            "SELECT a.id, a.outlet, a.title, a.url, a.date, a.date_precision,"
            " s.framing, s.label, s.confidence, s.n_sentences, s.flat"
            " FROM scores s JOIN articles a ON a.content_hash = s.content_hash"
            " WHERE s.analyser_version = ?",
            (version,),
        )
        text_cols = ["id", "outlet", "title", "url", "date", "date_precision"]
        if not rows:
            frame = pd.DataFrame({c: pd.Series(dtype="object") for c in text_cols})
            frame.insert(6, "date_start", pd.Series(dtype="datetime64[ns]"))
            frame["framing"] = pd.Series(dtype="float64")
            frame["label"] = pd.Series(dtype="object")
            frame["confidence"] = pd.Series(dtype="float64")
            frame["n_sentences"] = pd.Series(dtype="int64")
            return frame
        columns = list(zip(*rows))
        del rows
        data = {c: np.array(columns[i], dtype=object) for i, c in enumerate(text_cols)}
        data["framing"] = np.array(columns[6], dtype="float64")
        data["label"] = np.array(columns[7], dtype=object)
        data["confidence"] = np.array(columns[8], dtype="float64")
        data["n_sentences"] = np.array(columns[9], dtype="int64")
        # One JSON document instead of one json.loads per row.
        flats = json.loads("[" + ",".join(columns[10]) + "]")
        del columns
        order = np.argsort(data["id"], kind="stable")
        keys = sorted({k for f in flats for k in f})
        for key in keys:
            fill = np.nan if key.startswith("sent:") else 0.0  # no mention -> no polarity; no frame -> 0
            data[key] = np.fromiter((f.get(key, fill) for f in flats), dtype="float64", count=len(flats))
        frame = pd.DataFrame({k: v[order] for k, v in data.items()}, copy=False)
        frame.insert(6, "date_start", date_start(frame["date"].to_numpy(), frame["date_precision"].to_numpy()))
        return frame


def _read_frame(path: Path):
    try:
        import pyarrow as pa

        # Memory-mapped: the columns point into the file, nothing is copied or parsed.
        table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
        return table.to_pandas()
    except (OSError, ValueError):  # no cache yet, or an unreadable one: rebuild
        return None
    except Exception:  # pyarrow.ArrowInvalid on a truncated file
        return None


def _write_frame(frame, path: Path) -> None:
    """Best effort: a read-only folder or a full disk only costs speed."""
    try:
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh, pa.ipc.new_file(fh, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
        prefix = path.name.split("-", 1)[0] + "-"
        for old in path.parent.glob(prefix + "*.arrow"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:
        try:
            os.unlink(tmp)
        except Exception:
            pass


def date_start(dates, precisions):
    """First day of each (possibly partial) ISO date as a Timestamp array; NaT when unknown."""
    import pandas as pd

    suffix = {"day": "", "month": "-01", "year": "-01-01"}
    full = [d + suffix[p] if d and p in suffix else None for d, p in zip(dates, precisions)]
    return pd.to_datetime(pd.Series(full, dtype="object"), format="%Y-%m-%d", errors="coerce").to_numpy()
