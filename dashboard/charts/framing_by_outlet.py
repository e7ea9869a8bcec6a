"""Each outlet's articles as points on the framing axis, with mean, 95% interval and n."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.charts.common import (add_note, ensure_columns, note_of, outlet_order, t_half_width,
                                     top_outlets)
from dashboard.charts.context import ChartContext

CHART_ID = "framing-by-outlet"
TITLE = "Framing by outlet"
DESCRIPTION = ("Every article is a dot on the pro-Washington ↔ pro-Ankara axis; the diamond is the "
               "outlet's mean with its 95% interval, n is the number of articles.")
MAX_POINTS = 300  # dots per outlet; mean and interval always use every article
COLUMNS = ["id", "outlet", "title", "date", "framing", "label", "confidence", "outlet_n",
           "outlet_mean", "outlet_ci_low", "outlet_ci_high", "plotted"]


def _hash_unit(ids: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per article id: same jitter and same sample under every filter."""
    hashed = pd.util.hash_array(ids.astype(str).to_numpy(dtype=object))
    return (hashed >> np.uint64(11)).astype("float64") / 2.0**53


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """One row per article behind the chart, with its outlet's n, mean and 95% t-interval."""
    df = ensure_columns(df, ("id", "outlet", "title", "date", "framing", "label", "confidence"))
    df = df[df["framing"].notna()]
    df, note = top_outlets(df)
    rows = df[["id", "outlet", "title", "date", "framing", "label", "confidence"]].copy()
    rows["framing"] = rows["framing"].astype("float64")
    if rows.empty:
        return add_note(pd.DataFrame(columns=COLUMNS), note)
    g = rows.groupby("outlet", sort=False, observed=True)["framing"]
    stats = g.agg(outlet_n="count", outlet_mean="mean")
    half = t_half_width(g.std(ddof=1).to_numpy(), stats["outlet_n"].to_numpy())
    stats["outlet_ci_low"] = stats["outlet_mean"] - half
    stats["outlet_ci_high"] = stats["outlet_mean"] + half
    rows = rows.join(stats, on="outlet")
    # Large outlets: plot a stable sample of dots (by article-id hash) so the page stays fast.
    rank = pd.Series(_hash_unit(rows["id"]), index=rows.index).groupby(rows["outlet"], observed=True).rank(method="first")
    rows["plotted"] = (rank <= MAX_POINTS).to_numpy()
    sampled = int((~rows["plotted"]).sum())
    order = {name: i for i, name in enumerate(outlet_order(rows))}
    rows = rows.assign(_o=rows["outlet"].map(order)).sort_values(["_o", "framing", "id"]).drop(columns="_o")
    rows = rows.reset_index(drop=True)[COLUMNS]
    extra = f"{sampled} articles not drawn as dots (at most {MAX_POINTS} per outlet) but counted" if sampled else ""
    return add_note(rows, note, extra)


def _escape_series(values: pd.Series) -> pd.Series:
    text = values.astype(object).fillna("").astype(str)
    return text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False)


def _tick(outlet: str, n: int) -> str:
    name = outlet if len(outlet) <= 32 else outlet[:31] + "…"
    return f"{theme.escape(name)}  (n = {n})"


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Jittered strip per outlet (colour = framing), mean diamond, 95% interval line, n in the label."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, note=note_of(data))
    outlets = data.drop_duplicates("outlet").set_index("outlet")
    order = sorted(outlets.index, key=lambda o: (outlets.at[o, "outlet_mean"], str(o)))
    pos = {name: i for i, name in enumerate(order)}
    dots = data[data["plotted"].astype(bool)]
    y = dots["outlet"].map(pos).to_numpy(dtype=float) + (_hash_unit(dots["id"]) - 0.5) * 0.5
    # Hover pieces built column-wise (thousands of points): title, then outlet · date · label.
    title = _escape_series(dots["title"])
    when = dots["date"].astype(object).where(dots["date"].notna() & (dots["date"].astype(str) != ""), "date unknown")
    detail = _escape_series(dots["outlet"]) + " · " + _escape_series(when) + " · " + _escape_series(dots["label"])
    traces = [dict(
        type="scatter", x=dots["framing"].to_numpy(dtype="float64"), y=y, mode="markers", name="article",
        customdata=dots["id"].astype(str).to_numpy(dtype=object), text=title.to_numpy(dtype=object),
        hovertext=detail.to_numpy(dtype=object),
        hovertemplate="<b>%{text}</b><br>%{hovertext}<br>framing %{x:+.2f}<extra></extra>",
        marker=dict(color=dots["framing"].to_numpy(dtype="float64"), colorscale=theme.AXIS_COLORSCALE,
                    cmin=-1, cmax=1, size=7, opacity=0.8, line=dict(width=0.5, color="#333333"), showscale=False),
    )]
    ci_x, ci_y = [], []
    for name in order:
        low, high = outlets.at[name, "outlet_ci_low"], outlets.at[name, "outlet_ci_high"]
        if pd.notna(low) and pd.notna(high):
            ci_x += [max(low, -1.0), min(high, 1.0), None]
            ci_y += [pos[name], pos[name], None]
    traces.append(dict(type="scatter", x=ci_x, y=ci_y, mode="lines", name="95% interval",
                       line=dict(color="#222222", width=3), hoverinfo="skip"))
    means = [float(outlets.at[o, "outlet_mean"]) for o in order]
    ns = [int(outlets.at[o, "outlet_n"]) for o in order]
    mean_hover = []
    for o, m, n in zip(order, means, ns):
        low, high = outlets.at[o, "outlet_ci_low"], outlets.at[o, "outlet_ci_high"]
        ci = f"95% interval {low:+.2f} … {high:+.2f}" if pd.notna(low) else "one article: no interval"
        mean_hover.append(f"<b>{theme.escape(o)}</b><br>mean {m:+.2f} · n = {n}<br>{ci}")
    traces.append(dict(
        type="scatter", x=means, y=list(range(len(order))), mode="markers", name="outlet mean",
        text=mean_hover, hovertemplate="%{text}<extra></extra>",
        marker=dict(symbol="diamond", size=13, color=[theme.axis_colour(m) for m in means],
                    line=dict(width=1.5, color="#111111")),
    ))
    layout = dict(
        shapes=theme.axis_bands("x"),
        xaxis=dict(title=dict(text=theme.AXIS_TITLE), range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                   zeroline=True, zerolinecolor="#888888", zerolinewidth=1),
        yaxis=dict(tickvals=list(range(len(order))), ticktext=[_tick(o, n) for o, n in zip(order, ns)],
                   range=[len(order) - 0.5, -0.5], showgrid=False, zeroline=False),
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), hovermode="closest",
    )
    height = max(360, 170 + theme.ROW_HEIGHT * len(order))
    return theme.finish(traces, layout, ctx, TITLE, note_of(data), height=height)
