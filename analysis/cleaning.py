"""Turn a raw web capture into the article's own text: page furniture out, every sentence kept.

Works line by line on general signals (length, final punctuation, share of capitalised words,
position in the page) plus a phrase list kept as data (`analysis/data/boilerplate.txt`). The top
of the page ("header": everything before the first sentence) is searched for the headline, a
byline and date stamps, which `analysis.metadata` turns into the title, byline and date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BOILERPLATE_FILE = Path(__file__).with_name("data") / "boilerplate.txt"

# Words that stay lower case in Title Case headlines; they do not count for or against it.
SMALL_WORDS = frozenset(
    "a an the and but or nor for so yet as at by in of on off to up via vs per with from into over"
    " out than".split()
)
# Month, weekday and time-zone words of dates and stamps (metadata.py parses dates with them too).
MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
WEEKDAY_RE = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?"
ZONE_RE = r"(?:gmt|utc|ist|est|edt|cst|cdt|pst|pdt|cet|cest|eet|eest|bst|msk|trt|pkt|et|pt|z)"
_STAMP_WORDS_RE = r"(?:updated|update|published|posted|last|modified|created|date|time|on|at|am|pm|a\.m\.|p\.m\.|st|nd|rd|th|hrs|ago)"
# Everything a pure date/time line may consist of; any other word left over means it is prose.
_STAMP_TOKEN = re.compile(
    rf"(?i){MONTH_RE}\.?|{WEEKDAY_RE}\.?|{ZONE_RE}(?=\d|\b)|{_STAMP_WORDS_RE}\b|\d+|[\s,.:;/|()\-–—·+]+"
)
CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:.h][0-5]\d(?!\d)(?:\s*(?:am|pm|a\.m\.|p\.m\.))?", re.I)
_HAS_MONTH = re.compile(rf"(?i)\b{MONTH_RE}\b")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")

_CLOSERS = "\"'”’»)]"


def final_mark(line: str) -> str:
    """The line's last character before closing quotes/brackets ("" if none)."""
    return line.rstrip(_CLOSERS)[-1:]


_ENDS = frozenset(".!?…")
_ALNUM = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")
_AND_OR = re.compile(r"(?i)\b(?:and|or)\b")
_NAME_PARTICLES = frozenset({"and", "&", "of", "de", "van", "von", "al", "el", "bin", "da", "der"})


def ends_sentence(line: str) -> bool:
    """Ends in . ! ? or … (a regex anchored at $ would scan the whole line)."""
    return final_mark(line) in (".", "!", "?", "…") and bool(line.rstrip(_CLOSERS))


def ends_statement(line: str) -> bool:
    """Ends like a sentence but not as a question: headlines may end in "?", prose rarely does."""
    return final_mark(line) in (".", "!", "…") and bool(line.rstrip(_CLOSERS))
WORD = re.compile(r"[^\W\d_][\w'’\-.&]*|\d[\w\-]*")
ALPHA_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
PLACEHOLDER = re.compile(r"\s*(?:<(?:link|image|img|url|photo|video|embed|iframe)>|\[(?:link|image|photo|video)\])", re.I)
SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:!?])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

AUTHOR_PREFIX = re.compile(r"(?i)^(?:written by|posted by|reported by|story by|words by|author(?:s)?\s*:|by\b)\s*:?\s*")
CREDIT_PREFIX = re.compile(
    r"(?i)^(?:reporting by|additional reporting|editing by|edited by|compiled by|writing by|"
    r"with inputs? from|inputs? from|(?:photo|image)s? by|source\s*:|sources\s*:)"
)
TAGS_PREFIX = re.compile(r"(?i)^(?:tags|topics|keywords|filed under)\s*:")


@dataclass
class Stamp:
    """A date or date-time line seen at the top of the page."""

    text: str
    has_clock: bool


