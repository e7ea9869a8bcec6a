"""The researchers' codes: who labelled which article how, kept in the store.

A code names the article and the content hash of the text its coder read, the label (one of the
story's labels or off-topic), the sentences that decided it, a note, when, and the codebook's tag.
A coder's second code of an article replaces the first as their current code; the first stays in
the table as history (`current = 0`). An admin may set an article's adjudicated label where
coders disagree. `reference_labels` is the one rule for "the coders' label" of an article: the
adjudicated label, else the strict majority of the current codes. Codes come from `/code`
(dashboard/coding.py) or a CSV file (`python -m analysis annotations import`); bad rows get one
line each and the rest is stored.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from analysis.codebook import OFF_TOPIC
from analysis.errors import FramingError
from analysis.limits import Limits, mb
from analysis.safe_text import neutralise, unneutralise

MAX_NOTE = 2000  # characters of a coder's note
MAX_MARKED = 500  # marked sentences of one code
MAX_CODER = 64  # characters of a coder's name
CSV_COLUMNS = {  # the columns `export_csv` writes (and `import_csv` reads back), with what each holds
    "article_id": "the article's id in the store",
    "coder": "who coded it",
    "label": "the coder's label: one of the story's labels or off-topic",
    "note": "the coder's note",
    "sentences": "numbers of the sentences that decided the label (0 = the headline), space-separated",
    "coded_at": "when (UTC, ISO 8601)",
    "codebook": "the codebook the coder saw: its version and digest",
    "content_hash": "the hash of the text the coder read",
}
REQUIRED_COLUMNS = ("article_id", "coder", "label")
_CHUNK = 500


def code_labels(lexicon) -> tuple[str, ...]:
    """What a coder may answer: the story's labels, then off-topic."""
    return (*lexicon.labels, OFF_TOPIC)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Code:
    article_id: str
    coder: str
    label: str
    sentences: tuple[int, ...] = ()  # indices of analysis.sentences.article_sentences (0 = the title)
    note: str = ""
    content_hash: str = ""  # filled from the store when saved
    coded_at: str = ""  # filled when saved
    codebook: str = ""  # the codebook's tag the coder saw


@dataclass(frozen=True)
class Reference:
    """The coders' label of one article, and how it was reached."""

    article_id: str
    label: str
    basis: str  # adjudicated | majority
    n_codes: int


@dataclass(frozen=True)
class Disagreement:
    article_id: str
    labels: dict[str, str]  # coder -> current label
    adjudicated: str | None


def check_code(code: Code, labels: tuple[str, ...]) -> Code:
    """`code` with its text fields trimmed; FramingError naming the field and the reason."""
    coder = (code.coder or "").strip()
    if not coder:
        raise FramingError("empty coder")
    if len(coder) > MAX_CODER:
        raise FramingError(f"coder name longer than {MAX_CODER} characters")
    if code.label not in labels:
        raise FramingError(f"label {code.label!r} is not one of {', '.join(labels)}")
    note = (code.note or "").strip()
    if len(note) > MAX_NOTE:
        raise FramingError(f"note longer than {MAX_NOTE} characters")
    marked = tuple(sorted(set(code.sentences)))
    if len(marked) > MAX_MARKED or any(not isinstance(i, int) or i < 0 for i in marked):
        raise FramingError(f"marked sentences must be at most {MAX_MARKED} sentence numbers")
    return Code(str(code.article_id), coder, code.label, marked, note, code.content_hash, code.coded_at, code.codebook)


def save_codes(store, codes: list[Code]) -> int:
    """Store checked codes in one transaction (each replacing its coder's earlier code of the same
    article, which is kept as history). An article that is not in the store is a FramingError
    and nothing is written. Returns how many earlier codes were replaced."""
    if not codes:
        return 0
    replaced = 0
    with store.transaction():
        hashes = article_hashes(store, [c.article_id for c in codes])
        missing = sorted({c.article_id for c in codes} - set(hashes))
        if missing:
            raise FramingError(f"unknown article {missing[0]!r}")
        now = _now()
        for c in codes:
            replaced += store.execute("UPDATE annotations SET current = 0 WHERE article_id = ? AND coder = ? "
                                      "AND current = 1", (c.article_id, c.coder))
            store.execute(
                "INSERT INTO annotations (article_id, content_hash, coder, label, sentences, note, coded_at, codebook)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (c.article_id, c.content_hash or hashes[c.article_id], c.coder, c.label, json.dumps(list(c.sentences)),
                 c.note, c.coded_at or now, c.codebook),
            )
    return replaced


