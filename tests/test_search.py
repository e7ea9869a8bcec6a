"""Free-text search: the store's index answers exactly what a plain Python scan answers
(`q.lower() in title.lower() or q.lower() in text.lower()`), on texts written for this test, and
the dashboard's filters and views follow it."""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pytest

from analysis.models import Article
from analysis.pipeline import score_pending
from analysis.scoring import Analyser
from analysis.store import Store
from dashboard import service
from dashboard.data import Filters, build_dataset, filter_mask, load_dataset

TEXTS = [
    "Ankara says the S-400 deal is final.\nTürkiye will not back down, officials said.",
    "The F-35 programme moved on without Turkey; U.S. officials cited the Russian radar.",
    "Trade talks in New York stalled over tariffs and the steel quota.",
    "A trader in Istanbul said the lira fell after the sanctions news.",
    "Erdoğan met Putin in Sochi; the grain corridor was on the agenda.",
    "NATO's secretary-general (Stoltenberg) urged restraint — again.",
    "",
    "Patriot batteries: the offer that never came, don't forget it.",
    # case beyond ASCII, where the trigram tokenizer's own folding is not str.lower()
    "İSTANBUL'DA TOPLANTI: İncirlik üssü ŞİŞLİ'de konuşuldu.",
    "istanbul and incirlik in plain lower case; Şişli too.",
    "Ο ΥΠΟΥΡΓΟΣ ΕΞΩΤΕΡΙΚΩΝ είπε ότι η Τουρκία ΑΓΟΡΑΣΕ ΣΥΣΤΗΜΑ.",
    "ο υπουργος εξωτερικων σε πεζα, τελικο σιγμα σ.",
    "Die STRASSE zur Straße, GROẞE Pläne.",
    "ſanctions in an old typeface, µ-law and μ, Kelvin K.",
    # what an FTS5 query would read as syntax
    'He said "no deal" (again) - NEAR the end * AND OR NOT ^start: col:x {a b}.',
    "EU",
    "x",
    "a\x00b: a NUL inside",
]
TITLES = ["S-400 talks", "", "New York", "Lira", "Sochi", "NATO", "Empty text", "Patriot", "İSTANBUL", "istanbul",
          "ΣΥΣΤΗΜΑ", "σύστημα", "STRASSE", "Typefaces", 'The "quoted" title', "EU", "x", "nul"]
NEEDLES = [
    # words, parts of words, phrases with spaces and punctuation
    "trade", "rade", "s-400", "f-35", "türkiye", "erdoğan", "new york", "u.s.", "don't", "the", "ara sa", "said.",
    "patriot batteries", "zzz", "35", " — ", "(stoltenberg)", "\ntürkiye",
    # case beyond ASCII
    "İSTANBUL", "istanbul", "i̇stanbul", "İncirlik", "incirlik", "şişli", "ŞİŞLİ", "Ş", "ş",
    "ΣΥΣΤΗΜΑ", "συστημα", "συστημα.", "σύστημα", "υπουργος", "ΥΠΟΥΡΓΟΣ", "ς", "σ", "Σ", "ος ", "οσ ",
    "straße", "STRASSE", "strasse", "ß", "ẞ", "große", "ss",
    "sanctions", "ſanctions", "ſ", "µ-law", "μ", "µ", "k", "K", "kelvin k",
    # literal FTS5 syntax
    '"no deal"', '"', '""', "(again)", "- near", "near the end * and", "* and or not", "^start", "col:x", "{a b}",
    "NOT", "AND", "OR", "*",
    # short strings and special characters
    "eu", "EU", "x", "e", "ğ", "a", " ", "", "s", "ı", "\x00", "a\x00b", "z", "Z", "AA", "aa",
]


def scan(needle: str, titles=TITLES, texts=TEXTS) -> set[str]:
    """What the search means, by reading every title and text."""
    n = needle.lower()
    return {f"a{i}" for i, (title, text) in enumerate(zip(titles, texts)) if n in title.lower() or n in text.lower()}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("search") / "s.db") as store:
        store.add_articles([Article(id=f"a{i}", outlet="O", title=title, text=text)
                            for i, (title, text) in enumerate(zip(TITLES, TEXTS))])
        yield store


@pytest.mark.parametrize("needle", NEEDLES)
def test_search_agrees_with_a_python_scan(store, needle):
    assert set(store.search_ids(needle)) == scan(needle)


def test_the_cases_above_are_real_tests():
    """Each tricky case decides something: found in some texts and not in others."""
    for needle in ["istanbul", "i̇stanbul", "συστημα", "ς", "σ", "ß", "ſ", "s", "μ", "µ", "eu", "x", '"no deal"', "\x00"]:
        assert 0 < len(scan(needle)) < len(TEXTS), needle
    assert scan("İSTANBUL") != scan("istanbul")  # str.lower("İ") is "i" + a combining dot
    assert scan("υπουργος") and not scan("υπουργοσ")  # a final capital sigma lower-cases to "ς"