@dataclass
class Cleaned:
    """The article text plus what the page header revealed about the article."""

    text: str
    title: str = ""  # the headline found at the top of the text ("" if none)
    byline: str = ""
    stamps: list[Stamp] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (kind, line), for tests/debugging


@dataclass(frozen=True)
class Phrases:
    """The boilerplate lists, compiled: cleaning runs these on every line of every article."""

    nav: tuple[str, ...]
    byline: frozenset[str]
    caption: tuple[str, ...]
    caption_start: tuple[str, ...]
    contains: tuple[str, ...] = ()
    nav_re: re.Pattern = field(init=False, repr=False, compare=False)
    caption_re: re.Pattern = field(init=False, repr=False, compare=False)
    caption_start_re: re.Pattern = field(init=False, repr=False, compare=False)
    caption_keys: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An unanchored regex search over long lines is slow; a plain substring test for each
        # phrase's longest word rules out nearly every line first.
        keys = {max(re.findall(r"[a-z]+", p) or [p], key=len) for p in self.caption}
        object.__setattr__(self, "caption_keys", tuple(sorted(keys)))
        object.__setattr__(self, "nav_re", _alternation(self.nav, "^"))
        object.__setattr__(self, "caption_re", _alternation(self.caption, ""))
        object.__setattr__(self, "caption_start_re", _alternation(self.caption_start, "^"))


def _alternation(phrases: tuple[str, ...], anchor: str) -> re.Pattern:
    if not phrases:
        return re.compile(r"(?!x)x")
    return re.compile(anchor + "(?:" + "|".join(re.escape(p) for p in phrases) + ")")


@lru_cache(maxsize=4)
def load_phrases(path: Path = BOILERPLATE_FILE) -> Phrases:
    """The boilerplate phrase list, by section."""
    sections: dict[str, list[str]] = {"nav": [], "byline": [], "caption": [], "caption-start": [], "contains": []}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        if current is not None:
            sections[current].append(line.lower())
    # Longest first so "related posts" wins over a shorter phrase sharing its start.
    return Phrases(
        nav=tuple(sorted(sections["nav"], key=len, reverse=True)),
        byline=frozenset(sections["byline"]),
        caption=tuple(sections["caption"]),
        caption_start=tuple(sections["caption-start"]),
        contains=tuple(sections["contains"]),
    )


# ---------------------------------------------------------------- line signals


def normalise_line(line: str) -> str:
    """One line with odd spaces collapsed and link placeholders cut out of the sentence."""
    if not line.isascii() and _INVISIBLE.search(line):
        line = _INVISIBLE.sub("", line)
    if "  " in line or not line.isascii() or not line.isprintable() or line[:1] == " " or line[-1:] == " ":
        line = " ".join(line.split())  # str.split() also splits on no-break and other odd spaces
    if "<" in line or "[" in line:
        line = PLACEHOLDER.sub("", line)
        line = SPACE_BEFORE_PUNCT.sub("", line)
        line = " ".join(line.split())
    return line


def words(line: str) -> list[str]:
    return WORD.findall(line)


def title_case_ratio(line: str) -> tuple[float, int]:
    """Share of significant words that start with a capital, and how many significant words."""
    sig = [w for w in ALPHA_WORD.findall(line) if w.lower() not in SMALL_WORDS]
    if not sig:
        return 0.0, 0
    caps = sum(1 for w in sig if w[0].isupper())
    return caps / len(sig), len(sig)


def is_title_case(line: str) -> bool:
    """A Title Case Headline: nearly every significant word capitalised (prose never is)."""
    ratio, n = title_case_ratio(line)
    return n >= 4 and ratio >= 0.85


def stamp_of(line: str) -> Stamp | None:
    """The line as a date/time stamp if it is nothing but a date and/or a clock time."""
    if len(line) > 60 or not _DIGIT.search(line):
        return None
    if _STAMP_TOKEN.sub("", line).strip():
        return None
    has_clock = bool(CLOCK.search(line))
    has_date = bool(_HAS_MONTH.search(line) or _NUMERIC_DATE.search(line) or _YEAR.search(line))
    if not (has_clock or has_date):
        return None
    return Stamp(line, has_clock)


