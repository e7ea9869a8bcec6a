"""Uploads: check and save the files a signed-in writer sends, and queue the background job that
reads them (analysis/jobs.py); the request itself never reads an article."""
from __future__ import annotations

import base64
import binascii
import re
import shutil
import tempfile
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from werkzeug.exceptions import BadRequest

from analysis.corpus import Defaults, format_problem
from analysis.errors import FramingError
from analysis.jobs import FileMessage, Job, JobQueue
from analysis.uploaded import typed_date, typed_outlet
from dashboard import checks, layout
from dashboard.data import open_store
from dashboard.service import Config
from dashboard.users import User

_UNSAFE_CHARS = re.compile(r"[^\w.\- ]+")  # \w: letters and digits of any script, and _
MAX_NAME = 120  # characters of an upload's name that are kept


def safe_filename(name: str | None) -> str:
    """A plain file name that cannot leave its folder: no directories, no leading dots, letters of
    any script kept; a long name is shortened before its extension (".jsonl.gz" stays whole)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", str(name or "")))[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.partition(".")
        ext = (dot + ext)[-40:] if dot else ""
        base = stem[: MAX_NAME - len(ext)].rstrip(" .") + ext
    return base or "upload"


def _decode(content: str) -> bytes:
    _, _, data = (content or "").partition(",")
    return base64.b64decode(data, validate=False)


def upload_defaults(outlet, date) -> Defaults | FileMessage:
    """The outlet and date typed beside the upload (untrusted), or why they are refused."""
    typed = {}
    for field, value, parse in (("outlet", outlet, typed_outlet), ("date", date, typed_date)):
        try:
            typed[field] = parse(checks.text(value, f"the upload's {field}") or "")
        except FramingError as exc:
            return FileMessage(field, f"{exc}; nothing was uploaded", False)
    return Defaults(outlet=typed["outlet"], date=typed["date"][0] or "")


@dataclass(frozen=True)
class UploadResult:
    """What an upload request did: files refused at once, and the job that will read the rest."""

    refused: list[FileMessage]
    job_id: int | None = None
    queued: tuple[str, ...] = ()  # the names of the files the job will read


def handle_upload(cfg: Config, contents, filenames, user: User | None, why_not: str = "",
                  outlet: str | None = None, date: str | None = None) -> UploadResult:
    """Check and save uploaded files, and queue one background job that ingests and scores them
    (analysis/jobs.py): the request itself never reads an article. Files are written only inside
    a fresh folder under the upload area, under sanitised names. `user` is the signed-in writer;
    without one every file is refused with `why_not`. `outlet` and `date` (typed beside the
    upload) go to every article of the upload whose file does not give its own."""
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    checks.texts(contents, "the uploaded files")
    if not isinstance(filenames, list) or not all(n is None or isinstance(n, str) for n in filenames):
        raise BadRequest("the uploaded file names must be a list of text")
    pairs = list(zip(contents, filenames))
    if user is None:
        return UploadResult([FileMessage(safe_filename(n), f"refused: {why_not}", False) for _, n in pairs])
    defaults = upload_defaults(outlet, date)
    if isinstance(defaults, FileMessage):
        return UploadResult([defaults])
    refused: list[FileMessage] = []
    accepted: list[tuple[str, bytes]] = []
    for content, name in pairs:
        shown = safe_filename(name)
        if problem := format_problem(shown):
            refused.append(FileMessage(shown, problem, False))
            continue
        try:
            data = _decode(content)
        except (binascii.Error, ValueError):
            refused.append(FileMessage(shown, "could not be read (not a valid upload)", False))
            continue
        if len(data) > layout.MAX_UPLOAD_FILE:
            refused.append(FileMessage(shown, f"refused: {len(data) / 2**20:.1f} MB is over the "
                                              f"{layout.MAX_UPLOAD_FILE // 2**20} MB limit per file", False))
            continue
        accepted.append((shown, data))
    total = sum(len(d) for _, d in accepted)
    if total > layout.MAX_UPLOAD_TOTAL:
        return UploadResult(refused + [
            FileMessage(n, f"refused: the upload totals {total / 2**20:.1f} MB, over the "
                           f"{layout.MAX_UPLOAD_TOTAL // 2**20} MB limit; send fewer files at once", False)
            for n, _ in accepted])
    if not accepted:
        return UploadResult(refused)
    root = cfg.uploads
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root)).resolve()
    files, used = [], set()
    for shown, data in accepted:
        name, n = shown, 1
        stem, dot, ext = shown.partition(".")
        while name in used:
            n += 1
            name = f"{stem}-{n}{dot}{ext}"
        used.add(name)
        path = (folder / name).resolve()
        if path.parent != folder:  # belt and braces: safe_filename already prevents this
            refused.append(FileMessage(shown, "refused: unsafe file name", False))
            continue
        path.write_bytes(data)
        files.append({"name": name, "shown": shown})
    if not files:
        shutil.rmtree(folder, ignore_errors=True)
        return UploadResult(refused)
    with open_store(cfg.db_path) as store:
        payload = {"folder": str(folder), "files": files, "defaults": asdict(defaults)}
        job_id = JobQueue(store).submit("ingest", payload, user.name)
    return UploadResult(refused, job_id, tuple(f["shown"] for f in files))


def job_statuses(cfg: Config, job_ids) -> list[Job]:
    """The jobs a page is watching (ids from the page are untrusted: integers only, at most 20)."""
    wanted = [int(j) for j in (job_ids or []) if isinstance(j, int) and not isinstance(j, bool)][-20:]
    with open_store(cfg.db_path) as store:
        queue = JobQueue(store)
        return [job for job in (queue.get(j) for j in wanted) if job is not None]

