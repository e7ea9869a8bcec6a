"""Whose voices each outlet carries (share of attributed text per camp)."""
from __future__ import annotations

import pandas as pd

from dashboard import theme
from dashboard.charts.bars import share_rows, stacked_share_figure
from dashboard.charts.context import ChartContext

CHART_ID = "voices"
TITLE = "Voices by outlet"
DESCRIPTION = ("Share of quoted or attributed text by camp (Turkish government, US, NATO, Russia, "
               "analysts…); each article with attributed text counts once.")


def process_data(df: pd.DataFrame, ctx: ChartContext) -> pd.DataFrame:
    """Rows `outlet, voice, voice_label, share, n_articles`; shares of one outlet sum to 1."""
    return share_rows(df, ctx, "voice", ctx.camps, "attributed text")


def create_figure(data: pd.DataFrame, ctx: ChartContext) -> dict:
    """Stacked horizontal bars, one segment per camp."""
    return stacked_share_figure(data, ctx, TITLE, "voice", "share of attributed text",
                                f"{theme.EMPTY_MESSAGE} with attributed text")
