"""The page's components. Pure builders: data in, Dash components out (no callbacks here).

Article text is always passed to Dash components as strings, which React renders as text:
nothing here turns article content into HTML.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import dash_ag_grid as dag
from dash import dcc, html

from analysis.models import LABELS
from dashboard import ids
from dashboard.data import Dataset, outlet_options

UPLOAD_FORMATS = ".txt,.html,.htm,.jsonl,.gz,.csv,.parquet"
MAX_UPLOAD_FILE = 5 * 1024 * 1024
MAX_UPLOAD_TOTAL = 20 * 1024 * 1024

# Colour-blind-safe diverging scale (ColorBrewer PuOr): purple = pro-Washington, orange = pro-Ankara.
# Used only when the chart theme does not provide its own; the charts and the text then agree.
_FALLBACK_SCALE = ["#5e3c99", "#b2abd2", "#f7f7f7", "#fdb863", "#e66101"]


def _axis_scale() -> list[str]:
    try:
        from dashboard import theme

        for name in ("DIVERGING", "DIVERGING_SCALE", "AXIS_SCALE", "AXIS_COLORSCALE", "COLORSCALE"):
            scale = getattr(theme, name, None)
            if scale:
                return [c[1] if isinstance(c, (list, tuple)) else c for c in scale]
    except Exception:  # the theme module is optional for the text shading
        pass
    return _FALLBACK_SCALE


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.strip()
    if colour.startswith("rgb"):
        nums = [int(float(x)) for x in re.findall(r"[\d.]+", colour)[:3]]
        return nums[0], nums[1], nums[2]
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def contribution_colour(value: float, scale: list[str] | None = None, alpha: float = 0.55) -> str:
    """Background colour for a sentence: the axis scale at `value` (−1..1), faded for readability."""
    scale = scale or _axis_scale()
    v = max(-1.0, min(1.0, float(value or 0.0)))
    pos = (v + 1) / 2 * (len(scale) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(scale) - 1)
    frac = pos - lo
    a, b = _hex_to_rgb(scale[lo]), _hex_to_rgb(scale[hi])
    r, g, bl = (round(a[i] + (b[i] - a[i]) * frac) for i in range(3))
    strength = min(1.0, abs(v) * 2.5)  # weak contributions stay light so text remains readable
    return f"rgba({r},{g},{bl},{alpha * strength:.2f})"


# ---------------------------------------------------------------- page


def page(ds: Dataset, lexicon, version: str, data_version: str, stored: int = 0) -> html.Div:
    """The whole page for a dataset snapshot (figures and table are filled by callbacks)."""
    story = getattr(lexicon, "story", "") or "Media framing"
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.DATA_VERSION, data=data_version),
            dcc.Store(id=ids.SELECTED_ARTICLE),
            dcc.Store(id=ids.TABLE_REFRESH),
            dcc.Download(id=ids.DOWNLOAD),
            header(story),
            filters_row(ds),
            empty_state(ds.is_empty, stored),
            charts_section(ds.is_empty),
            html.Section(
                className="table-and-detail",
                children=[table_card(), detail_card()],
            ),
            upload_card(),
            footer(version, ds),
        ],
    )


def header(story: str) -> html.Header:
    return html.Header(
        className="header",
        children=[
            html.H1("How outlets frame the story"),
            html.P(
                [
                    html.Strong(story),
                    " — each article is placed on one axis from ",
                    html.Span("pro-Washington (−1)", className="axis-washington"),
                    " to ",
                    html.Span("pro-Ankara (+1)", className="axis-ankara"),
                    ".",
                ],
                className="subtitle",
            ),
        ],
    )


def filters_row(ds: Dataset) -> html.Section:
    return html.Section(
        className="filters card",
        children=[
            html.Div(
                className="filter outlet",
                children=[
                    html.Label("Outlet", htmlFor=ids.OUTLET_FILTER),
                    dcc.Dropdown(
                        id=ids.OUTLET_FILTER,
                        options=outlet_options(ds),
                        value=[],
                        multi=True,
                        placeholder="All outlets",
                        searchable=True,
                        clearable=True,
                    ),
                ],
            ),
            html.Div(
                className="filter dates",
                children=[
                    html.Label("Published between"),
                    dcc.DatePickerRange(
                        id=ids.DATE_FILTER,
                        display_format="YYYY-MM-DD",
                        start_date_placeholder_text="from",
                        end_date_placeholder_text="to",
                        clearable=True,
                    ),
                ],
            ),
            html.Div(
                className="filter labels",
                children=[
                    html.Label("Label"),
                    dcc.Checklist(
                        id=ids.LABEL_FILTER,
                        options=[{"label": lb, "value": lb} for lb in LABELS],
                        value=list(LABELS),
                        inline=True,
                    ),
                ],
            ),
            html.Div(
                className="filter search",
                children=[
                    html.Label("Search titles and text", htmlFor=ids.SEARCH_FILTER),
                    dcc.Input(
                        id=ids.SEARCH_FILTER,
                        type="search",
                        placeholder="e.g. patriot",
                        debounce=True,
                        value="",
                        maxLength=200,
                    ),
                ],
            ),
            html.Div(
                className="filter actions",
                children=[
                    html.Button("Clear filters", id=ids.CLEAR_FILTERS, className="button secondary"),
                    html.Button(
                        "Export all (ZIP)",
                        id=ids.EXPORT_ALL,
                        className="button",
                        title="Every chart as PNG, SVG, HTML and CSV, the data and the method notes",
                    ),
                    html.Div(id=ids.SUMMARY, className="summary", role="status"),
                    html.Div(id=ids.EXPORT_MESSAGE, className="export-message", role="alert"),
                ],
            ),
        ],
    )


def empty_state(is_empty: bool, stored: int = 0) -> html.Section:
    if stored:
        intro = (f"The store holds {stored:,} articles, but none is scored by the current analyser yet. "
                 "Restarting python -m dashboard scores them; or add articles in either of two ways:")
    else:
        intro = "The store holds no scored articles. Add some in either of two ways:"
    return html.Section(
        id=ids.EMPTY_STATE,
        className="empty-state card",
        hidden=not is_empty,
        children=[
            html.H2("No articles yet"),
            html.P(intro),
            html.Ul(
                [
                    html.Li(
                        [
                            "drop article files (.txt, .html, .jsonl, .jsonl.gz or .csv) on the ",
                            html.A("upload area", href="#upload-card"),
                            " below, or",
                        ]
                    ),
                    html.Li(
                        [
                            "restart with a corpus: ",
                            html.Code("python -m dashboard --corpus PATH"),
                            " (a file or folder; repeat --corpus for more).",
                        ]
                    ),
                ]
            ),
        ],
    )


def charts_section(is_empty: bool) -> html.Section:
    from dashboard.charts import CHARTS

    return html.Section(
        id=ids.CHARTS_SECTION,
        className="charts",
        hidden=is_empty,
        children=[chart_card(CHARTS[cid]) for cid in ids.CHART_IDS if cid in CHARTS],
    )


def chart_card(module) -> html.Article:
    cid = module.CHART_ID
    return html.Article(
        className=f"card chart-card chart-{cid}",
        children=[
            html.Div(
                className="chart-head",
                children=[
                    html.Div([html.H2(module.TITLE), html.P(module.DESCRIPTION, className="description")]),
                    html.Div(
                        className="export-buttons",
                        role="group",
                        **{"aria-label": f"Export {module.TITLE}"},
                        children=[
                            html.Button(
                                fmt.upper(),
                                id=ids.export_button(cid, fmt),
                                className="button small",
                                title=f"Download this chart as {fmt.upper()} (current filters)",
                            )
                            for fmt in ids.EXPORT_FORMATS
                        ],
                    ),
                ],
            ),
            # No fixed height: each figure sets its own (per-outlet charts grow with the outlets).
            dcc.Graph(id=cid, config={"displaylogo": False}, className="chart"),
        ],
    )


TABLE_COLUMNS = [
    {"field": "outlet", "headerName": "Outlet", "filter": "agTextColumnFilter", "flex": 1, "minWidth": 120,
     "tooltipField": "outlet"},
    {"field": "date", "headerName": "Date", "filter": "agTextColumnFilter", "width": 110},
    {"field": "title", "headerName": "Title", "filter": "agTextColumnFilter", "flex": 2.5, "minWidth": 200,
     "tooltipField": "title"},
    {"field": "label", "headerName": "Label", "filter": "agTextColumnFilter", "width": 135},
    {
        "field": "framing",
        "headerName": "Framing",
        "filter": "agNumberColumnFilter",
        "width": 105,
        "valueFormatter": {"function": "params.value == null ? '' : d3.format('+.2f')(params.value)"},
    },
    {
        "field": "confidence",
        "headerName": "Confidence",
        "filter": "agNumberColumnFilter",
        "width": 120,
        "valueFormatter": {"function": "params.value == null ? '' : d3.format('.0%')(params.value)"},
    },
]
TABLE_PAGE_SIZE = 15


def table_card() -> html.Article:
    return html.Article(
        className="card table-card",
        children=[
            html.H2("Articles"),
            html.P("Click a row to read the article with its evidence.", className="description"),
            dag.AgGrid(
                id=ids.TABLE,
                columnDefs=TABLE_COLUMNS,
                defaultColDef={"sortable": True, "resizable": True, "floatingFilter": False},
                rowModelType="infinite",
                getRowId="params.data.id",
                dashGridOptions={
                    "pagination": True,
                    "paginationPageSize": TABLE_PAGE_SIZE,
                    "paginationPageSizeSelector": False,
                    "cacheBlockSize": TABLE_PAGE_SIZE,
                    "maxBlocksInCache": 20,
                    "tooltipShowDelay": 400,
                },
                className="ag-theme-quartz",
                style={"height": "560px", "width": "100%"},
            ),
        ],
    )


def detail_card() -> html.Article:
    return html.Article(
        className="card detail-card",
        children=[
            html.H2("Article"),
            html.Div(
                id=ids.DETAIL,
                className="detail",
                children=html.P(
                    "Click a row in the table or a point in “framing by outlet” to read an article here.",
                    className="description",
                ),
            ),
        ],
    )


def upload_card() -> html.Article:
    return html.Article(
        id="upload-card",
        className="card upload-card",
        children=[
            html.H2("Add articles"),
            dcc.Upload(
                id=ids.UPLOAD,
                multiple=True,
                accept=UPLOAD_FORMATS,
                className="upload",
                children=html.Div(
                    [
                        "Drop article files here or ",
                        html.Span("choose files", className="link"),
                        html.Br(),
                        html.Small(
                            f".txt, .html, .jsonl, .jsonl.gz, .csv — up to {MAX_UPLOAD_FILE // 2**20} MB a file, "
                            f"{MAX_UPLOAD_TOTAL // 2**20} MB at once"
                        ),
                    ]
                ),
            ),
            dcc.Store(id=ids.UPLOAD_PAYLOAD),
            html.P(id=ids.UPLOAD_REFUSED, className="upload-refused", role="alert"),
            dcc.Loading(html.Ul(id=ids.UPLOAD_MESSAGES, className="upload-messages", role="status"), type="dot"),
        ],
    )


def footer(version: str, ds: Dataset) -> html.Footer:
    return html.Footer(
        id=ids.FOOTER,
        className="footer",
        children=[
            html.Span(f"Analyser version {version}"),
            html.Span([" · ", html.A("how well the measure holds", href="/validity", id=ids.VALIDITY_LINK)]),
            html.Span(f" · {len(ds.frame):,} scored articles from {len(ds.outlet_counts):,} outlets"),
            html.Span([" · scripts: ", html.Code("/export/<chart>.<png|svg|html|csv>?outlet=…"), ", ",
                       html.Code("/export/all.zip")]),
        ],
    )


# ---------------------------------------------------------------- detail panel


def _safe_href(url: str) -> str | None:
    # Only web links become clickable: a hostile `javascript:` URL stays plain text.
    try:
        scheme = urlparse(url or "").scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _marked(sentence: str, terms: list[str]) -> list:
    """The sentence as text pieces with each matched term wrapped in html.Mark."""
    spans = []
    low = sentence.lower()
    for term in sorted({t for t in terms or [] if t}, key=len, reverse=True):
        for m in re.finditer(re.escape(term.lower()), low):
            if all(m.end() <= s or m.start() >= e for s, e in spans):
                spans.append((m.start(), m.end()))
    spans.sort()
    out, pos = [], 0
    for s, e in spans:
        if s > pos:
            out.append(sentence[pos:s])
        out.append(html.Mark(sentence[s:e]))
        pos = e
    if pos < len(sentence):
        out.append(sentence[pos:])
    return out


def _sentence(ev, camps: dict) -> html.Span:
    tip = f"contribution {ev.contribution:+.2f}"
    if ev.frames:
        tip += " · frames: " + ", ".join(ev.frames)
    children = _marked(ev.sentence, ev.terms)
    if ev.speaker:
        side = camps.get(ev.side, ev.side) if ev.side else ""
        who = f"{ev.speaker} ({side})" if side else ev.speaker
        children.append(html.Small(f" — {who}", className="speaker"))
        tip += f" · speaker: {who}"
    return html.Span(
        children,
        className="sentence",
        title=tip,
        style={"backgroundColor": contribution_colour(ev.contribution)},
        **{"data-contribution": f"{ev.contribution:.3f}"},
    )


def shaded_text(text: str, evidence: list, camps: dict | None = None) -> list:
    """The article text in order, each scored sentence shaded by its contribution.

    Sentences are located in the text in order so that nothing of the text is lost, even
    the parts the scorer skipped.
    """
    camps = camps or {}
    pieces, pos = [], 0
    for ev in sorted((e for e in evidence if e.index > 0), key=lambda e: e.index):
        at = text.find(ev.sentence, pos)
        if at < 0:
            continue
        if at > pos:
            pieces.append(text[pos:at])
        pieces.append(_sentence(ev, camps))
        pos = at + len(ev.sentence)
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


def _kv_table(title: str, values: dict, names: dict | None = None, fmt: str = "{:+.2f}") -> html.Div | None:
    rows = [(k, v) for k, v in (values or {}).items() if v is not None and v == v and v != 0]
    if not rows:
        return None
    names = names or {}
    return html.Div(
        className="kv",
        children=[
            html.H4(title),
            html.Table(
                html.Tbody(
                    [html.Tr([html.Td(names.get(k, k)), html.Td(fmt.format(v), className="num")]) for k, v in rows]
                )
            ),
        ],
    )


def article_detail(article, score, lexicon) -> list:
    """The detail panel for one article and its score (score may be None: not scored yet)."""
    frames = dict(getattr(lexicon, "frames", {}) or {})
    camps = dict(getattr(lexicon, "camps", {}) or {})
    actors = dict(getattr(lexicon, "actors", {}) or {})
    meta = [html.Span(article.outlet, className="outlet")]
    if article.date:
        meta.append(html.Span(f" · {article.date}"))
    if article.byline:
        meta.append(html.Span(f" · {article.byline}"))
    href = _safe_href(article.url)
    if href:
        meta += [" · ", html.A("source", href=href, target="_blank", rel="noopener noreferrer")]
    elif article.url:
        meta.append(html.Span(f" · {article.url}"))

    children = [html.H3(article.title or "(untitled)", className="detail-title"), html.P(meta, className="meta")]
    if score is None:
        children.append(html.P("This article has not been scored by the current analyser yet."))
        children.append(html.Div(article.text, className="article-text"))
        return children

    children.append(
        html.P(
            className="verdict",
            children=[
                html.Span(score.label, className=f"badge label-{score.label}"),
                html.Span(f" framing {score.framing:+.2f} · confidence {score.confidence:.0%} "
                          "(the calibrated probability that the label is right)"),
                html.Span(f" · {score.n_sentences} sentences"),
            ],
        )
    )
    breakdown = [
        _kv_table("Score breakdown", score.components),
        _kv_table("Frames", score.frames, frames, "{:.2f}"),
        _kv_table("Voices (share of quoted text)", score.voices, camps, "{:.0%}"),
        _kv_table("Sentiment toward", score.sentiment, actors),
    ]
    children.append(html.Div([b for b in breakdown if b is not None], className="breakdown"))
    children.append(
        html.P(
            className="legend",
            children=[
                "Sentences are shaded by how they move the score: ",
                html.Span("towards Washington", style={"backgroundColor": contribution_colour(-0.6)}),
                " ",
                html.Span("towards Ankara", style={"backgroundColor": contribution_colour(0.6)}),
                "; matched terms are ",
                html.Mark("marked"),
                ".",
            ],
        )
    )
    children.append(html.Div(shaded_text(article.text, score.evidence, camps), className="article-text"))
    return children
