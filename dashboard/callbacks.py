"""Callbacks, kept thin: each one calls a plain function below that tests can call directly.

The address's query string is the single source of truth for the filters: controls write it,
and every view (charts, table, exports) reads it.
"""
from __future__ import annotations

import base64
import binascii
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from werkzeug.exceptions import BadRequest

from analysis.errors import FramingError
from analysis.jobs import FileMessage, Job, JobQueue
from dashboard import ids, layout
from dashboard.auth import current_writer
from dashboard.data import (Dataset, Filters, filter_mask, get_reader, load_dataset, open_store, outlet_options,
                            outlet_value)
from dashboard.users import User


@dataclass(frozen=True)
class Config:
    """Where the app's data lives; fixed when the app is created."""

    db_path: str
    lexicon_path: str | None = None
    upload_dir: str | None = None  # default: "uploads" beside the store

    @property
    def uploads(self) -> Path:
        return Path(self.upload_dir) if self.upload_dir else Path(self.db_path).resolve().parent / "uploads"


# ---------------------------------------------------------------- request checks
# Callback inputs come from the browser, so from anyone: a value of the wrong type is a 400 with
# a message (routes.py renders it), never a 500.


def _text(value, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{what} must be text")
    return value


def _texts(values, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"{what} must be a list of text")
    return values


def _mapping(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be an object")
    return value


def _count(value, what: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BadRequest(f"{what} must be a number")
    return int(value)


# ---------------------------------------------------------------- shared services


def dataset(cfg: Config) -> Dataset:
    return load_dataset(cfg.db_path, cfg.lexicon_path)


def filters_of(cfg: Config, search: str | None) -> Filters:
    """The filters a page address names, read against the story's labels."""
    return Filters.from_query(_text(search, "the address's query"), get_reader(cfg.lexicon_path)[0].labels)


def chart_context(cfg: Config, filters: Filters):
    """The ChartContext for the current lexicon, analyser version and filters."""
    from dashboard.charts.context import ChartContext

    lexicon, version = get_reader(cfg.lexicon_path)
    return ChartContext.from_lexicon(lexicon, filters.describe(), version)


def filtered(cfg: Config, filters: Filters):
    """(dataset, filtered rows, chart context) for one view."""
    ds = dataset(cfg)
    return ds, rows_of(ds, filters), chart_context(cfg, filters)


def rows_of(ds: Dataset, filters: Filters, columns: list[str] | None = None):
    """The filtered rows (all columns, or `columns`); the unfiltered view is the frame itself
    (chart builders are pure functions and never modify their input)."""
    frame = ds.frame if columns is None else ds.frame[columns]
    mask = filter_mask(ds, filters)
    return frame if mask.all() else frame[mask]


def chart_figure(chart_id: str, rows, chart_ctx):
    from dashboard.charts import CHARTS

    module = CHARTS[chart_id]
    fig = module.create_figure(module.process_data(rows, chart_ctx), chart_ctx)
    # On the page the card already shows the title; exports (dashboard.export) keep it in the figure.
    layout = dict(fig["layout"], title=dict(fig["layout"].get("title", {}), text=""))
    return {"data": fig["data"], "layout": layout}


# ---------------------------------------------------------------- filters <-> address


def sync_filters(all_labels, triggered: str | None, search, outlets, start, end, labels, q,
                 clear_clicked: bool = False):
    """Keep the address and the controls in step; returns (search, outlets, start, end, labels, q).
    `all_labels` are the story's labels (the label checklist's options).

    From the address (page load, back/forward, a shared link) the controls are set; from a
    control the address is rewritten. `no_update` where nothing changes, so there is no loop.
    """
    outlets, labels = _texts(outlets, "the outlet filter"), _texts(labels, "the label filter")
    start, end, q = _text(start, "the start date"), _text(end, "the end date"), _text(q, "the search text")
    if clear_clicked:
        return "", [], None, None, list(all_labels), ""
    if triggered in (None, ids.URL):
        f = Filters.from_query(search, all_labels)
        return (no_update, [outlet_value(o) for o in f.outlets], f.start, f.end, list(f.labels or all_labels), f.q)
    f = Filters.from_controls(all_labels, outlets, start, end, labels, q)
    query = f.to_query()
    if query == (search or ""):
        return (no_update,) * 6
    return (query,) + (no_update,) * 5


def outlets_with_unknown(cfg: Config, triggered: str | None, search: str | None):
    """Dropdown options when an address names outlets the store does not hold (a shared link from
    another store): sent with the value, so the dropdown never discards them (and rewrites the
    link); `no_update` otherwise."""
    if triggered not in (None, ids.URL):
        return no_update
    ds = dataset(cfg)
    options = outlet_options(ds, filters_of(cfg, search).outlets)
    return options if len(options) > len(ds.outlet_counts) else no_update


# ---------------------------------------------------------------- the view


def render_view(cfg: Config, search: str | None) -> dict:
    """Everything that follows the filters except the table: five figures, summary, empty state."""
    filters = filters_of(cfg, search)
    ds = dataset(cfg)
    # Memoised per data snapshot and filters: back/forward and popular views cost nothing.
    return ds.memo("view", filters, lambda: _render_view(cfg, ds, filters), limit=32)


def _render_view(cfg: Config, ds: Dataset, filters: Filters) -> dict:
    rows = rows_of(ds, filters)
    chart_ctx = chart_context(cfg, filters)
    figures = {cid: chart_figure(cid, rows, chart_ctx) for cid in ids.CHART_IDS}
    if ds.is_empty:
        summary = "No articles in the store yet."
    else:
        summary = f"{len(rows):,} of {len(ds.frame):,} articles · {filters.describe()}"
    return {"figures": figures, "summary": summary, "empty": ds.is_empty}


def _text_condition(series, cond: dict):
    kind, value = cond.get("type", "contains"), str(cond.get("filter") or "").lower()
    s = series.fillna("").astype(str).str.lower()
    if kind == "blank":
        return s == ""
    if kind == "notBlank":
        return s != ""
    ops = {
        "contains": lambda: s.str.contains(value, regex=False),
        "notContains": lambda: ~s.str.contains(value, regex=False),
        "equals": lambda: s == value,
        "notEqual": lambda: s != value,
        "startsWith": lambda: s.str.startswith(value),
        "endsWith": lambda: s.str.endswith(value),
    }
    return ops.get(kind, ops["contains"])()


def _number_condition(series, cond: dict):
    kind, value, to = cond.get("type", "equals"), cond.get("filter"), cond.get("filterTo")
    if kind == "blank":
        return series.isna()
    if kind == "notBlank":
        return series.notna()
    try:
        value = float(value)
        to = float(to) if to is not None else None
    except (TypeError, ValueError):
        return series == series  # an incomplete number filter filters nothing
    ops = {
        "equals": lambda: (series - value).abs() < 1e-9,
        "notEqual": lambda: (series - value).abs() >= 1e-9,
        "greaterThan": lambda: series > value,
        "greaterThanOrEqual": lambda: series >= value,
        "lessThan": lambda: series < value,
        "lessThanOrEqual": lambda: series <= value,
        "inRange": lambda: (series >= value) & (series <= (to if to is not None else value)),
    }
    return ops.get(kind, ops["equals"])().fillna(False)


def _grid_filter(rows, model: dict):
    for col, spec in (model or {}).items():
        if col not in rows.columns:
            continue
        one = _number_condition if spec.get("filterType") == "number" else _text_condition
        if "conditions" in spec:
            parts = [one(rows[col], c) for c in spec["conditions"]]
            mask = parts[0]
            for p in parts[1:]:
                mask = (mask | p) if spec.get("operator") == "OR" else (mask & p)
        else:
            mask = one(rows[col], spec)
        rows = rows[mask.to_numpy(dtype=bool)]
    return rows


def table_page(cfg: Config, search: str | None, request: dict | None) -> dict:
    """One block of table rows for the grid's infinite row model (sorted, filtered server-side)."""
    request = _mapping(request, "the table's row request")
    fields = [c["field"] for c in layout.TABLE_COLUMNS]
    rows = rows_of(dataset(cfg), filters_of(cfg, search), ["id"] + fields)
    try:
        rows = _grid_filter(rows, _mapping(request.get("filterModel"), "the table's filter model"))
    except (AttributeError, KeyError, TypeError, ValueError):
        raise BadRequest("the table's filter model is not one the grid sends") from None
    sort_model = request.get("sortModel") or []
    if not isinstance(sort_model, list) or not all(isinstance(x, dict) for x in sort_model):
        raise BadRequest("the table's sort model must be a list of objects")
    sort = [x for x in sort_model if x.get("colId") in rows.columns]
    if sort:
        rows = rows.sort_values(
            [s["colId"] for s in sort], ascending=[s.get("sort") != "desc" for s in sort], kind="stable",
            na_position="last",
        )
    start = max(0, _count(request.get("startRow"), "startRow", 0))
    end = max(start, _count(request.get("endRow"), "endRow", start + layout.TABLE_PAGE_SIZE))
    block = rows.iloc[start:end]
    out = block.astype(object).where(block.notna(), None)
    return {"rowData": out.to_dict("records"), "rowCount": int(len(rows))}


# ---------------------------------------------------------------- detail


def clicked_article_id(triggered: str | None, cell_clicked: dict | None, click_data: dict | None) -> str | None:
    """The article id from a table click or a click on a point in framing-by-outlet."""
    if triggered == ids.TABLE and cell_clicked:
        return _text(_mapping(cell_clicked, "the clicked cell").get("rowId"), "the clicked row's id")
    if triggered == "framing-by-outlet" and click_data:
        points = _mapping(click_data, "the clicked point").get("points") or []
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise BadRequest("the clicked points must be a list of objects")
        for point in points:
            custom = point.get("customdata")
            if isinstance(custom, (list, tuple)):
                custom = custom[0] if custom else None
            if custom:
                return str(custom)
    return None


def article_detail(cfg: Config, article_id: str | None):
    """The detail panel's children for one article id."""
    if not article_id:
        return no_update
    lexicon, version = get_reader(cfg.lexicon_path)
    with open_store(cfg.db_path) as store:
        article = store.get_article(article_id)
        if article is None:
            return [layout.html.P(f"Article {article_id} is no longer in the store.")]
        score = store.get_score(article.content_hash, version)
    return layout.article_detail(article, score, lexicon)


# ---------------------------------------------------------------- export


def export_download(cfg: Config, search: str | None, chart_id: str, fmt: str) -> dict:
    """A dcc.Download payload for one chart in one format (or the bundle for chart_id 'all')."""
    from dashboard.export import export_bundle, export_chart

    filters = filters_of(cfg, search)
    _, rows, chart_ctx = filtered(cfg, filters)
    if chart_id == "all":
        result = export_bundle(rows, chart_ctx)
    else:
        result = export_chart(chart_id, fmt, rows, chart_ctx)
    content = result.content.encode("utf-8") if isinstance(result.content, str) else result.content
    return {
        "content": base64.b64encode(content).decode("ascii"),
        "filename": result.filename,
        "type": result.mimetype,
        "base64": True,
    }


# ---------------------------------------------------------------- upload

_UNSAFE_CHARS = re.compile(r"[^\w.\- ]+")  # \w: letters and digits of any script, and _
MAX_NAME = 120  # characters of an upload's name that are kept


def safe_filename(name: str | None) -> str:
    """A plain file name that cannot leave its folder: no directories, no leading dots, letters of
    any script kept; a long name is shortened before its extension (".jsonl.gz" stays whole)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", str(name or "")))[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.partition(".")
        ext = (dot + ext)[-40:] if dot else ""
        base = stem[: MAX_NAME - len(ext)].rstrip(" .") + ext
    return base or "upload"


def _decode(content: str) -> bytes:
    _, _, data = (content or "").partition(",")
    return base64.b64decode(data, validate=False)


@dataclass(frozen=True)
class UploadResult:
    """What an upload request did: files refused at once, and the job that will read the rest."""

    refused: list[FileMessage]
    job_id: int | None = None
    queued: tuple[str, ...] = ()  # the names of the files the job will read


def handle_upload(cfg: Config, contents, filenames, user: User | None, why_not: str = "") -> UploadResult:
    """Check and save uploaded files, and queue one background job that ingests and scores them
    (analysis/jobs.py): the request itself never reads an article. Files are written only inside
    a fresh folder under the upload area, under sanitised names. `user` is the signed-in writer;
    without one every file is refused with `why_not`."""
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    _texts(contents, "the uploaded files")
    if not isinstance(filenames, list) or not all(n is None or isinstance(n, str) for n in filenames):
        raise BadRequest("the uploaded file names must be a list of text")
    pairs = list(zip(contents, filenames))
    if user is None:
        return UploadResult([FileMessage(safe_filename(n), f"refused: {why_not}", False) for _, n in pairs])
    refused: list[FileMessage] = []
    accepted: list[tuple[str, bytes]] = []
    for content, name in pairs:
        shown = safe_filename(name)
        try:
            data = _decode(content)
        except (binascii.Error, ValueError):
            refused.append(FileMessage(shown, "could not be read (not a valid upload)", False))
            continue
        if len(data) > layout.MAX_UPLOAD_FILE:
            refused.append(FileMessage(shown, f"refused: {len(data) / 2**20:.1f} MB is over the "
                                              f"{layout.MAX_UPLOAD_FILE // 2**20} MB limit per file", False))
            continue
        accepted.append((shown, data))
    total = sum(len(d) for _, d in accepted)
    if total > layout.MAX_UPLOAD_TOTAL:
        return UploadResult(refused + [
            FileMessage(n, f"refused: the upload totals {total / 2**20:.1f} MB, over the "
                           f"{layout.MAX_UPLOAD_TOTAL // 2**20} MB limit; send fewer files at once", False)
            for n, _ in accepted])
    if not accepted:
        return UploadResult(refused)
    root = cfg.uploads
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root)).resolve()
    files, used = [], set()
    for shown, data in accepted:
        name, n = shown, 1
        stem, dot, ext = shown.partition(".")
        while name in used:
            n += 1
            name = f"{stem}-{n}{dot}{ext}"
        used.add(name)
        path = (folder / name).resolve()
        if path.parent != folder:  # belt and braces: safe_filename already prevents this
            refused.append(FileMessage(shown, "refused: unsafe file name", False))
            continue
        path.write_bytes(data)
        files.append({"name": name, "shown": shown})
    if not files:
        shutil.rmtree(folder, ignore_errors=True)
        return UploadResult(refused)
    with open_store(cfg.db_path) as store:
        job_id = JobQueue(store).submit("ingest", {"folder": str(folder), "files": files}, user.name)
    return UploadResult(refused, job_id, tuple(f["shown"] for f in files))


def job_statuses(cfg: Config, job_ids) -> list[Job]:
    """The jobs a page is watching (ids from the page are untrusted: integers only, at most 20)."""
    wanted = [int(j) for j in (job_ids or []) if isinstance(j, int) and not isinstance(j, bool)][-20:]
    with open_store(cfg.db_path) as store:
        queue = JobQueue(store)
        return [job for job in (queue.get(j) for j in wanted) if job is not None]


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
        Input(ids.CLEAR_FILTERS, "n_clicks"),
    )
    def _sync(search, outlets, start, end, labels, q, _clear):
        trig = ctx.triggered_id
        synced = sync_filters(get_reader(cfg.lexicon_path)[0].labels, trig, search, outlets, start, end, labels, q,
                              clear_clicked=trig == ids.CLEAR_FILTERS)
        return (*synced, outlets_with_unknown(cfg, trig, search))

    @app.callback(
        *[Output(cid, "figure") for cid in ids.CHART_IDS],
        Output(ids.SUMMARY, "children"),
        Output(ids.EMPTY_STATE, "hidden"),
        Output(ids.CHARTS_SECTION, "hidden"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
    )
    def _view(search, _version):
        view = render_view(cfg, search)
        return (*view["figures"].values(), view["summary"], not view["empty"], view["empty"])

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
    # the grid asks again (the request callback then reads the new address).
    app.clientside_callback(
        """
        function(search, version) {
            if (window.dash_ag_grid && dash_ag_grid.getApiAsync) {
                dash_ag_grid.getApiAsync('%s').then(function(api) { api.purgeInfiniteCache(); });
            }
            return Date.now();
        }
        """
        % ids.TABLE,
        Output(ids.TABLE_REFRESH, "data"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.DETAIL, "children"),
        Output(ids.SELECTED_ARTICLE, "data"),
        Input(ids.TABLE, "cellClicked"),
        Input("framing-by-outlet", "clickData"),
        prevent_initial_call=True,
    )
    def _detail(cell, click):
        article_id = clicked_article_id(ctx.triggered_id, cell, click)
        if not article_id:
            return no_update, no_update
        return article_detail(cfg, article_id), article_id

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
        prevent_initial_call=True,
    )
    def _upload(payload, watching):
        payload = _mapping(payload, "the upload")
        if not payload.get("contents"):
            return no_update, no_update, no_update
        user, why_not = current_writer()
        result = handle_upload(cfg, payload["contents"], payload.get("filenames") or [], user, why_not)
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
