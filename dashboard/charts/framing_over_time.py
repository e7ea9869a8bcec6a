"""Monthly mean framing per outlet, with the story's key events marked."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import add_note, ensure_columns, factorize, note_of, parse_partial_date
from dashboard.charts.context import ChartContext

CHART_ID = "framing-over-time"
TITLE = "Framing over time"
DESCRIPTION = ("Monthly mean framing per outlet (marker size = number of articles), with the "
               "story's key events as dotted lines.")
MAX_LINES = 8  # outlets drawn as their own line; the rest are pooled as OTHER
OTHER = "other outlets"
COLUMNS = ["outlet", "month", "n", "mean_framing"]
EVENT_LABEL = 26  # characters of an event label shown on the chart (full text on hover)


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """One row per (outlet, month): number of articles and their mean framing.

    Articles without a day or month date are left out (a year alone cannot be placed in a
    month); the note says how many.
    """
    df = ensure_columns(df, ("outlet", "framing", "date_precision", "date_start"))
    known = df["framing"].notna().to_numpy()
    start = pd.to_datetime(df["date_start"], errors="coerce").to_numpy(dtype="datetime64[ns]")
    coarse = df["date_precision"].isin(["year", "unknown"]).to_numpy(dtype=bool)
    precise = known & ~np.isnat(start) & ~coarse
    undated = int((known & ~precise).sum())
    codes, names = factorize(df["outlet"], None if precise.all() else precise)
    counts = np.bincount(codes, minlength=len(names))
    ranked = sorted((i for i in range(len(names)) if counts[i] > 0), key=lambda i: (-counts[i], str(names[i])))
    keep = ranked[:MAX_LINES]
    pooled = len(ranked) - len(keep)
    line = np.full(len(names), len(keep))  # each outlet's line: its rank, or the pooled line last
    line[keep] = np.arange(len(keep))
    month = start[precise].astype("datetime64[M]")
    rows = (pd.DataFrame({"line": line[codes], "month": month.astype("int64"), "framing": df["framing"].to_numpy(
        dtype="float64", na_value=np.nan)[precise]}).groupby(["line", "month"], sort=True)["framing"]
            .agg(n="count", mean_framing="mean").reset_index())
    labels = np.asarray(list(names[keep]) + [OTHER], dtype=object)
    rows = pd.DataFrame({
        "outlet": labels[rows["line"].to_numpy()],
        "month": np.datetime_as_string(rows["month"].to_numpy().astype("datetime64[M]"), unit="M").astype(object),
        "n": rows["n"].to_numpy(dtype="int64"),
        "mean_framing": rows["mean_framing"].to_numpy(dtype="float64"),
    })[COLUMNS]
    notes = []
    if undated:
        notes.append(f"{undated} article{'s' if undated != 1 else ''} without a day or month date excluded")
    if pooled:
        notes.append(f"{pooled} smaller outlets pooled as “{OTHER}”")
    return add_note(rows, *notes)


def _events_in(ctx: ChartContext, first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[pd.Timestamp, str]]:
    """Events inside the shown period (one month of slack each side)."""
    lo, hi = first - pd.DateOffset(months=1), last + pd.DateOffset(months=1, days=27)
    out = []
    for when, label in ctx.events:
        ts = parse_partial_date(when)
        if ts is not None and lo <= ts <= hi:
            out.append((ts, str(label)))
    return sorted(out)


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Lines per outlet of monthly mean framing; markers sized by n; events as vertical lines."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, message=f"{theme.EMPTY_MESSAGE} with a day or month date",
                                  note=note_of(data))
    months = pd.to_datetime(data["month"], format="%Y-%m")
    names = list(dict.fromkeys(data["outlet"]))
    colours = theme.category_colours([n for n in names if n != OTHER])
    colours[OTHER] = theme.OTHER_COLOUR
    # Marker size compares outlets; the pooled rest would dwarf them, so it is sized on its own.
    own = data.loc[data["outlet"] != OTHER, "n"]
    biggest = max(int(own.max()) if len(own) else 1, 1)
    traces, shapes, notes = [], theme.axis_bands(ctx.axis, "y"), []
    days = months.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    ns = data["n"].to_numpy(dtype="int64")
    means = data["mean_framing"].to_numpy(dtype="float64")
    at = data.groupby(data["outlet"].astype(object).to_numpy(), sort=False).indices
    for name in sorted(names, key=lambda n: n != OTHER):  # pooled line first, i.e. underneath
        rows = at[name]
        n = ns[rows].tolist()
        sizes = [5.0] * len(n) if name == OTHER else [6 + 16 * min(k / biggest, 1) ** 0.5 for k in n]
        traces.append(dict(
            type="scatter", x=days[rows].tolist(), y=means[rows],
            mode="lines+markers", name=theme.escape(name),
            line=dict(color=colours[name], width=2, dash="dot" if name == OTHER else "solid"),
            marker=dict(size=sizes, color=colours[name], line=dict(width=1, color="#ffffff")),
            customdata=n,
            hovertemplate=(f"<b>{theme.escape(name)}</b><br>%{{x|%B %Y}}<br>"
                           "mean framing %{y:+.2f}<br>n = %{customdata}<extra></extra>"),
        ))
    level, previous = 0, None
    for ts, label in _events_in(ctx, months.min(), months.max()):
        # Events close together get their labels at alternating heights so they stay readable.
        level = (level + 1) % 3 if previous is not None and (ts - previous).days < 120 else 0
        previous = ts
        short = label if len(label) <= EVENT_LABEL else label[:EVENT_LABEL - 1] + "…"
        day = ts.strftime("%Y-%m-%d")
        shapes.append(dict(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
                           line=dict(color="#444444", width=1, dash="dot"), name=f"event: {label}"))
        notes.append(dict(x=day, y=0.99 - 0.33 * level, xref="x", yref="paper", text=theme.escape(short),
                          hovertext=theme.escape(f"{ts:%d %b %Y}: {label}"), showarrow=False,
                          textangle=-90, xanchor="right", yanchor="top", xshift=-1,
                          font=dict(size=10, color="#333333"), name="event"))
    layout = dict(
        shapes=shapes, annotations=notes,
        yaxis=dict(title=dict(text=theme.escape(ctx.axis.title)), range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                   zeroline=True, zerolinecolor="#888888"),
        xaxis=dict(title=dict(text="month of publication"), showgrid=False, type="date"),
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), hovermode="closest",
    )
    return theme.finish(traces, layout, ctx, TITLE, note_of(data), height=540, top=120)
