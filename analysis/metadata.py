"""Title, publication date (with its precision) and outlet, when the source does not say.

Order of trust for the date: what the user supplied (manifest / data column) > the article's
address > the page's own metadata > a date printed at the top of the text. A date printed at the
top is often when the page was *crawled* ("04:27 GMT07 August 2020" on a 2017 story), so a stamp
with a clock time is only believed when the years the article mentions back it up.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from analysis.cleaning import CLOCK, MONTH_RE, WEEKDAY_RE, ZONE_RE, Stamp, ends_statement

OUTLETS_FILE = Path(__file__).with_name("data") / "outlets.csv"
MIN_YEAR = 1900

MONTH_NUM = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MON = rf"({MONTH_RE})\.?"

_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})$")
_MDY = re.compile(rf"(?i)^{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$")
_DMY = re.compile(rf"(?i)^(\d{{1,2}})(?:st|nd|rd|th)?[\s\-]+(?:of\s+)?{_MON}[\s\-,]+(\d{{4}})$")
_MY = re.compile(rf"(?i)^{_MON},?\s+(\d{{4}})$")

# Dates inside an address.
_URL_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)[/\-_](0?[1-9]|1[0-2])[/\-_](0?[1-9]|[12]\d|3[01])(?!\d)")
_URL_YM = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?!\d)")
_URL_DMONY = re.compile(rf"(?i)(?<![a-z\d])(\d{{1,2}})[\-_]{_MON}[\-_]((?:19|20)\d\d)(?!\d)")
# Long numeric ids that start with the day: Sputnik's /201707281055959809-.../
_URL_ID = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{0,12}(?!\d)")

_YEAR_IN_TEXT = re.compile(r"(?<![\d$€£.,/-])((?:19|20)\d\d)(?![\d%])")
_STAMP_NOISE = re.compile(
    r"(?i)\b(?:updated|update|published|posted|last|modified|created|on|at|am|pm|a\.m\.|p\.m\.|hrs)\b"
    rf"|\b{ZONE_RE}(?=\d|\b)|\b{WEEKDAY_RE}\b\.?"
)


def _max_year() -> int:
    return date.today().year + 1


def _valid(y: int, m: int | None = None, d: int | None = None) -> bool:
    if not MIN_YEAR <= y <= _max_year():
        return False
    try:
        date(y, m or 1, d or 1)
    except ValueError:
        return False
    return True


def _fmt(y: int, m: int | None = None, d: int | None = None) -> tuple[str, str]:
    if d is not None:
        return f"{y:04d}-{m:02d}-{d:02d}", "day"
    if m is not None:
        return f"{y:04d}-{m:02d}", "month"
    return f"{y:04d}", "year"


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return MONTH_NUM.get(name) or MONTH_NUM[name[:3]]


def parse_date(value) -> tuple[str | None, str]:
    """ISO date and precision from a supplied value: "2020" -> ("2020", "year"), "2021-06" ->
    month, "2018-04-08", "July 17, 2018", "08-Apr-2018", "9/17/16" -> day. Empty -> (None,
    "unknown"). Raises ValueError for a value that is not a date."""
    if value is None:
        return None, "unknown"
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "null", "nat", "unknown", "n/a", "na"}:
        return None, "unknown"
    text = " ".join(text.split())
    m = _ISO.match(text)
    if m:
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        mo = int(mo) if mo else None
        d = int(d) if d else None
        if _valid(y, mo, d):
            return _fmt(y, mo, d)
        raise ValueError(f"not a valid date: {value!r}")
    m = _COMPACT.match(text)
    if m:
        y, mo, d = map(int, m.groups())
        if _valid(y, mo, d):
            return _fmt(y, mo, d)
        raise ValueError(f"not a valid date: {value!r}")
    m = _NUMERIC.match(text)
    if m:
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        if y < 100:
            y += 2000 if y <= _max_year() % 100 else 1900
        # Slashes are month/day in US data, dots day.month in European data; when both readings
        # are real dates and disagree, only the year is certain.
        first = (a, b) if sep == "/" else (b, a)  # (month, day)
        readings = {(mo, d) for mo, d in (first, (first[1], first[0])) if _valid(y, mo, d)}
        if _valid(y, *first) and (len(readings) == 1 or first[0] == first[1]):
            return _fmt(y, first[0], first[1])
        if len(readings) == 1:
            mo, d = readings.pop()
            return _fmt(y, mo, d)
        if readings:
            return _fmt(y)
        raise ValueError(f"not a valid date: {value!r}")
    for rx, order in ((_MDY, "mdy"), (_DMY, "dmy"), (_MY, "my")):
        m = rx.match(text.rstrip("."))
        if m:
            g = m.groups()
            if order == "mdy":
                mo, d, y = _month(g[0]), int(g[1]), int(g[2])
            elif order == "dmy":
                d, mo, y = int(g[0]), _month(g[1]), int(g[2])
            else:
                mo, d, y = _month(g[0]), None, int(g[1])
            if _valid(y, mo, d):
                return _fmt(y, mo, d)
            raise ValueError(f"not a valid date: {value!r}")
    raise ValueError(f"unparseable date {value!r}")


def date_from_url(url: str) -> tuple[str, str] | None:
    """A publication date written in an article's address, e.g. /2019/07/12/, /08-Apr-2018/,
    or a numeric id that starts with the day (/201707281055959809-...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = unquote(parts.path or "") + ("?" + parts.query if parts.query else "")
    m = _URL_YMD.search(path)
    if m:
        y, mo, d = map(int, m.groups())
        if _valid(y, mo, d):
            return _fmt(y, mo, d)
    m = _URL_DMONY.search(path)
    if m:
        d, mo, y = int(m.group(1)), _month(m.group(2)), int(m.group(3))
        if _valid(y, mo, d):
            return _fmt(y, mo, d)
    m = _URL_YM.search(path)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if _valid(y, mo):
            return _fmt(y, mo)
    for m in _URL_ID.finditer(path):
        y, mo, d = map(int, m.groups())
        if _valid(y, mo, d):
            return _fmt(y, mo, d)
    return None


def years_mentioned(text: str) -> list[int]:
    """Four-digit years in running text (not amounts, not parts of longer numbers)."""
    top = _max_year()
    return [y for y in map(int, _YEAR_IN_TEXT.findall(text)) if MIN_YEAR <= y <= top]


def parse_stamp(stamp: str) -> tuple[str, str] | None:
    """The date part of a header line such as "04:27 GMT07 August 2020" or "08:36 AM, July 17, 2018"."""
    text = CLOCK.sub(" ", stamp)
    text = _STAMP_NOISE.sub(" ", text)
    text = re.sub(r"^[\s,.:;|/()\-–—·]+|[\s,.:;|/()\-–—·]+$", "", text)
    text = " ".join(text.replace(",", ", ").split()).replace(" ,", ",")
    try:
        iso, prec = parse_date(text)
    except ValueError:
        return None
    return (iso, prec) if iso else None


def date_from_text(stamps: list[Stamp], text: str) -> tuple[str, str] | None:
    """A date printed at the top of the page, if the article's own content is consistent with it.

    A stamp with a clock time is usually the crawl or update time: it is believed only when the
    latest year the article mentions is that year or the year before. A plain date line is
    believed unless the article mentions a later year. Anything else: unknown.
    """
    years = years_mentioned(text)
    latest = max(years) if years else None
    for stamp in stamps:
        parsed = parse_stamp(stamp.text)
        if not parsed:
            continue
        year = int(parsed[0][:4])
        if stamp.has_clock:
            if latest is not None and year - 1 <= latest <= year:
                return parsed
            return None
        if latest is None or latest <= year:
            return parsed
        return None
    return None


# ---------------------------------------------------------------- outlet

_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "gen", "web", "info", "news", "biz"}


