"""Sentence splitting for news text, and the title / lead / body position of each sentence.

sentencex does the splitting (offline, knows most abbreviations); two small repairs on top:
a segment ending in a title abbreviation ("Gen.", "Lt. Col.") is glued to the next one, and a
segment holding two sentences joined by a lowercase word that sentencex took for an
abbreviation ("said no. Rep. Engel ...") is cut again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment

# Abbreviations that precede a name or a number, so a sentence never ends on them.
_TITLE_ABBREVIATIONS = {
    "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm", "cmdr", "rep", "reps", "sen", "sens",
    "gov", "pres", "mr", "mrs", "ms", "dr", "prof", "st", "rev", "hon", "amb", "gens",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos",
    "vs", "ft", "mt",
}
# Lowercase words that are abbreviations even though they look like words.
_LOWER_ABBREVIATIONS = {"vs", "etc", "approx", "cf", "al", "ca", "esp", "incl", "govt", "dept", "est", "fig"}
_END_ABBREV = re.compile(r"(?:^|[\s(])([A-Za-z]{1,5})\.\s*$")
# ". " after a plain lowercase word and before a capital (or opening quote) = a missed boundary.
_MISSED_BOUNDARY = re.compile(r"\b([a-z]{2,})([.!?])\s+(?=[A-Z\"“‘(])")
_TERMINAL = re.compile(r"[.!?…:;\"”’')\]]\s*$")
_WORD = re.compile(r"\w+")

LEAD_SENTENCES = 2


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article with where it stands.

    index: 0 = title, then body sentences in order; position: title | lead | body;
    rel: 0..1 place in the body (0 = first body sentence, 1 = last); paragraph: body paragraph
    number; fragment: a line without sentence punctuation (caption, link, dateline, tag list).
    """

    index: int
    text: str
    position: str
    rel: float = 0.0
    paragraph: int = 0
    fragment: bool = False


def _balanced_at(text: str, pos: int) -> bool:
    """True when no quotation or parenthesis is open at `pos` (so a cut there is safe)."""
    head = text[:pos]
    if head.count("(") > head.count(")"):
        return False
    if head.count('"') % 2:
        return False
    return head.count("“") <= head.count("”")


def _recut(seg: str) -> list[str]:
    out, start = [], 0
    for m in _MISSED_BOUNDARY.finditer(seg):
        if m.group(1) in _LOWER_ABBREVIATIONS:
            continue
        cut = m.end(2)
        if not _balanced_at(seg, cut):
            continue
        piece = seg[start:cut].strip()
        if piece:
            out.append(piece)
        start = cut
    rest = seg[start:].strip()
    if rest:
        out.append(rest)
    return out


def split_sentences(text: str) -> list[str]:
    """Split one paragraph (or any text without paragraph breaks) into sentences."""
    text = " ".join(text.split())
    if not text:
        return []
    merged: list[str] = []
    for seg in segment("en", text):
        seg = seg.strip()
        if not seg:
            continue
        if merged:
            m = _END_ABBREV.search(merged[-1])
            if m and m.group(1).lower() in _TITLE_ABBREVIATIONS and not (
                m.group(1).lower() in {"no", "nos"} and not seg[:1].isdigit()
            ):
                merged[-1] = f"{merged[-1]} {seg}"
                continue
        merged.append(seg)
    out: list[str] = []
    for seg in merged:
        out.extend(_recut(seg))
    return out


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a text: blank-line or line separated; hard-wrapped lines are re-joined."""
    paras: list[str] = []
    current = ""
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            if current:
                paras.append(current)
                current = ""
            continue
        # A wrapped line continues a sentence: previous line unfinished and this one lowercase.
        if current and not _TERMINAL.search(current) and line[:1].islower():
            current = f"{current} {line}"
        else:
            if current:
                paras.append(current)
            current = line
    if current:
        paras.append(current)
    return paras


def _is_fragment(sentence: str) -> bool:
    """A line that is not prose: no sentence punctuation at the end, or too short to be prose."""
    words = _WORD.findall(sentence)
    if len(words) < 4:
        return True
    return not _TERMINAL.search(sentence)


def _norm(s: str) -> str:
    return " ".join(_WORD.findall(s.lower()))


def article_sentences(title: str, text: str, lead: int = LEAD_SENTENCES) -> list[Sentence]:
    """Sentences of an article with their positions.

    The title (if any) is sentence 0. Body lines repeating the title are dropped (web captures
    often print it twice). The first `lead` body sentences that are prose, not fragments, are
    the lead; the rest is the body, with `rel` running from 0 to 1 across it.
    """
    out: list[tuple[str, int, bool]] = []
    title = " ".join((title or "").split())
    title_norm = _norm(title)
    for p_no, para in enumerate(paragraphs(text or "")):
        if title_norm and _norm(para) == title_norm:
            continue
        for s in split_sentences(para):
            out.append((s, p_no, _is_fragment(s)))
    sentences: list[Sentence] = []
    if title:
        sentences.append(Sentence(0, title, "title", 0.0, -1, False))
    # Without a title, index 0 is still reserved for it so that indices mean the same everywhere.
    n = len(out)
    lead_left = lead
    for i, (s, p_no, frag) in enumerate(out):
        rel = i / (n - 1) if n > 1 else 0.0
        pos = "body"
        if not frag and lead_left > 0:
            pos = "lead"
            lead_left -= 1
        sentences.append(Sentence(i + 1, s, pos, rel, p_no, frag))
    return sentences


def scored_sentences(article) -> list[Sentence]:
    """What the stance model reads of an article: its headline when the source gave one (never a
    title built from the address or the first sentence), then its prose sentences (no captions,
    link lists or tag lines)."""
    return [s for s in article_sentences(article.scored_title, article.text) if s.position == "title" or not s.fragment]
