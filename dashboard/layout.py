"""The page's components. Pure builders: data in, Dash components out (no callbacks here).

Article text is always passed to Dash components as strings, which React renders as text:
nothing here turns article content into HTML.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import dash_ag_grid as dag
from dash import dcc, html

from analysis.corpus import FORMATS_TEXT
from analysis.uploaded import MAX_DATE, MAX_OUTLET
from dashboard import ids, theme
from dashboard.charts.common import MAX_OUTLETS
from dashboard.data import ROWS_ALL, ROWS_TOP, SCOPE_ALL, SCOPE_CORE, Dataset, outlet_options

MAX_UPLOAD_FILE = 5 * 1024 * 1024
MAX_UPLOAD_TOTAL = 20 * 1024 * 1024
JOB_POLL_MS = 1000  # how often a page asks for the progress of its uploads
WORKER_SILENT_S = 15  # a job still queued after this long: say that a worker may be missing

def contribution_colour(axis, value: float, alpha: float = 0.55) -> str:
    """Background colour for a sentence: the story's axis scale at `value` (−1..1), faded for readability."""
    v = max(-1.0, min(1.0, float(value or 0.0)))
    r, g, bl = theme.axis_rgb(axis, v)
    strength = min(1.0, abs(v) * 2.5)  # weak contributions stay light so text remains readable
    return f"rgba({r},{g},{bl},{alpha * strength:.2f})"


# ---------------------------------------------------------------- page


def page(ds: Dataset, lexicon, version: str, data_version: str, stored: int = 0, user=None,
         can_write: bool = False) -> html.Div:
    """The whole page for a dataset snapshot (figures and table are filled by callbacks)."""
    story = lexicon.title
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.DATA_VERSION, data=data_version),
            dcc.Store(id=ids.SELECTED_ARTICLE),
            dcc.Store(id=ids.VIEW_QUERY),
            dcc.Store(id=ids.TABLE_REFRESH),
            dcc.Download(id=ids.DOWNLOAD),
            header(story, lexicon.axis, user),
            reading_guide(lexicon.axis),
            filters_row(ds, lexicon),
            empty_state(ds.is_empty, stored),
            charts_section(ds.is_empty),
            html.Section(
                className="table-and-detail",
                children=[table_card(), detail_card()],
            ),
            upload_card(user, can_write),
            footer(version, ds),
        ],
    )


def header(story: str, axis, user=None) -> html.Header:
    return html.Header(
        className="header",
        children=[
            account(user),
            html.H1("How outlets frame the story"),
            html.P(
                [
                    html.Strong(story),
                    " — each article is placed on one axis from ",
                    html.Span(f"{axis.negative.label} (−1)", className="axis-pole", style={"color": axis.negative.colour}),
                    " to ",
                    html.Span(f"{axis.positive.label} (+1)", className="axis-pole", style={"color": axis.positive.colour}),
                    ".",
                ],
                className="subtitle",
            ),
            *([html.P(axis.description, className="axis-description")] if axis.description else []),
        ],
    )


def reading_guide(axis) -> html.Details:
    """What the label, the framing score and the confidence mean, with links to the method and to
    how well the measure holds on text nobody here wrote."""
    neg, neu, pos = axis.negative.label, axis.neutral.label, axis.positive.label
    return html.Details(
        className="card reading-guide",
        open=True,
        children=[
            html.Summary("How to read the scores"),
            html.Ul([
                html.Li([html.Strong("Label: "),
                         f"the most probable of {neg}, {neu} and {pos}, as a model trained on labelled sentences "
                         "and articles reads the article's sentences (headline and lead weigh more)."]),
                html.Li([html.Strong("Framing: "),
                         f"P({pos}) − P({neg}), from −1 (surely {neg}) to +1 (surely {pos}); near 0 the article is "
                         "balanced or the model is unsure. The label is not a cut-off on this number: an article at "
                         f"+0.3 can still be {neu} when that label is the most probable."]),
                html.Li([html.Strong("Confidence: "),
                         "the probability that the label is right, calibrated on held-out articles: of articles "
                         "shown at 70%, roughly 70 in 100 were labelled right on held-out sets (the validity page "
                         "shows how close)."]),
                html.Li([html.Strong("Evidence: "),
                         "open an article to see each sentence shaded by how much it moved the score."]),
            ]),
            html.P([
                "The measure is right about as often as ", html.A("the validity page", href="/validity"),
                " shows (every figure with its interval, beside simple baselines); ",
                html.A("the method", href="/method", id=ids.METHOD_LINK),
                " says how it was built and what it cannot see. Scores describe the text, never the outlet.",
            ], className="description"),
        ],
    )


