"""Callbacks, kept thin: each one calls a service (dashboard/service.py, dashboard/uploads.py) that
tests and the plain routes call directly.

The address's query string is the single source of truth for the filters: controls write it,
and every view (charts, table, exports) reads it.
"""
from __future__ import annotations

import time

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from werkzeug.exceptions import BadRequest

from dashboard import checks, ids, layout
from dashboard.auth import current_writer
from dashboard.data import (SCOPE_ALL, SCOPE_CORE, Filters, article_of, get_reader, outlet_options, outlet_value,
                            with_article)
from dashboard.service import (Config, article_detail, dataset, export_download, filters_of, render_view,
                               table_page)
from dashboard.uploads import handle_upload, job_statuses


# ---------------------------------------------------------------- filters <-> address


def sync_filters(all_labels, triggered: str | None, search, outlets, start, end, labels, q, scope=SCOPE_ALL,
                 clear_clicked: bool = False):
    """Keep the address and the controls in step; returns (search, outlets, start, end, labels, q,
    scope). `all_labels` are the story's labels (the label checklist's options).

    From the address (page load, back/forward, a shared link) the controls are set; from a
    control the address is rewritten, keeping the open article. `no_update` where nothing
    changes, so there is no loop.
    """
    outlets, labels = checks.texts(outlets, "the outlet filter"), checks.texts(labels, "the label filter")
    start, end, q = checks.text(start, "the start date"), checks.text(end, "the end date"), checks.text(q, "the search text")
    scope = checks.text(scope, "the core switch")
    search = checks.text(search, "the address's query")
    if clear_clicked:
        return with_article("", article_of(search)), [], None, None, list(all_labels), "", SCOPE_ALL
    if triggered in (None, ids.URL):
        f = Filters.from_query(search, all_labels)
        return (no_update, [outlet_value(o) for o in f.outlets], f.start, f.end, list(f.labels or all_labels), f.q,
                SCOPE_CORE if f.core else SCOPE_ALL)
    f = Filters.from_controls(all_labels, outlets, start, end, labels, q, scope)
    query = with_article(f.to_query(), article_of(search))
    if query == (search or ""):
        return (no_update,) * 7
    return (query,) + (no_update,) * 6


def outlets_with_unknown(cfg: Config, triggered: str | None, search: str | None):
    """Dropdown options when an address names outlets the store does not hold (a shared link from
    another store): sent with the value, so the dropdown never discards them (and rewrites the
    link); `no_update` otherwise."""
    if triggered not in (None, ids.URL):
        return no_update
    ds = dataset(cfg)
    options = outlet_options(ds, filters_of(cfg, search).outlets)
    return options if len(options) > len(ds.outlet_counts) else no_update



# ---------------------------------------------------------------- detail


def open_article(cfg: Config, search: str | None, shown: str | None):
    """(detail panel, shown article id) for the article the address names; `no_update` for both
    when that article is already shown (a filter change), the placeholder when none is named
    (back to before a click)."""
    wanted = article_of(checks.text(search, "the address's query"))
    if wanted == shown:
        return no_update, no_update
    if wanted is None:
        return layout.detail_placeholder(), None
    return article_detail(cfg, wanted), wanted


def select_article(cfg: Config, search: str | None, article_id: str | None):
    """The address with `article_id` opened (the filters kept), or `no_update` without an id."""
    if not article_id:
        return no_update
    return with_article(filters_of(cfg, search).to_query(), article_id)


def clicked_article_id(triggered: str | None, cell_clicked: dict | None, click_data: dict | None) -> str | None:
    """The article id from a table click or a click on a point in framing-by-outlet."""
    if triggered == ids.TABLE and cell_clicked:
        return checks.text(checks.mapping(cell_clicked, "the clicked cell").get("rowId"), "the clicked row's id")
    if triggered == ids.OUTLET_CHART and click_data:
        points = checks.mapping(click_data, "the clicked point").get("points") or []
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise BadRequest("the clicked points must be a list of objects")
        for point in points:
            custom = point.get("customdata")
            if isinstance(custom, (list, tuple)):
                custom = custom[0] if custom else None
            if custom:
                return str(custom)
    return None



