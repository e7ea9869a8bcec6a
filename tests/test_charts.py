"""Figure builders: pure functions of a synthetic scored frame, checked without a browser."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly
import pytest
from scipy import stats

from chart_data import ACTORS, AXIS, CAMPS, EVENTS, FRAMES, context, scored_frame
from dashboard import theme
from dashboard.charts import CHARTS, ChartContext, build_figure
from dashboard.charts import actor_sentiment, frame_mix, framing_by_outlet, framing_over_time, voices

CHART_IDS = list(CHARTS)



def texts(fig: go.Figure) -> list[str]:
    return [a.text or "" for a in fig.layout.annotations]


def trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def test_registry_order_and_module_contract():
    assert len(set(CHARTS)) == len(CHARTS) == 5
    for chart_id, module in CHARTS.items():
        assert module.CHART_ID == chart_id
        assert module.TITLE and module.DESCRIPTION and "\n" not in module.DESCRIPTION
        assert callable(module.process_data) and callable(module.create_figure)


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_every_chart_has_title_footnote_and_readable_size(chart_id):
    ctx = context(filters_text="outlet: Alpha; label: neutral", version="v-42")
    spec = build_figure(chart_id, scored_frame(), ctx)
    assert json.loads(to_json_plotly(spec))["data"]  # the page sends the plain dict as it is
    fig = go.Figure(spec)  # and plotly accepts it as a valid figure
    assert CHARTS[chart_id].TITLE in fig.layout.title.text
    foot = [t for t in texts(fig) if "Filters:" in t]
    assert foot and "outlet: Alpha; label: neutral" in foot[0] and "v-42" in foot[0]
    assert 300 <= fig.layout.height <= 1200
    assert fig.layout.meta["analyser_version"] == "v-42"


@pytest.mark.parametrize("chart_id", CHART_IDS)
@pytest.mark.parametrize("frame", [lambda: scored_frame().iloc[0:0], lambda: pd.DataFrame()])
def test_empty_frame_gives_a_message_not_an_exception(chart_id, frame):
    module = CHARTS[chart_id]
    data = module.process_data(frame(), context())
    assert data.empty
    fig = go.Figure(module.create_figure(data, context()))
    assert any("no articles match" in t.lower() for t in texts(fig))
    assert len(fig.data) == 0


# ---------------------------------------------------------------- framing-by-outlet


def test_framing_by_outlet_points_means_intervals_and_n():
    df = scored_frame({"Alpha": 9, "Beta": 5, "Gamma": 1}, seed=3)
    ctx = context()
    fig = go.Figure(framing_by_outlet.create_figure(framing_by_outlet.process_data(df, ctx), ctx))
    assert fig.layout.xaxis.title.text == "← pro-North · framing · pro-South →"
    points = trace(fig, "article")
    assert sorted(points.customdata) == sorted(df["id"])  # every article clickable by its id
    by_id = df.set_index("id")
    assert np.allclose(list(points.x), [by_id.at[i, "framing"] for i in points.customdata])
    assert [list(s) for s in points.marker.colorscale] == [[0.0, "#117733"], [0.5, "#BBBBBB"], [1.0, "#AA3377"]]
    assert (points.marker.cmin, points.marker.cmax) == (-1, 1)

    means = df.groupby("outlet")["framing"].mean().sort_values()
    expected_order = list(means.index)
    ticks = list(fig.layout.yaxis.ticktext)
    counts = df["outlet"].value_counts()
    assert [t.split("  (")[0] for t in ticks] == expected_order  # sorted by mean
    for outlet, tick in zip(expected_order, ticks):
        assert f"n = {counts[outlet]}" in tick

    mean_trace = trace(fig, "outlet mean")
    assert np.allclose(list(mean_trace.x), means.to_numpy())

    ci = trace(fig, "95% interval")
    segments = {}
    xs, ys = list(ci.x), list(ci.y)
    for k in range(0, len(xs), 3):
        segments[expected_order[int(ys[k])]] = (xs[k], xs[k + 1])
    assert "Gamma" not in segments  # one article: no interval
    for outlet in ("Alpha", "Beta"):
        values = df.loc[df["outlet"] == outlet, "framing"]
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
        assert segments[outlet] == pytest.approx((max(low, -1), min(high, 1)), abs=1e-9)


def test_framing_by_outlet_hover_shows_title_date_score_and_escapes_html():
    df = scored_frame({"Alpha": 3}, seed=1)
    df.loc[0, "title"] = "<script>alert(1)</script> S-400"
    fig = go.Figure(build_figure("framing-by-outlet", df, context()))
    points = trace(fig, "article")
    at = list(points.customdata).index(df.loc[0, "id"])
    assert points.text[at] == "&lt;script&gt;alert(1)&lt;/script&gt; S-400"
    assert df.loc[0, "date"] in points.hovertext[at] and "Alpha" in points.hovertext[at]
    assert "%{text}" in points.hovertemplate and "%{x:+.2f}" in points.hovertemplate
    assert points.x[at] == pytest.approx(df.loc[0, "framing"])


def test_framing_by_outlet_limits_outlets_and_samples_dots_but_counts_all():
    spec = {f"Outlet {i:02d}": 2 for i in range(30)}
    spec["Big"] = framing_by_outlet.MAX_POINTS + 40
    df = scored_frame(spec, seed=5)
    data = framing_by_outlet.process_data(df, context())
    assert data["outlet"].nunique() == 25
    assert "25 outlets" in data.attrs["note"] and "of 31" in data.attrs["note"]
    big = data[data["outlet"] == "Big"]
    assert len(big) == spec["Big"] and big["plotted"].sum() == framing_by_outlet.MAX_POINTS
    assert big["outlet_mean"].iloc[0] == pytest.approx(df.loc[df["outlet"] == "Big", "framing"].mean())
    fig = go.Figure(framing_by_outlet.create_figure(data, context()))
    assert len(fig.layout.yaxis.ticktext) == 25
    assert any(f"n = {spec['Big']}" in t for t in fig.layout.yaxis.ticktext)
    assert any("25 outlets" in t for t in texts(fig))
    # the same articles are drawn when another filter leaves the outlet's rows as they were
    again = framing_by_outlet.process_data(df[df["outlet"] == "Big"], context())
    assert set(again.loc[again["plotted"], "id"]) == set(big.loc[big["plotted"], "id"])


def test_framing_by_outlet_drops_unscored_rows():
    df = scored_frame({"Alpha": 4})
    df.loc[1, "framing"] = np.nan
    data = framing_by_outlet.process_data(df, context())
    assert len(data) == 3 and data["outlet_n"].iloc[0] == 3


# ---------------------------------------------------------------- framing-over-time


def test_framing_over_time_monthly_means_sizes_and_unknown_dates():
    df = scored_frame({"Alpha": 10, "Beta": 6}, seed=2)
    df.loc[0, ["date", "date_precision", "date_start"]] = [None, "unknown", pd.NaT]
    df.loc[1, ["date", "date_precision", "date_start"]] = ["2019", "year", pd.Timestamp("2019-01-01")]
    ctx = context()
    data = framing_over_time.process_data(df, ctx)
    assert "2 articles without a day or month date excluded" in data.attrs["note"]
    dated = df.iloc[2:]
    expected = dated.groupby([dated["outlet"], dated["date_start"].dt.strftime("%Y-%m")])["framing"].agg(["mean", "size"])
    got = data.set_index(["outlet", "month"])
    assert len(got) == len(expected)
    for key, row in expected.iterrows():
        assert got.at[key, "mean_framing"] == pytest.approx(row["mean"])
        assert got.at[key, "n"] == row["size"]
    fig = go.Figure(framing_over_time.create_figure(data, ctx))
    assert fig.layout.yaxis.title.text == AXIS.title
    alpha = trace(fig, "Alpha")
    assert "lines" in alpha.mode and "markers" in alpha.mode
    sizes = dict(zip(alpha.customdata, alpha.marker.size))
    if len(sizes) > 1:  # bigger n, bigger marker
        assert sizes[max(sizes)] > sizes[min(sizes)]
    assert any("without a day or month date" in t for t in texts(fig))


def test_framing_over_time_marks_events_in_the_shown_period_only():
    df = scored_frame({"Alpha": 12}, seed=4)  # 2018-01 .. 2020-12
    ctx = ChartContext(axis=AXIS, events=[("2017-12", "Contract signed"), ("2019-07-12", "First delivery"),
                               ("2030-01-01", "Far future"), ("not a date", "Broken")],
                       filters_text="", analyser_version="v")
    fig = go.Figure(build_figure("framing-over-time", df, ctx))
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(pd.Timestamp(s.x0) for s in lines) == [pd.Timestamp("2017-12-01"), pd.Timestamp("2019-07-12")]
    assert all(s.yref == "paper" and s.x0 == s.x1 for s in lines)
    labels = [a.text for a in fig.layout.annotations if a.name == "event"]
    assert labels == ["Contract signed", "First delivery"]


def test_framing_over_time_pools_small_outlets():
    spec = {f"O{i}": 12 - i for i in range(11)}
    data = framing_over_time.process_data(scored_frame(spec), context())
    shown = list(dict.fromkeys(data["outlet"]))
    assert len(shown) == framing_over_time.MAX_LINES + 1 and shown[-1] == framing_over_time.OTHER
    assert shown[:8] == [f"O{i}" for i in range(8)]  # biggest first
    assert data.loc[data["outlet"] == framing_over_time.OTHER, "n"].sum() == spec["O8"] + spec["O9"] + spec["O10"]
    assert "3 smaller outlets pooled" in data.attrs["note"]


# ---------------------------------------------------------------- frame-mix and voices


def _mean_article_shares(df: pd.DataFrame, outlet: str, prefix: str, keys) -> dict[str, float]:
    part = df.loc[df["outlet"] == outlet, [f"{prefix}:{k}" for k in keys]].abs()
    part = part[part.sum(axis=1) > 0]
    return dict(zip(keys, (part.div(part.sum(axis=1), axis=0)).mean().to_numpy()))


def test_frame_mix_shares_sum_to_one_and_match_independent_computation():
    df = scored_frame({"Alpha": 8, "Beta": 5}, seed=7)
    ctx = context()
    data = frame_mix.process_data(df, ctx)
    assert set(data["frame"]) == set(FRAMES)
    assert data.groupby("outlet")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    expected = _mean_article_shares(df, "Alpha", "frame", list(FRAMES))
    got = data[data["outlet"] == "Alpha"].set_index("frame")["share"]
    for k in FRAMES:
        assert got[k] == pytest.approx(expected[k])
    fig = go.Figure(frame_mix.create_figure(data, ctx))
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == [theme.escape(v) for v in FRAMES.values()]
    assert all(t.orientation == "h" for t in fig.data)
    totals = np.sum([np.asarray(t.x, dtype=float) for t in fig.data], axis=0)
    assert totals == pytest.approx(np.ones(2))


def test_voices_skip_articles_without_attributed_text():
    df = scored_frame({"Alpha": 8}, seed=8)
    for k in CAMPS:
        df.loc[:2, f"voice:{k}"] = 0.0
    silent = int((df[[f"voice:{k}" for k in CAMPS]].sum(axis=1) == 0).sum())
    assert silent >= 3
    data = voices.process_data(df, context())
    assert f"{silent} articles with no attributed text not counted" in data.attrs["note"]
    assert data["n_articles"].iloc[0] == len(df) - silent
    assert data["share"].sum() == pytest.approx(1.0)
    expected = _mean_article_shares(df, "Alpha", "voice", list(CAMPS))
    assert data.set_index("voice")["share"].to_dict() == pytest.approx(expected)
    fig = go.Figure(voices.create_figure(data, context()))
    assert [t.name for t in fig.data] == list(CAMPS.values())
    assert f"n = {len(df) - silent}" in fig.data[0].y[0]


# ---------------------------------------------------------------- actor-sentiment


def test_actor_sentiment_heatmap_values_and_counts():
    df = scored_frame({"Alpha": 9, "Beta": 6}, seed=9)
    df.loc[df["outlet"] == "Beta", "sent:russia"] = np.nan  # Beta never mentions Russia
    ctx = context()
    data = actor_sentiment.process_data(df, ctx)
    assert not ((data["outlet"] == "Beta") & (data["actor"] == "russia")).any()
    fig = go.Figure(actor_sentiment.create_figure(data, ctx))
    heat = fig.data[0]
    assert heat.type == "heatmap" and heat.zmid == 0
    assert list(heat.x) == list(ACTORS.values())
    z = np.asarray(heat.z, dtype=float)
    rows = list(fig.layout.yaxis.ticktext)
    assert list(heat.y) == list(range(len(rows))) == list(fig.layout.yaxis.tickvals)
    for outlet in ("Alpha", "Beta"):
        for j, actor in enumerate(ACTORS):
            values = df.loc[df["outlet"] == outlet, f"sent:{actor}"].dropna()
            i = rows.index(outlet)
            if values.empty:
                assert math.isnan(z[i][j]) and heat.text[i][j] == ""
            else:
                assert z[i][j] == pytest.approx(values.mean())
                assert f"n = {len(values)}" in heat.text[i][j]
                assert f"{values.mean():+.2f}" in heat.text[i][j]
    # polarity is not the framing axis: it must not reuse the axis colours
    assert AXIS.positive.colour not in str(heat.colorscale) and AXIS.negative.colour not in str(heat.colorscale)


def test_outlet_order_is_the_same_in_every_per_outlet_chart():
    df = scored_frame({"Alpha": 7, "Beta": 7, "Gamma": 7, "Delta": 7}, seed=11)
    ctx = context()
    reference = [t.split("  (")[0] for t in build_figure("framing-by-outlet", df, ctx)["layout"]["yaxis"]["ticktext"]]
    for chart_id in ("frame-mix", "voices", "actor-sentiment"):
        data = CHARTS[chart_id].process_data(df, ctx)
        assert list(dict.fromkeys(data["outlet"])) == reference, chart_id


def test_context_from_lexicon_reads_attributes():
    class Lex:
        axis = AXIS
        frames = FRAMES
        camps = CAMPS
        actors = ACTORS
        events = [("2019-07-12", "First delivery")]

    ctx = ChartContext.from_lexicon(Lex(), "label: neutral", "v9")
    assert ctx.axis is AXIS and ctx.frames == FRAMES and ctx.events == [("2019-07-12", "First delivery")]
    assert ctx.filters_text == "label: neutral" and ctx.analyser_version == "v9"
    assert ctx.label("actor", "united_states") == "United States"
    assert ctx.label("camp", "unknown_camp") == "unknown camp"
    with pytest.raises(Exception):
        ctx.filters_text = "changed"  # frozen


def test_axis_colour_runs_between_the_story_colours():
    assert theme.axis_colour(AXIS, -1) == "rgb(17,119,51)"
    assert theme.axis_colour(AXIS, 0) == "rgb(187,187,187)"
    assert theme.axis_colour(AXIS, 1) == "rgb(170,51,119)"
    assert theme.axis_colour(AXIS, 5) == theme.axis_colour(AXIS, 1)
    assert EVENTS  # the shared fixture carries events for the time chart


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_categorical_outlets_with_filtered_out_categories(chart_id):
    df = scored_frame({"Alpha": 5, "Beta": 4}, seed=12)
    plain = CHARTS[chart_id].process_data(df, context())
    cat = df.assign(outlet=pd.Categorical(df["outlet"], categories=["Alpha", "Beta", "Zeta", "Omega"]))
    data = CHARTS[chart_id].process_data(cat, context())
    assert sorted(set(data["outlet"].astype(str))) == ["Alpha", "Beta"]
    assert len(data) == len(plain)
    assert go.Figure(CHARTS[chart_id].create_figure(data, context())).layout.height
