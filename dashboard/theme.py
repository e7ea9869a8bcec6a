"""One look for every chart: the framing colour scale, palettes, fonts, and the layout of title,
legend, notes and plot (`finish`) sized for the width the figure must read at.

The framing axis (−1 the negative pole … +1 the positive pole) always uses `axis_colorscale`, built
from the story file's pole colours (for the S-400 story Okabe-Ito blue ↔ grey ↔ vermillion, which
stay distinguishable under the common colour-vision deficiencies). Sentiment polarity toward an
actor is a *different* quantity, so it gets its own purple ↔ green scale: a pole's colour never
means anything but that pole.
"""
from __future__ import annotations

import html
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # theme is imported by the chart modules; keep the import graph acyclic
    from analysis.axis import Axis
    from dashboard.charts.context import ChartContext

# ColorBrewer PRGn (colour-blind safe), for polarity toward an actor group.
POLARITY_COLORSCALE = [[0.0, "#762A83"], [0.25, "#C2A5CF"], [0.5, "#F7F7F7"], [0.75, "#A6DBA0"], [1.0, "#1B7837"]]
POLARITY_RANGE = 0.5  # fixed so colours mean the same thing under every filter
# Okabe-Ito and Paul Tol "muted" colours (colour-blind safe) for categories (outlets, frames,
# camps), in order of use. `category_colours` drops those close to the story's pole colours.
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#332288", "#882255", "#44AA99", "#999933",
    "#DDCC77", "#117733", "#88CCEE", "#CC6677", "#0072B2", "#D55E00", "#F0E442",
)
# CIELAB distance (CIE76 ΔE) under which a category colour reads as a side of the axis. 2.3 is a
# just noticeable difference; colours of one hue at another lightness (Okabe-Ito sky blue against
# blue: 26, orange against vermillion: 33, pale blue against blue: 39) still read as that side,
# above all under deuteranopia, while the next nearest (indigo against blue: 49) do not.
POLE_DISTANCE = 40.0
OTHER_COLOUR = "#7F7F7F"

FONT = dict(family="Inter, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif", size=13, color="#222222")
FOOTNOTE_SIZE = 10
HEADLINE_SIZE = 12
ROW_HEIGHT = 28  # pixels of plot per outlet row in the per-outlet charts (a bar is 3/4 of it)
EMPTY_MESSAGE = "No articles match the current filters"

# The figure's vertical stack, in pixels: title, legend, headline (what was left out), chart
# extras above the plot (event badges), plot, x-axis, chart extras below it (event key), footnote.
# Every part is sized for the narrowest width the figure must read at (ChartContext.width), so a
# wider page or export only adds room; plotly's own margin pushing (legend, long tick labels) is
# the fallback, never the plan.
PAGE_WIDTH = 560  # px: a chart card in the two-column page at 1280 px is 579 (at 1366 px, 622)
TITLE_PX = 42  # title (17 px, bold) 12 px from the top, and a gap under it
LEGEND_ROW_PX = 22  # one row of a horizontal legend at 13 px (plotly: 1.3 line height + 3)
LEGEND_ITEM_PX = 40 + 5  # a legend entry's symbol and gaps beside its text
RIGHT_PX = 20
EDGE_PX = 8  # left edge of the headline, key and footnote
LINE_EM = 1.4  # line height of wrapped annotation text
HEADLINE_BACKGROUND = "#ECEFF3"


# A small template of our own: plotly would otherwise apply its large default template (exports
# build go.Figure objects from these dicts).
TEMPLATE = dict(layout=dict(
    paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", font=FONT,
    xaxis=dict(gridcolor="#EBEBEB", linecolor="#BBBBBB", zerolinecolor="#BBBBBB", ticks="", automargin=True),
    yaxis=dict(gridcolor="#EBEBEB", linecolor="#BBBBBB", zerolinecolor="#BBBBBB", ticks="", automargin=True),
    hoverlabel=dict(align="left"),
))


# sRGB (D65) to CIE XYZ, and the D65 white point
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def lab(colours) -> np.ndarray:
    """CIELAB (D65) coordinates of "#RRGGBB" colours, one row each."""
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype="float64") / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


