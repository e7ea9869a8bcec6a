"""Each outlet's articles as points on the framing axis, with mean, 95% interval and n."""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.charts.common import (add_note, ensure_columns, note_of, outlet_order, t_interval,
                                     top_outlets)
from dashboard.charts.context import ChartContext

CHART_ID = "framing-by-outlet"
TITLE = "Framing by outlet"
DESCRIPTION = ("Every article is a dot on the pro-Washington ↔ pro-Ankara axis; the diamond is the "
               "outlet's mean with its 95% interval, n is the number of articles.")
MAX_POINTS = 300  # dots per outlet; mean and interval always use every article
COLUMNS = ["id", "outlet", "title", "date", "framing", "label", "confidence", "outlet_n",
           "outlet_mean", "outlet_ci_low", "outlet_ci_high", "plotted"]


def _hash_unit(article_id) -> float:
    """A stable number in [0, 1) per article: same jitter and same sample under every filter."""
    return zlib.crc32(str(article_id).encode("utf-8")) / 2**32


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """One row per article behind the chart, with its outlet's n, mean and 95% t-interval."""
    df = ensure_columns(df)
    df = df[df["framing"].notna()]
    df, note = top_outlets(df)
    rows = df[["id", "outlet", "title", "date", "framing", "label", "confidence"]].copy()
    rows["framing"] = rows["framing"].astype("float64")
    if rows.empty:
        return add_note(pd.DataFrame(columns=COLUMNS), note)
    summary = {}
    for outlet, group in rows.groupby("outlet", sort=False):
        mean, low, high = t_interval(group["framing"])
        summary[outlet] = (len(group), mean, low, high)
    stats = pd.DataFrame.from_dict(summary, orient="index",
                                   columns=["outlet_n", "outlet_mean", "outlet_ci_low", "outlet_ci_high"])
    rows = rows.join(stats, on="outlet")
    # Large outlets: plot a stable sample of dots (by article-id hash) so the page stays fast.
    rank = rows["id"].map(_hash_unit).groupby(rows["outlet"]).rank(method="first")
    rows["plotted"] = (rank <= MAX_POINTS).to_numpy()
    sampled = int((~rows["plotted"]).sum())
    order = {name: i for i, name in enumerate(outlet_order(rows))}
    rows = rows.assign(_o=rows["outlet"].map(order)).sort_values(["_o", "framing", "id"]).drop(columns="_o")
    rows = rows.reset_index(drop=True)[COLUMNS]
    extra = f"{sampled} articles not drawn as dots (at most {MAX_POINTS} per outlet) but counted" if sampled else ""
    return add_note(rows, note, extra)


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
    y = dots["outlet"].map(pos).to_numpy(dtype=float) + (dots["id"].map(_hash_unit).to_numpy() - 0.5) * 0.5
    hover = [
        f"<b>{theme.escape(t)}</b><br>{theme.escape(o)} · {theme.escape(d if isinstance(d, str) and d else 'date unknown')}"
        f"<br>framing {f:+.2f} ({theme.escape(lb)})"
        for t, o, d, f, lb in zip(dots["title"], dots["outlet"], dots["date"], dots["framing"], dots["label"])
    ]
    fig = go.Figure()
    theme.axis_bands(fig, "x")
    fig.add_trace(go.Scatter(
        x=dots["framing"], y=y, mode="markers", name="article",
        customdata=dots["id"].astype(str).tolist(), text=hover, hovertemplate="%{text}<extra></extra>",
        marker=dict(color=dots["framing"], colorscale=theme.AXIS_COLORSCALE, cmin=-1, cmax=1, size=7,
                    opacity=0.8, line=dict(width=0.5, color="#333333"), showscale=False),
    ))
    ci_x, ci_y = [], []
    for name in order:
        low, high = outlets.at[name, "outlet_ci_low"], outlets.at[name, "outlet_ci_high"]
        if pd.notna(low) and pd.notna(high):
            ci_x += [max(low, -1.0), min(high, 1.0), None]
            ci_y += [pos[name], pos[name], None]
    fig.add_trace(go.Scatter(x=ci_x, y=ci_y, mode="lines", name="95% interval",
                             line=dict(color="#222222", width=3), hoverinfo="skip"))
    means = [outlets.at[o, "outlet_mean"] for o in order]
    ns = [int(outlets.at[o, "outlet_n"]) for o in order]
    mean_hover = []
    for o, m, n in zip(order, means, ns):
        low, high = outlets.at[o, "outlet_ci_low"], outlets.at[o, "outlet_ci_high"]
        ci = f"95% interval {low:+.2f} … {high:+.2f}" if pd.notna(low) else "one article: no interval"
        mean_hover.append(f"<b>{theme.escape(o)}</b><br>mean {m:+.2f} · n = {n}<br>{ci}")
    fig.add_trace(go.Scatter(
        x=means, y=list(range(len(order))), mode="markers", name="outlet mean",
        text=mean_hover, hovertemplate="%{text}<extra></extra>",
        marker=dict(symbol="diamond", size=13, color=[theme.axis_colour(m) for m in means],
                    line=dict(width=1.5, color="#111111")),
    ))
    fig.update_xaxes(title_text=theme.AXIS_TITLE, range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                     zeroline=True, zerolinecolor="#888888", zerolinewidth=1)
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=[_tick(o, n) for o, n in zip(order, ns)],
                     range=[len(order) - 0.5, -0.5], showgrid=False, zeroline=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), hovermode="closest")
    height = max(360, 170 + theme.ROW_HEIGHT * len(order))
    return theme.finish(fig, ctx, TITLE, note_of(data), height=height, bottom=50)
