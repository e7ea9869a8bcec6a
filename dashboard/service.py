"""The services the page's callbacks and the plain routes share: the dataset, the filters an
address names, the filtered rows, figures, table blocks, the detail panel and exports. Plain
functions of the app's Config; nothing here knows about Dash callbacks."""
from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from pathlib import Path

from dash import no_update
from werkzeug.exceptions import BadRequest

from dashboard import checks, ids, layout
from dashboard.data import Dataset, Filters, filter_mask, get_reader, load_dataset, open_store, store_version


@dataclass(frozen=True)
class Config:
    """Where the app's data lives; fixed when the app is created."""

    db_path: str
    lexicon_path: str | None = None
    upload_dir: str | None = None  # default: "uploads" beside the store

    @property
    def uploads(self) -> Path:
        return Path(self.upload_dir) if self.upload_dir else Path(self.db_path).resolve().parent / "uploads"



def dataset(cfg: Config) -> Dataset:
    return load_dataset(cfg.db_path, cfg.lexicon_path)


def analyser_version(cfg: Config) -> str:
    """The version of the analyser that scores this app's store (with its own article model, if any)."""
    return store_version(cfg.db_path, cfg.lexicon_path)


def filters_of(cfg: Config, search: str | None) -> Filters:
    """The filters a page address names, read against the story's labels."""
    return Filters.from_query(checks.text(search, "the address's query"), get_reader(cfg.lexicon_path)[0].labels)


def chart_context(cfg: Config, ds: Dataset, filters: Filters):
    """The ChartContext for the story, the analyser that scored the snapshot `ds`, and the filters."""
    from dashboard.charts.context import ChartContext

    return ChartContext.from_lexicon(get_reader(cfg.lexicon_path)[0], filters.describe(), ds.version,
                                     all_outlets=filters.all_outlets)


def filtered(cfg: Config, filters: Filters):
    """(dataset, filtered rows, chart context) for one view."""
    ds = dataset(cfg)
    return ds, rows_of(ds, filters), chart_context(cfg, ds, filters)


def rows_of(ds: Dataset, filters: Filters, columns: list[str] | None = None):
    """The filtered rows (all columns, or `columns`); the unfiltered view is the frame itself
    (chart builders are pure functions and never modify their input)."""
    frame = ds.frame if columns is None else ds.frame[columns]
    mask = filter_mask(ds, filters)
    return frame if mask.all() else frame[mask]


def chart_figure(chart_id: str, rows, chart_ctx):
    from dashboard.charts import CHARTS

    module = CHARTS[chart_id]
    # On the page the card shows the title; exports (dashboard.export) keep it in the figure.
    page_ctx = replace(chart_ctx, show_title=False)
    fig = module.create_figure(module.process_data(rows, page_ctx), page_ctx)
    return {"data": fig["data"], "layout": fig["layout"]}



def render_view(cfg: Config, search: str | None) -> dict:
    """Everything that follows the filters except the table: five figures, summary, empty state."""
    filters = filters_of(cfg, search)
    ds = dataset(cfg)
    # Memoised per data snapshot and filters: back/forward and popular views cost nothing.
    return ds.memo("view", filters, lambda: _render_view(cfg, ds, filters), limit=32)


def _render_view(cfg: Config, ds: Dataset, filters: Filters) -> dict:
    rows = rows_of(ds, filters)
    chart_ctx = chart_context(cfg, ds, filters)
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
    request = checks.mapping(request, "the table's row request")
    fields = [c["field"] for c in layout.TABLE_COLUMNS]
    rows = rows_of(dataset(cfg), filters_of(cfg, search), ["id"] + fields)
    try:
        rows = _grid_filter(rows, checks.mapping(request.get("filterModel"), "the table's filter model"))
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
    start = max(0, checks.count(request.get("startRow"), "startRow", 0))
    end = max(start, checks.count(request.get("endRow"), "endRow", start + layout.TABLE_PAGE_SIZE))
    block = rows.iloc[start:end]
    out = block.astype(object).where(block.notna(), None)
    return {"rowData": out.to_dict("records"), "rowCount": int(len(rows))}



def article_detail(cfg: Config, article_id: str | None):
    """The detail panel's children for one article id."""
    if not article_id:
        return no_update
    lexicon, version = get_reader(cfg.lexicon_path)[0], analyser_version(cfg)
    with open_store(cfg.db_path) as store:
        article = store.get_article(article_id)
        if article is None:
            return [layout.html.P(f"Article {article_id} is no longer in the store.")]
        score = store.get_score(article.content_hash, version)
    return layout.article_detail(article, score, lexicon)


# ---------------------------------------------------------------- export


def bundle(cfg: Config, rows, chart_ctx):
    """The ZIP of everything (/export/all.zip, "Export all"): the charts, the articles, the method,
    the validity figures and the store's coding (codes, agreement, the analyser against the coders)."""
    from dashboard.coding import bundle_files
    from dashboard.export import export_bundle

    return export_bundle(rows, chart_ctx, extra=bundle_files(cfg, chart_ctx.analyser_version))


def export_download(cfg: Config, search: str | None, chart_id: str, fmt: str) -> dict:
    """A dcc.Download payload for one chart in one format (or the bundle for chart_id 'all')."""
    from dashboard.export import export_chart

    filters = filters_of(cfg, search)
    _, rows, chart_ctx = filtered(cfg, filters)
    if chart_id == "all":
        result = bundle(cfg, rows, chart_ctx)
    else:
        result = export_chart(chart_id, fmt, rows, chart_ctx)
    content = result.content.encode("utf-8") if isinstance(result.content, str) else result.content
    return {
        "content": base64.b64encode(content).decode("ascii"),
        "filename": result.filename,
        "type": result.mimetype,
        "base64": True,
    }