def _starts_with_phrase(low: str, line: str, phrase: str) -> bool:
    if not low.startswith(phrase):
        return False
    nxt = line[len(phrase) : len(phrase) + 1]
    # "Community standardsDiscussion": a capital right after the phrase is a glued menu item.
    return not nxt or not nxt.isalnum() or nxt.isupper() or nxt.isdigit()


def _is_tag_list(line: str, terminal: bool) -> bool:
    if TAGS_PREFIX.match(line):
        return True
    if terminal or ";" in line or line.count(",") < 3:
        return False
    parts = [p.strip() for p in line.split(",")]
    if any(not p for p in parts):
        return False
    for p in parts:
        n = p.count(" ") + 1
        if n > 4 or n > 1 and _AND_OR.search(p):
            return False
    return True


def classify(line: str, phrases: Phrases) -> str:
    """What one non-empty, normalised line is: sentence | text | fragment | headline | nav |
    stamp | byline | credit | caption | tags | rule."""
    low = line.lower()
    n_words = line.count(" ") + 1  # normalised: single spaces
    mark = final_mark(line)
    terminal = mark in _ENDS and line[-1:] != ""
    statement = terminal and mark != "?"
    # Long prose with a full stop is the article itself; only caption credits can hide in it.
    protected = statement and n_words >= 6

    m = phrases.nav_re.match(low)
    if m and _starts_with_phrase(low, line, m.group()):
        rest = line[m.end() :].lstrip()
        if not protected or not rest or rest[0] in ":|»>›-–—":
            return "nav"
    if n_words <= 30 and any(p in low for p in phrases.contains):
        return "nav"
    # A credit hides inside prose only at its start ("Image copyright ... Image caption ...").
    if n_words <= 40 and phrases.caption_start_re.match(low):
        return "caption"
    if protected and n_words > 12:
        return "sentence"  # the common case, decided early: cleaning runs on every line
    if n_words <= 40 and not protected and any(k in low for k in phrases.caption_keys) and phrases.caption_re.search(low):
        return "caption"
    if not _ALNUM.search(line):
        return "rule"  # a separator such as "***" or "___"
    if n_words <= 12:
        bare = low.strip(" .:-–—|")
        if bare in phrases.byline:
            return "byline"
        if not statement:
            if CREDIT_PREFIX.match(line):
                return "credit"
            m = AUTHOR_PREFIX.match(line)
            if m:
                rest = line[m.end() :]
                if rest and all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in rest.replace(",", " ").split()):
                    return "byline"
        if stamp_of(line):
            return "stamp"
    if _is_tag_list(line, terminal):
        return "tags"
    if protected:
        return "sentence"
    if not statement and n_words <= 30 and is_title_case(line):
        return "headline"
    if terminal:
        return "sentence" if n_words >= 3 or mark == "?" else "fragment"
    return "text" if n_words > 20 else "fragment"


# ---------------------------------------------------------------- whole text

