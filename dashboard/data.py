"""The dashboard's read side: a memoised, read-only frame of scored articles, and the filters.

Nothing here is mutable application state: the frame is a cache keyed by the store file's
identity and modification stamp plus the analyser version, so every worker process (gunicorn)
recomputes it independently and picks up uploads made by any other process.
"""
from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import numpy as np
import pandas as pd

MAX_OUTLETS = 200  # a URL can name at most this many outlets; more is ignored
MAX_TEXT = 200  # longest search string / outlet name taken from a URL
MAX_LABELS = 3  # a story has three labels; more label values in a URL are ignored
SCOPE_ALL, SCOPE_CORE = "all", "core"  # the core switch's values; `?scope=core` in the address
ROWS_TOP, ROWS_ALL = "top", "all"  # per-outlet charts: the biggest outlets, or every one (`?rows=all`)


# ---------------------------------------------------------------- filters


def _clean_date(value) -> str | None:
    """ISO day string or None; anything unparseable (a hand-edited URL) is ignored."""
    if not value:
        return None
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    """What the user filters by; serialised to and from the address's query string."""

    outlets: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    labels: tuple[str, ...] = ()  # the story's labels to keep; empty = every label
    q: str = ""
    core: bool = False  # only articles in the story's core thread (stories without one ignore it)
    all_outlets: bool = False  # not a filter: per-outlet charts show every outlet, not the biggest

    def __post_init__(self) -> None:
        outlets = tuple(dict.fromkeys(str(o)[:MAX_TEXT] for o in self.outlets if o))[:MAX_OUTLETS]
        labels = tuple(dict.fromkeys(str(lb)[:MAX_TEXT] for lb in self.labels or () if lb))[:MAX_LABELS]
        object.__setattr__(self, "outlets", outlets)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "start", _clean_date(self.start))
        object.__setattr__(self, "end", _clean_date(self.end))
        object.__setattr__(self, "q", " ".join(str(self.q or "").split())[:MAX_TEXT])
        object.__setattr__(self, "core", self.core is True)
        object.__setattr__(self, "all_outlets", self.all_outlets is True)

    @staticmethod
    def story_labels(all_labels, given) -> tuple[str, ...]:
        """The given labels that are the story's, in the story's order; all of them is no filter."""
        chosen = tuple(lb for lb in all_labels if lb in set(given or ()))
        return () if len(chosen) == len(all_labels) else chosen

    @classmethod
    def from_controls(cls, all_labels, outlets, start, end, labels, q, scope=None, rows=None) -> "Filters":
        """From the page's controls (`outlets` are dropdown values, `scope` the core switch's value,
        `rows` the outlet-rows switch's); `all_labels` are the story's labels."""
        return cls(outlets=outlet_names(outlets), start=start, end=end,
                   labels=cls.story_labels(all_labels, labels), q=q or "", core=scope == SCOPE_CORE,
                   all_outlets=rows == ROWS_ALL)

    @classmethod
    def from_query(cls, query: str | None, all_labels) -> "Filters":
        """Parse `?outlet=A&outlet=B&start=2018-01-01&end=...&label=...&q=...` (leading ? optional);
        labels that are not among the story's `all_labels` are ignored."""
        params = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
        return cls(
            outlets=tuple(params.get("outlet", ())),
            start=(params.get("start") or [None])[0],
            end=(params.get("end") or [None])[0],
            labels=cls.story_labels(all_labels, params.get("label", ())),
            q=(params.get("q") or [""])[0],
            core=(params.get("scope") or [""])[0] == SCOPE_CORE,
            all_outlets=(params.get("rows") or [""])[0] == ROWS_ALL,
        )

    @classmethod
    def from_args(cls, args, all_labels) -> "Filters":
        """From a werkzeug MultiDict (Flask's request.args), like `from_query`."""
        return cls(
            outlets=tuple(args.getlist("outlet")),
            start=args.get("start"),
            end=args.get("end"),
            labels=cls.story_labels(all_labels, args.getlist("label")),
            q=args.get("q", ""),
            core=args.get("scope") == SCOPE_CORE,
            all_outlets=args.get("rows") == ROWS_ALL,
        )

    def to_query(self) -> str:
        """The query string with its leading `?`, or "" when nothing is filtered."""
        pairs = [("outlet", o) for o in self.outlets]
        if self.start:
            pairs.append(("start", self.start))
        if self.end:
            pairs.append(("end", self.end))
        pairs += [("label", lb) for lb in self.labels]
        if self.q:
            pairs.append(("q", self.q))
        if self.core:
            pairs.append(("scope", SCOPE_CORE))
        if self.all_outlets:
            pairs.append(("rows", ROWS_ALL))
        return "?" + urlencode(pairs) if pairs else ""

    def describe(self) -> str:
        """One line for exports and the page: what this view shows."""
        parts = []
        if self.outlets:
            parts.append("outlets: " + ", ".join(self.outlets))
        if self.start or self.end:
            parts.append(f"dates: {self.start or '…'} to {self.end or '…'}")
        if self.labels:
            parts.append("labels: " + ", ".join(self.labels))
        if self.q:
            parts.append(f'search: "{self.q}"')
        if self.core:
            parts.append("core story only")
        return "; ".join(parts) if parts else "all articles"

    @property
    def is_empty(self) -> bool:
        return self == Filters()


