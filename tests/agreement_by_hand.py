"""Nominal Krippendorff's α and Cohen's κ written out by hand, so that tests check the figures the
project shows against arithmetic, not against the libraries that compute them."""
from __future__ import annotations

from collections import Counter
from itertools import permutations


def nominal_alpha(units: list[list[str]]) -> float:
    """α = 1 − D_o / D_e from the coincidence matrix: each unit (the labels its coders gave)
    adds, for every ordered pair of its values from two different coders, 1 / (m_u − 1)."""
    coincidences: Counter = Counter()
    for values in units:
        if len(values) < 2:
            continue  # a unit coded once is not pairable
        for a, b in permutations(values, 2):
            coincidences[(a, b)] += 1 / (len(values) - 1)
    totals: Counter = Counter()
    for (a, _), o in coincidences.items():
        totals[a] += o
    n = sum(totals.values())
    observed = sum(o for (a, b), o in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n - 1)
    return 1 - observed / expected


def cohen_kappa(a: list[str], b: list[str]) -> float:
    """κ = (p_o − p_e) / (1 − p_e): observed agreement against the agreement the two coders'
    label shares would give by chance."""
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    share_a, share_b = Counter(a), Counter(b)
    p_e = sum(share_a[label] * share_b[label] for label in share_a) / n ** 2
    return (p_o - p_e) / (1 - p_e)