def test_the_tokenizers_own_case_folding_is_not_str_lower():
    """Why the index holds text as Python lower-cases it: SQLite's trigram tokenizer, left to fold
    case itself, answers differently from str.lower() (measured here; about 400 characters differ)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, text, tokenize='trigram')")
    conn.executemany("INSERT INTO t (rowid, title, text) VALUES (?, ?, ?)",
                     [(i, title, text) for i, (title, text) in enumerate(zip(TITLES, TEXTS))])
    differ = []
    for needle in ["şli", "υπουργοσ", "ſanctions", "μ-law", "sanctions", "istanbul"]:
        folded = {f"a{r[0]}" for r in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", ('"' + needle + '"',))}
        if folded != scan(needle):
            differ.append(needle)
    assert differ == ["şli", "υπουργοσ", "ſanctions", "μ-law", "sanctions"]


def test_many_random_texts_match_a_python_scan(tmp_path):
    rng = np.random.default_rng(3)
    words = np.array(["sanction", "Sanctions", "deal", "f-35", "jet", "Türkiye", "S-400", "no.", "a", "i", "İzmir",
                      "ΟΔΟΣ", "ſ", '"q"', "(x)", "*"])
    texts = [" ".join(rng.choice(words, rng.integers(0, 25))) for _ in range(1500)]
    titles = [" ".join(rng.choice(words, rng.integers(0, 4))) for _ in range(1500)]
    with Store(tmp_path / "r.db") as store:
        store.add_articles([Article(id=f"a{i}", outlet="O", title=t, text=x)
                            for i, (t, x) in enumerate(zip(titles, texts))])
        for needle in ["sanction", "sanctions deal", "f-35 jet", "türkiye", "s-4", "no. a", "a i", "ctions", "i̇z",
                       "izmir", "οδος", "οδοσ", "ς", "ſ", "s", '"q" (x)', "*", "a", "(", "zzz"]:
            assert set(store.search_ids(needle)) == scan(needle, titles, texts), needle


# ---------------------------------------------------------------- the dashboard


@pytest.fixture()
def dataset(store):
    """A snapshot of the store's articles as the dashboard holds it (no text: searches ask the store)."""
    frame = pd.DataFrame({"id": [f"a{i}" for i in range(len(TEXTS))], "outlet": "O", "title": TITLES,
                          "label": "neutral", "framing": 0.0, "date_start": pd.NaT})
    return build_dataset(frame, "v", db_path=str(store.path))


def test_dataset_search_mask_follows_the_store(dataset):
    for q in ["New York", "S-400", "u.s.", "İSTANBUL", "eu"]:
        assert set(dataset.frame["id"][filter_mask(dataset, Filters(q=q))]) == scan(q), q
    assert dataset.search_mask("New York") is dataset.search_mask("new york")  # memoised per snapshot and query
    with pytest.raises(ValueError, match="not read from a store"):
        build_dataset(dataset.frame, "v").search_mask("x")


def test_concurrent_first_searches_all_see_every_text(dataset):
    queries = ["trade", "s-400", "the", "sochi", "eu", "istanbul"] * 3
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda q: int(dataset.search_mask(q).sum()), queries))
    assert counts == [len(scan(q)) for q in queries]
    assert min(counts) >= 1


ARTICLES = [
    Article(id="n1", outlet="North Wire", title="Radar deal signed", date="2019-07-12", date_precision="day",
            text="Officials in Ankara said the S-400 radar deal was signed. The zephyrine sensors arrive in May."),
    Article(id="n2", outlet="North Wire", title="Talks resume", date="2019-08-01", date_precision="day",
            text='Negotiators met again. One said "no deal (yet)" after the meeting.'),
    Article(id="s1", outlet="South Post", title="İNCİRLİK ÜSSÜ", date="2019-09-03", date_precision="day",
            text="The base at İncirlik hosted the meeting; the EU sent observers."),
    Article(id="s2", outlet="South Post", title="Sanctions weighed", date="2020-01-15", date_precision="day",
            text="Lawmakers weighed sanctions over the purchase. Nobody mentioned the sensors."),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    db = tmp_path_factory.mktemp("views") / "framing.db"
    with Store(db) as store:
        store.add_articles(ARTICLES)
        score_pending(store, Analyser.load())
    return service.Config(db_path=str(db))


@pytest.mark.parametrize("q, expected", [
    ("zephyrine", {"n1"}),
    ('"no deal (yet)"', {"n2"}),
    ("İncirlik", {"s1"}),
    ("incirlik", set()),  # str.lower("İ") keeps a combining dot: not the same letters
    ("eu", {"s1"}),
    ("SENSORS", {"n1", "s2"}),
])
def test_views_and_the_table_follow_a_search(env, q, expected):
    query = "?" + urlencode({"q": q})
    rows = service.table_page(env, query, {"startRow": 0, "endRow": 50})
    assert {r["id"] for r in rows["rowData"]} == expected
    out = service.render_view(env, query)
    assert out["summary"].startswith(f"{len(expected)} of {len(ARTICLES)} articles")


def test_a_new_article_is_found_once_the_dashboard_reloads(env):
    with Store(env.db_path) as store:
        store.add_articles([Article(id="n3", outlet="North Wire", title="Late news", date="2020-02-01",
                                    date_precision="day", text="A quokka-shaped drone was seen near the base.")])
    load_dataset(env.db_path, env.lexicon_path, wait=True)  # the frame lists n3 once it is scored
    assert service.table_page(env, "?q=quokka", {"startRow": 0, "endRow": 50})["rowData"] == []
    with Store(env.db_path) as store:
        score_pending(store, Analyser.load())
    load_dataset(env.db_path, env.lexicon_path, wait=True)
    rows = service.table_page(env, "?q=quokka", {"startRow": 0, "endRow": 50})["rowData"]
    assert [r["id"] for r in rows] == ["n3"]