def article_of(query: str | None) -> str | None:
    """The article an address opens (`?article=ID`), or None."""
    found = parse_qs((query or "").lstrip("?")).get("article")
    return found[0][:MAX_TEXT] if found and found[0] else None


def with_article(query: str, article_id: str | None) -> str:
    """A filter query string (from `Filters.to_query`) with the open article added."""
    if not article_id:
        return query
    return (query + "&" if query else "?") + urlencode([("article", article_id)])


# ---------------------------------------------------------------- the scored frame


@dataclass(frozen=True, eq=False)  # identity hash: a snapshot is immutable, frames are unhashable
class Dataset:
    """The scored articles of one store snapshot, with what filtering needs precomputed."""

    frame: pd.DataFrame
    version: str
    outlet_counts: tuple[tuple[str, int], ...] = ()
    stamp: tuple = ()  # (store generation, analyser version) this snapshot was read at
    db_path: str = ""  # the store it was read from: searches are answered by its index
    loaded_at: float = field(default_factory=time.monotonic)
    # Results derived from this snapshot (search masks, rendered views). They live and die with
    # the snapshot, so a reload after an upload never keeps old results (or old frames) alive.
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_empty(self) -> bool:
        return self.frame.empty

    @property
    def core_count(self) -> int | None:
        """Articles in the story's core thread (None when the scores name no core thread)."""
        return int((self.frame["core"] > 0.5).sum()) if "core" in self.frame else None

    def memo(self, kind: str, key, compute, limit: int = 32):
        """`compute()` once per (kind, key) for this snapshot (least recently used dropped)."""
        with self._lock:
            table = self._memo.setdefault(kind, OrderedDict())
            if key in table:
                table.move_to_end(key)
                return table[key]
        value = compute()
        with self._lock:
            table[key] = value
            while len(table) > limit:
                table.popitem(last=False)
        return value

    def search_mask(self, q: str) -> np.ndarray:
        """Rows whose title or text contains `q` (case-insensitive, literal), as the store's search
        index answers it (`Store.search_ids`)."""
        return self.memo("search", q.lower(), lambda: self._search(q), limit=64)

    def _search(self, q: str) -> np.ndarray:
        if not self.db_path:
            raise ValueError("this dataset was not read from a store, so it cannot be searched")
        with open_store(self.db_path) as store:
            ids = store.search_ids(q)
        mask = self.frame["id"].isin(ids).to_numpy()
        mask.setflags(write=False)
        return mask


def db_stamp(db_path: str | os.PathLike) -> tuple:
    """What changes whenever the store's content can have changed (the db and its WAL file)."""
    path = Path(db_path)
    stamp = []
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
            stamp.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


@functools.lru_cache(maxsize=4)
def get_analyser(lexicon_path: str | None):
    """The analyser (lexicon + version) for a lexicon file; loaded once per process."""
    from analysis.scoring import Analyser

    return Analyser.load(Path(lexicon_path) if lexicon_path else None)


@functools.lru_cache(maxsize=4)
def get_reader(lexicon_path: str | None):
    """(lexicon, analyser version) for a lexicon file, without loading the models: what
    reading scores needs (the full analyser is loaded only to score uploads)."""
    from analysis.scoring import reader

    return reader(Path(lexicon_path) if lexicon_path else None)


