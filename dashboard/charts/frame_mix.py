"""Which frame categories each outlet uses (shares of frame-term weight)."""
from __future__ import annotations

import pandas as pd

from dashboard import theme
from dashboard.charts.bars import share_rows, stacked_share_figure
from dashboard.charts.context import ChartContext

CHART_ID = "frame-mix"
TITLE = "Frame mix by outlet"
DESCRIPTION = ("Share of each frame category in an outlet's articles (each article with frame "
               "terms counts once; a bar sums to 100%).")


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """Rows `outlet, frame, frame_label, share, n_articles`; shares of one outlet sum to 1."""
    return share_rows(df, ctx, "frame", ctx.frames, "frame terms")


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Stacked horizontal bars, one segment per frame category."""
    return stacked_share_figure(data, ctx, TITLE, "frame", "share of the outlet's framing",
                                f"{theme.EMPTY_MESSAGE} with frame terms")
