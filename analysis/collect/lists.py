"""Lists of article addresses -> `ListEntry` records.

Read from the content, not the file name: a GDELT 2.0 Events export (tab-separated, no header,
SQLDATE second, SOURCEURL last), a CSV whose header has a `url` column (a GDELT DOC 2.0 article
list when it also has `MobileURL`, else a Media Cloud export: `publish_date`, `title`,
`media_name`), or plain text, one address per line (blank lines and `#` comments skipped). The
file is read through the bounds of analysis/limits.py (data size, line length, rows, errors).
"""
from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from analysis.corpus import NotText, decode_bytes
from analysis.limits import CappedReader, Limits, OverLimit, bounded_lines, mb
from analysis.metadata import domain_of, outlet_from_url
from analysis.models import IngestError

MAX_URL_CHARS = 4096
GDELT_EVENT_MIN_FIELDS = 50  # GDELT 1.0 events have 57-58 columns, 2.0 has 61
_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$", re.I)  # an outlet cell that names a domain
_COMPACT_STAMP = re.compile(r"^(\d{8})(?:T?\d{4,6}Z?)?$")  # GDELT's 20190712 or 20190712T103300Z


@dataclass(frozen=True)
class ListEntry:
    """One address of a list. `date` is a publication date the list gives (it wins over the
    page's); `seen` is a date the list saw the article or its event (GDELT), used only when the
    page and its address name none. `outlet` is never empty."""

    url: str
    outlet: str
    title: str = ""
    date: str = ""
    seen: str = ""

    @property
    def article_id(self) -> str:
        return article_id(self.url)


@dataclass(frozen=True)
class CsvColumns:
    """Which header names give each field, for one CSV export format."""

    name: str
    title: tuple[str, ...] = ("title",)
    date: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()
    outlet: tuple[str, ...] = ()


MEDIA_CLOUD = CsvColumns("Media Cloud CSV", date=("publish_date", "date"), outlet=("media_name", "outlet"))
GDELT_DOC = CsvColumns("GDELT DOC CSV", seen=("date", "seendate"), outlet=("domain", "source"))


def article_id(url: str) -> str:
    """The id of the article collected from `url`: the same address gives the same id in any list."""
    return "web-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def outlet_of(url: str) -> str:
    """The outlet behind an address: its display name from analysis/data/outlets.csv or its
    domain, or the bare host for an IP address or a host without a dot."""
    host = domain_of(url)
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        return outlet_from_url(url) or host or "Unknown"


def check_address(raw: str) -> tuple[str, str]:
    """(address without its #fragment, "") for an http(s) address; (raw, reason) otherwise."""
    url = raw.strip()
    if len(url) > MAX_URL_CHARS:
        return url[:80] + "…", f"address longer than {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return url, f"not a valid address ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return url, "not an http or https address"
    if not host:
        return url, "no host in the address"
    if any(c.isspace() for c in url):
        return url, "not a valid address (contains spaces)"
    return urlunsplit(parts._replace(fragment="")), ""


def _seen_date(value: str) -> str:
    m = _COMPACT_STAMP.match(value.strip())
    return m.group(1) if m else value.strip()


def read_list(path: Path, limits: Limits | None = None) -> Iterator[ListEntry | IngestError]:
    """The entries of one list, in order, each address once; every problem is one IngestError
    (a bad line names the list and its line; a bad address names the address). Reading stops
    at the limits, with one line saying so."""
    limits = limits or Limits.from_env()
    src = str(path)
    if not path.is_file():
        yield IngestError(src, "no such file" if not path.exists() else "not a regular file")
        return
    seen: set[str] = set()
    errors = 0
    try:
        with io.BufferedReader(CappedReader(path.open("rb"), limits.max_data_bytes, "list data")) as fh:
            for item in _entries(_lines(fh, src, limits), src, limits):
                if isinstance(item, IngestError):
                    errors += 1
                    if errors > limits.max_errors:
                        yield IngestError(src, f"stopped after {limits.max_errors} errors; the rest of the list was skipped")
                        return
                elif item.url in seen:
                    continue
                else:
                    seen.add(item.url)
                yield item
    except OverLimit as exc:
        yield IngestError(src, str(exc))
    except OSError as exc:
        yield IngestError(src, f"cannot read: {exc.strerror or exc}")


