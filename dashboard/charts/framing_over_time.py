"""Monthly mean framing per outlet, with the story's key events marked."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import add_note, ensure_columns, factorize, footnote_of, parse_partial_date
from dashboard.charts.context import ChartContext

CHART_ID = "framing-over-time"
TITLE = "Framing over time"
DESCRIPTION = ("Monthly mean framing per outlet (marker size = number of articles), with the "
               "story's key events as numbered dotted lines (key under the chart).")
MAX_LINES = 8  # outlets drawn as their own line; the rest are pooled as OTHER
OTHER = "other outlets"
COLUMNS = ["outlet", "month", "n", "mean_framing"]
PLOT_PX = 320  # height of the plot area
LEFT = 72  # px left of the plot: the y-axis title and its tick labels
TICK_PX = 75  # px per x-axis label at most ("Jan 2019" is about 55)
BADGE_PX = 20  # px between two event badges in one lane (a badge is about 14 wide)
LANE_PX = 18  # height of a lane of event badges
EDGE_DAYS = pd.Timedelta(days=2)  # beyond the first and last month: plotly drops a tick on the range's end


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


@dataclass(frozen=True)
class Event:
    """One of the story's events inside the shown period, as the chart marks it."""

    number: int  # its badge, counted in date order within the shown period
    day: pd.Timestamp
    when: str  # its date as precise as the story file gives it ("12 Jul 2019", "Dec 2017", "2019")
    label: str
    lane: int  # 0 = the row of badges nearest the plot


def _events_in(ctx: ChartContext, lo: pd.Timestamp, hi: pd.Timestamp, plot_px: float) -> list[Event]:
    """The story's events from `lo` to `hi`, numbered by date; a badge goes to the lowest lane where
    it keeps BADGE_PX from the badge before it at `plot_px` wide, so no two overlap."""
    found = []
    for when, label in ctx.events:
        ts = parse_partial_date(when)
        if ts is not None and lo <= ts <= hi:
            text = str(when).strip()
            shown = f"{ts.day} {ts:%b %Y}" if len(text) >= 10 else f"{ts:%b %Y}" if len(text) >= 7 else f"{ts:%Y}"
            found.append((ts, shown, str(label)))
    events, ends = [], []  # ends[lane]: x (px) of the last badge in that lane
    for number, (ts, shown, label) in enumerate(sorted(found, key=lambda e: e[0]), start=1):
        x = (ts - lo) / (hi - lo) * plot_px
        lane = next((i for i, end in enumerate(ends) if x - end >= BADGE_PX), len(ends))
        ends[lane:lane + 1] = [x]
        events.append(Event(number, ts, shown, label, lane))
    return events


def time_ticks(lo: pd.Timestamp, hi: pd.Timestamp, plot_px: float) -> dict:
    """x-axis tick settings for monthly points from `lo` to `hi`: whole months, quarters, half
    years or years apart (at most one label per TICK_PX), labelled "Jan 2019" or "2019"."""
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    room = max(int(plot_px // TICK_PX), 2)
    step = next((k for k in (1, 2, 3, 6, 12, 24, 60, 120) if months / k <= room), 240)
    return dict(tick0="2000-01-01", dtick=f"M{step}", tickformat="%b %Y" if step < 12 else "%Y")


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Lines per outlet of monthly mean framing (markers sized by n) over whole-month ticks; the
    story's events in the period as dotted lines with numbered badges above the plot (full text
    on hover and in the key under the chart)."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, message=f"{theme.EMPTY_MESSAGE} with a day or month date",
                                  note=footnote_of(data))
    months = pd.to_datetime(data["month"], format="%Y-%m")
    names = list(dict.fromkeys(data["outlet"]))
    colours = theme.category_colours([n for n in names if n != OTHER], ctx.axis)
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
    # One month of room each side: every point and every event shown sits inside the axis.
    lo, hi = months.min() - pd.DateOffset(months=1), months.max() + pd.DateOffset(months=1)
    plot_px = ctx.width - LEFT - theme.RIGHT_PX
    events = _events_in(ctx, lo, hi, plot_px)
    for event in events:
        day = event.day.strftime("%Y-%m-%d")
        shapes.append(dict(type="line", xref="x", yref="paper", x0=day, x1=day, y0=0, y1=1,
                           line=dict(color="#444444", width=1, dash="dot"), name=f"event {event.number}"))
        notes.append(dict(x=day, y=1, xref="x", yref="paper", yanchor="bottom", yshift=2 + LANE_PX * event.lane,
                          text=str(event.number), hovertext=theme.escape(f"{event.when}: {event.label}"),
                          showarrow=False, font=dict(size=10, color="#222222"), bgcolor="#ffffff",
                          bordercolor="#444444", borderwidth=1, borderpad=2, name="event"))
    layout = dict(
        shapes=shapes, annotations=notes,
        yaxis=dict(title=dict(text=theme.escape(ctx.axis.title)), range=[-1.05, 1.05], tickvals=[-1, -0.5, 0, 0.5, 1],
                   zeroline=True, zerolinecolor="#888888"),
        xaxis=dict(title=dict(text="month of publication"), showgrid=False, type="date",
                   range=[f"{day:%Y-%m-%d}" for day in (lo - EDGE_DAYS, hi + EDGE_DAYS)],
                   **time_ticks(lo, hi, plot_px)),
        hovermode="closest",
    )
    key = [f"{e.number}  {e.when} · {e.label}" for e in events]
    above = (1 + max(e.lane for e in events)) * LANE_PX + 4 if events else 0
    return theme.finish(traces, layout, ctx, TITLE, footnote_of(data), plot_height=PLOT_PX, left=LEFT,
                        legend=[t["name"] for t in traces], above=above, key=key)
