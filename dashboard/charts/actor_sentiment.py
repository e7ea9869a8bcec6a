"""Mean sentiment polarity toward each actor group, by outlet (heatmap)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import theme
from dashboard.charts.common import add_note, ensure_columns, factorize, family, note_of, outlet_order, top_outlets
from dashboard.charts.context import ChartContext

CHART_ID = "actor-sentiment"
TITLE = "Sentiment toward actors by outlet"
DESCRIPTION = ("Mean polarity of the sentences about each actor group (−1 negative … +1 positive); "
               "n = articles that mention the group.")
COLUMNS = ["outlet", "actor", "actor_label", "mean_polarity", "n"]


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """Rows `outlet, actor, actor_label, mean_polarity, n` for every outlet × actor with n ≥ 1.

    A missing value (NaN) means the article does not mention the group and is not counted.
    """
    df = ensure_columns(df, ("outlet", "framing"), families=("sent",))
    df, note = top_outlets(df)
    actors = family(df, "sent")
    if df.empty or not actors:
        return add_note(pd.DataFrame(columns=COLUMNS), note)
    values = df[[f"sent:{a}" for a in actors]].to_numpy(dtype="float64", na_value=np.nan)
    # Wide per-outlet means and counts on integer codes (NaN = not mentioned, skipped by both).
    codes, names = factorize(df["outlet"])
    g = pd.DataFrame(values, columns=actors).groupby(codes, sort=False)
    order = outlet_order(df)
    code_of = {name: i for i, name in enumerate(names)}
    shown = [code_of[o] for o in order]
    mean = g.mean().reindex(shown).to_numpy(dtype="float64")
    count = g.count().reindex(shown).to_numpy(dtype="int64")
    oi, ai = np.nonzero(count > 0)  # outlet-major, actors in column order: the display order
    labels = np.asarray([ctx.label("actor", a) for a in actors], dtype=object)
    rows = pd.DataFrame({
        "outlet": np.asarray(order, dtype=object)[oi], "actor": np.asarray(actors, dtype=object)[ai],
        "actor_label": labels[ai], "mean_polarity": mean[oi, ai], "n": count[oi, ai],
    })
    return add_note(rows[COLUMNS], note)


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Heatmap outlets × actor groups, purple (negative) ↔ green (positive), value and n in each cell."""
    if data.empty:
        return theme.empty_figure(ctx, TITLE, message=f"{theme.EMPTY_MESSAGE} mentioning an actor group",
                                  note=note_of(data))
    outlets = list(dict.fromkeys(data["outlet"]))
    actors = list(dict.fromkeys(data["actor"]))
    labels = data.drop_duplicates("actor").set_index("actor")["actor_label"]
    grid = data.pivot(index="outlet", columns="actor", values="mean_polarity").reindex(index=outlets, columns=actors)
    counts = data.pivot(index="outlet", columns="actor", values="n").reindex(index=outlets, columns=actors)
    text = [[f"{z:+.2f}<br>n = {int(c)}" if pd.notna(z) else "" for z, c in zip(zr, cr)]
            for zr, cr in zip(grid.to_numpy(), counts.to_numpy())]
    x = [theme.escape(labels[a]) for a in actors]
    y = [theme.escape(o if len(o) <= 32 else o[:31] + "…") for o in outlets]
    counts_filled = np.nan_to_num(counts.to_numpy(dtype="float64"), nan=0.0).astype(int)
    heat = dict(
        type="heatmap", z=grid.to_numpy(dtype="float64"), x=x, y=y, text=text, texttemplate="%{text}",
        textfont=dict(size=11), colorscale=theme.POLARITY_COLORSCALE, zmid=0,
        zmin=-theme.POLARITY_RANGE, zmax=theme.POLARITY_RANGE, xgap=2, ygap=2, customdata=counts_filled,
        hovertemplate="<b>%{y}</b> on %{x}<br>mean polarity %{z:+.2f}<br>n = %{customdata} articles<extra></extra>",
        colorbar=dict(title=dict(text="polarity<br>− neg · pos +", side="top"), thickness=12, len=0.8,
                      tickvals=[-theme.POLARITY_RANGE, 0, theme.POLARITY_RANGE],
                      ticktext=[f"≤ −{theme.POLARITY_RANGE:g}", "0", f"≥ +{theme.POLARITY_RANGE:g}"]),
    )
    layout = dict(
        xaxis=dict(title=dict(text="actor group (sentences mentioning it)"), side="bottom", showgrid=False),
        yaxis=dict(autorange="reversed", showgrid=False),
    )
    height = max(340, 190 + 34 * len(outlets))
    return theme.finish([heat], layout, ctx, TITLE, note_of(data), height=height)
