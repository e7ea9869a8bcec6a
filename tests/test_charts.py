"""Figure builders: pure functions of a synthetic scored frame, checked without a browser."""
from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly
import pytest
from scipy import stats

from analysis.axis import Axis, Pole
from chart_data import ACTORS, AXIS, CAMPS, EVENTS, FRAMES, context, scored_frame
from dashboard import theme
from dashboard.charts import CHARTS, ChartContext, build_figure
from dashboard.charts import actor_sentiment, frame_mix, framing_by_outlet, framing_over_time, voices
from dashboard.charts.common import MIN_N_INTERVAL, note_of

CHART_IDS = list(CHARTS)



def texts(fig: go.Figure) -> list[str]:
    return [a.text or "" for a in fig.layout.annotations]


def plot_px(fig: go.Figure) -> float:
    """Height of the plot area: the figure less its top and bottom margins."""
    return fig.layout.height - fig.layout.margin.t - fig.layout.margin.b


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
    assert 200 <= fig.layout.height <= 1200 and plot_px(fig) >= 56
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
    few = trace(fig, f"mean, too few articles for an interval (n < {MIN_N_INTERVAL})")
    drawn = dict(zip(list(mean_trace.y) + list(few.y), list(mean_trace.x) + list(few.x)))
    assert np.allclose([drawn[i] for i in range(len(expected_order))], means.to_numpy())
    assert [expected_order[int(i)] for i in few.y] == ["Gamma"]

    ci = trace(fig, "95% interval")
    segments = {}
    xs, ys = list(ci.x), list(ci.y)
    for k in range(0, len(xs), 3):
        segments[expected_order[int(ys[k])]] = (xs[k], xs[k + 1])
    assert "Gamma" not in segments  # one article: no interval
    for outlet in ("Alpha", "Beta"):  # 9 and 5 articles
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
    assert "25 of 31 outlets shown" in note_of(data)
    big = data[data["outlet"] == "Big"]
    assert len(big) == spec["Big"] and big["plotted"].sum() == framing_by_outlet.MAX_POINTS
    assert big["outlet_mean"].iloc[0] == pytest.approx(df.loc[df["outlet"] == "Big", "framing"].mean())
    fig = go.Figure(framing_by_outlet.create_figure(data, context()))
    assert len(fig.layout.yaxis.ticktext) == 25
    assert any(f"n = {spec['Big']}" in t for t in fig.layout.yaxis.ticktext)
    assert any("25 of 31 outlets shown" in t for t in texts(fig))
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
    assert "2 articles without a day or month date excluded" in note_of(data)
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
    badges = [a for a in fig.layout.annotations if a.name == "event"]
    assert [a.text for a in badges] == ["1", "2"]
    assert [a.hovertext for a in badges] == ["Dec 2017: Contract signed", "12 Jul 2019: First delivery"]
    key = [a.text for a in fig.layout.annotations if a.name == "key"]
    assert key == ["1  Dec 2017 · Contract signed<br>2  12 Jul 2019 · First delivery"]


def test_framing_over_time_pools_small_outlets():
    spec = {f"O{i}": 12 - i for i in range(11)}
    data = framing_over_time.process_data(scored_frame(spec), context())
    shown = list(dict.fromkeys(data["outlet"]))
    assert len(shown) == framing_over_time.MAX_LINES + 1 and shown[-1] == framing_over_time.OTHER
    assert shown[:8] == [f"O{i}" for i in range(8)]  # biggest first
    assert data.loc[data["outlet"] == framing_over_time.OTHER, "n"].sum() == spec["O8"] + spec["O9"] + spec["O10"]
    assert "3 smaller outlets pooled" in note_of(data)


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
    assert f"{silent} articles with no attributed text not counted" in note_of(data)
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
    assert not ctx.all_outlets and ChartContext.from_lexicon(Lex(), all_outlets=True).all_outlets
    assert ctx.width == theme.PAGE_WIDTH and ctx.show_title
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


# ---------------------------------------------------------------- layout that reads in every view

LONG_FRAMES = {f"frame_{i}": f"A long frame category name, number {i}" for i in range(8)}
FIVE = {"Christian Science Monitor": 17, "The Hill": 23, "Fox Online News": 27, "CNN (Web News)": 34, "USA TODAY": 21}
PER_OUTLET = ["framing-by-outlet", "frame-mix", "voices", "actor-sentiment"]


