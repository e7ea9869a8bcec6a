"""The stacked horizontal share bars used by `frame-mix` and `voices`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import (add_note, ensure_columns, family_shares, footnote_of, headline_of, label_room,
                                     outlet_order, outlet_tick, top_outlets)
from dashboard.charts.context import ChartContext


def share_rows(df: pd.DataFrame, ctx: ChartContext, prefix: str, labels: dict[str, str], what: str) -> pd.DataFrame:
    """Rows of a share chart in display order: outlets as in `outlet_order`, categories as in the data."""
    df = ensure_columns(df, ("outlet", "framing"), families=(prefix,))
    df, headline = top_outlets(df, ctx)
    rows, without = family_shares(df, prefix, labels)
    # A few hundred rows at most: ordering them in Python beats pandas' per-call overhead.
    order = {name: i for i, name in enumerate(outlet_order(df))}
    outlets, cats = rows["outlet"].tolist(), rows[prefix].tolist()
    keys = {k: i for i, k in enumerate(dict.fromkeys(cats))}
    place = sorted(range(len(rows)), key=lambda i: (order[outlets[i]], keys[cats[i]]))
    rows = rows.iloc[place].reset_index(drop=True)
    extra = f"{without} article{'s' if without != 1 else ''} with no {what} not counted" if without else ""
    return add_note(rows, extra, headline=headline)


def stacked_share_figure(data: pd.DataFrame, ctx: ChartContext, title: str, prefix: str,
                         x_title: str, empty: str) -> dict:
    """One bar per outlet (every outlet named, each bar ROW_HEIGHT * 3/4 px thick, the figure as
    tall as that takes), one coloured segment per category; segments of a bar sum to 1."""
    if data.empty:
        return theme.empty_figure(ctx, title, message=empty, note=footnote_of(data))
    cols = data.to_dict("list")  # one row per outlet × category: plain lists are cheapest here
    outlets = list(dict.fromkeys(cols["outlet"]))
    keys = list(dict.fromkeys(cols[prefix]))
    colours = theme.category_colours(keys, ctx.axis)
    o_at = {o: i for i, o in enumerate(outlets)}
    k_at = {k: i for i, k in enumerate(keys)}
    n: dict = {}
    named: dict = {}
    # All segments at once: a (category × outlet) grid of shares, 0 where a pair has no row.
    grid = np.zeros((len(keys), len(outlets)))
    for o, k, label, share, count in zip(cols["outlet"], cols[prefix], cols[f"{prefix}_label"], cols["share"],
                                         cols["n_articles"]):
        n.setdefault(o, int(count))
        if isinstance(label, str):
            named.setdefault(k, label)
        grid[k_at[k], o_at[o]] = 0.0 if share is None or share != share else float(share)
    ticks = [outlet_tick(o, n[o]) for o in outlets]
    customdata = [[theme.escape(o), n[o]] for o in outlets]
    traces, names = [], []
    for key, share in zip(keys, grid):
        label = named.get(key, key)
        names.append(theme.escape(label))
        traces.append(dict(
            type="bar", x=share, y=ticks, orientation="h", name=theme.escape(label),
            marker=dict(color=colours[key], line=dict(width=0.5, color="#ffffff")),
            text=[f"{s:.0%}" if s >= 0.08 else "" for s in share], textposition="inside",
            insidetextanchor="middle", textfont=dict(size=11),
            customdata=customdata,
            hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{theme.escape(label)}: %{{x:.1%}}"
                           "<br>n = %{customdata[1]} articles<extra></extra>"),
        ))
    layout = dict(
        barmode="stack", bargap=0.25, hovermode="closest",
        legend=dict(traceorder="normal"),
        xaxis=dict(title=dict(text=x_title), range=[0, 1], tickformat=".0%", dtick=0.25),
        # Every outlet named: tick labels from the array, never thinned out by plotly.
        yaxis=dict(categoryorder="array", categoryarray=ticks, autorange="reversed", tickmode="array",
                   tickvals=ticks, ticktext=ticks),
    )
    return theme.finish(traces, layout, ctx, title, footnote_of(data), plot_height=theme.ROW_HEIGHT * len(outlets),
                        left=label_room(ticks), legend=names, headline=headline_of(data))