@lru_cache(maxsize=2)
def load_outlets(path: Path = OUTLETS_FILE) -> dict[str, str]:
    """domain -> outlet display name, from analysis/data/outlets.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["domain"].strip().lower(): r["outlet"].strip() for r in csv.DictReader(fh) if r.get("domain")}


def domain_of(url: str) -> str:
    """Host name of an address without "www." ("" if none)."""
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    host = host.lower().strip(".")
    return host[4:] if host.startswith("www.") else host


def outlet_from_url(url: str) -> str | None:
    """Display name of the outlet behind an address: the outlets table (also for sub-domains),
    else the domain's name without its suffix, title-cased ("example-news.co.uk" -> "Example News")."""
    host = domain_of(url)
    if not host or "." not in host:
        return None
    table = load_outlets()
    labels = host.split(".")
    for i in range(len(labels) - 1):
        name = table.get(".".join(labels[i:]))
        if name:
            return name
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        core = labels[-3]
    else:
        core = labels[-2]
    words = re.split(r"[-_]+", core)
    return " ".join(w.upper() if len(w) <= 3 and not any(c in "aeiou" for c in w) else w.capitalize() for w in words if w) or None


# ---------------------------------------------------------------- title

_EXT = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$", re.I)


def _slug(url: str) -> list[str]:
    try:
        path = unquote(urlsplit(url).path or "")
    except ValueError:
        return []
    for segment in reversed([s for s in path.split("/") if s]):
        segment = _EXT.sub("", segment)
        tokens = [t for t in re.split(r"[-_+]+", segment) if t]
        while tokens and tokens[0].isdigit():
            tokens.pop(0)
        while tokens and tokens[-1].isdigit():
            tokens.pop()
        if sum(1 for t in tokens if t.isalpha()) >= 3:
            return tokens
    return []