@lru_cache(maxsize=16)
def category_palette(pole_colours: tuple[str, ...]) -> tuple[str, ...]:
    """PALETTE without the colours within POLE_DISTANCE (CIELAB) of any of `pole_colours`, in the
    order that keeps the first few far apart: each next colour is the one farthest from the poles
    and the colours before it, and darkest against the white background (pale yellow last; ties in
    PALETTE's order)."""
    colours, poles = lab(PALETTE), lab(pole_colours)
    to_poles = np.linalg.norm(colours[:, None, :] - poles[None, :, :], axis=2).min(axis=1)
    left = [i for i in range(len(PALETTE)) if to_poles[i] >= POLE_DISTANCE]
    nearest = np.minimum(to_poles, 100 - colours[:, 0])  # lightness contrast with white
    order = []
    while left:
        best = max(left, key=lambda i: (nearest[i], -i))
        order.append(PALETTE[best])
        left.remove(best)
        nearest = np.minimum(nearest, np.linalg.norm(colours - colours[best], axis=1))
    return tuple(order)


def category_colours(keys, axis: Axis) -> dict[str, str]:
    """Stable colour per category, in the order given (the same id keeps its colour across charts),
    never one that could be read as a side of the story's axis."""
    palette = category_palette((axis.negative.colour, axis.positive.colour))
    return {key: palette[i % len(palette)] for i, key in enumerate(keys)}


def axis_colorscale(axis: Axis) -> list:
    """negative pole ↔ neutral ↔ positive pole, the story's colours, for a framing value in [-1, 1]."""
    return [[0.0, axis.negative.colour], [0.5, axis.neutral.colour], [1.0, axis.positive.colour]]


def axis_rgb(axis: Axis, value: float) -> tuple[int, int, int]:
    """The `axis_colorscale` colour of one framing value (clipped to −1..1) as (r, g, b)."""
    v = min(max((float(value) + 1.0) / 2.0, 0.0), 1.0)
    lo, hi = (axis.negative.colour, axis.neutral.colour) if v <= 0.5 else (axis.neutral.colour, axis.positive.colour)
    t = v * 2.0 if v <= 0.5 else (v - 0.5) * 2.0
    a = [int(lo[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(hi[i:i + 2], 16) for i in (1, 3, 5)]
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b))
    return r, g, bl


def axis_colour(axis: Axis, value: float) -> str:
    """The `axis_colorscale` colour of one framing value, as an rgb() string."""
    return "rgb({},{},{})".format(*axis_rgb(axis, value))


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


# characters about 0.3 em and 0.9 em wide in Arial-like fonts
_NARROW = frozenset("iljtfrI.,:;'|!()[]{} ")
_WIDE = frozenset("mwMW@%—")


def text_width(text: str, size: float) -> float:
    """Pixels a line of `text` takes at font `size`, estimated on the generous side (Arial-like
    advance widths plus 8%, CJK and other wide scripts at a full em): layouts reserve this much."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.3
        elif ch in _WIDE:
            em += 0.9
        elif ord(ch) > 0x2E7F:
            em += 1.0
        elif ch.isupper():
            em += 0.7
        else:
            em += 0.56
    return em * size * 1.08


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines of at most `width` px at font `size` (by `text_width`)."""
    if not text:
        return []
    per_char = text_width(text, size) / len(text)
    return textwrap.wrap(text, max(int(width / per_char), 10)) or [""]