def long_frame_data(spec: dict[str, int], seed: int = 0) -> pd.DataFrame:
    df = scored_frame(spec, seed=seed)
    rng = np.random.default_rng(seed)
    for key in LONG_FRAMES:
        df[f"frame:{key}"] = rng.integers(0, 4, len(df)).astype(float)
    return df.drop(columns=[f"frame:{k}" for k in FRAMES])


@pytest.mark.parametrize("chart_id", PER_OUTLET)
def test_per_outlet_charts_name_every_outlet_and_never_squeeze_its_row(chart_id):
    ctx = replace(context(), frames=LONG_FRAMES)
    fig = go.Figure(build_figure(chart_id, long_frame_data(FIVE), ctx))
    ticks = [t.split("  (n = ")[0] for t in fig.layout.yaxis.ticktext]
    assert sorted(ticks) == sorted(FIVE) and fig.layout.yaxis.tickmode == "array"  # never thinned out
    assert len(fig.layout.yaxis.tickvals) == 5
    assert plot_px(fig) >= 5 * 26  # a row of at least 26 px: a bar (3/4 of it) at least 19 px thick


def test_bar_chart_legend_has_its_own_room_above_the_bars():
    ctx = replace(context(), frames=LONG_FRAMES)
    fig = go.Figure(build_figure("frame-mix", long_frame_data(FIVE), ctx))
    # Eight entries of 35+ characters: at 560 px no two fit side by side beside 200 px of labels.
    legend_top = fig.layout.margin.t - (fig.layout.legend.y - 1) * plot_px(fig)
    assert legend_top >= 8 * 19 and fig.layout.legend.yanchor == "bottom" and fig.layout.showlegend
    assert plot_px(fig) >= 5 * 26
    wide = go.Figure(build_figure("frame-mix", long_frame_data(FIVE), replace(ctx, width=1000)))
    assert wide.layout.margin.t < fig.layout.margin.t  # two columns of entries at 1000 px


def _months(fig) -> int:
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    return (hi.year - lo.year) * 12 + hi.month - lo.month


def test_time_axis_ticks_are_whole_months_or_years_never_times_of_day():
    one_month = scored_frame({"Alpha": 4}, seed=1).assign(date_precision="day",
                                                          date_start=pd.Timestamp("2019-07-15"))
    fig = go.Figure(build_figure("framing-over-time", one_month, context()))
    assert fig.layout.xaxis.range == ("2019-05-30", "2019-08-03")  # a month of room each side, and 2 days
    assert fig.layout.xaxis.dtick == "M1" and fig.layout.xaxis.tickformat == "%b %Y"
    years = scored_frame({"Alpha": 40}, seed=1)
    years["date_start"] = pd.date_range("2012-01-15", periods=40, freq="90D")
    fig = go.Figure(build_figure("framing-over-time", years, context()))
    step = int(fig.layout.xaxis.dtick[1:])
    assert fig.layout.xaxis.dtick.startswith("M") and step >= 12 and fig.layout.xaxis.tickformat == "%Y"
    assert _months(fig) / step <= theme.PAGE_WIDTH / 75  # at most one label per 75 px of a chart card
    wide = go.Figure(build_figure("framing-over-time", years, replace(context(), width=1000)))
    assert int(wide.layout.xaxis.dtick[1:]) <= step


def test_event_badges_never_overlap_nor_leave_the_plot_and_the_key_has_every_label():
    df = scored_frame({"Alpha": 12}, seed=4)  # 2018-01 .. 2020-12
    events = [("2019-06-06", "Pentagon deadline: drop the S-400 or leave the F-35 programme"),
              ("2019-07-12", "First S-400 parts land at Murted air base"),
              ("2019-07-17", "White House removes Turkey from the F-35 programme"),
              ("2019-07-20", "A third event the same week"), ("2018-02", "Early"), ("2010", "Long before")]
    fig = go.Figure(build_figure("framing-over-time", df, replace(context(), events=events)))
    badges = [a for a in fig.layout.annotations if a.name == "event"]
    assert [a.text for a in badges] == ["1", "2", "3", "4", "5"]  # by date, in the shown period only
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    plot_w = theme.PAGE_WIDTH - fig.layout.margin.l - fig.layout.margin.r
    px = [(pd.Timestamp(a.x) - lo) / (hi - lo) * plot_w for a in badges]
    assert all(0 <= x <= plot_w for x in px)
    for i in range(len(badges)):
        for j in range(i):
            if badges[i].yshift == badges[j].yshift:  # one lane: a badge is about 14 px wide
                assert abs(px[i] - px[j]) >= 18, (badges[i].text, badges[j].text)
    # every lane sits in the room above the plot, under the legend
    assert all(a.yref == "paper" and a.y == 1 and a.yanchor == "bottom" for a in badges)
    assert max(a.yshift for a in badges) + 18 <= (fig.layout.legend.y - 1) * plot_px(fig)
    key = next(a.text for a in fig.layout.annotations if a.name == "key")
    for when, label in events[:4]:
        assert label in key.replace("<br>", " ")
    assert "6 Jun 2019" in key and "Feb 2018" in key and "Long before" not in key
    assert badges[2].hovertext == "12 Jul 2019: First S-400 parts land at Murted air base"


