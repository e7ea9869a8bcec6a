"""Filters, their address form, and search over a hand-made scored frame."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.lexicon import Lexicon
from dashboard.data import (Filters, article_of, build_dataset, filter_frame, filter_mask, outlet_names, outlet_options,
                            outlet_value, with_article)

LABELS = Lexicon.load().labels


@pytest.fixture()
def frame() -> pd.DataFrame:
    rows = [
        ("a1", "Sputnik", "Ankara buys the system", "The deal with Moscow is final.", "2017-09-12", 0.6, "pro-Ankara"),
        ("a2", "Sputnik", "Talks go on", "Officials met again in Moscow.", None, 0.1, "neutral"),
        ("a3", "Defense World", "Patriot offer returns", "Washington offers the PATRIOT battery.", "2018-07-17", -0.5, "pro-Washington"),
        ("a4", "Defense World", "Jets and sanctions", "Congress weighs CAATSA steps (a.k.a. sanctions).", "2019-07-17", -0.7, "pro-Washington"),
        ("a5", "EurAsian Times", "Regional view", "Analysts see the patriot question differently.", "2021-06", 0.0, "neutral"),
    ]
    df = pd.DataFrame(rows, columns=["id", "outlet", "title", "text", "date", "framing", "label"])
    df["date_start"] = pd.to_datetime(df["date"].where(df["date"].str.len() == 10, df["date"] + "-01"), errors="coerce")
    df["confidence"] = 0.5
    return df


def ids_of(df: pd.DataFrame) -> set[str]:
    return set(df["id"])


def test_no_filters_keeps_everything(frame):
    assert ids_of(filter_frame(frame, Filters())) == {"a1", "a2", "a3", "a4", "a5"}


def test_outlet_filter_multiple(frame):
    f = Filters(outlets=("Sputnik", "EurAsian Times"))
    assert ids_of(filter_frame(frame, f)) == {"a1", "a2", "a5"}


def test_date_range_excludes_undated_and_uses_first_day_of_partial_dates(frame):
    f = Filters(start="2018-01-01", end="2021-06-30")
    assert ids_of(filter_frame(frame, f)) == {"a3", "a4", "a5"}
    assert ids_of(filter_frame(frame, Filters(end="2018-07-17"))) == {"a1", "a3"}


def test_label_filter_and_all_labels_means_no_filter(frame):
    assert ids_of(filter_frame(frame, Filters(labels=("neutral",)))) == {"a2", "a5"}
    every = LABELS
    assert ids_of(filter_frame(frame, Filters(labels=every))) == ids_of(frame)
    assert Filters.from_query("?label=neutral&label=pro-Ankara&label=pro-Washington", LABELS).is_empty
    # ticking every one of the story's labels on the page is no label filter at all
    everything = Filters.from_controls(every, [], None, None, list(reversed(every)), "")
    assert everything.labels == () and everything.is_empty
    some = Filters.from_controls(every, [], None, None, ["pro-Ankara", "neutral"], "")
    assert some.labels == ("neutral", "pro-Ankara")  # in the story's order, whatever the click order


def test_search_is_case_insensitive_and_literal(frame):
    assert ids_of(filter_frame(frame, Filters(q="patriot"))) == {"a3", "a5"}
    assert ids_of(filter_frame(frame, Filters(q="MOSCOW"))) == {"a1", "a2"}
    # regex metacharacters are plain characters
    assert ids_of(filter_frame(frame, Filters(q="(a.k.a."))) == {"a4"}
    assert ids_of(filter_frame(frame, Filters(q="a.k.a.*"))) == set()
    # titles are searched too
    assert ids_of(filter_frame(frame, Filters(q="jets and"))) == {"a4"}


def test_filters_combine(frame):
    f = Filters(outlets=("Defense World",), start="2019-01-01", labels=("pro-Washington",), q="caatsa")
    assert ids_of(filter_frame(frame, f)) == {"a4"}


def test_query_round_trip():
    f = Filters(outlets=("Sputnik", "Defense World"), start="2018-01-01", end="2019-12-31",
                labels=("pro-Ankara",), q="patriot missiles")
    query = f.to_query()
    assert query.startswith("?outlet=Sputnik&outlet=Defense+World&start=2018-01-01")
    assert Filters.from_query(query, LABELS) == f
    assert Filters.from_query(query.lstrip("?"), LABELS) == f


def test_empty_filters_give_empty_query():
    assert Filters().to_query() == ""
    assert Filters.from_query("", LABELS) == Filters()
    assert Filters.from_query(None, LABELS) == Filters()


def test_hostile_or_broken_query_values_are_ignored():
    f = Filters.from_query("?start=not-a-date&end=2019-13-45&label=evil&label=neutral&q=" + "x" * 5000, LABELS)
    assert f.start is None and f.end is None
    assert f.labels == ("neutral",)
    assert len(f.q) == 200
    scripted = Filters.from_query("?outlet=%3Cscript%3Ealert(1)%3C%2Fscript%3E", LABELS)
    assert scripted.outlets == ("<script>alert(1)</script>",)
    assert Filters.from_query(scripted.to_query(), LABELS) == scripted


def test_describe_names_every_filter():
    text = Filters(outlets=("Sputnik",), start="2018-01-01", labels=("neutral",), q="s-400").describe()
    for part in ("Sputnik", "2018-01-01", "neutral", "s-400"):
        assert part in text
    assert Filters().describe() == "all articles"


def test_outlet_options_carry_counts(frame):
    options = outlet_options(build_dataset(frame, "v1"))
    assert {outlet_names([o["value"]])[0]: o["label"] for o in options} == {
        "Defense World": "Defense World (2)",
        "EurAsian Times": "EurAsian Times (1)",
        "Sputnik": "Sputnik (2)",
    }


def test_search_on_a_large_frame_matches_a_python_scan():
    rng = np.random.default_rng(0)
    words = np.array(["patriot", "missile", "ankara", "washington", "deal", "jet", "Sanction", "talks"])
    n = 3000
    texts = [" ".join(rng.choice(words, 30)) for _ in range(n)]
    df = pd.DataFrame({"id": [f"x{i}" for i in range(n)], "outlet": "O", "title": "t", "text": texts,
                       "label": "neutral", "framing": 0.0, "date_start": pd.NaT})
    ds = build_dataset(df, "v")
    got = set(ds.frame["id"][filter_mask(ds, Filters(q="sanction deal"))])
    want = {f"x{i}" for i, t in enumerate(texts) if "sanction deal" in t.lower()}
    assert got == want and 0 < len(want) < n


def test_outlet_options_add_the_wanted_outlets_the_store_lacks(frame):
    options = outlet_options(build_dataset(frame, "v1"), ("Sputnik", "Nowhere Times"))
    assert [o["value"] for o in options].count(outlet_value("Sputnik")) == 1
    assert options[-1] == {"label": "Nowhere Times (0)", "value": outlet_value("Nowhere Times")}


@pytest.mark.parametrize("name", ["__proto__", "constructor", "A __PROTO__ b", "outlet:x", "Ça m'intéresse"])
def test_outlet_values_hold_no_word_a_javascript_object_could_trip_on(name):
    """dcc.Dropdown indexes every word of an option's label and value in plain objects: an
    outlet called "__proto__" must not reach them as a word (see dashboard/data.py)."""
    value = outlet_value(name)
    assert outlet_names([value]) == (name,)
    option = outlet_options(build_dataset(pd.DataFrame({"id": ["a"], "outlet": [name], "title": ["t"], "text": ["x"],
                                                         "label": ["neutral"], "framing": [0.0],
                                                         "date_start": [pd.NaT]}), "v"))[0]
    words = set(re.split(r"[\s:()]+", (option["label"] + " " + option["value"]).lower()))
    assert "__proto__" not in words  # ("constructor" only reaches a function's properties: harmless)
    assert outlet_names(["outlet:zz", "Sputnik", 5, None]) == ()  # crafted values are ignored


def test_core_switch_keeps_the_core_thread_and_round_trips(frame):
    frame["core"] = [1.0, 0.0, 1.0, 0.0, 0.0]
    core = Filters(core=True)
    assert ids_of(filter_frame(frame, core)) == {"a1", "a3"}
    assert core.to_query() == "?scope=core" and Filters.from_query("?scope=core", LABELS) == core
    assert "core story only" in core.describe()
    assert build_dataset(frame, "v").core_count == 2
    assert build_dataset(frame.drop(columns="core"), "v").core_count is None  # a story without a core thread


def test_the_open_article_rides_along_with_the_filters():
    query = Filters(outlets=("Sputnik",)).to_query()
    linked = with_article(query, "a&b=1")
    assert article_of(linked) == "a&b=1" and Filters.from_query(linked, LABELS) == Filters(outlets=("Sputnik",))
    assert with_article("", "x") == "?article=x" and with_article(query, None) == query
    assert article_of("?outlet=Sputnik") is None