def store_version(db_path: str | os.PathLike, lexicon_path: str | None = None) -> str:
    """The version of the analyser that scores this store: the story's, with the store's own
    article model when it has one (analysis/store_model.py). The store is read again only when
    its files changed (a retraining switches the model in a transaction of its own)."""
    from analysis.scoring import with_article_model
    from analysis.store_model import active_digest

    key = str(Path(db_path).resolve())
    stamp = db_stamp(key)
    known = _digests.get(key)
    if known is None or known[0] != stamp:
        with open_store(key) as store:
            known = _digests[key] = (stamp, active_digest(store))
    return with_article_model(get_reader(lexicon_path)[1], known[1])


_digests: dict[str, tuple] = {}  # store file -> (db_stamp, active article model digest)


def open_store(db_path: str | os.PathLike):
    """A fresh connection to the store (SQLite connections are per thread, so per call)."""
    from analysis.store import Store

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    return Store(Path(db_path))


@functools.lru_cache(maxsize=4)
def shared_store(db_path: str):
    """One connection per process for the coders' small writes (codes, adjudications, a queued
    retraining). The store's integrity check, which a Store runs before its first write (seconds on
    a large store), then runs once per process, as it does in a long-running worker, instead of
    once per code. Safe across threads (the Store serialises its use)."""
    return open_store(db_path)


def load_dataset(db_path: str | os.PathLike, lexicon_path: str | None = None, wait: bool = False) -> Dataset:
    """The memoised dataset for the store, scored by the current analyser.

    While one thread reloads a changed store, other requests get the previous snapshot instead of
    queueing behind the reload (every snapshot is whole: the store commits in transactions). A
    web process looks at the store at most every RELOAD_INTERVAL seconds, and takes a new
    snapshot from the frame cache the background worker builds when its job ends; it builds the
    frame itself (seconds of CPU on a large store) only when no worker has done so for
    BUILD_AFTER seconds. `wait=True` always returns the current snapshot (tests, benchmarks).
    """
    version = store_version(db_path, lexicon_path)
    key = str(Path(db_path).resolve())
    stamp = db_stamp(key)
    cached = _latest.get(key)
    if cached is not None and _file_stamps.get(key) == (stamp, version):
        return cached
    current = cached is not None and cached.version == version
    if current and not wait and time.monotonic() - _looked_at.get(key, 0.0) < RELOAD_INTERVAL:
        return cached
    lock = _load_lock(key)
    if current and not wait:
        if not lock.acquire(blocking=False):
            return cached
    else:
        lock.acquire()
    try:
        cached = _latest.get(key)
        stamp = db_stamp(key)
        _looked_at[key] = time.monotonic()
        with open_store(key) as store:
            # The file also changes when only the jobs table does (a worker's progress): the
            # store's write counter says whether articles or scores changed.
            generation = store.generation()
            if cached is not None and cached.stamp == (generation, version):
                _file_stamps[key] = (stamp, version)
                return cached
            build = (wait or cached is None or cached.version != version
                     or time.monotonic() - cached.loaded_at > BUILD_AFTER)
            frame = store.scored_frame(version, build=build)
        if frame is None:  # mid-job: keep the last snapshot until the worker's frame is there
            return cached
        ds = build_dataset(frame, version, stamp=(generation, version), db_path=key)
        _latest[key] = ds
        _file_stamps[key] = (stamp, version)
        return ds
    finally:
        lock.release()


# Readers see a change to the store within RELOAD_INTERVAL seconds when a background worker
# builds the frame (the page that uploaded sees it at once), within BUILD_AFTER seconds when the
# store was changed by something else (the command line): rebuilding a 37,544-article frame
# costs ~5 s of CPU in a web process, during which its requests wait.
RELOAD_INTERVAL = 10.0
BUILD_AFTER = 60.0
_looked_at: dict[str, float] = {}