def test_narrow_date_range_keeps_its_events_inside_the_axis():
    df = scored_frame({"Alpha": 3}, seed=4).assign(date_precision="day", date_start=pd.Timestamp("2019-07-20"))
    events = [("2019-06-06", "Deadline"), ("2019-07-12", "Delivery"), ("2019-07-14", "Removal"), ("2019-11-25", "Test")]
    fig = go.Figure(build_figure("framing-over-time", df, replace(context(), events=events)))
    badges = [a for a in fig.layout.annotations if a.name == "event"]
    assert [a.hovertext.split(": ")[1] for a in badges] == ["Deadline", "Delivery", "Removal"]  # Nov is outside
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert all(lo <= pd.Timestamp(a.x) <= hi for a in badges)
    assert badges[1].yshift != badges[2].yshift  # two days apart on a two-month axis: stacked


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_title_at_the_top_and_the_legend_under_it(chart_id):
    fig = go.Figure(build_figure(chart_id, scored_frame(FIVE), context()))
    title = fig.layout.title
    assert (title.yref, title.y, title.yanchor, title.xref, title.x) == ("container", 1, "top", "container", 0)
    if fig.layout.showlegend:
        legend = fig.layout.legend
        assert legend.yref in (None, "paper") and legend.y >= 1 and legend.yanchor == "bottom"
        # the legend's band starts under the title's and ends above the plot
        legend_top = fig.layout.margin.t - (legend.y - 1) * plot_px(fig)
        assert legend_top >= theme.TITLE_PX + 19
    untitled = go.Figure(build_figure(chart_id, scored_frame(FIVE), replace(context(), show_title=False)))
    assert not untitled.layout.title.text
    assert untitled.layout.margin.t == fig.layout.margin.t - theme.TITLE_PX + 8


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_footnote_wraps_within_the_figure_from_its_left_edge(chart_id):
    filters = "outlets: " + ", ".join(list(FIVE) * 2) + " · from 2018-01-01 to 2020-12-31 · label: neutral"
    count = {}
    for width in (theme.PAGE_WIDTH, 1000):
        fig = go.Figure(build_figure(chart_id, scored_frame(FIVE), replace(context(filters_text=filters), width=width)))
        foot = next(a for a in fig.layout.annotations if a.name == "footnote")
        assert foot.xref == "paper" and foot.x == 0 and foot.xanchor == "left"
        assert foot.xshift == 8 - fig.layout.margin.l  # starts 8 px from the figure's left edge
        lines = foot.text.split("<br>")
        assert " ".join(lines).replace("  ", " ").count(list(FIVE)[0]) == 2  # nothing lost
        # Arial or Helvetica at 10 px: about 5 px a character over English text (the SVG export test
        # measures the rendered box)
        assert all(8 + 5.2 * len(line) <= width for line in lines), max(lines, key=len)
        count[width] = len(lines)
    assert count[1000] < count[theme.PAGE_WIDTH]  # a wider figure's footnote uses the room


