"""One look for every chart: the framing colour scale, palettes, fonts and the footnote.

The framing axis (−1 the negative pole … +1 the positive pole) always uses `axis_colorscale`, built
from the story file's pole colours (for the S-400 story Okabe-Ito blue ↔ grey ↔ vermillion, which
stay distinguishable under the common colour-vision deficiencies). Sentiment polarity toward an
actor is a *different* quantity, so it gets its own purple ↔ green scale: a pole's colour never
means anything but that pole.
"""
from __future__ import annotations

import html
import textwrap

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # theme is imported by the chart modules; keep the import graph acyclic
    from analysis.axis import Axis
    from dashboard.charts.context import ChartContext

# ColorBrewer PRGn (colour-blind safe), for polarity toward an actor group.
POLARITY_COLORSCALE = [[0.0, "#762A83"], [0.25, "#C2A5CF"], [0.5, "#F7F7F7"], [0.75, "#A6DBA0"], [1.0, "#1B7837"]]
POLARITY_RANGE = 0.5  # fixed so colours mean the same thing under every filter
# Okabe-Ito and Paul Tol "muted" colours (colour-blind safe) for categories. The axis colours
# (blue, vermillion) and pale yellow come last: an outlet line should not look like a side.
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#332288", "#882255", "#44AA99", "#999933",
    "#DDCC77", "#117733", "#88CCEE", "#CC6677", "#0072B2", "#D55E00", "#F0E442",
)
OTHER_COLOUR = "#7F7F7F"

FONT = dict(family="Inter, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif", size=13, color="#222222")
FOOTNOTE_SIZE = 10
FOOTNOTE_WIDTH = 110  # characters per footnote line; fits a ~600 px chart at 10 px
ROW_HEIGHT = 28  # pixels per outlet row in the per-outlet charts
EMPTY_MESSAGE = "No articles match the current filters"


# A small template of our own: plotly would otherwise apply its large default template (exports
# build go.Figure objects from these dicts).
TEMPLATE = dict(layout=dict(
    paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", font=FONT, colorway=list(PALETTE),
    xaxis=dict(gridcolor="#EBEBEB", linecolor="#BBBBBB", zerolinecolor="#BBBBBB", ticks="", automargin=True),
    yaxis=dict(gridcolor="#EBEBEB", linecolor="#BBBBBB", zerolinecolor="#BBBBBB", ticks="", automargin=True),
    hoverlabel=dict(align="left"),
))


def category_colours(keys) -> dict[str, str]:
    """Stable colour per category, in the order given (the same id keeps its colour across charts)."""
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}


def axis_colorscale(axis: Axis) -> list:
    """negative pole ↔ neutral ↔ positive pole, the story's colours, for a framing value in [-1, 1]."""
    return [[0.0, axis.negative.colour], [0.5, axis.neutral.colour], [1.0, axis.positive.colour]]


def axis_colour(axis: Axis, value: float) -> str:
    """The `axis_colorscale` colour of one framing value, as an rgb() string."""
    v = min(max((float(value) + 1.0) / 2.0, 0.0), 1.0)
    lo, hi = (axis.negative.colour, axis.neutral.colour) if v <= 0.5 else (axis.neutral.colour, axis.positive.colour)
    t = v * 2.0 if v <= 0.5 else (v - 0.5) * 2.0
    a = [int(lo[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(hi[i:i + 2], 16) for i in (1, 3, 5)]
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b))
    return f"rgb({r},{g},{bl})"


def escape(text) -> str:
    """Plotly renders a subset of HTML in labels: escape anything that came from articles."""
    return html.escape(str(text), quote=False)


def escape_all(texts) -> list[str]:
    """`escape` of many strings at once (hover text of thousands of points): the same
    replacements as html.escape(quote=False), in the same order, without a call per string."""
    return [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in texts]


def footnote_text(ctx: ChartContext, note: str = "") -> str:
    """Plain-text footnote: filters, analyser version and the chart's own note."""
    parts = [f"Filters: {ctx.filters_text or 'none (all articles)'}"]
    parts.append(f"Analyser: {ctx.analyser_version or 'unknown'}")
    if note:
        parts.append(note)
    return " · ".join(parts)


def axis_bands(axis: Axis, which: str = "x") -> list[dict]:
    """Faint halves in the two poles' colours behind the framing axis (shape dicts), tying it to the scale."""
    shapes = []
    for lo, hi, colour in ((-1, 0, axis.negative.colour), (0, 1, axis.positive.colour)):
        where = (dict(xref="x", yref="paper", x0=lo, x1=hi, y0=0, y1=1) if which == "x"
                 else dict(xref="paper", yref="y", x0=0, x1=1, y0=lo, y1=hi))
        shapes.append(dict(type="rect", fillcolor=colour, opacity=0.06, line=dict(width=0), layer="below", **where))
    return shapes


def finish(traces: list[dict], layout: dict, ctx: ChartContext, title: str, note: str = "", *,
           height: int | None = None, bottom: int = 72, top: int = 90) -> dict:
    """The figure as a plain dict (what plotly.js reads): traces and layout plus the common title,
    fonts, margins and the filters/version footnote. The page sends it as it is, since building a
    go.Figure costs more than the chart; exports and tests wrap it in go.Figure, which validates it.

    `bottom` is the space (px) the x-axis labels and title need above the footnote.
    The filters and version are also put in `layout.meta` for the HTML export.
    """
    lines = textwrap.wrap(footnote_text(ctx, note), FOOTNOTE_WIDTH) or [""]
    foot_px = 14 * len(lines) + 8
    layout = dict(layout)
    layout["annotations"] = list(layout.get("annotations", [])) + [dict(
        text="<br>".join(escape(line) for line in lines),
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        yshift=-bottom, align="left", showarrow=False,
        font=dict(size=FOOTNOTE_SIZE, color="#555555"), name="footnote",
    )]
    layout.update(
        template=TEMPLATE,
        title=dict(text=f"<b>{escape(title)}</b>", x=0.01, xanchor="left", font=dict(size=17)),
        font=FONT,
        margin=dict(l=10, r=20, t=top, b=bottom + foot_px, pad=2),
        hoverlabel=dict(font=dict(size=12), align="left"),
        meta=dict(filters=ctx.filters_text, analyser_version=ctx.analyser_version, note=note),
    )
    if height:
        layout["height"] = height
    return {"data": list(traces), "layout": layout}


def empty_figure(ctx: ChartContext, title: str, message: str = EMPTY_MESSAGE, note: str = "") -> dict:
    """A blank chart that says why it is blank (never an exception, never an empty plot area)."""
    layout = dict(
        annotations=[dict(text=escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=16, color="#555555"), name="empty")],
        xaxis=dict(visible=False), yaxis=dict(visible=False),
    )
    return finish([], layout, ctx, title, note, height=320, bottom=10)
