"""Readers: files and folders of articles -> `Article` records (or `IngestError`s, one per bad
file or row, so one bad input never stops the rest).

Supported: `.txt` (one article per file; an optional `manifest.csv` beside them supplies
outlet/url/date/title, and its non-empty values win), `.html`/`.htm` (main text and metadata via
trafilatura), `.jsonl`, `.jsonl.gz`, `.csv`, `.csv.gz` and `.parquet` (one article per row/line, columns
id, outlet, date, title, url, text; Hive-style partition folders such as `outlet=X/` count as columns),
and `.json`, `.json.gz` (one JSON array of such objects, read whole, so bounded like a document).
`Defaults` (an upload's outlet and date) fill in what an article's own fields leave empty.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote

from analysis.cleaning import clean
from analysis.metadata import date_from_text, date_from_url, infer_title, outlet_from_url, parse_date
from analysis.models import Article, IngestError
from analysis.errors import FramingError
from analysis.limits import MB, CappedReader, Limits, OverLimit, bounded_lines, json_depth_over, mb

__all__ = ["Limits", "MB", "Defaults", "IngestWarning", "NotText", "decode_bytes", "format_problem", "iter_files",
           "read_paths", "read_file"]
MANIFEST = "manifest.csv"
DOCUMENT_SUFFIXES = (".txt", ".html", ".htm")
DATA_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".csv", ".csv.gz", ".parquet")
SUPPORTED = DOCUMENT_SUFFIXES + DATA_SUFFIXES
FORMATS_TEXT = ".jsonl, .json, .csv (each optionally .gz), .txt, .html or .parquet"  # SUPPORTED, for people
TEXT_COLUMNS = ("text", "body", "content")
UNKNOWN_OUTLET = "Unknown"


@dataclass(frozen=True)
class Defaults:
    """Values for the articles of one ingest (an upload's outlet and date) that give none of their
    own: they fill a field that the row or the manifest leaves empty, and come before what is
    found or guessed otherwise (an HTML page's metadata, an outlet from the address's domain, a
    date from the address or the text)."""

    outlet: str = ""
    date: str = ""

    def under(self, fields: dict) -> dict:
        """`fields` with the defaults in the places they leave empty."""
        merged = dict(fields)
        for key, value in (("outlet", self.outlet), ("date", self.date)):
            if value and not _str(merged.get(key)):
                merged[key] = value
        return merged


class IngestWarning(IngestError):
    """Something worth telling the user about an article that was still ingested (e.g. a date
    that could not be read and is now unknown). Not a failure: `--strict` ignores it."""


# ---------------------------------------------------------------- decoding


class NotText(ValueError):
    """Bytes that are not text in any encoding we accept."""


def format_problem(name: str) -> str:
    """Why a file of this name is not read ("" when its format is supported)."""
    return "" if _suffix(Path(name)) in SUPPORTED else f"not a supported format (use {FORMATS_TEXT})"


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f\v") or 0x7F <= ord(c) < 0xA0)
    return bad / len(sample)


_TURKISH_IN_1252 = set("ðþýÐÞÝ")


def decode_bytes(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else a legacy single-byte
    encoding (Windows-1252/Latin-1, or Windows-1254 for Turkish). Raises NotText for binary data."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise NotText("binary file (bad UTF-16)") from exc
    if b"\x00" in data[:65536]:
        raise NotText("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    if _control_share(text) > 0.01:
        raise NotText("binary file (control characters), not text")
    return text


def _decode_legacy(data: bytes) -> str:
    encoding = _legacy_encoding(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _legacy_encoding(data: bytes) -> str:
    """Windows-1252, or Windows-1254 for Turkish text, or Latin-1 where 1252 leaves a byte undefined."""
    try:
        text = data.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # cp1252 leaves five bytes undefined; Latin-1 has them all
        encoding = "latin-1"
    # ğ ş ı in Windows-1254 are ð þ ý in 1252: such letters inside words mean Turkish text.
    if any(c in _TURKISH_IN_1252 for c in text):
        try:
            data.decode("cp1254")
        except UnicodeDecodeError:
            return encoding
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536], cp_isolation=["cp1252", "cp1254"]).best()
        inside_words = sum(
            1 for i, c in enumerate(text) if c in _TURKISH_IN_1252 and 0 < i < len(text) - 1 and text[i - 1].isalpha()
        )
        if (best is not None and best.encoding == "cp1254") or inside_words:
            return "cp1254"
    return encoding


def _decode_line(raw: bytes, encoding: str) -> str:
    """One line in the file's encoding; a line that is not valid UTF-8 in a UTF-8 file is read
    as a legacy encoding on its own."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return _decode_legacy(raw)


# ---------------------------------------------------------------- walking paths


def iter_files(paths: Iterable[Path | str]) -> Iterator[Path | IngestError]:
    """Every supported file under the given files/folders (folders recursively, sorted, hidden
    files and manifests skipped); a missing path or an unsupported file named explicitly is an error."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.lower() == MANIFEST:
                        continue
                    f = Path(root) / name
                    if _suffix(f) in SUPPORTED:
                        found = True
                        yield f
            if not found:
                yield IngestError(str(path), f"no article files in this folder (looked for {', '.join(SUPPORTED)})")
        elif path.is_file():
            problem = format_problem(path.name)
            yield IngestError(str(path), problem) if problem else path
        elif path.exists():
            yield IngestError(str(path), "not a regular file")
        else:
            yield IngestError(str(path), "no such file or folder")


def read_paths(paths: Iterable[Path | str], limits: Limits | None = None,
               defaults: Defaults | None = None) -> Iterator[Article | IngestError]:
    """Articles (and errors) from files and folders, in a stable order; `defaults` fill in what
    an article's own fields leave empty."""
    limits = limits or Limits.from_env()
    manifests: dict[Path, dict[str, dict] | IngestError] = {}
    for item in iter_files(paths):
        if isinstance(item, IngestError):
            yield item
            continue
        manifest = None
        if _suffix(item) in DOCUMENT_SUFFIXES:
            folder = item.parent
            if folder not in manifests:
                manifests[folder] = load_manifest(folder)
                if isinstance(manifests[folder], IngestError):
                    yield manifests[folder]
            m = manifests[folder]
            manifest = None if isinstance(m, IngestError) else m
        yield from read_file(item, limits, manifest, defaults)


def read_file(path: Path, limits: Limits | None = None, manifest: dict[str, dict] | None = None,
              defaults: Defaults | None = None) -> Iterator[Article | IngestError]:
    """Articles from one file; errors as IngestError items, never exceptions."""
    limits = limits or Limits.from_env()
    src = str(path)
    suffix = _suffix(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield IngestError(src, f"cannot read: {exc.strerror or exc}")
        return
    if size == 0:
        yield IngestError(src, "empty file")
        return
    limit = limits.max_document_bytes if suffix in DOCUMENT_SUFFIXES else limits.max_data_bytes
    if size > limit:
        yield IngestError(src, f"file too large ({mb(size)}; the limit is {mb(limit)})")
        return
    defaults = defaults or Defaults()
    if suffix in DOCUMENT_SUFFIXES:
        items = _read_document(path, suffix, manifest, defaults)
    elif suffix in (".jsonl", ".jsonl.gz"):
        items = _read_jsonl(path, limits, defaults)
    elif suffix in (".json", ".json.gz"):
        items = _read_json(path, limits, defaults)
    elif suffix in (".csv", ".csv.gz"):
        items = _read_csv(path, limits, defaults)
    else:
        items = _read_parquet(path, limits, defaults)
    try:
        yield from _few_problems(items, src, limits.max_errors)
    except OverLimit as exc:
        yield IngestError(src, str(exc))
    except OSError as exc:
        yield IngestError(src, f"cannot read: {exc.strerror or exc}")
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield IngestError(src, f"broken gzip file ({exc})")


def _few_problems(items: Iterator[Article | IngestError], src: str, max_errors: int) -> Iterator[Article | IngestError]:
    """`items`, but reading stops at the first error past `max_errors` (one line says so), and
    warnings past `max_errors` are counted in one closing line instead of listed."""
    errors = warnings = 0
    try:
        for item in items:
            if isinstance(item, IngestWarning):
                warnings += 1
                if warnings > max_errors:
                    continue
            elif isinstance(item, IngestError):
                errors += 1
                if errors > max_errors:
                    yield IngestError(src, f"stopped after {max_errors} errors; the rest of the file was skipped")
                    return
            yield item
    finally:
        items.close()  # closes the file now, also when stopped early
    if warnings > max_errors:
        yield IngestWarning(src, f"{warnings - max_errors} more warning(s) like those above, not listed")


# ---------------------------------------------------------------- manifest


def load_manifest(folder: Path) -> dict[str, dict] | IngestError | None:
    """file name -> {outlet, url, date, title, ...} (empty cells dropped) from folder/manifest.csv."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        text = decode_bytes(path.read_bytes())
    except (OSError, NotText) as exc:
        return IngestError(str(path), f"manifest ignored: {exc}")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "file" not in fields:
        return IngestError(str(path), "manifest ignored: it has no 'file' column")
    rows = {}
    for row in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        name = row.pop("file", "")
        if name:
            rows[Path(name).name] = {k: v for k, v in row.items() if v}
    return rows


# ---------------------------------------------------------------- one article


def _str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from Parquet/CSV tools
        return ""
    return str(value).strip()


def make_article(
    fields: dict,
    raw_text: str,
    source: str,
    default_id: str,
    line: int | None = None,
    page: dict | None = None,
) -> tuple[Article | None, list[IngestError]]:
    """Build one cleaned Article from supplied fields (which win) and what the text and address
    reveal. Returns (article or None, problems); an unreadable date is a warning, not a failure."""
    notes: list[IngestError] = []
    page = page or {}
    given_title = _str(fields.get("title"))
    cleaned = clean(raw_text, given_title or _str(page.get("title")) or None)
    if not cleaned.text.strip():
        return None, [IngestError(source, "no article text (empty after removing page boilerplate)", line)]
    url = _str(fields.get("url")) or _str(page.get("url"))
    if given_title or _str(page.get("title")):
        title, title_source = given_title or _str(page.get("title")), "given"
    else:
        title, title_source = infer_title(cleaned.title, url, cleaned.text)

    date, precision = None, "unknown"
    supplied = _str(fields.get("date"))
    if supplied:
        try:
            date, precision = parse_date(supplied)
        except ValueError:
            notes.append(IngestWarning(source, f"unparseable date {supplied!r}: kept with the date unknown", line))
    if date is None:
        found = date_from_url(url)
        if not found and page.get("date"):
            try:
                page_date = parse_date(page["date"])
                found = page_date if page_date[0] else None
            except ValueError:
                found = None
        if not found and cleaned.stamps:
            found = date_from_text(cleaned.stamps, cleaned.text)
        if found:
            date, precision = found

    outlet = _str(fields.get("outlet")) or _str(page.get("sitename")) or outlet_from_url(url) or UNKNOWN_OUTLET
    byline = _str(fields.get("byline")) or _str(fields.get("author")) or _str(page.get("author")) or cleaned.byline
    article = Article(
        id=_str(fields.get("id")) or default_id,
        outlet=outlet,
        title=title,
        text=cleaned.text,
        url=url,
        date=date,
        date_precision=precision,
        byline=byline,
        source=_resolved(source),
        title_source=title_source,
    )
    article._where = (source, line)  # file as the user named it, and line: for error messages
    return article, notes


def article_from_text(article_id: str, raw: str, title: str = "") -> Article:
    """One article from a bare text (a headline line may open it), cleaned and titled exactly as
    an ingested `.txt` file without a manifest. A text that is only a headline is kept as one
    (an ingested file needs a body); FramingError when nothing is left."""
    article, problems = make_article({"id": article_id, "title": title}, raw, article_id, article_id)
    if article is not None:
        return article
    headline = title or clean(raw).title
    if headline:
        return Article(article_id, UNKNOWN_OUTLET, headline, "", title_source="given" if title else "headline")
    raise FramingError(f"{article_id}: {problems[0].reason}")


@lru_cache(maxsize=256)
def _resolved(source: str) -> str:
    return str(Path(source).resolve())


def _stem(path: Path) -> str:
    name = path.name
    suffix = _suffix(path)
    return name[: -len(suffix)] if suffix and name.lower().endswith(suffix) else path.stem


def _text_or_error(data: bytes, src: str) -> str | IngestError:
    """The decoded text of a whole file, or why it cannot be read as an article source."""
    try:
        text = decode_bytes(data)
    except NotText as exc:
        return IngestError(src, str(exc))
    if not text.strip():
        return IngestError(src, "empty file (only whitespace)")
    return text


def _read_document(path: Path, suffix: str, manifest: dict[str, dict] | None,
                   defaults: Defaults) -> Iterator[Article | IngestError]:
    src = str(path)
    text = _text_or_error(path.read_bytes(), src)
    if isinstance(text, IngestError):
        yield text
        return
    fields = defaults.under((manifest or {}).get(path.name, {}))
    page: dict = {}
    if suffix in (".html", ".htm"):
        page = extract_html(text, fields.get("url"))
        if page is None:
            yield IngestError(src, "no article text found in the HTML page")
            return
        text = page.pop("text")
    article, notes = make_article(fields, text, src, _stem(path), page=page)
    yield from notes
    if article is not None:
        yield article


def extract_html(html: str, url: str | None) -> dict | None:
    import trafilatura  # imported late: slow to import and only needed for HTML

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # trafilatura raises assorted errors on broken markup
        return None
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    if not (d.get("text") or "").strip():
        return None
    return {
        "text": d.get("text") or "",
        "title": d.get("title") or "",
        "author": d.get("author") or "",
        "date": d.get("date") or "",
        "sitename": d.get("sitename") or "",
        "url": d.get("url") or url or "",
    }


# ---------------------------------------------------------------- data files


def _record(fields: dict, src: str, default_id: str, line: int, defaults: Defaults) -> Iterator[Article | IngestError]:
    text = None
    for col in TEXT_COLUMNS:
        if col in fields and fields[col] is not None:
            text = fields[col]
            break
    if text is None:
        yield IngestError(src, "no 'text' field", line)
        return
    if not isinstance(text, str):
        yield IngestError(src, f"'text' is not a string ({type(text).__name__})", line)
        return
    if not text.strip():
        yield IngestError(src, "empty 'text'", line)
        return
    article, notes = make_article(defaults.under(fields), text, src, default_id, line)
    yield from notes
    if article is not None:
        yield article


def _open_data(path: Path, limits: Limits) -> io.BufferedReader:
    """The file's (decompressed) bytes as a stream that stops at the data limit, or for a
    compressed file at `max_ratio` times its size (OverLimit), before the bytes are handed on."""
    if _suffix(path).endswith(".gz"):
        size = path.stat().st_size
        budget = limits.decompressed_budget(size)
        what = "decompressed data" if budget == limits.max_data_bytes else (
            f"decompressed data ({limits.max_ratio}x the file's {mb(size)}, the most a compressed file may expand)"
        )
        raw = gzip.open(path, "rb")
    else:
        budget, what, raw = limits.max_data_bytes, "data", path.open("rb")
    return io.BufferedReader(CappedReader(raw, budget, what), buffer_size=256 * 1024)


def _too_many(src: str, limit: int, what: str, line: int | None = None) -> IngestError:
    return IngestError(src, f"stopped: more than {limit:,} {what} (the limit); the rest of the file was skipped", line)


def _read_jsonl(path: Path, limits: Limits, defaults: Defaults) -> Iterator[Article | IngestError]:
    src = str(path)
    stem = _stem(path)
    with _open_data(path, limits) as fh:
        for lineno, (raw, size, _) in enumerate(bounded_lines(fh, limits.max_record_bytes), start=1):
            if lineno > limits.max_rows:
                yield _too_many(src, limits.max_rows, "lines", lineno)
                return
            if raw is None:
                yield IngestError(src, f"line too long ({mb(size)}; the limit is {mb(limits.max_record_bytes)})", lineno)
                continue
            if not raw.strip():
                continue
            if lineno == 1 and b"\x00" in raw:
                yield IngestError(src, "binary file (contains NUL bytes), not JSON lines")
                return
            line = _decode_line(raw, "utf-8")
            if json_depth_over(line, limits.max_depth):
                yield IngestError(src, f"nested deeper than {limits.max_depth} levels", lineno)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield IngestError(src, f"malformed JSON ({exc.msg} at column {exc.colno})", lineno)
                continue
            except RecursionError:  # not reached after the depth check; kept as a second guard
                yield IngestError(src, f"nested deeper than {limits.max_depth} levels", lineno)
                continue
            if not isinstance(obj, dict):
                yield IngestError(src, f"not a JSON object (got {type(obj).__name__})", lineno)
                continue
            yield from _record(obj, src, f"{stem}-{lineno}", lineno, defaults)


def _read_json(path: Path, limits: Limits, defaults: Defaults) -> Iterator[Article | IngestError]:
    """One JSON array of article objects. It is parsed whole, so it may hold at most the
    document limit of (decompressed) bytes; problems name the item (1 = the first)."""
    src = str(path)
    stem = _stem(path)
    limit = limits.max_document_bytes
    with _open_data(path, limits) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        yield IngestError(src, f"a .json file is read whole and may hold at most {mb(limit)}; "
                               "use JSON lines (.jsonl, one article per line) for more")
        return
    text = _text_or_error(data, src)
    if isinstance(text, IngestError):
        yield text
        return
    if json_depth_over(text, limits.max_depth):
        yield IngestError(src, f"nested deeper than {limits.max_depth} levels")
        return
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        yield IngestError(src, f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); a .json file "
                               "holds one array of articles, JSON lines (one object per line) are .jsonl")
        return
    if not isinstance(items, list):
        yield IngestError(src, f"not a JSON array of articles (got {type(items).__name__}); a .json file holds "
                               "one array of objects with a 'text' field")
        return
    if len(items) > limits.max_rows:
        yield IngestError(src, f"too many articles ({len(items):,}; the limit is {limits.max_rows:,})")
        return
    for number, obj in enumerate(items, start=1):
        if not isinstance(obj, dict):
            yield IngestError(src, f"item {number}: not a JSON object (got {type(obj).__name__})")
            continue
        for item in _record(obj, src, f"{stem}-{number}", number, defaults):
            # the position is an item of the array, not a line of the file
            yield type(item)(src, f"item {number}: {item.reason}") if isinstance(item, IngestError) else item


class _FileTooBroken(Exception):
    """A row so large that even its outline (quotes, commas, line ends) is over the limit."""


# What decides how csv.reader splits cells and rows: quotes, commas and line ends. Any run of
# other characters can stand in as one "x" without changing where cells and rows end.
_CSV_OUTLINE = re.compile(rb'[^",\r\n]+')


def _outline(raw: bytes) -> bytes:
    return _CSV_OUTLINE.sub(b"x", raw)


class _CsvLines:
    """Decoded lines for csv.reader, so that no row over the record limit is held: it counts
    physical lines and the bytes of the row being read (a quoted cell may span lines). Past the
    limit it switches to handing on each line's outline only (`over` is then True), so the
    reader still finds where the row ends, and the caller reports and drops that row."""

    def __init__(self, lines: Iterator[tuple[str | None, int, str | None]], limit: int) -> None:
        self._lines = lines
        self.limit = limit
        self.lineno = 0
        self.row_bytes = 0
        self.over = False

    def __iter__(self) -> "_CsvLines":
        return self

    def __next__(self) -> str:
        text, size, outline = next(self._lines)
        self.lineno += 1
        self.row_bytes += size
        if text is None or self.row_bytes > self.limit:
            self.over = True
        if not self.over:
            return text
        if text is not None:
            outline = _outline(text.encode("utf-8", "surrogatepass")).decode("ascii")
        if outline is None:
            raise _FileTooBroken(self.row_bytes)
        return outline

    def next_row(self) -> None:
        self.row_bytes = 0
        self.over = False


def _csv_lines(fh: io.BufferedReader, src: str, limit: int) -> Iterator[tuple[str | None, int, str | None]] | IngestError:
    """(text, bytes, outline of an over-long line) per line, in the encoding the start of the
    file shows; or why it is not text."""
    sample = fh.peek(65536)[:65536]
    if not sample.strip() and len(sample) < 65536:
        return IngestError(src, "empty file (only whitespace)")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = io.TextIOWrapper(fh, encoding="utf-16", newline="")

        def utf16() -> Iterator[tuple[str | None, int, str | None]]:
            while line := text.readline(limit // 2 + 1):
                if len(line) <= limit // 2:
                    yield line, 2 * len(line), None
                    continue
                size = 2 * len(line)
                while not line.endswith(("\n", "\r")) and (line := text.readline(MB)):
                    size += 2 * len(line)
                yield None, size, None  # no outline: the rest of a UTF-16 file is skipped

        return utf16()
    if b"\x00" in sample:
        return IngestError(src, "binary file (contains NUL bytes), not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = _legacy_encoding(sample)
    if _control_share(sample.decode(encoding, errors="replace")) > 0.01:
        return IngestError(src, "binary file (control characters), not text")
    return (
        (None if raw is None else _decode_line(raw, encoding), size, None if outline is None else outline.decode("ascii"))
        for raw, size, outline in bounded_lines(fh, limit, reduce=_outline)
    )


def _read_csv(path: Path, limits: Limits, defaults: Defaults) -> Iterator[Article | IngestError]:
    src = str(path)
    stem = _stem(path)
    csv.field_size_limit(max(limits.max_record_bytes, 131072))
    with _open_data(path, limits) as fh:
        lines = _csv_lines(fh, src, limits.max_record_bytes)
        if isinstance(lines, IngestError):
            yield lines
            return
        feed = _CsvLines(lines, limits.max_record_bytes)
        reader = csv.reader(feed)
        try:
            header = next(reader)
        except StopIteration:
            yield IngestError(src, "no CSV header")
            return
        except csv.Error as exc:
            yield IngestError(src, f"no CSV header ({exc})")
            return
        except _FileTooBroken as exc:
            yield IngestError(src, f"header line too long ({mb(exc.size)}; the limit is {mb(limits.max_record_bytes)})", 1)
            return
        if feed.over:
            yield IngestError(src, f"header line too long ({mb(feed.row_bytes)}; the limit is {mb(limits.max_record_bytes)})", 1)
            return
        columns = [h.strip().lower().lstrip("\ufeff") for h in header]
        if not any(c in columns for c in TEXT_COLUMNS):
            shown = ", ".join(c for c in columns if c) or "none"
            yield IngestError(src, f"no 'text' column (columns: {shown})")
            return
        rows = 0
        while True:
            start = feed.lineno + 1
            feed.next_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield IngestError(src, f"broken CSV ({exc}); rest of the file skipped", start)
                return
            except _FileTooBroken as exc:
                yield IngestError(src, f"row too large ({mb(exc.size)}; the limit is {mb(limits.max_record_bytes)}); the rest of the file was skipped", start)
                return
            if feed.over:
                yield IngestError(src, f"row too large ({mb(feed.row_bytes)}; the limit is {mb(limits.max_record_bytes)})", start)
                continue
            rows += 1
            if rows > limits.max_rows:
                yield _too_many(src, limits.max_rows, "rows", start)
                return
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                yield IngestError(src, f"{len(row)} cells but only {len(columns)} columns", start)
                continue
            fields = {c: v for c, v in zip(columns, row) if c}
            yield from _record(fields, src, f"{stem}-{start}", start, defaults)


def _hive_keys(path: Path) -> dict[str, str]:
    keys = {}
    for part in path.parent.parts:
        if "=" in part:
            k, _, v = part.partition("=")
            keys[unquote(k).strip().lower()] = unquote(v)
    return keys


PARQUET_FIELDS = ("id", "outlet", "date", "title", "url", "byline", "author") + TEXT_COLUMNS
PARQUET_CHUNK_BYTES = 16 * MB  # rows are turned into Python values this many bytes at a time


def _read_parquet(path: Path, limits: Limits, defaults: Defaults) -> Iterator[Article | IngestError]:
    """Rows of a Parquet file, bounded before and while reading: the footer's row count and
    declared uncompressed sizes are checked first; text columns are read as dictionary arrays
    (a value repeated in every row stays one value), so each row's size is known before it is
    expanded into Python strings, a chunk of rows at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    src = str(path)
    stem = _stem(path)
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError on non-Parquet input
        yield IngestError(src, f"not a readable Parquet file ({str(exc).splitlines()[0][:160]})")
        return
    keys = _hive_keys(path)
    columns = [c.lower() for c in schema.names]
    if not any(c in columns for c in TEXT_COLUMNS):
        yield IngestError(src, f"no 'text' column (columns: {', '.join(columns) or 'none'})")
        return
    wanted = [f for f in schema if f.name.lower() in PARQUET_FIELDS]
    nested = [f for f in wanted if pa.types.is_nested(f.type)]
    for f in nested:
        if f.name.lower() in TEXT_COLUMNS:
            yield IngestError(src, f"the {f.name!r} column holds {f.type}, not text")
            return
    wanted = [f for f in wanted if f not in nested]
    if meta.num_rows > limits.max_rows:
        yield IngestError(src, f"too many rows ({meta.num_rows:,}; the limit is {limits.max_rows:,})")
        return
    budget = limits.decompressed_budget(path.stat().st_size)
    names = {f.name for f in wanted}
    declared = sum(
        rg.column(i).total_uncompressed_size
        for rg in (meta.row_group(r) for r in range(meta.num_row_groups))
        for i in range(rg.num_columns)
        if rg.column(i).path_in_schema.split(".")[0] in names
    )
    if declared > budget:
        yield IngestError(src, f"file too large ({mb(declared)} uncompressed; the limit for this file is {mb(budget)})")
        return
    text_like = [f.name for f in wanted if _is_text_type(pa, f.type)]
    try:
        pf = pq.ParquetFile(path, metadata=meta, read_dictionary=text_like)
        batches = pf.iter_batches(batch_size=1024, columns=[f.name for f in wanted], use_threads=False)
    except Exception as exc:
        yield IngestError(src, f"not a readable Parquet file ({str(exc).splitlines()[0][:160]})")
        return
    row_no = 0
    total = 0
    try:
        for batch in batches:
            lowered = [n.lower() for n in batch.schema.names]
            sizes = [0] * batch.num_rows
            for col in batch.columns:
                if isinstance(col, pa.DictionaryArray):
                    lengths = pc.binary_length(col.dictionary).take(col.indices)
                elif _is_text_type(pa, col.type):
                    lengths = pc.binary_length(col)
                else:
                    continue
                sizes = [a + (b or 0) for a, b in zip(sizes, lengths.to_pylist())]
            start = 0
            while start < batch.num_rows:
                end, chunk = start, 0
                while end < batch.num_rows and sizes[end] <= limits.max_record_bytes and chunk + sizes[end] <= PARQUET_CHUNK_BYTES:
                    chunk += sizes[end]
                    end += 1
                if end == start and sizes[start] <= limits.max_record_bytes:
                    end, chunk = start + 1, sizes[start]  # one row larger than a chunk: alone
                if total + chunk > budget:
                    yield IngestError(src, f"stopped: more than {mb(budget)} of text; the rest of the file was skipped", row_no + 1)
                    return
                total += chunk
                if end == start:  # this row alone is over the record limit
                    row_no += 1
                    yield IngestError(src, f"row too large ({mb(sizes[start])}; the limit is {mb(limits.max_record_bytes)})", row_no)
                    start += 1
                    continue
                part = batch.slice(start, end - start)
                values = [
                    (c.dictionary_decode() if isinstance(c, pa.DictionaryArray) else c).to_pylist() for c in part.columns
                ]
                for row in zip(*values):
                    row_no += 1
                    fields = dict(keys)
                    fields.update({n: v for n, v in zip(lowered, row) if v is not None})
                    if "date" in fields and not isinstance(fields["date"], str):
                        fields["date"] = _arrow_date(fields["date"])
                    yield from _record(fields, src, f"{stem}-{row_no}", row_no, defaults)
                start = end
    except Exception as exc:  # a corrupt row group mid-file
        yield IngestError(src, f"unreadable Parquet data ({str(exc).splitlines()[0][:160]})", row_no + 1)


def _is_text_type(pa, t) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


def _arrow_date(value) -> str:
    # Parquet written by other tools may hold real date/timestamp values.
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return _str(value)
