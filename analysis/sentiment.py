"""Sentiment toward each actor group: TextBlob polarity and subjectivity of the sentences that
mention the group, averaged per article. The only module that touches TextBlob.

Sentiment is reported beside the framing score, not folded into it: defiant pro-Ankara prose
reads as negative, so polarity is not stance.
"""
from __future__ import annotations

from functools import cache

from analysis.lexicon import Lexicon, Scan


@cache
def _pattern_analyser():
    """TextBlob's pattern analyser, imported on first use: textblob pulls in nltk, which costs
    seconds at start-up in processes (the dashboard) that never score an article."""
    from textblob.en import sentiment  # what TextBlob(text).sentiment calls

    return sentiment


def sentence_sentiment(text: str) -> tuple[float, float]:
    """(polarity, subjectivity) of one sentence, identical to `TextBlob(text).sentiment`.

    Calls TextBlob's pattern analyser directly: building a TextBlob and a namedtuple per
    sentence costs more than the analysis of a short sentence.
    """
    polarity, subjectivity = _pattern_analyser()(text)
    return float(polarity), float(subjectivity)


def text_sentiment(text: str) -> tuple[float, float]:
    """TextBlob sentiment of a whole text (the benchmark's bare pass)."""
    from textblob import TextBlob

    s = TextBlob(text).sentiment
    return float(s.polarity), float(s.subjectivity)


def actor_sentiment(
    lex: Lexicon, sentences: list[str], scans: list[Scan] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """Per actor group: mean polarity and mean subjectivity of the sentences mentioning it.

    Groups never mentioned are absent. Each sentence is analysed once, whatever the number of
    groups it mentions; sentences that mention no group are never analysed.
    """
    if scans is None:
        scans = [lex.scan(s) for s in sentences]
    sums: dict[str, list[float]] = {}
    for text, sc in zip(sentences, scans):
        groups = {h.payload for h in sc.of("actor")}
        if not groups:
            continue
        pol, subj = sentence_sentiment(text)
        for g in groups:
            acc = sums.setdefault(g, [0.0, 0.0, 0])
            acc[0] += pol
            acc[1] += subj
            acc[2] += 1
    polarity = {g: round(a[0] / a[2], 4) for g, a in sorted(sums.items())}
    subjectivity = {g: round(a[1] / a[2], 4) for g, a in sorted(sums.items())}
    return polarity, subjectivity
