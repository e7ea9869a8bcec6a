"""A story lexicon: terms with weights and frames, voices (camps), actor groups, cues, events.

The YAML file is the whole definition of a story's axis; this module validates it and compiles
every pattern once. Matching runs on a length-preserving folded copy of the sentence
(lower case, accents and curly quotes removed) so offsets point into the original text.
Patterns are indexed by their first word: a sentence is read word by word and only the
patterns that can start at that word are tried (a trie-like first step, instead of one huge
alternation tried at every character).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis.axis import Axis
from analysis.codebook import KEY as CODEBOOK_KEY
from analysis.codebook import Codebook, split_codebook
from analysis.errors import FramingError
from analysis.training_data import TrainingFiles

SCAN_CACHE = 8192  # sentences: more than one scoring batch holds

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicons" / "s400.yaml"
_KEY = re.compile(r"[a-z]+|[0-9]+")
_TOKEN = re.compile(r"\[[^\]]*\]|\([^)]*\)|[^\s\[\(]+")
_CLAUSE_BREAK = re.compile(r"[,;:!?()\"]|(?<!\w)(?:but|however|while|although|whereas|yet)(?!\w)")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base and base != ch and base.isascii():
            table[cp] = base
    table.update({ord("ı"): "i", ord("İ"): "I", ord("ß"): "s", ord("æ"): "a", ord("ø"): "o", ord("Ø"): "O",
                  ord("ł"): "l", ord("Ł"): "L", ord("đ"): "d", ord("Đ"): "D"})
    for q in "‘’ʼ′`´":
        table[ord(q)] = "'"
    for q in "“”„«»″":
        table[ord(q)] = '"'
    for d in "‐‑‒–—―−":
        table[ord(d)] = "-"
    table[0xA0] = " "
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case, accent-free, straight-quoted copy of `text` with exactly the same length."""
    out = text.translate(_FOLD).lower()
    if len(out) != len(text):  # a rare character whose lower case is longer: go char by char
        out = "".join((c.translate(_FOLD).lower() or c)[:1] for c in text)
    return out


@dataclass(frozen=True)
class TermMatch:
    """A lexicon term found in a sentence; `weight` is signed and already negated/hedged."""

    term: str
    weight: float
    frame: str
    start: int
    end: int
    negated: bool = False
    hedged: bool = False
    pattern: str = ""  # the lexicon entry that matched (`term` is the text as written)


@dataclass(frozen=True)
class Hit:
    """Any pattern found in a sentence: kind (term, camp, actor, verb, ...), span and payload."""

    kind: str
    start: int
    end: int
    payload: Any


@dataclass
class Scan:
    """Everything the lexicon finds in one sentence."""

    text: str
    folded: str
    hits: dict[str, list[Hit]]
    terms: list[TermMatch] = field(default_factory=list)

    def of(self, kind: str) -> list[Hit]:
        return self.hits.get(kind, [])


@dataclass(frozen=True)
class _Entry:
    kind: str
    source: str
    regex: re.Pattern
    payload: Any
    case_words: tuple[str, ...]


def _word_regex(word: str, where: str) -> str:
    wild = word.endswith("*")
    core = word[:-1] if wild else word
    if not core or "*" in core:
        raise FramingError(f"{where}: '*' may only end a word ({word!r})")
    parts = []
    for ch in core:
        if ch == "-":
            parts.append(r"[-\s]?")
        elif ch.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(ch))
    return "".join(parts) + (r"\w*" if wild else "")


def _seq_regex(seq: str, where: str) -> str:
    words = seq.split()
    if not words:
        raise FramingError(f"{where}: empty alternative")
    return r"\s+".join(_word_regex(w, where) for w in words)


def _first_keys(token: str, where: str) -> list[tuple[str, bool]]:
    """Index keys of a pattern's first token: (key, is_prefix)."""
    if token.startswith("["):
        raise FramingError(f"{where}: a pattern cannot start with an optional word ({token})")
    alts = token[1:-1].split("|") if token.startswith("(") else [token]
    keys = []
    for alt in alts:
        first = alt.split()[0] if alt.split() else ""
        m = _KEY.match(first)
        if not m:
            raise FramingError(f"{where}: pattern must start with a letter or digit ({token})")
        run = m.group()
        if first[len(run):] == "*":
            if len(run) < 3:
                raise FramingError(f"{where}: a wildcard needs at least 3 letters before '*' ({first})")
            keys.append((run[:3], True))
        else:
            keys.append((run, False))
    return keys


