"""Each outlet's articles as points on the framing axis, with mean, 95% interval and n."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import (MIN_N_INTERVAL, add_note, ensure_columns, factorize, footnote_of, headline_of,
                                     label_room, ordered_by_mean, outlet_tick, t_half_width, top_outlets)
from dashboard.charts.context import ChartContext

CHART_ID = "framing-by-outlet"
TITLE = "Framing by outlet"
DESCRIPTION = ("Every article is a dot on the story's framing axis; the diamond is the "
               f"outlet's mean with its 95% interval (from {MIN_N_INTERVAL} articles on), n is the number of articles.")
MAX_POINTS = 200  # dots per outlet; mean and interval always use every article
COLUMNS = ["id", "outlet", "title", "date", "framing", "label", "confidence", "outlet_n",
           "outlet_mean", "outlet_ci_low", "outlet_ci_high", "plotted"]


def _hash_unit(ids: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per article id: an article's dot keeps its jitter under every filter."""
    # categorize=False: ids are unique, so factorising before hashing only costs (same hashes).
    hashed = pd.util.hash_array(ids.astype(str).to_numpy(dtype=object), categorize=False)
    return (hashed >> np.uint64(11)).astype("float64") / 2.0**53


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """One row per article behind the chart, with its outlet's n, mean and 95% t-interval (empty
    below MIN_N_INTERVAL articles)."""
    df = ensure_columns(df, ("id", "outlet", "title", "date", "framing", "label", "confidence"))
    known = df["framing"].notna().to_numpy()
    if not known.all():
        df = df[known]
    df, headline = top_outlets(df, ctx)
    if df.empty:
        return add_note(pd.DataFrame(columns=COLUMNS), headline=headline)
    framing = df["framing"].to_numpy(dtype="float64")
    # One factorisation of the outlet column serves the statistics, the sample and the order.
    codes, names = factorize(df["outlet"])
    g = pd.Series(framing).groupby(codes, sort=True)
    n = g.count().to_numpy()
    mean = g.mean().to_numpy()
    half = t_half_width(g.std(ddof=1).to_numpy(), n)
    by_mean = ordered_by_mean(pd.Series(mean, index=names))
    place = pd.Series(np.arange(len(by_mean)), index=by_mean).reindex(names).to_numpy()
    # Outlets in chart order, then by framing; ties keep the input's order (np.lexsort is stable).
    take = np.lexsort((framing, place[codes]))
    c = codes[take]
    # Large outlets: dots for MAX_POINTS articles evenly spaced through the outlet's framing order
    # (a quantile sample: the strip keeps the distribution's shape and both extremes, the page
    # stays fast, and the same rows always give the same dots).
    plotted = np.ones(len(take), dtype=bool)
    group_start = np.concatenate(([0], np.flatnonzero(c[1:] != c[:-1]) + 1))
    for start, size in zip(group_start, n[c[group_start]]):
        if size > MAX_POINTS:
            plotted[start:start + size] = False
            plotted[start + np.arange(MAX_POINTS) * size // MAX_POINTS] = True
    sampled = int((~plotted).sum())
    rows = df[["id", "outlet", "title", "date", "label", "confidence"]].iloc[take].reset_index(drop=True)
    rows = rows.assign(framing=framing[take], outlet_n=n[c], outlet_mean=mean[c], outlet_ci_low=(mean - half)[c],
                       outlet_ci_high=(mean + half)[c], plotted=plotted)[COLUMNS]
    extra = f"{sampled} articles not drawn as dots (at most {MAX_POINTS} per outlet) but counted" if sampled else ""
    return add_note(rows, extra, headline=headline)


def _escaped(values: pd.Series) -> list[str]:
    """Escaped text of each value ("" for a missing one), as a list (hover text of many points)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # outlets, labels: escape each category once
        names = theme.escape_all([str(c) for c in values.cat.categories]) + [""]  # code -1: missing
        return np.asarray(names, dtype=object)[values.cat.codes.to_numpy()].tolist()
    return theme.escape_all(["" if v is None or v != v else str(v) for v in values.tolist()])


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Jittered strip per outlet (colour = framing), mean diamond, 95% interval line, n in the label;
    an outlet with too few articles for an interval gets an open diamond marked "too few"."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, note=footnote_of(data))
    outlets = data.drop_duplicates("outlet")
    names = outlets["outlet"].astype(object).tolist()
    means_all = outlets["outlet_mean"].to_numpy(dtype="float64")
    order_idx = sorted(range(len(names)), key=lambda i: (means_all[i], str(names[i])))
    order = [names[i] for i in order_idx]
    means = means_all[order_idx]
    ns = outlets["outlet_n"].to_numpy()[order_idx].astype(int).tolist()
    lows = outlets["outlet_ci_low"].to_numpy(dtype="float64")[order_idx]
    highs = outlets["outlet_ci_high"].to_numpy(dtype="float64")[order_idx]
    pos = {name: i for i, name in enumerate(order)}
    dots = data[data["plotted"].astype(bool).to_numpy()]
    codes, outlet_names = factorize(dots["outlet"])
    row_of = np.array([pos[name] for name in outlet_names], dtype=float)
    y = row_of[codes] + (_hash_unit(dots["id"]) - 0.5) * 0.5
    # Hover pieces built column-wise (thousands of points): title, then outlet · date · label.
    outlet_text = theme.escape_all([str(o) for o in outlet_names])
    detail = [f"{outlet_text[c]} · {w or 'date unknown'} · {lab}"
              for c, w, lab in zip(codes.tolist(), _escaped(dots["date"]), _escaped(dots["label"]))]
    framing = dots["framing"].to_numpy(dtype="float64")
    traces = [dict(
        type="scatter", x=framing, y=y, mode="markers", name="article",
        customdata=[str(i) for i in dots["id"].tolist()], text=_escaped(dots["title"]), hovertext=detail,
        hovertemplate="<b>%{text}</b><br>%{hovertext}<br>framing %{x:+.2f}<extra></extra>",
        marker=dict(color=framing, colorscale=theme.axis_colorscale(ctx.axis),
                    cmin=-1, cmax=1, size=7, opacity=0.8, line=dict(width=0.5, color="#333333"), showscale=False),
    )]
    ci_x, ci_y = [], []
    for i, (low, high) in enumerate(zip(lows, highs)):
        if not (np.isnan(low) or np.isnan(high)):
            ci_x += [max(low, -1.0), min(high, 1.0), None]
            ci_y += [i, i, None]
    if ci_x:
        traces.append(dict(type="scatter", x=ci_x, y=ci_y, mode="lines", name="95% interval",
                           line=dict(color="#222222", width=3), hoverinfo="skip"))
    enough = np.asarray(ns) >= MIN_N_INTERVAL
    too_few = f"too few articles for an interval (n < {MIN_N_INTERVAL})"
    mean_hover = []
    for o, m, n, low, high in zip(order, means, ns, lows, highs):
        ci = f"95% interval {low:+.2f} … {high:+.2f}" if not np.isnan(low) else too_few
        mean_hover.append(f"<b>{theme.escape(o)}</b><br>mean {m:+.2f} · n = {n}<br>{ci}")
    shown = np.flatnonzero(enough)
    if len(shown):  # filled in the framing colour
        traces.append(dict(
            type="scatter", x=means[shown].tolist(), y=shown.tolist(), mode="markers", name="outlet mean",
            text=[mean_hover[i] for i in shown], hovertemplate="%{text}<extra></extra>",
            marker=dict(symbol="diamond", size=13, color=[theme.axis_colour(ctx.axis, means[i]) for i in shown],
                        line=dict(width=1.5, color="#111111")),
        ))
    few = np.flatnonzero(~enough)
    if len(few):  # open and dark: no interval to trust, nor a colour to read
        traces.append(dict(
            type="scatter", x=means[few].tolist(), y=few.tolist(), mode="markers", name=f"mean, {too_few}",
            text=[mean_hover[i] for i in few], hovertemplate="%{text}<extra></extra>",
            marker=dict(symbol="diamond-open", size=12, color="#111111", line=dict(width=2)),
        ))
    ticks = [outlet_tick(o, n) for o, n in zip(order, ns)]
    layout = dict(
        shapes=theme.axis_bands(ctx.axis, "x"),
        xaxis=dict(title=dict(text=theme.escape(ctx.axis.title)), range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                   zeroline=True, zerolinecolor="#888888", zerolinewidth=1),
        yaxis=dict(tickmode="array", tickvals=list(range(len(order))), ticktext=ticks,
                   range=[len(order) - 0.5, -0.5], showgrid=False, zeroline=False),
        hovermode="closest",
    )
    return theme.finish(traces, layout, ctx, TITLE, footnote_of(data), left=label_room(ticks),
                        plot_height=max(theme.ROW_HEIGHT * len(order), 120), legend=[t["name"] for t in traces],
                        headline=headline_of(data))