JUNK = frozenset({"nav", "stamp", "byline", "credit", "caption", "tags", "rule"})


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped paragraphs (plain-text files wrapped at a fixed width) back into lines."""
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if len(block) >= 3:
            body = block[:-1]
            lengths = [len(b) for b in body]
            wrapped = min(lengths) >= 40 and max(lengths) <= 100 and min(lengths) >= 0.6 * max(lengths)
            open_ends = sum(1 for b in body if not ends_sentence(b))
            # A list of headlines has the same shape; wrapped prose goes on in lower case.
            lower_next = sum(1 for b in block[1:] if b[:1].islower())
            if wrapped and open_ends * 4 >= len(body) * 3 and lower_next * 3 >= len(body):
                out.append(" ".join(block))
                block.clear()
                out.append("")
                return
        out.extend(block)
        block.clear()
        out.append("")

    for line in lines:
        if line:
            block.append(line)
        else:
            flush()
    flush()
    return out


def comparable(s: str) -> str:
    """Lower case letters and digits only: for spotting a repeated title."""
    return re.sub(r"[\W_]+", "", s.lower())


def same_title(a: str, b: str) -> bool:
    ca, cb = comparable(a), comparable(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    short, long_ = sorted((ca, cb), key=len)
    # A title and its capture can differ by a trailing site name ("... | Outlet").
    return len(short) >= 20 and long_.startswith(short) and len(short) >= 0.7 * len(long_)


def _headline_like(line: str, kind: str) -> bool:
    if kind == "headline":
        return True
    if kind not in ("fragment", "sentence"):
        return False
    n = len(words(line))
    if ends_statement(line):
        return False
    return 4 <= n <= 30


def clean(raw: str, title: str | None = None, phrases: Phrases | None = None) -> Cleaned:
    """Clean a captured article. `title`, when known, is removed where the page repeats it; when
    unknown, the headline at the top of the page is taken out of the body and returned."""
    phrases = phrases or load_phrases()
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    lines = _unwrap([normalise_line(x) if x else "" for x in raw.split("\n")])
    items = [x for x in lines if x]
    kinds = [classify(x, phrases) for x in items]
    result = Cleaned(text="")
    keep = [True] * len(items)

    def drop(i: int, why: str) -> None:
        if keep[i]:
            keep[i] = False
            result.removed.append((why, items[i]))

    def take_meta(i: int) -> None:
        kind = kinds[i]
        if kind == "byline" and not result.byline:
            m = AUTHOR_PREFIX.match(items[i])
            result.byline = items[i][m.end() :].strip() if m else items[i].strip(" .:-")
        elif kind == "stamp":
            st = stamp_of(items[i])
            if st:
                result.stamps.append(st)

    # Header: everything before the first line of prose.
    known_title = (title or "").strip()
    i = 0
    while i < len(items):
        line, kind = items[i], kinds[i]
        if kind in JUNK:
            take_meta(i)
            drop(i, kind)
        elif known_title and same_title(line, known_title):
            drop(i, "title")
        elif result.title and same_title(line, result.title):
            drop(i, "title")
        elif not known_title and not result.title and _headline_like(line, kind):
            result.title = line
            drop(i, "title")
        elif kind == "fragment" and len(words(line)) < 4:
            drop(i, "fragment")  # section label or image alt text above the article
        else:
            break
        i += 1

    # Body.
    for j in range(i, len(items)):
        kind = kinds[j]
        if kind in JUNK:
            take_meta(j) if kind == "byline" else None
            drop(j, kind)
            if kind == "caption":
                # An image's alt text sits right beside its caption.
                for k in (j - 1, j + 1):
                    if i <= k < len(items) and kinds[k] == "fragment" and len(words(items[k])) <= 6:
                        drop(k, "caption")
        elif kind == "headline":
            drop(j, "headline")  # a linked related headline or a teaser between paragraphs

    # Tail: lists of related headlines, share bars, credits after the last sentence.
    for j in range(len(items) - 1, i - 1, -1):
        if not keep[j]:
            continue
        kind = kinds[j]
        if kind == "fragment":
            # Related-headline links are Title Case or a few words; a plain list item is content.
            ratio, _ = title_case_ratio(items[j])
            if ratio >= 0.6 or len(words(items[j])) <= 5:
                drop(j, "tail")
                continue
            break
        if kind == "headline" or kind in JUNK:
            drop(j, "tail")
            continue
        if kinds[j] == "sentence" and items[j].endswith("?") and is_title_case(items[j]):
            drop(j, "tail")
            continue
        break

    result.text = "\n\n".join(x for x, k in zip(items, keep) if k)
    return result
