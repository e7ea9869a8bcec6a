"""Articles that came from uploads, and an admin's corrections to them.

An uploaded article is one whose source file lies in the folder of an `ingest` job: the folder
the upload request saved the files in (removed once the job has read them), so the job says who
uploaded the article and when. Such an article's outlet, date and title can be corrected, or the
article removed with its scores; articles read from a corpus on disk are never touched here (a
removed one would come back with the next ingest of that corpus). Every change is logged in the
job table as a finished job of kind `correct` or `remove`: who, when, and what before and after.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from analysis.errors import FramingError
from analysis.jobs import FileMessage, Job, JobQueue
from analysis.metadata import parse_date
from analysis.store import Store

CORRECTIONS = ("correct", "remove")  # the job kinds that log a change
MAX_OUTLET = 200  # characters of an outlet name typed by a user (an address names at most as many)
MAX_TITLE = 500  # characters of a title typed by a user
MAX_DATE = 40  # characters of a date typed by a user

_FOLDER = "json_extract(j.payload, '$.folder')"
# Sources inside the job's folder: the range of paths that start with "<folder>/", read from the
# source index for each upload (CROSS JOIN keeps the jobs as the outer loop: SQLite would otherwise
# read every article).
_UPLOADED = (
    "SELECT a.id, a.outlet, a.title, a.date, a.date_precision, a.source, j.id, j.submitted_by, j.submitted_at"
    f" FROM jobs j CROSS JOIN articles a ON a.source >= {_FOLDER} || '/' AND a.source < {_FOLDER} || '0'"
    " WHERE j.kind = 'ingest'"
)


@dataclass(frozen=True)
class UploadedArticle:
    id: str
    outlet: str
    title: str
    date: str | None
    date_precision: str
    file: str  # the uploaded file's name
    job_id: int  # the upload's job
    uploaded_by: str
    uploaded_at: str


def _uploaded(row) -> UploadedArticle:
    article_id, outlet, title, date, precision, source, job_id, by, at = row
    return UploadedArticle(article_id, outlet, title, date, precision, PurePath(source).name, job_id, by, at)


def uploaded_articles(store: Store, limit: int, offset: int = 0) -> list[UploadedArticle]:
    """Uploaded articles, the newest upload first (a file's articles in the order they were read)."""
    rows = store.query(_UPLOADED + " ORDER BY j.id DESC, a.rowid LIMIT ? OFFSET ?", (int(limit), int(offset)))
    return [_uploaded(r) for r in rows]


def count_uploaded(store: Store) -> int:
    return store.query(f"SELECT COUNT(*) FROM ({_UPLOADED})")[0][0]


def get_uploaded(store: Store, article_id: str) -> UploadedArticle | None:
    """The article if it came from an upload, else None (also when there is no such article)."""
    rows = store.query(_UPLOADED + " AND a.id = ?", (article_id,))
    return _uploaded(rows[0]) if rows else None


def typed_outlet(text: str) -> str:
    """An outlet name typed by a user, on one line; FramingError when it is too long."""
    outlet = " ".join(str(text).split())
    if len(outlet) > MAX_OUTLET:
        raise FramingError(f"longer than {MAX_OUTLET} characters")
    return outlet


def typed_title(text: str) -> str:
    """A title typed by a user, on one line; FramingError when it is too long."""
    title = " ".join(str(text).split())
    if len(title) > MAX_TITLE:
        raise FramingError(f"longer than {MAX_TITLE} characters")
    return title


def typed_date(text: str) -> tuple[str | None, str]:
    """(ISO date, precision) of a date typed by a user ("" is no date); FramingError when it is
    not a date."""
    text = " ".join(str(text).split())[:MAX_DATE]
    try:
        return parse_date(text)
    except ValueError:
        raise FramingError(f"{text[:40]!r} is not a date (e.g. 2019-07-12, 2019-07 or 2019)") from None


def correct(store: Store, article_id: str, by: str, *, outlet: str | None = None, title: str | None = None,
            date: str | None = None) -> UploadedArticle:
    """Change an uploaded article's outlet, title or date as typed (None keeps a field; an empty
    date clears it) and log what changed. A new title is scored again by the background worker.
    FramingError, with nothing changed, for an article that did not come from an upload or a
    value that cannot be taken (an empty outlet or title, a date that is not one)."""
    with store.transaction():
        found = get_uploaded(store, article_id)
        if found is None:
            raise FramingError(f"{article_id}: not an uploaded article (only those can be changed here)")
        old = {"outlet": found.outlet, "title": found.title, "date": (found.date, found.date_precision)}
        typed = {"outlet": (outlet, lambda v: _required(typed_outlet(v))),
                 "title": (title, lambda v: _required(typed_title(v))),
                 "date": (date, typed_date)}
        new = {}
        for name, (value, parse) in typed.items():
            if value is None or value == old[name]:
                continue  # kept as stored (a title from a file may be longer than one typed may be)
            try:
                new[name] = parse(value)
            except FramingError as exc:
                raise FramingError(f"{name}: {exc}") from None
        changes = {k: {"from": old[k], "to": v} for k, v in new.items() if v != old[k]}
        if not changes:
            return found
        iso, precision = changes["date"]["to"] if "date" in changes else (None, None)
        store.update_article(article_id, outlet=changes.get("outlet", {}).get("to"),
                             title=changes.get("title", {}).get("to"), date=iso, date_precision=precision)
        said = "; ".join(f"{k} {_shown(c['from'])} → {_shown(c['to'])}" for k, c in changes.items())
        JobQueue(store).record("correct", {"article": article_id, "file": found.file, "job": found.job_id,
                                           "changes": changes},
                               by, [FileMessage(found.file, f"{article_id}: {said}", True)])
        return get_uploaded(store, article_id)


def remove(store: Store, article_ids: list[str], by: str) -> int:
    """Remove uploaded articles and their scores, for good, and log which. FramingError, with
    nothing removed, when one of them did not come from an upload."""
    ids = list(dict.fromkeys(article_ids))
    with store.transaction():
        found = [get_uploaded(store, i) for i in ids]
        refused = [i for i, f in zip(ids, found) if f is None]
        if refused:
            raise FramingError(f"not uploaded articles, nothing was removed: {', '.join(refused[:5])}"
                               + (f" and {len(refused) - 5} more" if len(refused) > 5 else ""))
        removed = store.remove_articles(ids)
        JobQueue(store).record(
            "remove", {"articles": [{"id": f.id, "outlet": f.outlet, "title": f.title, "file": f.file, "job": f.job_id}
                                    for f in found]},
            by, [FileMessage(f.file, f"{f.id} removed ({f.title})", True) for f in found])
    return removed


def corrections(store: Store, limit: int) -> list[Job]:
    """The latest logged changes, newest first."""
    return JobQueue(store).latest(CORRECTIONS, limit)


def _required(value: str) -> str:
    if not value:
        raise FramingError("empty")
    return value


def _shown(value) -> str:
    if isinstance(value, tuple):  # a date and its precision
        return value[0] or "none"
    return repr(value)
