"""Mean sentiment polarity toward each actor group, by outlet (heatmap)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import (OUTLET_NAME, add_note, ensure_columns, factorize, family, footnote_of,
                                     headline_of, label_room, outlet_order, top_outlets)
from dashboard.charts.context import ChartContext

CHART_ID = "actor-sentiment"
TITLE = "Sentiment toward actors by outlet"
DESCRIPTION = ("Mean polarity of the sentences about each actor group (−1 negative … +1 positive); "
               "n = articles that mention the group.")
COLUMNS = ["outlet", "actor", "actor_label", "mean_polarity", "n"]
HEAT_ROW = 34  # px per outlet: a cell holds two lines (mean and n)
SCALE_PX = 120  # the colour bar's length (its title beside it); the plot is at least this tall


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """Rows `outlet, actor, actor_label, mean_polarity, n` for every outlet × actor with n ≥ 1.

    A missing value (NaN) means the article does not mention the group and is not counted.
    """
    df = ensure_columns(df, ("outlet", "framing"), families=("sent",))
    df, headline = top_outlets(df, ctx)
    actors = family(df, "sent")
    if df.empty or not actors:
        return add_note(pd.DataFrame(columns=COLUMNS), headline=headline)
    values = df[[f"sent:{a}" for a in actors]].to_numpy(dtype="float64", na_value=np.nan)
    # Per-outlet means and counts on integer codes (NaN = not mentioned, skipped by both).
    codes, names = factorize(df["outlet"])
    order = outlet_order(df)
    code_of = {name: i for i, name in enumerate(names)}
    shown = [code_of[o] for o in order]
    mentioned = ~np.isnan(values)
    sums = np.zeros((len(names), len(actors)))
    count = np.zeros((len(names), len(actors)), dtype=np.int64)
    for j in range(len(actors)):
        rows_j = mentioned[:, j]
        sums[:, j] = np.bincount(codes[rows_j], weights=values[rows_j, j], minlength=len(names))
        count[:, j] = np.bincount(codes[rows_j], minlength=len(names))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums / count)[shown]
    count = count[shown]
    oi, ai = np.nonzero(count > 0)  # outlet-major, actors in column order: the display order
    labels = np.asarray([ctx.label("actor", a) for a in actors], dtype=object)
    rows = pd.DataFrame({
        "outlet": np.asarray(order, dtype=object)[oi], "actor": np.asarray(actors, dtype=object)[ai],
        "actor_label": labels[ai], "mean_polarity": mean[oi, ai], "n": count[oi, ai],
    })
    return add_note(rows[COLUMNS], headline=headline)


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Heatmap outlets × actor groups, purple (negative) ↔ green (positive), value and n in each cell."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, message=f"{theme.EMPTY_MESSAGE} mentioning an actor group",
                                  note=footnote_of(data))
    cols = data.to_dict("list")  # one row per outlet × actor: plain lists are cheapest here
    outlets = list(dict.fromkeys(cols["outlet"]))
    actors = list(dict.fromkeys(cols["actor"]))
    o_at = {o: i for i, o in enumerate(outlets)}
    a_at = {a: i for i, a in enumerate(actors)}
    labels = dict(zip(cols["actor"], cols["actor_label"]))
    z = np.full((len(outlets), len(actors)), np.nan)
    counts = np.zeros((len(outlets), len(actors)), dtype=int)
    for o, a, mean, count in zip(cols["outlet"], cols["actor"], cols["mean_polarity"], cols["n"]):
        z[o_at[o], a_at[a]] = mean
        counts[o_at[o], a_at[a]] = int(count)
    text = [[f"{v:+.2f}<br>n = {c}" if not np.isnan(v) else "" for v, c in zip(zr, cr)] for zr, cr in zip(z, counts)]
    x = [theme.escape(labels[a]) for a in actors]
    names = theme.escape_all(outlets)
    hover = [[f"<b>{name}</b> on {x[j]}<br>" + (f"mean polarity {v:+.2f}<br>n = {c} articles" if not np.isnan(v)
                                                 else "no article mentions it")
              for j, (v, c) in enumerate(zip(zr, cr))] for name, zr, cr in zip(names, z, counts)]
    # Rows are numbers labelled by tick text: plotly.js keys category axes by name in a plain
    # object, where an outlet called "__proto__" would break the page.
    heat = dict(
        type="heatmap", z=z, x=x, y=list(range(len(outlets))), text=text, texttemplate="%{text}",
        textfont=dict(size=11), colorscale=theme.POLARITY_COLORSCALE, zmid=0,
        zmin=-theme.POLARITY_RANGE, zmax=theme.POLARITY_RANGE, xgap=2, ygap=2, hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        colorbar=dict(title=dict(text="polarity<br>− neg · pos +", side="right"), thickness=12, lenmode="pixels",
                      len=SCALE_PX, tickvals=[-theme.POLARITY_RANGE, 0, theme.POLARITY_RANGE],
                      ticktext=[f"≤ −{theme.POLARITY_RANGE:g}", "0", f"≥ +{theme.POLARITY_RANGE:g}"]),
    )
    ticks = [n if len(o) <= OUTLET_NAME else theme.escape(o[:OUTLET_NAME - 1] + "…") for n, o in zip(names, outlets)]
    layout = dict(
        xaxis=dict(title=dict(text="actor group (sentences mentioning it)"), side="bottom", showgrid=False),
        yaxis=dict(autorange="reversed", showgrid=False, tickmode="array", tickvals=list(range(len(outlets))),
                   ticktext=ticks),
    )
    return theme.finish([heat], layout, ctx, TITLE, plot_height=max(HEAT_ROW * len(outlets), SCALE_PX),
                        left=label_room(ticks), headline=headline_of(data))