# ---------------------------------------------------------------- wiring


def register(app: Dash, cfg: Config) -> None:
    """Attach every callback to `app` (per app, so several apps can live in one process)."""
    filter_outputs = [
        Output(ids.URL, "search"),
        Output(ids.OUTLET_FILTER, "value"),
        Output(ids.DATE_FILTER, "start_date"),
        Output(ids.DATE_FILTER, "end_date"),
        Output(ids.LABEL_FILTER, "value"),
        Output(ids.SEARCH_FILTER, "value"),
        Output(ids.SCOPE_FILTER, "value"),
    ]

    @app.callback(
        *filter_outputs,
        Output(ids.OUTLET_FILTER, "options"),
        Input(ids.URL, "search"),
        Input(ids.OUTLET_FILTER, "value"),
        Input(ids.DATE_FILTER, "start_date"),
        Input(ids.DATE_FILTER, "end_date"),
        Input(ids.LABEL_FILTER, "value"),
        Input(ids.SEARCH_FILTER, "value"),
        Input(ids.SCOPE_FILTER, "value"),
        Input(ids.CLEAR_FILTERS, "n_clicks"),
    )
    def _sync(search, outlets, start, end, labels, q, scope, _clear):
        trig = ctx.triggered_id
        synced = sync_filters(get_reader(cfg.lexicon_path)[0].labels, trig, search, outlets, start, end, labels, q,
                              scope, clear_clicked=trig == ids.CLEAR_FILTERS)
        return (*synced, outlets_with_unknown(cfg, trig, search))

    @app.callback(
        *[Output(cid, "figure") for cid in ids.CHART_IDS],
        Output(ids.SUMMARY, "children"),
        Output(ids.EMPTY_STATE, "hidden"),
        Output(ids.CHARTS_SECTION, "hidden"),
        Output(ids.VIEW_QUERY, "data"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.VIEW_QUERY, "data"),
    )
    def _view(search, _version, shown):
        query = filters_of(cfg, search).to_query()
        if ctx.triggered_id == ids.URL and query == shown:  # only the open article changed
            return (no_update,) * (len(ids.CHART_IDS) + 4)
        view = render_view(cfg, search)
        return (*view["figures"].values(), view["summary"], not view["empty"], view["empty"], query)

    @app.callback(
        Output(ids.OUTLET_FILTER, "options", allow_duplicate=True),
        Output(ids.FOOTER, "children"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def _options(_version, search):
        ds = dataset(cfg)
        return outlet_options(ds, filters_of(cfg, search).outlets), layout.footer(ds.version, ds).children

    @app.callback(
        Output(ids.TABLE, "getRowsResponse"),
        Input(ids.TABLE, "getRowsRequest"),
        State(ids.URL, "search"),
    )
    def _rows(request, search):
        if request is None:
            return no_update
        return table_page(cfg, search, request)

    # The infinite row model keeps blocks cached; drop them when the filters or data change so
    # the grid asks again (the request callback then reads the new address). Not on the first
    # view (the grid has just asked) nor when only the open article changed.
    app.clientside_callback(
        """
        function(view, version) {
            const key = JSON.stringify([view, version]);
            const seen = window.__framingTableKey;
            window.__framingTableKey = key;
            if (seen === undefined || seen === key) { return window.dash_clientside.no_update; }
            if (window.dash_ag_grid && dash_ag_grid.getApiAsync) {
                dash_ag_grid.getApiAsync('%s').then(function(api) { api.purgeInfiniteCache(); });
            }
            return Date.now();
        }
        """
        % ids.TABLE,
        Output(ids.TABLE_REFRESH, "data"),
        Input(ids.VIEW_QUERY, "data"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )

    # A click puts the article in the address (`?article=ID`: a link to share, a step for back and
    # forward); the panel follows the address.
    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.TABLE, "cellClicked"),
        Input(ids.OUTLET_CHART, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def _select(cell, click, search):
        return select_article(cfg, search, clicked_article_id(ctx.triggered_id, cell, click))

    @app.callback(
        Output(ids.DETAIL, "children"),
        Output(ids.SELECTED_ARTICLE, "data"),
        Input(ids.URL, "search"),
        State(ids.SELECTED_ARTICLE, "data"),
    )
    def _detail(search, shown):
        return open_article(cfg, search, checks.text(shown, "the open article"))

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Output(ids.EXPORT_MESSAGE, "children"),
        Input({"type": ids.EXPORT_BUTTON, "chart": ALL, "fmt": ALL}, "n_clicks"),
        Input(ids.EXPORT_ALL, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def _export(_clicks, _all, search):
        trig = ctx.triggered_id
        if not trig or not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update, no_update
        chart_id, fmt = ("all", "zip") if trig == ids.EXPORT_ALL else (trig["chart"], trig["fmt"])
        try:
            return export_download(cfg, search, chart_id, fmt), ""
        except Exception as exc:  # noqa: BLE001 - an export failure is shown in the page, not raised
            return no_update, f"Export of {chart_id} as {fmt.upper()} failed: {exc}"

    # Uploads over the total limit are refused in the browser, so they are never sent (the server
    # checks every limit again; Flask's MAX_CONTENT_LENGTH is the last guard).
    app.clientside_callback(
        """
        function(contents, names) {
            const none = window.dash_clientside.no_update;
            if (!contents) { return [none, none]; }
            const list = Array.isArray(contents) ? contents : [contents];
            const files = Array.isArray(names) ? names : [names];
            const bytes = list.reduce((n, c) => n + Math.floor((c.length - c.indexOf(',') - 1) * 3 / 4), 0);
            if (bytes > %d) {
                return [none, 'Upload refused: ' + files.length + ' file(s) totalling ' +
                        (bytes / 1048576).toFixed(1) + ' MB, over the %d MB limit; send fewer files at once.'];
            }
            return [{contents: list, filenames: files, at: Date.now()}, ''];
        }
        """
        % (layout.MAX_UPLOAD_TOTAL, layout.MAX_UPLOAD_TOTAL // 2**20),
        Output(ids.UPLOAD_PAYLOAD, "data"),
        Output(ids.UPLOAD_REFUSED, "children"),
        Input(ids.UPLOAD, "contents"),
        State(ids.UPLOAD, "filename"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.UPLOAD_MESSAGES, "children"),
        Output(ids.JOBS, "data"),
        Output(ids.JOB_POLL, "disabled"),
        Input(ids.UPLOAD_PAYLOAD, "data"),
        State(ids.JOBS, "data"),
        State(ids.UPLOAD_OUTLET, "value"),
        State(ids.UPLOAD_DATE, "value"),
        prevent_initial_call=True,
    )
    def _upload(payload, watching, outlet, date):
        payload = checks.mapping(payload, "the upload")
        if not payload.get("contents"):
            return no_update, no_update, no_update
        user, why_not = current_writer()
        result = handle_upload(cfg, payload["contents"], payload.get("filenames") or [], user, why_not,
                               outlet=outlet, date=date)
        items = layout.upload_messages(result.refused, result.queued)
        if result.job_id is None:
            return items, no_update, no_update
        return items, [*(watching or []), result.job_id][-20:], False

    @app.callback(
        Output(ids.JOB_STATUS, "children"),
        Output(ids.JOB_POLL, "disabled", allow_duplicate=True),
        Output(ids.DATA_VERSION, "data"),
        Input(ids.JOB_POLL, "n_intervals"),
        State(ids.JOBS, "data"),
        State(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _jobs(_tick, watching, shown_version):
        jobs = job_statuses(cfg, watching)
        status = layout.job_status(jobs, time.time())
        if not jobs or any(not j.finished for j in jobs):
            return status, not jobs, no_update
        # Every watched job has ended: the views reload once this process's snapshot holds what
        # they wrote (within load_dataset's RELOAD_INTERVAL); until then the page keeps asking.
        if dataset(cfg).stamp[0] < max(j.generation or 0 for j in jobs):
            return status, False, no_update
        finished_key = "jobs:" + ",".join(str(j.id) for j in jobs)
        return status, True, (finished_key if finished_key != shown_version else no_update)