def article_hashes(store, ids: list[str]) -> dict[str, str]:
    """article id -> its current content hash, for the ids that are stored."""
    out: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), _CHUNK):
        chunk = unique[i:i + _CHUNK]
        out.update(store.query(f"SELECT id, content_hash FROM articles WHERE id IN ({', '.join('?' * len(chunk))})",
                               chunk))
    return out


def _code(row) -> Code:
    article_id, coder, label, sentences, note, content_hash, coded_at, codebook = row
    return Code(article_id, coder, label, tuple(json.loads(sentences)), note, content_hash, coded_at, codebook)


_SELECT = "SELECT article_id, coder, label, sentences, note, content_hash, coded_at, codebook FROM annotations"


def current_codes(store) -> list[Code]:
    """Every coder's current code of every article, oldest first."""
    return [_code(r) for r in store.query(f"{_SELECT} WHERE current = 1 ORDER BY id")]


def code_history(store, article_id: str) -> list[Code]:
    """Every code ever given to one article (replaced ones included), oldest first."""
    return [_code(r) for r in store.query(f"{_SELECT} WHERE article_id = ? ORDER BY id", (article_id,))]


def code_of(store, article_id: str, coder: str) -> Code | None:
    rows = store.query(f"{_SELECT} WHERE article_id = ? AND coder = ? AND current = 1", (article_id, coder))
    return _code(rows[0]) if rows else None


def coded_by(store, coder: str) -> int:
    """How many articles `coder` has a current code of."""
    return store.query("SELECT COUNT(*) FROM annotations WHERE coder = ? AND current = 1", (coder,))[0][0]


def adjudicate(store, article_id: str, label: str, adjudicator: str, labels: tuple[str, ...], note: str = "") -> None:
    """Set the adjudicated label of an article (an earlier one is kept as history)."""
    if label not in labels:
        raise FramingError(f"label {label!r} is not one of {', '.join(labels)}")
    if len(note) > MAX_NOTE:
        raise FramingError(f"note longer than {MAX_NOTE} characters")
    with store.transaction():
        if not store.query("SELECT 1 FROM articles WHERE id = ?", (article_id,)):
            raise FramingError(f"unknown article {article_id!r}")
        store.execute("UPDATE adjudications SET current = 0 WHERE article_id = ? AND current = 1", (article_id,))
        store.execute("INSERT INTO adjudications (article_id, label, adjudicator, note, decided_at) VALUES (?, ?, ?, ?, ?)",
                      (article_id, label, adjudicator, note.strip(), _now()))


def adjudicated(store) -> dict[str, str]:
    """article id -> adjudicated label."""
    return dict(store.query("SELECT article_id, label FROM adjudications WHERE current = 1"))


def reference_labels(store) -> dict[str, Reference]:
    """The coders' label of each coded article: the adjudicated label where there is one, else the
    label most of its current codes give (a strict majority; a tie without adjudication has none)."""
    by_article: dict[str, list[str]] = {}
    for c in current_codes(store):
        by_article.setdefault(c.article_id, []).append(c.label)
    decided = adjudicated(store)
    out: dict[str, Reference] = {}
    for article_id, labels in by_article.items():
        if article_id in decided:
            out[article_id] = Reference(article_id, decided[article_id], "adjudicated", len(labels))
            continue
        (top, n), *rest = Counter(labels).most_common()
        if not rest or n > rest[0][1]:
            out[article_id] = Reference(article_id, top, "majority", len(labels))
    return out


def disagreements(store) -> list[Disagreement]:
    """Articles whose current codes differ, oldest first, with their adjudicated label if any."""
    by_article: dict[str, dict[str, str]] = {}
    for c in current_codes(store):
        by_article.setdefault(c.article_id, {})[c.coder] = c.label
    decided = adjudicated(store)
    return [Disagreement(a, labels, decided.get(a)) for a, labels in by_article.items() if len(set(labels.values())) > 1]


# ---------------------------------------------------------------- CSV


@dataclass
class ImportReport:
    imported: int = 0
    replaced: int = 0
    problems: list[str] = field(default_factory=list)


