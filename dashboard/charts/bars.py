"""The stacked horizontal share bars used by `frame-mix` and `voices`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import add_note, ensure_columns, family_shares, note_of, outlet_order, top_outlets
from dashboard.charts.context import ChartContext


def share_rows(df: pd.DataFrame, prefix: str, labels: dict[str, str], what: str) -> pd.DataFrame:
    """Rows of a share chart in display order: outlets as in `outlet_order`, categories as in the data."""
    df = ensure_columns(df, ("outlet", "framing"), families=(prefix,))
    df, note = top_outlets(df)
    rows, without = family_shares(df, prefix, labels)
    order = {name: i for i, name in enumerate(outlet_order(df))}
    keys = {k: i for i, k in enumerate(dict.fromkeys(rows[prefix]))}
    rows = (rows.assign(_o=rows["outlet"].map(order), _k=rows[prefix].map(keys))
            .sort_values(["_o", "_k"]).drop(columns=["_o", "_k"]).reset_index(drop=True))
    extra = f"{without} article{'s' if without != 1 else ''} with no {what} not counted" if without else ""
    return add_note(rows, note, extra)


def stacked_share_figure(data: pd.DataFrame, ctx: ChartContext, title: str, prefix: str,
                         x_title: str, empty: str) -> dict:
    """One bar per outlet, one coloured segment per category; segments of a bar sum to 1."""
    if data.empty:
        return theme.empty_figure(ctx, title, message=empty, note=note_of(data))
    outlets = list(dict.fromkeys(data["outlet"]))
    keys = list(dict.fromkeys(data[prefix]))
    colours = theme.category_colours(keys)
    n = data.drop_duplicates("outlet").set_index("outlet")["n_articles"]
    ticks = [f"{theme.escape(o if len(o) <= 32 else o[:31] + '…')}  (n = {int(n[o])})" for o in outlets]
    # All segments at once: a (category × outlet) grid of shares, 0 where a pair has no row.
    grid = np.zeros((len(keys), len(outlets)))
    k_at = data[prefix].map({k: i for i, k in enumerate(keys)}).to_numpy()
    o_at = data["outlet"].map({o: i for i, o in enumerate(outlets)}).to_numpy()
    grid[k_at, o_at] = data["share"].astype("float64").fillna(0.0).to_numpy()
    named = data[data[f"{prefix}_label"].notna()].drop_duplicates(prefix).set_index(prefix)[f"{prefix}_label"]
    customdata = [[theme.escape(o), int(n[o])] for o in outlets]
    traces = []
    for key, share in zip(keys, grid):
        label = str(named[key]) if key in named.index else key
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
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", traceorder="normal"),
        xaxis=dict(title=dict(text=x_title), range=[0, 1], tickformat=".0%", dtick=0.25),
        yaxis=dict(categoryorder="array", categoryarray=ticks, autorange="reversed"),
    )
    height = max(340, 190 + theme.ROW_HEIGHT * len(outlets))
    return theme.finish(traces, layout, ctx, title, note_of(data), height=height)
