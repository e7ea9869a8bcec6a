"""Minimal pairs (eval/probes.jsonl): the same text with one deliberate change (a verdict
flipped, a negation, a rebuttal, a quote endorsed or disowned, the actors swapped, a neutral
version); the text that favours Ankara more must score higher. Written and checked by people who
never saw the method; never trained or tuned on."""
from __future__ import annotations

from collections import Counter

import pytest

from analysis.evaluation.sets import probes
from analysis.scoring import Analyser

# What analyser 2.0.0 reaches (33 of 54); the goal is every pair.
FLOOR = 33


@pytest.fixture(scope="module")
def ordered():
    pairs = probes()
    scores = Analyser.load().score_many([a for p in pairs for a in (p.more_positive, p.less_positive)])
    return pairs, [scores[2 * i].framing > scores[2 * i + 1].framing for i in range(len(pairs))]


def test_probe_file_covers_every_kind():
    kinds = Counter(p.kind for p in probes())
    assert set(kinds) == {"verdict_flip", "negation", "rebuttal", "quote_vs_endorse", "actor_swap", "neutral_vs_polar"}
    assert min(kinds.values()) >= 6


def test_probe_pairs_do_not_fall_below_the_measured_floor(ordered):
    pairs, ok = ordered
    assert sum(ok) >= FLOOR, [p.id for p, good in zip(pairs, ok) if not good]


@pytest.mark.xfail(strict=True, reason="goal not met by analyser 2.0.0: 33 of 54 pairs ordered (README)")
def test_every_probe_pair_is_ordered_right(ordered):
    pairs, ok = ordered
    assert all(ok), [p.id for p, good in zip(pairs, ok) if not good]
