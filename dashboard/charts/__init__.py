"""Chart registry: each module has CHART_ID, TITLE, DESCRIPTION, process_data(df, ctx) -> rows
behind the chart (what its CSV export holds) and create_figure(rows, ctx) -> the figure as a plain dict (go.Figure(...) of it validates it).
Pure functions of a DataFrame: nothing here imports Dash.
"""
from dashboard.charts import actor_sentiment, frame_mix, framing_by_outlet, framing_over_time, voices
from dashboard.charts.context import ChartContext

CHARTS = {m.CHART_ID: m for m in (framing_by_outlet, framing_over_time, frame_mix, voices, actor_sentiment)}


def build_figure(chart_id: str, df, ctx: ChartContext):
    """create_figure(process_data(df, ctx), ctx) for one chart id (KeyError if unknown)."""
    module = CHARTS[chart_id]
    return module.create_figure(module.process_data(df, ctx), ctx)


__all__ = ["CHARTS", "ChartContext", "build_figure"]