def scope_filter(ds: Dataset, lexicon) -> html.Div:
    """All articles, or only the story's core thread; counts of the whole store in the labels.
    Hidden for a story that names no core thread."""
    core = ds.core_count
    total = len(ds.frame)
    return html.Div(
        className="filter scope",
        hidden=lexicon.core_name is None,
        children=[
            html.Label("Articles"),
            dcc.RadioItems(
                id=ids.SCOPE_FILTER,
                options=[
                    {"label": f"the whole quarrel ({total:,})", "value": SCOPE_ALL},
                    {"label": f"core story only: {lexicon.core_name or ''} ({core or 0:,})", "value": SCOPE_CORE},
                ],
                value=SCOPE_ALL,
                inline=True,
            ),
        ],
    )


def rows_filter(ds: Dataset) -> html.Div:
    """Per-outlet charts: the outlets with most articles (the charts say how many are left out), or
    every outlet. Hidden while the store holds no more outlets than the charts show anyway."""
    n = len(ds.outlet_counts)
    return html.Div(
        className="filter rows",
        hidden=n <= MAX_OUTLETS,
        children=[
            html.Label("Outlets in the charts"),
            dcc.RadioItems(
                id=ids.ROWS_FILTER,
                options=[{"label": f"the {MAX_OUTLETS} with most articles", "value": ROWS_TOP},
                         {"label": f"all {n:,}" + (" (long charts)" if n > 4 * MAX_OUTLETS else ""),
                          "value": ROWS_ALL}],
                value=ROWS_TOP,
                inline=True,
            ),
        ],
    )