def title_from_url(url: str, text: str = "") -> str:
    """A readable title from an address slug, spelled as the article spells its words
    ("turkey-s-400-nato-missile-defense" -> "Turkey S-400 NATO missile defense")."""
    tokens = _slug(url)
    if not tokens:
        return ""
    low = text.lower()
    merged: list[str] = []
    for tok in tokens:
        if merged and f"{merged[-1]}-{tok}".lower() in low and re.search(
            rf"(?<![\w-]){re.escape(merged[-1] + '-' + tok)}(?![\w-])", text, re.I
        ):
            merged[-1] = f"{merged[-1]}-{tok}"
        else:
            merged.append(tok)
    out = []
    for tok in merged:
        forms = Counter(re.findall(rf"(?<![\w-]){re.escape(tok)}(?![\w-])", text, re.I))
        if forms:
            # The most common spelling; but a word that starts a sentence somewhere is not a name.
            lower = forms.get(tok.lower(), 0)
            form, _ = forms.most_common(1)[0]
            out.append(tok.lower() if lower and lower * 2 >= sum(forms.values()) else form)
        else:
            out.append(tok.lower())
    title = " ".join(out)
    return title[:1].upper() + title[1:]


def title_from_text(text: str, max_words: int = 14) -> str:
    """Last resort: the article's first sentence, shortened."""
    first = text.strip().split("\n", 1)[0]
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z\"“])", first)
    sentence = first[: m.start()] if m else first
    words = sentence.split()
    if len(words) > max_words:
        return " ".join(words[:max_words]).rstrip(",;:") + "…"
    return sentence.rstrip(".") if ends_statement(sentence) else sentence


def infer_title(header_title: str, url: str, text: str) -> tuple[str, str]:
    """(title, where it came from): the headline found at the top of the page ("headline"), else
    one built from the address ("address"), else the article's first sentence ("text")."""
    if header_title.strip():
        return header_title.strip(), "headline"
    from_url = title_from_url(url, text)
    if from_url:
        return from_url, "address"
    return title_from_text(text), "text"
