"""Whose voice a sentence is in: the outlet's own, a direct quote, or attributed paraphrase.

Speakers are resolved to camps with the lexicon's camp patterns, plus names learnt inside the
article ("Turkish analyst Jane Doe ..." makes "Doe" an analyst for that article) and pronoun
carry-over ("he said" = the last named speaker).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.lexicon import Lexicon, Scan, fold

OWN, ATTRIBUTED, QUOTE = "own", "attributed", "quote"
QUOTE_SHARE = 0.5  # a sentence at least half inside quotation marks is a direct quote
SCARE_QUOTE_WORDS = 4  # a short quoted span with nobody speaking is a scare quote

_SINGLE_QUOTED = re.compile(r"(?<!\w)'([^'\n]{1,80}?)'(?!\w)")
_BOUNDARY = re.compile(
    r"[,;:\"()]|(?<!\w)(?:that|which|while|whereas|but|and|because|after|before|when)(?!\w)"
)
_WORD = re.compile(r"[a-z0-9]+")
# A name right after a role: "Ambassador Jane Doe", "analyst Mustafa Kibaroglu", ", Gen. John Roe".
_NAME_AFTER = re.compile(
    r"^(?:\s*,)?\s+(?:(?:the|a|an)\s+)?(?:[A-Z][a-z]{0,4}\.\s+)*((?:[A-Z][\w'’.-]*\s+){0,4}[A-Z][\w'’-]+)"
)
# A name right before an appositive role: "Jane Doe, director of ... University".
_NAME_BEFORE = re.compile(r"((?:[A-Z][\w'’-]+\s+){0,3}[A-Z][\w'’-]+),\s+(?:the\s+|a\s+|an\s+)?$")
_CAPITAL = re.compile(r"(?<![\w'’])[A-Z][\w'’-]+")


@dataclass(frozen=True)
class Voice:
    """The voice of one sentence. `camp` is a lexicon camp id (None for the outlet's own voice)."""

    kind: str  # own | attributed | quote
    speaker: str | None = None
    camp: str | None = None
    distancing: float = 0.0  # 0..1: how far the outlet keeps from what it relays
    quote_share: float = 0.0  # part of the sentence inside quotation marks


# Capitalised words that end organisation names, not people's names.
_NOT_NAMES = {
    "affairs", "agency", "army", "association", "bureau", "center", "centre", "college", "command",
    "committee", "company", "corporation", "council", "court", "daily", "department", "foundation",
    "group", "house", "institute", "ministry", "news", "office", "organization", "organisation",
    "party", "post", "research", "school", "service", "staff", "studies", "times", "union",
    "university", "forces", "force", "systems", "industries", "state", "states",
}


def _surname(name: str) -> str:
    last = name.split()[-1]
    last = re.sub(r"['’]s$", "", last)
    return last.lower()


def _learn(names: dict[str, str], name: str, camp: str) -> None:
    # A person is introduced with at least a first and a last name ("analyst Jane Doe"); a single
    # capitalised word after a role is usually a place or a body ("forces in Syria").
    if len(name.split()) < 2:
        return
    key = fold(_surname(name))
    if key not in _NOT_NAMES and not name.split()[-1].isupper() and len(key) > 2:
        names.setdefault(key, camp)


def learn_names(lex: Lexicon, scans: list[Scan]) -> dict[str, str]:
    """Names introduced with a role in this article (surname -> camp)."""
    names: dict[str, str] = {}
    for sc in scans:
        text = sc.text
        for h in sc.of("camp"):
            m = _NAME_AFTER.match(text[h.end :])
            if m:
                _learn(names, m.group(1), h.payload)
            before = text[max(0, h.start - 160) : h.start]
            # Appositive: "Jane Doe, director of the Center for ..." (role shortly after the comma).
            comma = before.rfind(",")
            if comma >= 0 and len(before[comma:].split()) <= 8:
                m = _NAME_BEFORE.search(before[: comma + 1] + " ")
                if m:
                    _learn(names, m.group(1), h.payload)
    return names


def _quote_spans(folded: str, open_at_start: bool) -> tuple[list[tuple[int, int]], bool]:
    """Spans inside double quotes (state carried over from the previous sentence) and single quotes."""
    spans: list[tuple[int, int]] = []
    inside = open_at_start
    start = 0
    for i, ch in enumerate(folded):
        if ch == '"':
            if inside:
                spans.append((start, i + 1))
                inside = False
            else:
                inside = True
                start = i
    if inside:
        spans.append((start, len(folded)))
    for m in _SINGLE_QUOTED.finditer(folded):
        if not any(s <= m.start() < e for s, e in spans):
            spans.append((m.start(), m.end()))
    return spans, inside


class _Resolver:
    def __init__(self, lex: Lexicon, names: dict[str, str]):
        self.lex = lex
        self.names = names
        self.last: tuple[str, str | None] | None = None

    @staticmethod
    def _in(hits, a: int, b: int, spans) -> list:
        return [h for h in hits if h.start >= a and h.end <= b and not any(s <= h.start < e for s, e in spans)]

    def resolve(self, sc: Scan, a: int, b: int, toward: int, spans) -> tuple[str, str | None] | None:
        """Speaker named in text[a:b] outside quotations; the one nearest `toward` (the verb) wins."""
        if b <= a:
            return None
        text = sc.text

        def near(h):
            return abs((h.start + h.end) / 2 - toward)

        best = None
        camps = self._in(sc.of("camp"), a, b, spans)
        if camps:
            h = min(camps, key=near)
            best = (near(h), text[h.start : h.end], h.payload)
        for m in _CAPITAL.finditer(text, a, b):
            if any(s <= m.start() < e for s, e in spans):
                continue
            camp = self.names.get(fold(_surname(m.group())))
            if camp:
                d = abs((m.start() + m.end()) / 2 - toward)
                if best is None or d < best[0]:
                    best = (d, m.group(), camp)
        if best:
            self.last = (best[1], best[2])
            return self.last
        subjects = self._in(sc.of("subject"), a, b, spans)
        if subjects and len(_WORD.findall(sc.folded[a:b])) <= 5:
            h = min(subjects, key=near)
            self.last = (text[h.start : h.end], h.payload)
            return self.last
        if self._in(sc.of("anaphor"), a, b, spans) and self.last:
            return self.last
        return None

    @staticmethod
    def phrase_before(folded: str, pos: int) -> int:
        cut = 0
        for m in _BOUNDARY.finditer(folded, 0, pos):
            if m.end() <= pos:
                cut = m.end()
        return cut

    @staticmethod
    def phrase_after(folded: str, pos: int) -> int:
        m = _BOUNDARY.search(folded, pos)
        end = m.start() if m else len(folded)
        words = list(_WORD.finditer(folded, pos, end))
        return words[7].end() if len(words) > 8 else end

    def speaker_of(self, sc: Scan, verb_hit, spans) -> tuple[str, str | None] | None:
        """Who speaks through one attribution verb: its subject clause, then the sentence's
        subject before an appositive, then (for verbs that allow inversion) the words after it."""
        folded, v = sc.folded, verb_hit.payload
        if v.verb.lower().startswith("according"):
            return self.resolve(sc, verb_hit.end, self.phrase_after(folded, verb_hit.end), verb_hit.end, spans)
        a = self.phrase_before(folded, verb_hit.start)
        who = self.resolve(sc, a, verb_hit.start, verb_hit.start, spans)
        if who is None and a > 0:
            # "Jane Doe, the ambassador to X, said": the subject sits before the appositive.
            who = self.resolve(sc, 0, verb_hit.start, verb_hit.start, spans)
        if who is None and not v.addressee_after:
            who = self.resolve(sc, verb_hit.end, self.phrase_after(folded, verb_hit.end), verb_hit.end, spans)
        return who


def sentence_voices(lex: Lexicon, scans: list[Scan], paragraphs: list[int] | None = None) -> list[Voice]:
    """Voice of each sentence of one article (scans in reading order; title first if any)."""
    names = learn_names(lex, scans)
    res = _Resolver(lex, names)
    out: list[Voice] = []
    open_quote = False
    prev_para = None
    prev_voice: Voice | None = None
    for i, sc in enumerate(scans):
        para = paragraphs[i] if paragraphs else None
        if para != prev_para:
            open_quote = False  # a quote left open at a paragraph end reopens with a new mark
        continues_quote = open_quote
        spans, open_quote = _quote_spans(sc.folded, open_quote)
        n = max(1, len(sc.folded.strip()))
        share = min(1.0, sum(e - s for s, e in spans) / n)
        names_spans = [(h.start, h.end) for k in ("camp", "subject", "actor") for h in sc.of(k)]

        speaker: tuple[str, str | None] | None = None
        distancing = 0.0
        attributed = False
        for h in sc.of("verb"):
            if any(s <= h.start < e for s, e in spans):
                continue  # a verb inside the quotation is the speaker's, not the attribution
            if any(s <= h.start < e for s, e in names_spans):
                continue  # "States" in "United States" is a name, not a verb
            who = res.speaker_of(sc, h, spans)
            if who is None and h.payload.needs_speaker:
                continue
            attributed = True
            distancing = max(distancing, h.payload.distancing)
            if who is not None and speaker is None:
                speaker = who
        if speaker is None:
            # A person introduced without a verb ("Pompeo flew to Ankara.") is who "he" means next.
            named = [h for h in sc.of("camp") if not any(a <= h.start < b for a, b in spans)]
            if named:
                res.last = (sc.text[named[0].start : named[0].end], named[0].payload)
        for h in sc.of("distance"):
            distancing = max(distancing, h.payload[1])
        if not attributed:
            short = [(s, e) for s, e in spans if len(_WORD.findall(sc.folded[s:e])) <= SCARE_QUOTE_WORDS]
            if short and share < QUOTE_SHARE:
                distancing = max(distancing, lex.scare_quote_distancing)
        if speaker is None and (continues_quote or (share >= QUOTE_SHARE and not attributed)):
            # The quotation goes on from the previous sentence, or a bare quote right after an
            # attributed sentence: same speaker.
            if prev_voice is not None and prev_voice.kind != OWN:
                speaker = (prev_voice.speaker or "", prev_voice.camp)
                attributed = True
        if share >= QUOTE_SHARE and (attributed or share >= 0.9):
            kind = QUOTE
        elif attributed:
            kind = ATTRIBUTED
        else:
            kind = OWN
        if kind == OWN:
            voice = Voice(OWN, None, None, round(distancing, 4), round(share, 4))
        else:
            camp = speaker[1] if speaker else None
            who = (speaker[0] or None) if speaker else None
            voice = Voice(kind, who, camp or lex.default_camp, round(distancing, 4), round(share, 4))
        out.append(voice)
        prev_voice = voice
        prev_para = para
    return out


def voice_shares(voices: list[Voice], lengths: list[int]) -> dict[str, float]:
    """Share of attributed text (quotes and paraphrase, by characters) per camp; {} if none."""
    totals: dict[str, float] = {}
    for v, n in zip(voices, lengths):
        if v.kind != OWN and v.camp:
            totals[v.camp] = totals.get(v.camp, 0.0) + n
    total = sum(totals.values())
    if not total:
        return {}
    return {c: round(x / total, 4) for c, x in sorted(totals.items())}