def filters_row(ds: Dataset, lexicon) -> html.Section:
    axis = lexicon.axis
    return html.Section(
        className="filters card",
        children=[
            scope_filter(ds, lexicon),
            rows_filter(ds),
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
                        options=[{"label": lb, "value": lb} for lb in axis.labels],
                        value=list(axis.labels),
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
    {"field": "outlet", "headerName": "Outlet", "filter": "agTextColumnFilter", "width": 140, "minWidth": 110,
     "tooltipField": "outlet"},
    {"field": "date", "headerName": "Date", "filter": "agTextColumnFilter", "width": 112, "minWidth": 112,
     "sort": "desc"},  # newest first until the reader sorts otherwise
    {"field": "title", "headerName": "Title", "filter": "agTextColumnFilter", "width": 320, "minWidth": 160,
     "tooltipField": "title"},
    {"field": "label", "headerName": "Label", "filter": "agTextColumnFilter", "width": 125, "minWidth": 110},
    {
        "field": "framing",
        "headerName": "Framing",
        "headerTooltip": "P(positive pole) − P(negative pole), −1..+1",
        "filter": "agNumberColumnFilter",
        "width": 95,
        "minWidth": 90,
        "valueFormatter": {"function": "params.value == null ? '' : d3.format('+.2f')(params.value)"},
    },
    {
        "field": "confidence",
        "headerName": "Conf.",
        "headerTooltip": "Confidence: the calibrated probability that the label is right",
        "filter": "agNumberColumnFilter",
        "width": 92,
        "minWidth": 92,
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
                columnSize="responsiveSizeToFit",  # widths scale to the card: every column in view
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


def detail_placeholder() -> html.P:
    return html.P("Click a row in the table or a point in “framing by outlet” to read an article here; "
                  "the address then links to it.", className="description")


def detail_card() -> html.Article:
    return html.Article(
        className="card detail-card",
        children=[html.H2("Article"), html.Div(id=ids.DETAIL, className="detail", children=detail_placeholder())],
    )


def account(user) -> html.Div:
    """Who is signed in (a form button to sign out), or a link to sign in."""
    if user is None:
        return html.Div(html.A("Sign in", href="/login", id=ids.SIGN_IN), className="account")
    return html.Div(className="account", children=[
        *([html.A("Code articles", href="/code", id=ids.CODE_LINK), " · "] if user.can_write else []),
        html.Span(f"{user.name} ({user.role})", id=ids.SIGNED_IN_AS),
        html.Form(html.Button("Sign out", type="submit", className="link-button"), method="post", action="/logout"),
    ])


def upload_card(user=None, can_write: bool = False) -> html.Article:
    if can_write:
        hint = [
            "Drop article files here or ",
            html.Span("choose files", className="link"),
            html.Br(),
            html.Small(
                f"{FORMATS_TEXT} — up to {MAX_UPLOAD_FILE // 2**20} MB a file, "
                f"{MAX_UPLOAD_TOTAL // 2**20} MB at once; they are read and scored in the background"
            ),
        ]
    else:
        hint = ["Adding articles needs a signed-in coder or admin."]
    who = f"{user.name} ({user.role}) may not add articles. " if user else ""
    sign_in = [] if can_write else [html.P([who, html.A("Sign in", href="/login?next=/"),
                                            " as a coder or admin to add articles."], className="sign-in-hint")]
    return html.Article(
        id="upload-card",
        className="card upload-card",
        children=[
            html.H2("Add articles"),
            *sign_in,
            # For the articles of this upload that give none of their own (jobs fill them in).
            html.Div(className="upload-fields", children=[
                html.Label(["Outlet ", dcc.Input(id=ids.UPLOAD_OUTLET, type="text", maxLength=MAX_OUTLET,
                                                 placeholder="for articles that name none",
                                                 disabled=not can_write)]),
                html.Label(["Date ", dcc.Input(id=ids.UPLOAD_DATE, type="text", maxLength=MAX_DATE,
                                               placeholder="e.g. 2019-07-12, 2019-07 or 2019",
                                               disabled=not can_write)]),
            ]),
            # No `accept` filter: the browser would drop other files without a word; the server
            # answers each file it cannot read.
            dcc.Upload(
                id=ids.UPLOAD,
                multiple=True,
                disabled=not can_write,
                className="upload" if can_write else "upload disabled",
                children=html.Div(hint),
            ),
            dcc.Store(id=ids.UPLOAD_PAYLOAD),
            dcc.Store(id=ids.JOBS, data=[]),
            dcc.Interval(id=ids.JOB_POLL, interval=JOB_POLL_MS, disabled=True),
            html.P(id=ids.UPLOAD_REFUSED, className="upload-refused", role="alert"),
            html.Ul(id=ids.UPLOAD_MESSAGES, className="upload-messages", role="status"),
            html.Ul(id=ids.JOB_STATUS, className="upload-messages", role="status"),
            *([html.P(html.A("Uploaded articles", href="/uploads", id=ids.UPLOADS_LINK))] if user else []),
        ],
    )


def upload_messages(refused, queued) -> list:
    """Files refused at once, then the files waiting for the background job."""
    items = [html.Li([html.Strong(m.file), f": {m.text}"], className="error") for m in refused]
    items += [html.Li([html.Strong(name), ": queued"], className="pending") for name in queued]
    return items


def job_status(jobs, now: float) -> list:
    """Each watched job: its progress while it runs, one line per file when it is done."""
    items = []
    for job in jobs:
        if job.finished:
            items += [html.Li([html.Strong(m.file or f"upload {job.id}"), f": {m.text}"],
                              className="ok" if m.ok else "error") for m in job.messages]
        elif job.status == "queued":
            waited = now - _epoch(job.submitted_at)
            text = "waiting for the background worker"
            if waited > WORKER_SILENT_S:
                text += (f" ({waited:.0f} s so far: is a worker running? `python -m dashboard worker`, "
                         "or the Procfile's worker process)")
            items.append(html.Li([html.Strong(f"upload {job.id}"), f": {text}"], className="pending"))
        else:
            count = f" {job.done} of {job.total}" if job.total else ""
            items.append(html.Li([html.Strong(f"upload {job.id}"), f": {job.stage or 'starting'}{count}"],
                                 className="pending"))
    return items


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


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


def _sentence(ev, camps: dict, axis) -> html.Span:
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
        style={"backgroundColor": contribution_colour(axis, ev.contribution)},
        **{"data-contribution": f"{ev.contribution:.3f}"},
    )


def shaded_text(text: str, evidence: list, axis, camps: dict | None = None) -> list:
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
        pieces.append(_sentence(ev, camps, axis))
        pos = at + len(ev.sentence)
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


def _kv_table(title: str, values: dict, names: dict | None = None, fmt: str = "{:+.2f}") -> html.Div | None:
    rows = [(names.get(k, k.replace("_", " ")) if names else k.replace("_", " "), fmt.format(v))
            for k, v in (values or {}).items() if v is not None and v == v and v != 0]
    return _rows_table(title, rows)


def _rows_table(title: str, rows: list[tuple[str, str]]) -> html.Div | None:
    if not rows:
        return None
    return html.Div(className="kv", children=[
        html.H4(title),
        html.Table(html.Tbody([html.Tr([html.Td(name), html.Td(value, className="num")]) for name, value in rows])),
    ])


# The analyser's score components (analysis/scoring.py, analysis/article.py FEATURES) in words.
_COMPONENT_WORDS = {
    "mean_stance": ("stance of all sentences (mean)", "{:+.2f}"),
    "title_stance": ("stance of the headline", "{:+.2f}"),
    "lead_stance": ("stance of the lead (first sentences)", "{:+.2f}"),
    "neutral_mass": ("how plain the sentences read (mean P(neutral))", "{:.0%}"),
}


def score_breakdown(score, axis) -> html.Div | None:
    """How the score was reached, in words: each label's probability, then what the article
    model read (stances run from −1, the negative pole, to +1), then whether it is on the story."""
    comps = score.components or {}
    rows = [(f"probability {lab}", f"{comps[f'P({lab})']:.0%}") for lab in axis.labels if f"P({lab})" in comps]
    rows += [(words, fmt.format(comps[key])) for key, (words, fmt) in _COMPONENT_WORDS.items() if key in comps]
    if "on_topic" in comps:
        rows.append(("on the story's topic", "yes" if comps["on_topic"] else "no"))
    if score.core is not None:
        rows.append(("in the core story", "yes" if score.core else "no"))
    return _rows_table("How the score was reached", rows)


def _badge_colour(axis, label: str) -> str:
    """A label's colour; the neutral grey is darkened so that white text stays readable."""
    return "#777777" if label == axis.neutral.label else axis.colour_of(label)


def article_detail(article, score, lexicon) -> list:
    """The detail panel for one article and its score (score may be None: not scored yet)."""
    frames, camps, actors, axis = lexicon.frames, lexicon.camps, lexicon.actors, lexicon.axis
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
                html.Span(score.label, className="badge", style={"backgroundColor": _badge_colour(lexicon.axis, score.label)}),
                html.Span(f" framing {score.framing:+.2f} · confidence {score.confidence:.0%} "
                          "(the calibrated probability that the label is right)"),
                html.Span(f" · {score.n_sentences:,} sentences scored"),
            ],
        )
    )
    breakdown = [
        score_breakdown(score, axis),
        _kv_table("Frames (share of frame terms)", score.frames, frames, "{:.0%}"),
        _kv_table("Voices (share of quoted text)", score.voices, camps, "{:.0%}"),
        _kv_table("Sentiment toward", score.sentiment, actors),
    ]
    children.append(html.Div([b for b in breakdown if b is not None], className="breakdown"))
    children.append(
        html.P(
            className="legend",
            children=[
                "Sentences are shaded by how they move the score: ",
                html.Span(f"towards {axis.negative.name}", style={"backgroundColor": contribution_colour(axis, -0.6)}),
                " ",
                html.Span(f"towards {axis.positive.name}", style={"backgroundColor": contribution_colour(axis, 0.6)}),
                "; matched terms are ",
                html.Mark("marked"),
                ".",
            ],
        )
    )
    children.append(html.Div(shaded_text(article.text, score.evidence, axis, camps), className="article-text"))
    return children