def legend_rows(labels, width: float) -> int:
    """Rows a horizontal legend of `labels` takes within `width` px, as plotly lays it out: all in
    one row when they fit, else a grid of columns as wide as the widest entry."""
    widths = [text_width(label, FONT["size"]) + LEGEND_ITEM_PX for label in labels]
    if not widths:
        return 0
    if sum(widths) <= width:
        return 1
    columns = max(1, int(width // max(widths)))
    return -(-len(widths) // columns)


def _lines_px(lines: list[str], size: float) -> int:
    return int(round(len(lines) * size * LINE_EM)) + (6 if lines else 0)


def finish(traces: list[dict], layout: dict, ctx: ChartContext, title: str, note: str = "", *,
           plot_height: int, left: int = 72, legend=(), headline: str = "", above: int = 0, key=(),
           bottom: int = 72) -> dict:
    """The figure as a plain dict (what plotly.js reads): traces and layout plus the common title,
    fonts, legend, margins, height and notes. The page sends it as it is, since building a
    go.Figure costs more than the chart; exports and tests wrap it in go.Figure, which validates it.

    From the top: the title (none if not `ctx.show_title`); the legend (`legend`: its entries'
    labels; none: no legend); `headline`, the one note a reader must not miss (which outlets were
    left out), in bold; `above` px the chart places things in (event badges); the plot,
    `plot_height` px tall; `bottom` px for the x-axis labels and title; `key` lines (the events'
    key); the footnote (filters, analyser version, `note`). `left` is the room (px) the y-axis
    labels take. Text is wrapped to fit `ctx.width`; the headline, key and footnote start at the
    figure's left edge, the legend at the plot's.
    The filters and version are also put in `layout.meta` for the HTML export.
    """
    width = ctx.width
    text_px = width - 2 * EDGE_PX
    legend_px = legend_rows(legend, width - left - RIGHT_PX) * LEGEND_ROW_PX + (6 if legend else 0)
    head = wrap(headline, text_px, HEADLINE_SIZE)
    head_px = _lines_px(head, HEADLINE_SIZE) + (6 if head else 0)
    key_lines = [line for entry in key for line in wrap(entry, text_px, FOOTNOTE_SIZE + 1)]
    key_px = _lines_px(key_lines, FOOTNOTE_SIZE + 1)
    foot = wrap(footnote_text(ctx, note), text_px, FOOTNOTE_SIZE)
    title_px = TITLE_PX if ctx.show_title else 8
    top = title_px + legend_px + head_px + above + 6
    margin_bottom = bottom + key_px + _lines_px(foot, FOOTNOTE_SIZE)
    at_edge = dict(xref="paper", yref="paper", x=0, xanchor="left", xshift=EDGE_PX - left, align="left",
                   showarrow=False)
    notes = [dict(text="<br>".join(escape(line) for line in foot), y=0, yanchor="top", yshift=-bottom - key_px,
                  font=dict(size=FOOTNOTE_SIZE, color="#555555"), name="footnote", **at_edge)]
    if key_lines:
        notes.append(dict(text="<br>".join(escape(line) for line in key_lines), y=0, yanchor="top",
                          yshift=-bottom, font=dict(size=FOOTNOTE_SIZE + 1, color="#333333"), name="key", **at_edge))
    if head:
        notes.append(dict(text="<br>".join(f"<b>{escape(line)}</b>" for line in head), y=1, yanchor="bottom",
                          yshift=above + 4, font=dict(size=HEADLINE_SIZE, color="#222222"),
                          bgcolor=HEADLINE_BACKGROUND, borderpad=3, name="headline", **at_edge))
    layout = dict(layout)
    layout["annotations"] = list(layout.get("annotations", [])) + notes
    layout.update(
        template=TEMPLATE,
        colorway=list(category_palette((ctx.axis.negative.colour, ctx.axis.positive.colour))),
        title=dict(text=f"<b>{escape(title)}</b>" if ctx.show_title else "", x=0, xref="container", xanchor="left",
                   y=1, yref="container", yanchor="top", pad=dict(t=12, l=10), font=dict(size=17)),
        showlegend=bool(legend),
        # Just above the headline: any room the estimate spared is left under the title.
        legend=dict(layout.get("legend", {}), orientation="h", x=0, xanchor="left",
                    y=1 + (head_px + above) / plot_height, yanchor="bottom", maxheight=legend_px + 2 * LEGEND_ROW_PX),
        font=FONT,
        margin=dict(l=left, r=RIGHT_PX, t=top, b=margin_bottom, pad=2),
        height=top + plot_height + margin_bottom,
        hoverlabel=dict(font=dict(size=12), align="left"),
        meta=dict(filters=ctx.filters_text, analyser_version=ctx.analyser_version,
                  note="; ".join(n for n in (headline, note) if n)),
    )
    return {"data": list(traces), "layout": layout}


def empty_figure(ctx: ChartContext, title: str, message: str = EMPTY_MESSAGE, note: str = "") -> dict:
    """A blank chart that says why it is blank (never an exception, never an empty plot area)."""
    layout = dict(
        annotations=[dict(text=escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=16, color="#555555"), name="empty")],
        xaxis=dict(visible=False), yaxis=dict(visible=False),
    )
    return finish([], layout, ctx, title, note, plot_height=160, left=EDGE_PX, bottom=10)