def import_csv(store, path: Path, labels: tuple[str, ...], codebook: str = "", on_problem=None,
               limits: Limits | None = None) -> ImportReport:
    """Codes from a CSV file with columns article_id, coder, label (and optionally note,
    sentences, coded_at, codebook): each bad row gets one line (`on_problem`) naming its line and
    the reason, and the good rows are stored together. `codebook` is recorded for rows that do
    not name theirs."""
    limits = limits or Limits.from_env()
    report = ImportReport()
    found: list[tuple[int, str]] = []  # (line, problem): told in line order once the file is read

    def bad(line: int, text: str) -> None:
        found.append((line, f"{path}:{line}: {text}"))

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_document_bytes:
            raise FramingError(f"{path}: larger than {mb(limits.max_document_bytes)}; nothing imported")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FramingError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise FramingError(f"{path}: not UTF-8 text; nothing imported") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FramingError(f"{path}: missing column(s) {', '.join(missing)}; nothing imported")
    rows: list[tuple[int, Code]] = []
    line = reader.line_num + 1
    try:
        for n, record in enumerate(reader, start=1):
            start, line = line, reader.line_num + 1  # a quoted cell may span lines
            if n > limits.max_rows or len(found) >= limits.max_errors:
                bad(start, f"stopped after {limits.max_rows} rows" if n > limits.max_rows
                    else f"stopped after {limits.max_errors} errors")
                break
            try:
                rows.append((start, _row_code(record, labels, codebook)))
            except FramingError as exc:
                bad(start, str(exc))
    except csv.Error as exc:
        bad(line, f"not readable CSV ({exc}); the rest of the file was skipped")
    known = article_hashes(store, [c.article_id for _, c in rows])
    good = []
    for row_line, c in rows:
        if c.article_id in known:
            good.append(c)
        else:
            bad(row_line, f"unknown article {c.article_id!r}")
    report.replaced = save_codes(store, good)
    report.imported = len(good)
    report.problems = [text for _, text in sorted(found)]
    for text in report.problems:
        (on_problem or _stderr)(text)
    return report


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def _row_code(record: dict, labels: tuple[str, ...], codebook: str) -> Code:
    def cell(name: str) -> str:
        value = record.get(name)
        return unneutralise(value.strip()) if isinstance(value, str) else ""

    article_id = cell("article_id")
    if not article_id:
        raise FramingError("empty article_id")
    marked = cell("sentences")
    try:
        sentences = tuple(int(x) for x in marked.replace(",", " ").replace(";", " ").split())
    except ValueError:
        raise FramingError(f"sentences {marked[:40]!r} are not sentence numbers") from None
    coded_at = cell("coded_at")
    if coded_at:
        try:
            datetime.fromisoformat(coded_at)
        except ValueError:
            raise FramingError(f"coded_at {coded_at[:40]!r} is not an ISO date and time") from None
    return check_code(Code(article_id, cell("coder"), cell("label"), sentences, cell("note"), "", coded_at,
                           cell("codebook") or codebook), labels)


def export_csv(store) -> str:
    """Every current code as CSV (the columns `import_csv` reads back); text cells that a
    spreadsheet would run as a formula carry a leading quote, which the import removes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(CSV_COLUMNS))
    for c in current_codes(store):
        writer.writerow([neutralise(c.article_id), neutralise(c.coder), neutralise(c.label), neutralise(c.note),
                         " ".join(map(str, c.sentences)), c.coded_at, neutralise(c.codebook), c.content_hash])
    return buf.getvalue()


def run_import(path: Path, db, lexicon=None) -> int:
    """`python -m analysis annotations import FILE.csv --db FILE`: bad rows get one line each on
    stderr and the others are stored (0); 2 when the file held rows but none could be stored."""
    from analysis.lexicon import Lexicon
    from analysis.store import open_existing

    lex = Lexicon.load(lexicon)
    with open_existing(db) as store:
        report = import_csv(store, path, code_labels(lex), lex.codebook.tag if lex.codebook else "")
    print(f"{report.imported} code(s) imported ({report.replaced} replacing an earlier code of the same coder), "
          f"{len(report.problems)} row(s) refused", file=sys.stderr)
    if report.problems and not report.imported:
        raise FramingError(f"{path}: no code could be imported")
    return 0


def run_export(db) -> int:
    """`python -m analysis annotations export --db FILE`: the current codes as CSV on stdout."""
    from analysis.store import open_existing

    with open_existing(db) as store:
        sys.stdout.write(export_csv(store))
    return 0