def compile_pattern(src: str, where: str) -> tuple[re.Pattern, list[tuple[str, bool]]]:
    """Compile one lexicon pattern (see the notation in the YAML header) to a regex and index keys."""
    if not isinstance(src, str) or not src.strip():
        raise FramingError(f"{where}: pattern must be a non-empty string")
    src = fold(src.strip())
    tokens = _TOKEN.findall(src)
    if "".join(tokens).replace(" ", "") != src.replace(" ", ""):
        raise FramingError(f"{where}: unbalanced brackets in {src!r}")
    pieces = []
    for i, tok in enumerate(tokens):
        if tok.startswith("[") or tok.startswith("("):
            if not tok.endswith("]") and not tok.endswith(")"):
                raise FramingError(f"{where}: unbalanced brackets in {src!r}")
            body = "|".join(_seq_regex(a, where) for a in tok[1:-1].split("|"))
            if tok.startswith("["):
                pieces.append(rf"(?:\s+(?:{body}))?")
                continue
            piece = f"(?:{body})"
        else:
            piece = _word_regex(tok, where)
        pieces.append(piece if i == 0 else r"\s+" + piece)
    keys = _first_keys(tokens[0], where)
    try:
        rx = re.compile(r"(?<!\w)" + "".join(pieces) + r"(?!\w)")
    except re.error as exc:  # pragma: no cover - the notation above cannot produce this
        raise FramingError(f"{where}: bad pattern {src!r}: {exc}") from None
    return rx, keys


class _Index:
    """First-word index over many patterns of several kinds."""

    def __init__(self, case_sensitive: dict[str, set[str]]):
        self.exact: dict[str, list[_Entry]] = {}
        self.prefix: dict[str, list[_Entry]] = {}
        self.case_sensitive = case_sensitive
        self._cs_rx = {w: re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w in case_sensitive}

    def add(self, kind: str, src: str, payload: Any, where: str) -> None:
        rx, keys = compile_pattern(src, where)
        words = set(re.findall(r"[a-z0-9.]+", fold(src)))
        cs = tuple(w for w in self.case_sensitive if w in words)
        entry = _Entry(kind, src, rx, payload, cs)
        for key, is_prefix in keys:
            (self.prefix if is_prefix else self.exact).setdefault(key, []).append(entry)

    def _case_ok(self, entry: _Entry, text: str, folded: str, s: int, e: int) -> bool:
        for w in entry.case_words:
            for m in self._cs_rx[w].finditer(folded, s, e):
                if text[m.start() : m.end()] not in self.case_sensitive[w]:
                    return False
        return True

    def scan(self, text: str, folded: str) -> dict[str, list[Hit]]:
        hits: dict[str, list[Hit]] = {}
        busy: dict[str, int] = {}
        exact, prefix = self.exact, self.prefix
        for m in _KEY.finditer(folded):
            w = m.group()
            cands = exact.get(w)
            pcands = prefix.get(w[:3]) if len(w) >= 3 else None
            if not cands and not pcands:
                continue
            pos = m.start()
            best: dict[str, tuple[int, _Entry]] = {}
            for group in (cands, pcands):
                if not group:
                    continue
                for entry in group:
                    if busy.get(entry.kind, -1) > pos:
                        continue
                    mm = entry.regex.match(folded, pos)
                    if not mm:
                        continue
                    end = mm.end()
                    prev = best.get(entry.kind)
                    if (prev is None or end > prev[0]) and (
                        not entry.case_words or self._case_ok(entry, text, folded, pos, end)
                    ):
                        best[entry.kind] = (end, entry)
            for kind, (end, entry) in best.items():
                hits.setdefault(kind, []).append(Hit(kind, pos, end, entry.payload))
                busy[kind] = end
        return hits