def test_lab_matches_reference_values_and_palette_avoids_the_pole_colours():
    reference = {"#FFFFFF": (100, 0, 0), "#FF0000": (53.24, 80.09, 67.20), "#00FF00": (87.73, -86.18, 83.18),
                 "#0000FF": (32.30, 79.19, -107.86)}
    assert theme.lab(list(reference)) == pytest.approx(np.array(list(reference.values())), abs=0.05)
    s400 = Axis(Pole("pro-Washington", "Washington", "#0072B2"), Pole("neutral", "", "#B8B8B8"),
                Pole("pro-Ankara", "Ankara", "#D55E00"))
    for axis in (AXIS, s400):
        colours = theme.category_colours([f"outlet {i}" for i in range(12)], axis)
        poles = theme.lab([axis.negative.colour, axis.positive.colour])
        used = theme.lab(sorted(set(colours.values())))
        assert np.linalg.norm(used[:, None] - poles[None], axis=2).min() >= theme.POLE_DISTANCE
        assert len(set(colours.values())) >= 8  # enough for every outlet line of the time chart
        first = theme.lab(list(colours.values())[:5])  # the first few: far apart, dark enough on white
        apart = np.linalg.norm(first[:, None] - first[None], axis=2) + np.eye(5) * 1000
        assert apart.min() >= 30 and first[:, 0].max() <= 75
    s400_colours = set(theme.category_colours(range(15), s400).values())
    assert not s400_colours & {"#0072B2", "#56B4E9", "#D55E00", "#E69F00"}  # the poles and their near twins


@pytest.mark.parametrize("chart_id", ["framing-over-time", "frame-mix", "voices"])
def test_category_colours_in_figures_are_not_pole_colours(chart_id):
    df = scored_frame({f"Outlet {i}": 3 for i in range(9)}, seed=2)
    fig = go.Figure(build_figure(chart_id, df, context()))
    colours = {t.line.color if chart_id == "framing-over-time" else t.marker.color for t in fig.data}
    colours.discard(theme.OTHER_COLOUR)
    colours |= set(fig.layout.colorway)  # plotly's default for a trace without a colour
    poles = theme.lab([AXIS.negative.colour, AXIS.positive.colour])
    assert np.linalg.norm(theme.lab(sorted(colours))[:, None] - poles[None], axis=2).min() >= theme.POLE_DISTANCE


def test_no_interval_below_the_minimum_n_and_the_mean_is_marked_too_few():
    df = scored_frame({"Two": 2, "Four": MIN_N_INTERVAL - 1, "Five": MIN_N_INTERVAL, "Twelve": 12}, seed=6)
    data = framing_by_outlet.process_data(df, context())
    per_outlet = data.drop_duplicates("outlet").set_index("outlet")
    assert per_outlet.loc[["Two", "Four"], "outlet_ci_low"].isna().all()  # the CSV has no interval either
    assert per_outlet.loc[["Five", "Twelve"], "outlet_ci_low"].notna().all()
    fig = go.Figure(framing_by_outlet.create_figure(data, context()))
    order = [t.split("  (")[0] for t in fig.layout.yaxis.ticktext]
    ci = trace(fig, "95% interval")
    assert sorted(order[int(y)] for y in ci.y if y is not None)[::2] == ["Five", "Twelve"]
    few = trace(fig, f"mean, too few articles for an interval (n < {MIN_N_INTERVAL})")
    assert sorted(order[int(y)] for y in few.y) == ["Four", "Two"]
    assert few.marker.symbol == "diamond-open" and few.showlegend is not False
    assert all("too few articles for an interval" in t for t in few.text)
    assert sorted(order[int(y)] for y in trace(fig, "outlet mean").y) == ["Five", "Twelve"]


@pytest.mark.parametrize("chart_id", PER_OUTLET)
def test_left_out_outlets_are_a_headline_and_all_outlets_shows_every_one(chart_id):
    spec = {f"Outlet {i:02d}": 2 + i % 4 for i in range(61)}
    df = scored_frame(spec, seed=3)
    fig = go.Figure(build_figure(chart_id, df, context()))
    head = [a for a in fig.layout.annotations if a.name == "headline"]
    assert head and "25 of 61 outlets shown — the ones with the most articles" in head[0].text.replace("<br>", " ")
    assert head[0].yref == "paper" and head[0].y == 1 and head[0].yanchor == "bottom"  # above the plot
    assert "<b>" in head[0].text and head[0].font.size >= 12
    assert len(fig.layout.yaxis.ticktext) == 25
    everything = go.Figure(build_figure(chart_id, df, replace(context(), all_outlets=True)))
    assert not [a for a in everything.layout.annotations if a.name == "headline"]
    assert sorted(t.split("  (n = ")[0] for t in everything.layout.yaxis.ticktext) == sorted(spec)
    assert plot_px(everything) >= 61 * 26 and everything.layout.height > fig.layout.height
    data = CHARTS[chart_id].process_data(df, replace(context(), all_outlets=True))
    assert data["outlet"].nunique() == 61 and not note_of(data).startswith("25 of")
