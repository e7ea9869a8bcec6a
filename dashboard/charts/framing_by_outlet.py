"""Each outlet's articles as points on the framing axis, with mean, 95% interval and n."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import (add_note, ensure_columns, factorize, note_of, ordered_by_mean, t_half_width,
                                     top_outlets)
from dashboard.charts.context import ChartContext

CHART_ID = "framing-by-outlet"
TITLE = "Framing by outlet"
DESCRIPTION = ("Every article is a dot on the story's framing axis; the diamond is the "
               "outlet's mean with its 95% interval, n is the number of articles.")
MAX_POINTS = 200  # dots per outlet; mean and interval always use every article
COLUMNS = ["id", "outlet", "title", "date", "framing", "label", "confidence", "outlet_n",
           "outlet_mean", "outlet_ci_low", "outlet_ci_high", "plotted"]


def _hash_unit(ids: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per article id: an article's dot keeps its jitter under every filter."""
    # categorize=False: ids are unique, so factorising before hashing only costs (same hashes).
    hashed = pd.util.hash_array(ids.astype(str).to_numpy(dtype=object), categorize=False)
    return (hashed >> np.uint64(11)).astype("float64") / 2.0**53


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """One row per article behind the chart, with its outlet's n, mean and 95% t-interval."""
    df = ensure_columns(df, ("id", "outlet", "title", "date", "framing", "label", "confidence"))
    known = df["framing"].notna().to_numpy()
    if not known.all():
        df = df[known]
    df, note = top_outlets(df)
    if df.empty:
        return add_note(pd.DataFrame(columns=COLUMNS), note)
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
    return add_note(rows, note, extra)


def _escaped(values: pd.Series) -> list[str]:
    """Escaped text of each value ("" for a missing one), as a list (hover text of many points)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # outlets, labels: escape each category once
        names = theme.escape_all([str(c) for c in values.cat.categories]) + [""]  # code -1: missing
        return np.asarray(names, dtype=object)[values.cat.codes.to_numpy()].tolist()
    return theme.escape_all(["" if v is None or v != v else str(v) for v in values.tolist()])


def _tick(outlet: str, n: int) -> str:
    name = outlet if len(outlet) <= 32 else outlet[:31] + "…"
    return f"{theme.escape(name)}  (n = {n})"


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Jittered strip per outlet (colour = framing), mean diamond, 95% interval line, n in the label."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, note=note_of(data))
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
    traces.append(dict(type="scatter", x=ci_x, y=ci_y, mode="lines", name="95% interval",
                       line=dict(color="#222222", width=3), hoverinfo="skip"))
    mean_hover = []
    for o, m, n, low, high in zip(order, means, ns, lows, highs):
        ci = f"95% interval {low:+.2f} … {high:+.2f}" if not np.isnan(low) else "one article: no interval"
        mean_hover.append(f"<b>{theme.escape(o)}</b><br>mean {m:+.2f} · n = {n}<br>{ci}")
    traces.append(dict(
        type="scatter", x=[float(m) for m in means], y=list(range(len(order))), mode="markers", name="outlet mean",
        text=mean_hover, hovertemplate="%{text}<extra></extra>",
        marker=dict(symbol="diamond", size=13, color=[theme.axis_colour(ctx.axis, m) for m in means],
                    line=dict(width=1.5, color="#111111")),
    ))
    layout = dict(
        shapes=theme.axis_bands(ctx.axis, "x"),
        xaxis=dict(title=dict(text=theme.escape(ctx.axis.title)), range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                   zeroline=True, zerolinecolor="#888888", zerolinewidth=1),
        yaxis=dict(tickvals=list(range(len(order))), ticktext=[_tick(o, n) for o, n in zip(order, ns)],
                   range=[len(order) - 0.5, -0.5], showgrid=False, zeroline=False),
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), hovermode="closest",
    )
    height = max(360, 170 + theme.ROW_HEIGHT * len(order))
    return theme.finish(traces, layout, ctx, TITLE, note_of(data), height=height)