@dataclass(frozen=True)
class Verb:
    verb: str
    distancing: float
    needs_speaker: bool
    addressee_after: bool


@dataclass(frozen=True)
class Term:
    term: str
    weight: float
    frame: str
    negation: str = "flip"  # flip | zero | ignore


def _cue_regex(cues: list[str], where: str) -> re.Pattern | None:
    alts = []
    for cue in cues:
        if not isinstance(cue, str) or not cue.strip():
            raise FramingError(f"{where}: cues must be non-empty strings, got {cue!r} (quote no/yes/on/off)")
        c = fold(cue.strip())
        if c == "n't":
            alts.append(r"n't(?!\w)")
            continue
        alts.append(r"(?<!\w)" + _seq_regex(c, where) + r"(?!\w)")
    return re.compile("|".join(alts)) if alts else None


class Lexicon:
    """A validated story lexicon. Load with `Lexicon.load(path)`; match with `.match(sentence)`."""

    def __init__(self, data: dict, path: Path | str = "<lexicon>", raw: bytes = b""):
        self.path = str(path)
        self._raw = raw
        self._build(data)

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str | None = None) -> "Lexicon":
        """Read and validate a lexicon YAML file; raises FramingError naming the file and field."""
        p = Path(path) if path is not None else DEFAULT_LEXICON
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise FramingError(f"{p}: cannot read lexicon ({exc.strerror or exc})") from None
        try:
            data = yaml.safe_load(raw.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise FramingError(f"{p}: not valid YAML ({reason})") from None
        if not isinstance(data, dict):
            raise FramingError(f"{p}: a lexicon must be a mapping with story, version, frames, terms, camps, actors")
        return cls(data, p, raw)

    def __getstate__(self):
        return {"data": self._data, "path": self.path, "raw": self._raw}

    def __setstate__(self, state):
        self.path = state["path"]
        self._raw = state["raw"]
        self._build(state["data"])

    def _add(self, kind: str, src, payload, where: str) -> None:
        self._index.add(kind, src, payload, f"{self.path}: {where}")

    def _err(self, fieldname: str, reason: str) -> FramingError:
        return FramingError(f"{self.path}: {fieldname}: {reason}")

    def _req(self, data: dict, key: str, kind: type, where: str | None = None):
        where = where or key
        if key not in data or data[key] is None:
            raise self._err(where, "missing")
        value = data[key]
        if not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            raise self._err(where, f"must be a {' or '.join(k.__name__ for k in kinds)}")
        return value

    def _build(self, data: dict) -> None:
        self._scan_cached = lru_cache(maxsize=SCAN_CACHE)(self._scan)
        self._data = data
        self.story = str(self._req(data, "story", (str,)))
        version = data.get("version")
        if version is None or not str(version).strip():
            raise self._err("version", "missing")
        self.version = str(version)
        self.title = str(data.get("title") or self.story)
        self.axis = Axis.parse(data.get("axis"), self.path)
        self.labels = self.axis.labels
        self.training = TrainingFiles.parse(data.get("training"), Path(self.path).parent, self.path)
        # The measure's digest: every byte of the file but the coders' instructions (codebook).
        if self._raw:
            measured, block = split_codebook(self._raw.decode("utf-8"))
        else:
            measured, block = repr({k: v for k, v in data.items() if k != CODEBOOK_KEY}), ""
        self.digest = hashlib.sha256(measured.encode("utf-8")).hexdigest()[:8]
        self.codebook = (Codebook.parse(data[CODEBOOK_KEY], self.labels, self.path, block)
                         if data.get(CODEBOOK_KEY) is not None else None)

        frames = self._req(data, "frames", dict)
        if not frames:
            raise self._err("frames", "needs at least one frame")
        for fid in frames:
            if not isinstance(fid, str) or not _ID.match(fid):
                raise self._err(f"frames.{fid}", "frame ids are lower_case_with_underscores")
        self.frames: dict[str, str] = {k: str(v) for k, v in frames.items()}

        cs_words = data.get("case_sensitive") or []
        if not isinstance(cs_words, list):
            raise self._err("case_sensitive", "must be a list of words")
        case_sensitive: dict[str, set[str]] = {}
        for w in cs_words:
            case_sensitive.setdefault(fold(str(w)), set()).add(str(w))
        self._index = _Index(case_sensitive)

        self._compile_terms(data)
        self._compile_cues(data)
        self._compile_attribution(data)
        self._compile_camps(data)
        self._compile_actors(data)
        for i, t in enumerate(data.get("topic") or []):
            self._add("topic", t, None, f"topic[{i}]")
        self._compile_relevance(data)
        self.has_topic = bool(data.get("topic")) or bool(self.relevance_parties)
        self._compile_core(data)
        self._compile_events(data)

    def _compile_terms(self, data: dict) -> None:
        terms = self._req(data, "terms", dict)
        self.terms: list[Term] = []
        seen: dict[str, str] = {}
        for frame, entries in terms.items():
            if frame not in self.frames:
                raise self._err(f"terms.{frame}", f"unknown frame (declared frames: {', '.join(self.frames)})")
            if not isinstance(entries, list):
                raise self._err(f"terms.{frame}", "must be a list of [term, weight] pairs")
            for i, e in enumerate(entries):
                where = f"terms.{frame}[{i}]"
                negation = "flip"
                if isinstance(e, dict):
                    term, weight, negation = e.get("term"), e.get("weight"), e.get("negation", "flip")
                elif isinstance(e, list) and len(e) == 2:
                    term, weight = e
                else:
                    raise self._err(where, "must be [term, weight] or {term: ..., weight: ...}")
                if not isinstance(term, str) or not term.strip():
                    raise self._err(where, "term must be a non-empty string")
                if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -1.0 <= weight <= 1.0:
                    raise self._err(where, f"weight of {term!r} must be a number in [-1, 1]")
                if negation not in ("flip", "zero", "ignore"):
                    raise self._err(where, "negation must be flip, zero or ignore")
                key = fold(term.strip())
                if key in seen:
                    raise self._err(where, f"duplicate term {term!r} (also in {seen[key]})")
                seen[key] = where
                t = Term(term.strip(), float(weight), frame, negation)
                self.terms.append(t)
                self._add("term", term, t, where)

    def _compile_cues(self, data: dict) -> None:
        neg = data.get("negation") or {}
        hedges = data.get("hedges") or {}
        if not isinstance(neg, dict) or not isinstance(hedges, dict):
            raise self._err("negation", "negation and hedges must be mappings with cues, window, factor")
        self.negation_factor = float(neg.get("factor", 0.8))
        self.negation_window = int(neg.get("window", 4))
        self._neg_rx = _cue_regex(list(neg.get("cues") or []), f"{self.path}: negation.cues")
        rej = neg.get("rejection") or {}
        self.rejection_window = int(rej.get("window", 8))
        self._rej_rx = _cue_regex(list(rej.get("cues") or []), f"{self.path}: negation.rejection.cues")
        self._not_neg_rx = _cue_regex(list(neg.get("not_negation") or []), f"{self.path}: negation.not_negation")
        self.hedge_factor = float(hedges.get("factor", 0.6))
        self.hedge_window = int(hedges.get("window", 6))
        self._hedge_rx = _cue_regex(list(hedges.get("cues") or []), f"{self.path}: hedges.cues")
        for name, value in (("negation.factor", self.negation_factor), ("hedges.factor", self.hedge_factor)):
            if not 0.0 <= value <= 1.0:
                raise self._err(name, "must be between 0 and 1")

    def _compile_attribution(self, data: dict) -> None:
        att = data.get("attribution") or {}
        if not isinstance(att, dict):
            raise self._err("attribution", "must be a mapping")
        verbs = att.get("verbs") or {}
        if not isinstance(verbs, dict):
            raise self._err("attribution.verbs", "must map each verb to its distancing (0..1)")
        free = {fold(v) for v in att.get("without_speaker") or []}
        addressee = {fold(v) for v in att.get("addressee_after") or []}
        for verb, dist in verbs.items():
            where = f"attribution.verbs.{verb}"
            if isinstance(dist, bool) or not isinstance(dist, (int, float)) or not 0 <= dist <= 1:
                raise self._err(where, "distancing must be a number in [0, 1]")
            v = fold(str(verb))
            self._add("verb", str(verb), Verb(str(verb), float(dist), v not in free, v in addressee), where)
        for marker, dist in (att.get("distancing") or {}).items():
            where = f"attribution.distancing.{marker}"
            if isinstance(dist, bool) or not isinstance(dist, (int, float)) or not 0 <= dist <= 1:
                raise self._err(where, "distancing must be a number in [0, 1]")
            self._add("distance", str(marker), (str(marker), float(dist)), where)
        self.scare_quote_distancing = float(att.get("scare_quotes", 0.4))
        for i, a in enumerate(att.get("anaphors") or []):
            self._add("anaphor", str(a), str(a), f"attribution.anaphors[{i}]")

    def _compile_camps(self, data: dict) -> None:
        camps = self._req(data, "camps", dict)
        self.camps: dict[str, str] = {}
        self.camp_sides: dict[str, float] = {}
        for cid, spec in camps.items():
            where = f"camps.{cid}"
            if not isinstance(cid, str) or not _ID.match(cid):
                raise self._err(where, "camp ids are lower_case_with_underscores")
            if not isinstance(spec, dict):
                raise self._err(where, "must have label, side and patterns")
            side = spec.get("side")
            if isinstance(side, bool) or not isinstance(side, (int, float)) or not -1 <= side <= 1:
                raise self._err(f"{where}.side", "must be a number in [-1, 1] (+ = positive end of the axis)")
            pats = spec.get("patterns")
            if not isinstance(pats, list) or not pats:
                raise self._err(f"{where}.patterns", "needs at least one pattern")
            self.camps[cid] = str(spec.get("label") or cid)
            self.camp_sides[cid] = float(side)
            for i, p in enumerate(pats):
                self._add("camp", p, cid, f"{where}.patterns[{i}]")
            for i, p in enumerate(spec.get("subjects") or []):
                self._add("subject", p, cid, f"{where}.subjects[{i}]")
        self.default_camp = "other" if "other" in self.camps else None

    def _compile_actors(self, data: dict) -> None:
        actors = self._req(data, "actors", dict)
        self.actors: dict[str, str] = {}
        for aid, spec in actors.items():
            where = f"actors.{aid}"
            if not isinstance(aid, str) or not _ID.match(aid):
                raise self._err(where, "actor ids are lower_case_with_underscores")
            if not isinstance(spec, dict) or not isinstance(spec.get("patterns"), list) or not spec["patterns"]:
                raise self._err(f"{where}.patterns", "needs at least one pattern")
            self.actors[aid] = str(spec.get("label") or aid)
            for i, p in enumerate(spec["patterns"]):
                self._add("actor", p, aid, f"{where}.patterns[{i}]")

    def _compile_core(self, data: dict) -> None:
        """`core`: the story's core thread (a name and terms); an article naming one of the terms
        in a scored sentence is in it, and the page can show just those. Optional."""
        core = data.get("core")
        self.core_name: str | None = None
        if core is None:
            return
        if not isinstance(core, dict) or not isinstance(core.get("terms"), list) or not core["terms"]:
            raise self._err("core", "must be a mapping with a name and a non-empty list of terms")
        name = str(core.get("name") or "").strip()
        if not name:
            raise self._err("core.name", "must name the core thread (shown on the page's switch)")
        self.core_name = name
        for i, t in enumerate(core["terms"]):
            self._add("core", t, None, f"core.terms[{i}]")

    def _compile_relevance(self, data: dict) -> None:
        """`relevance`: the two parties of the relationship as lists of actor groups, and how
        many sentences must name one of each for an article without a `topic` term to be on it."""
        rel = data.get("relevance") or {}
        if not isinstance(rel, dict):
            raise self._err("relevance", "must be a mapping with parties and min_joint_sentences")
        parties = rel.get("parties") or []
        self.relevance_parties: tuple[frozenset[str], ...] = ()
        if parties:
            if not isinstance(parties, list) or len(parties) != 2:
                raise self._err("relevance.parties", "must be two lists of actor groups (one per party)")
            groups = []
            for i, party in enumerate(parties):
                if not isinstance(party, list) or not party:
                    raise self._err(f"relevance.parties[{i}]", "must be a non-empty list of actor groups")
                unknown = [a for a in party if a not in self.actors]
                if unknown:
                    raise self._err(f"relevance.parties[{i}]", f"unknown actor group(s) {', '.join(map(str, unknown))}")
                groups.append(frozenset(party))
            self.relevance_parties = tuple(groups)
        n = rel.get("min_joint_sentences", 2)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise self._err("relevance.min_joint_sentences", "must be a whole number >= 1")
        self.relevance_min_joint = n

    def joint_mention(self, scan: "Scan") -> bool:
        """True when a sentence names an actor of each party of the relationship."""
        if not self.relevance_parties:
            return False
        found = {h.payload for h in scan.of("actor")}
        a, b = self.relevance_parties
        return bool(found & a) and bool(found & b)

    def _compile_events(self, data: dict) -> None:
        self.events: list[tuple[str, str]] = []
        for i, ev in enumerate(data.get("events") or []):
            where = f"events[{i}]"
            if not isinstance(ev, dict) or "date" not in ev or "label" not in ev:
                raise self._err(where, "each event needs date and label")
            date = str(ev["date"])
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
                raise self._err(f"{where}.date", f"{date!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
            self.events.append((date, str(ev["label"])))

    # --- matching ------------------------------------------------------------------------
    def _window(self, folded: str, start: int, words: int) -> str:
        """The `words` words before `start`, cut at the last clause break."""
        head = folded[max(0, start - 12 * words) : start]
        spans = list(_KEY.finditer(head))
        if len(spans) > words:
            head = head[spans[-words].start() :]
        cut = None
        for cut in _CLAUSE_BREAK.finditer(head):
            pass
        return head[cut.end() :] if cut else head

    def _negated(self, folded: str, start: int) -> bool:
        win = self._window(folded, start, self.negation_window)
        if self._neg_rx:
            for m in self._neg_rx.finditer(win):
                tail = win[m.start() :]
                if self._not_neg_rx and self._not_neg_rx.match(tail):
                    continue
                return True
        if self._rej_rx:
            if self._rej_rx.search(self._window(folded, start, self.rejection_window)):
                return True
        return False

    def _hedged(self, folded: str, start: int) -> bool:
        return bool(self._hedge_rx and self._hedge_rx.search(self._window(folded, start, self.hedge_window)))

    def scan(self, sentence: str) -> Scan:
        """Find every term, camp, actor, attribution verb and cue in one sentence (the last
        SCAN_CACHE sentences are remembered: the analyser and the stance model's marker read
        the same sentences)."""
        return self._scan_cached(sentence)

    def _scan(self, sentence: str) -> Scan:
        folded = fold(sentence)
        hits = self._index.scan(sentence, folded)
        terms = []
        for h in hits.get("term", ()):
            t: Term = h.payload
            w = t.weight
            # A zero-weight (neutral register) term stays zero whatever precedes it: skip the cue
            # windows, which are most of the matching cost on wire copy full of such words.
            negated = bool(w) and t.negation != "ignore" and self._negated(folded, h.start)
            if negated:
                w = 0.0 if t.negation == "zero" else -w * self.negation_factor
            hedged = bool(w) and self._hedged(folded, h.start)
            if hedged:
                w *= self.hedge_factor
            terms.append(TermMatch(sentence[h.start : h.end], round(w, 6), t.frame, h.start, h.end, negated, hedged, t.term))
        return Scan(sentence, folded, hits, terms)

    def match(self, sentence: str) -> list[TermMatch]:
        """Lexicon terms in a sentence, with signed weights after negation and hedges."""
        return self.scan(sentence).terms

    def mentions(self, sentence: str) -> set[str]:
        """Actor groups mentioned in a sentence."""
        return {h.payload for h in self.scan(sentence).of("actor")}

    def __repr__(self) -> str:
        return f"Lexicon({self.story!r}, version={self.version!r}, terms={len(self.terms)})"