# The latest snapshot per store file: a per-process cache, never the source of truth; and the
# file stamp (db_stamp) at which it was last found current.
_latest: dict[str, Dataset] = {}
_file_stamps: dict[str, tuple] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _load_lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def build_dataset(frame: pd.DataFrame, version: str, stamp: tuple = (), db_path: str = "") -> Dataset:
    """Prepare a scored frame for fast filtering (sorted, indexed 0..n-1); `db_path` is the store
    it was read from (searches ask it)."""
    frame = frame.copy()
    for col in ("id", "outlet", "title", "label"):
        if col not in frame:
            frame[col] = pd.Series(dtype="str")
    if "date_start" not in frame:
        frame["date_start"] = pd.Series(dtype="datetime64[ns]")
    frame["date_start"] = pd.to_datetime(frame["date_start"], errors="coerce")
    frame = frame.sort_values(["outlet", "date_start", "id"], kind="stable", na_position="last")
    frame = frame.reset_index(drop=True)
    # Every filter change takes rows from these columns, and every chart groups by outlet: integer
    # codes (categoricals) and plain object arrays are several times cheaper to take from and group
    # by than Arrow strings.
    for col in ("outlet", "label", "date_precision"):
        if col in frame:
            frame[col] = frame[col].astype("category")
    for col in ("id", "title", "url", "date"):
        if col in frame:
            frame[col] = frame[col].astype(object)
    counts = frame["outlet"].value_counts()
    outlet_counts = tuple(sorted(((str(o), int(n)) for o, n in counts.items()), key=lambda t: t[0].lower()))
    return Dataset(frame=frame, version=version, outlet_counts=outlet_counts, stamp=stamp, db_path=db_path)


# ---------------------------------------------------------------- filtering


def filter_mask(ds: Dataset, f: Filters) -> np.ndarray:
    """Boolean mask of the rows of `ds.frame` that pass the filters."""
    frame = ds.frame
    mask = np.ones(len(frame), dtype=bool)
    if f.outlets:
        mask &= frame["outlet"].isin(f.outlets).to_numpy()
    if f.start or f.end:
        dates = frame["date_start"]
        known = dates.notna().to_numpy()
        mask &= known  # an undated article cannot be placed inside a date range
        if f.start:
            mask &= (dates >= pd.Timestamp(f.start)).fillna(False).to_numpy(dtype=bool)
        if f.end:
            mask &= (dates <= pd.Timestamp(f.end)).fillna(False).to_numpy(dtype=bool)
    if f.labels:
        mask &= frame["label"].isin(f.labels).to_numpy()
    if f.core and "core" in frame:
        mask &= frame["core"].to_numpy() > 0.5
    if f.q and mask.any():
        mask &= ds.search_mask(f.q)
    return mask


def filter_frame(df_or_ds, f: Filters) -> pd.DataFrame:
    """The rows that pass the filters; accepts a Dataset or a bare scored DataFrame."""
    ds = df_or_ds if isinstance(df_or_ds, Dataset) else build_dataset(df_or_ds, "")
    return ds.frame[filter_mask(ds, f)]


# dcc.Dropdown keeps its options in plain JavaScript objects keyed by value, and its search
# index keyed by each word of a label: an outlet named "__proto__" would write into
# Object.prototype and break the page for every visitor. Values are the name in hexadecimal (the
# address and everything else use the plain name), and "__proto__" in a label gets an invisible
# joiner.
OUTLET_VALUE_PREFIX = "outlet:"
_PROTO = re.compile(r"__proto__", re.I)


def _index_safe(label: str) -> str:
    return _PROTO.sub(lambda m: m.group()[:7] + "\u200c" + m.group()[7:], label)


def outlet_value(name: str) -> str:
    """The dropdown value of an outlet: its name in hexadecimal (no word of it can be a key)."""
    return OUTLET_VALUE_PREFIX + name.encode("utf-8").hex()


def outlet_names(values) -> tuple[str, ...]:
    """The outlet names behind dropdown values (anything else is ignored)."""
    names = []
    for v in values or ():
        if isinstance(v, str) and v.startswith(OUTLET_VALUE_PREFIX):
            try:
                names.append(bytes.fromhex(v[len(OUTLET_VALUE_PREFIX):]).decode("utf-8"))
            except ValueError:  # not one of ours (a crafted request): ignored
                continue
    return tuple(names)


def outlet_options(ds: Dataset, wanted=()) -> list[dict]:
    """Dropdown options: every outlet with its number of articles in the label, then the
    `wanted` outlets the store does not hold (a shared link keeps them, with 0 articles)."""
    options = [{"label": _index_safe(f"{name} ({n:,})"), "value": outlet_value(name)} for name, n in ds.outlet_counts]
    known = {name for name, _ in ds.outlet_counts}
    return options + [{"label": _index_safe(f"{name} (0)"), "value": outlet_value(name)}
                      for name in wanted if name not in known]