def _lines(fh, src: str, limits: Limits) -> Iterator[tuple[int, str] | IngestError]:
    """(line number, decoded line) for each line; an over-long line or too many lines is an error."""
    for lineno, (raw, size, _) in enumerate(bounded_lines(fh, limits.max_record_bytes), start=1):
        if lineno > limits.max_rows:
            yield IngestError(src, f"stopped: more than {limits.max_rows:,} lines (the limit); the rest was skipped", lineno)
            return
        if raw is None:
            yield IngestError(src, f"line too long ({mb(size)}; the limit is {mb(limits.max_record_bytes)})", lineno)
            continue
        try:
            yield lineno, decode_bytes(raw).rstrip("\r\n")
        except NotText as exc:
            yield IngestError(src, f"not a list of addresses: {exc}")
            return


def _entries(lines: Iterator[tuple[int, str] | IngestError], src: str, limits: Limits) -> Iterator[ListEntry | IngestError]:
    """Detects the format from the first line that is not blank, then reads the rest."""
    for item in lines:
        if isinstance(item, IngestError):
            yield item
            continue
        lineno, text = item
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if text.count("\t") + 1 >= GDELT_EVENT_MIN_FIELDS:
            reader = _gdelt_events
        else:
            header = [h.strip().lower() for h in next(csv.reader([text]), [])]
            reader = _text if "url" not in header else _csv
            csv.field_size_limit(max(limits.max_record_bytes, 131072))  # lines are bounded before csv sees them
        yield from reader(_chain((lineno, text), lines), src)
        return
    yield IngestError(src, "no addresses in this list")


def _chain(first, rest):
    yield first
    yield from rest


def _entry(src: str, lineno: int, raw_url: str, **fields: str) -> ListEntry | IngestError:
    url, problem = check_address(raw_url)
    if problem:
        return IngestError(url or f"{src}:{lineno}", f"{problem} (list line {lineno})")
    fields["outlet"] = fields.get("outlet") or outlet_of(url)
    return ListEntry(url=url, **fields)


def _text(lines, src: str) -> Iterator[ListEntry | IngestError]:
    for item in lines:
        if isinstance(item, IngestError):
            yield item
            continue
        lineno, text = item
        text = text.strip()
        if text and not text.startswith("#"):
            yield _entry(src, lineno, text)


def _gdelt_events(lines, src: str) -> Iterator[ListEntry | IngestError]:
    for item in lines:
        if isinstance(item, IngestError):
            yield item
            continue
        lineno, text = item
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) < GDELT_EVENT_MIN_FIELDS:
            yield IngestError(src, f"{len(fields)} tab-separated fields, a GDELT event row has at least {GDELT_EVENT_MIN_FIELDS}", lineno)
            continue
        yield _entry(src, lineno, fields[-1], seen=_seen_date(fields[1]))


def _csv(lines, src: str) -> Iterator[ListEntry | IngestError]:
    pending: list[IngestError] = []
    numbers: list[int] = []  # the number of each line handed to csv.reader

    def feed():
        for item in lines:
            if isinstance(item, IngestError):
                pending.append(item)
                numbers.append(item.line or 0)
                yield ""  # csv.reader sees an empty row; the error is reported in its place
                continue
            numbers.append(item[0])
            yield item[1] + "\n"

    reader = csv.reader(feed())
    header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
    columns = GDELT_DOC if "mobileurl" in header or "seendate" in header else MEDIA_CLOUD
    index = {name: i for i, name in reversed(list(enumerate(header)))}

    def cell(row: list[str], names: tuple[str, ...]) -> str:
        for name in names:
            i = index.get(name)
            if i is not None and i < len(row) and row[i].strip():
                return " ".join(row[i].split())
        return ""

    while True:
        first = len(numbers)
        try:
            row = next(reader)
        except StopIteration:
            yield from pending
            return
        except csv.Error as exc:
            yield from pending
            yield IngestError(src, f"broken CSV ({exc}); the rest of the list was skipped", numbers[first] if first < len(numbers) else None)
            return
        yield from pending
        pending.clear()
        if not any(c.strip() for c in row):
            continue
        lineno = numbers[first]
        url = cell(row, ("url",))
        if not url:
            yield IngestError(src, f"no address in the 'url' column ({columns.name})", lineno)
            continue
        outlet = cell(row, columns.outlet)
        yield _entry(
            src,
            lineno,
            url,
            title=cell(row, columns.title),
            date=cell(row, columns.date),
            seen=_seen_date(cell(row, columns.seen)),
            outlet=outlet_of("http://" + outlet) if _DOMAIN.match(outlet) else outlet,
        )
