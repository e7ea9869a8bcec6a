"""The token index answers exactly what a substring scan answers, on texts written for this test."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dashboard.data import Filters, build_dataset, filter_mask
from dashboard.search import TokenIndex, scan

TEXTS = [
    "Ankara says the S-400 deal is final.\nTürkiye will not back down, officials said.",
    "The F-35 programme moved on without Turkey; U.S. officials cited the Russian radar.",
    "Trade talks in New York stalled over tariffs and the steel quota.",
    "A trader in Istanbul said the lira fell after the sanctions news.",
    "Erdoğan met Putin in Sochi; the grain corridor was on the agenda.",
    "NATO's secretary-general (Stoltenberg) urged restraint — again.",
    "",
    "Patriot batteries: the offer that never came, don't forget it.",
]
NEEDLES = ["trade", "rade", "s-400", "f-35", "türkiye", "erdoğan", "new york", "u.s.", "don't", "the",
           "a", "-", " — ", "(stoltenberg)", "patriot batteries", "zzz", "35", "\nTürkiye".lower(),
           "ara sa", "said.", "ğ"]


@pytest.fixture(scope="module")
def haystack():
    return pa.array([t.lower() for t in TEXTS], pa.large_string())


@pytest.mark.parametrize("needle", NEEDLES)
def test_index_agrees_with_a_scan_and_with_python(haystack, needle):
    index = TokenIndex.build(haystack)
    got = index.search(needle)
    assert got.tolist() == scan(haystack, needle).tolist()
    assert got.tolist() == [needle in t.lower() for t in TEXTS]


def test_index_of_many_random_texts_matches_python():
    rng = np.random.default_rng(3)
    words = np.array(["sanction", "sanctions", "deal", "f-35", "jet", "Türkiye", "s-400", "no.", "a", "i"])
    texts = [" ".join(rng.choice(words, rng.integers(0, 25))) for _ in range(5000)]  # > one build chunk
    hay = pa.array([t.lower() for t in texts], pa.large_string())
    index = TokenIndex.build(hay)
    for needle in ["sanction", "sanctions deal", "f-35 jet", "türkiye", "s-4", "no. a", "a i", "ctions"]:
        assert index.search(needle).tolist() == [needle in t.lower() for t in texts], needle


def test_dataset_uses_the_index_once_built_with_the_same_answers():
    df = pd.DataFrame({"id": [f"a{i}" for i in range(len(TEXTS))], "outlet": "O", "title": "T",
                       "text": TEXTS, "label": "neutral", "framing": 0.0, "date_start": pd.NaT})
    before = build_dataset(df, "v")
    scanned = {q: set(before.frame["id"][filter_mask(before, Filters(q=q))]) for q in ("New York", "S-400", "u.s.")}
    after = build_dataset(df, "v")
    after.warm()
    assert after.wait_for_index(timeout=30)
    for q, ids in scanned.items():
        assert set(after.frame["id"][filter_mask(after, Filters(q=q))]) == ids and ids, q


def test_a_string_found_in_too_many_tokens_is_checked_text_by_text(haystack, monkeypatch):
    monkeypatch.setattr("dashboard.search.MAX_TOKENS", 2)  # "e" is in more tokens than that
    index = TokenIndex.build(haystack)
    assert index.tokens_containing("e") is None
    assert index.search("e").tolist() == ["e" in t.lower() for t in TEXTS]
    assert not all("e" in t.lower() for t in TEXTS)  # the empty text: a real check, not all True


def test_concurrent_first_searches_all_see_every_text():
    from concurrent.futures import ThreadPoolExecutor

    df = pd.DataFrame({"id": [f"a{i}" for i in range(len(TEXTS))], "outlet": "O", "title": "T",
                       "text": TEXTS, "label": "neutral", "framing": 0.0, "date_start": pd.NaT})
    ds = build_dataset(df, "v")
    ds.warm()  # the background build races the searches below
    queries = ["trade", "s-400", "the", "sochi"] * 3
    with ThreadPoolExecutor(4) as pool:
        masks = list(pool.map(lambda q: int(ds.search_mask(q).sum()), queries))
    assert masks == [sum(q in t.lower() for t in TEXTS) for q in queries]
    assert min(masks) >= 1
