"""Export engine: every chart as PNG, SVG, standalone HTML or CSV, and everything as one ZIP.

Static images come from kaleido driving a headless Chromium (Debian's /usr/bin/chromium). Starting
Chromium costs seconds, so one browser per process is started on the first image export and
reused; it lives on a private event-loop thread and a lock serialises renders. A process forked
after the start (gunicorn) notices the foreign server and starts its own.
"""
from __future__ import annotations

import asyncio
import atexit
import html
import io
import json
import os
import threading
import time
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis.errors import FramingError
from analysis.safe_text import neutralise  # the one CSV-injection defence, shared with the CLI
from dashboard.charts import CHARTS
from dashboard.charts.common import note_of
from dashboard.charts.context import ChartContext

FORMATS = ("png", "svg", "html", "csv")
MIMETYPES = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html; charset=utf-8",
             "csv": "text/csv; charset=utf-8", "zip": "application/zip"}
IMAGE_WIDTH = 1000  # px; the figure is laid out for it (ChartContext.width) and its own height is kept
PNG_SCALE = 2  # crisp on high-density screens and in print
RENDER_TIMEOUT = 60.0  # seconds for one image; a stuck browser is restarted
START_TIMEOUT = 60.0
METHOD_NOTES = Path(__file__).resolve().parents[1] / "docs" / "method.md"
ARTICLE_COLUMNS_DROPPED = ("text",)  # the bundle's article table: metadata and scores, not full text
HEADER_LIMIT = 1000  # characters of one provenance header (proxies refuse large header blocks)
EXT_VALUE = "UTF-8''"  # RFC 5987: a header value that is not plain ASCII is sent percent-encoded after this
# What the columns of the exported tables hold (metadata.json in the bundle names them per file).
COLUMN_DESCRIPTIONS = {
    "id": "article id (from the file, or made from the file name and line)",
    "outlet": "the outlet that published the article",
    "title": "the article's title",
    "url": "the article's address",
    "date": "publication date, ISO (may be partial: 2019 or 2019-07)",
    "date_precision": "how much of the date is known: day, month, year or unknown",
    "date_start": "first day of the (possibly partial) date",
    "framing": "framing score, -1 (the story's negative pole) to +1 (its positive pole)",
    "label": "the most probable of the story's three labels",
    "confidence": "the probability of that label (0 to 1)",
    "n_sentences": "sentences scored",
    "outlet_n": "articles of the outlet",
    "outlet_mean": "the outlet's mean framing",
    "outlet_ci_low": "lower end of the 95% t-interval of the outlet's mean",
    "outlet_ci_high": "upper end of the 95% t-interval of the outlet's mean",
    "plotted": "whether the article is drawn as a dot (at most 200 per outlet; all are counted)",
    "month": "calendar month (first day)",
    "n": "articles behind the row",
    "mean_framing": "mean framing of those articles",
    "frame": "frame category id",
    "frame_label": "frame category",
    "voice": "camp id of the quoted speakers",
    "voice_label": "camp of the quoted speakers",
    "actor": "actor group id",
    "actor_label": "actor group",
    "share": "the category's share within the outlet (an outlet's shares sum to 1)",
    "n_articles": "articles of the outlet with any weight in this family",
    "mean_polarity": "mean TextBlob polarity of the sentences about the actor group (-1 to +1)",
}
FAMILY_DESCRIPTIONS = {  # columns `<family>:<id>` of the article table: (the id's kind, description)
    "frame": ("frame", "weight of the frame '{}' in the article"),
    "voice": ("camp", "share of the article's attributed text spoken by the camp '{}'"),
    "sent": ("actor", "TextBlob polarity of the sentences about '{}' (empty: not mentioned)"),
}


class UnknownExport(FramingError, KeyError):
    """An export of a chart or format that does not exist (the app turns it into a 404)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown export"


class ImageExportError(FramingError):
    """Static image export is unavailable (no Chromium) or the browser failed."""


@dataclass(frozen=True)
class ExportFile:
    """One downloadable file."""

    content: bytes
    mimetype: str
    filename: str
    provenance: dict[str, str] = field(default_factory=dict)  # what it shows, filters, analyser, story, time


# ---------------------------------------------------------------- static images


class _ImageServer:
    """One kaleido/Chromium per process, on its own event-loop thread, used under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._pid: int | None = None
        self.start_seconds: float | None = None

    def _start(self) -> None:
        import kaleido  # imported late: the dashboard works without static export

        began = time.perf_counter()
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido-server", daemon=True)
        thread.start()

        async def open_browser():
            # mathjax=False: no CDN request (the machine may be offline) and no MathJax start-up.
            k = kaleido.Kaleido(n=1, mathjax=False, timeout=RENDER_TIMEOUT)
            await k.open()
            return k

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure here means "no browser"
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            raise ImageExportError(
                f"static image export needs Chromium (kaleido could not start it: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); run `make setup` to install it"
            ) from None
        self._loop, self._thread, self._pid = loop, thread, os.getpid()
        self.start_seconds = time.perf_counter() - began

    def _stop(self) -> None:
        loop, k = self._loop, self._kaleido
        self._loop = self._thread = self._kaleido = self._pid = None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(15)
        except Exception:  # noqa: BLE001 - closing a broken browser is best effort
            pass
        loop.call_soon_threadsafe(loop.stop)

    def render(self, fig: go.Figure, fmt: str, width: int, height: int, scale: float) -> bytes:
        """PNG or SVG bytes of one figure."""
        with self._lock:
            if self._pid != os.getpid():
                # Never started, or inherited across a fork: the browser thread is not ours.
                self._loop = self._thread = self._kaleido = None
                self._start()
            opts = dict(format=fmt, width=width, height=height, scale=scale)
            future = asyncio.run_coroutine_threadsafe(self._kaleido.calc_fig(fig.to_dict(), opts=opts), self._loop)
            try:
                return future.result(RENDER_TIMEOUT + 5)
            except Exception as exc:  # noqa: BLE001
                future.cancel()
                self._stop()  # the next export starts a fresh browser
                raise ImageExportError(f"rendering the {fmt.upper()} failed: {exc.__class__.__name__}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._stop()


_SERVER = _ImageServer()
atexit.register(_SERVER.close)


def start_image_server() -> float:
    """Start the browser now (e.g. in the background at app start); returns its start time in s."""
    with _SERVER._lock:
        if _SERVER._pid != os.getpid():
            _SERVER._start()
    return _SERVER.start_seconds or 0.0


def stop_image_server() -> None:
    """Close the browser (it is started again by the next image export)."""
    _SERVER.close()


def figure_image(fig: go.Figure, fmt: str, width: int = IMAGE_WIDTH, height: int | None = None) -> bytes:
    """PNG or SVG bytes of a figure, at `width` px and the figure's own height."""
    if fmt not in ("png", "svg"):
        raise UnknownExport(f"unknown image format {fmt!r}: use png or svg")
    height = int(height or fig.layout.height or 500)
    return _SERVER.render(fig, fmt, width, height, PNG_SCALE if fmt == "png" else 1)


# ---------------------------------------------------------------- HTML and CSV


def figure_html(fig: go.Figure, ctx: ChartContext, title: str) -> bytes:
    """A standalone interactive page: plotly.js inlined (works offline), filters and version in
    the <title>, in <meta> tags and in the figure's footnote."""
    page = pio.to_html(fig, include_plotlyjs=True, include_mathjax=False, full_html=True,
                       config={"displaylogo": False, "responsive": True})
    doc_title = f"{title} — {ctx.filters_text or 'all articles'} — analyser {ctx.analyser_version or 'unknown'}"
    head = (
        f"<head>\n<title>{html.escape(doc_title)}</title>\n"
        f'<meta name="generator" content="media-framing dashboard">\n'
        f'<meta name="filters" content="{html.escape(ctx.filters_text, quote=True)}">\n'
        f'<meta name="analyser-version" content="{html.escape(ctx.analyser_version, quote=True)}">\n'
        f'<meta name="exported" content="{_now()}">\n'
    )
    return page.replace("<head>", head, 1).encode("utf-8")


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d")
            continue
        out[column] = series.map(neutralise, na_action="ignore").astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV of `df`: one header row, then the rows (UTF-8, injection-safe text cells); where it
    comes from travels beside it (response headers, the bundle's metadata.json), never inside."""
    return _safe_frame(df).to_csv(index=False, lineterminator="\n", float_format="%.6g").encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _provenance(ctx: ChartContext, chart: str, note: str = "") -> dict[str, str]:
    """What an exported file shows and where it comes from (headers and metadata.json)."""
    return {"chart": chart, "filters": ctx.filters_text or "none (all articles)",
            "analyser_version": ctx.analyser_version or "unknown", "story": ctx.story, "note": note,
            "exported": _now()}


def _header_text(text: str) -> str:
    if text.isascii() and text.isprintable() and not text.startswith(EXT_VALUE):
        return text
    return EXT_VALUE + quote(text, safe="!#$&+-.^_`|~")  # RFC 5987 attr-chars stay as they are


def header_value(text: str, limit: int = HEADER_LIMIT) -> str:
    """`text` as a safe HTTP header value: one line, printable ASCII as it is, anything else as
    an RFC 5987 ext-value (`UTF-8''` and the percent-encoded UTF-8); at most `limit` characters
    (a longer text is cut and ends with "…")."""
    text = " ".join(str(text).split())
    value = _header_text(text)
    if len(value) <= limit:
        return value
    low, high = 0, len(text)  # the longest prefix that fits, found by halving
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if len(_header_text(text[:mid] + "…")) <= limit else (low, mid - 1)
    return _header_text(text[:low] + "…")


def provenance_headers(result: "ExportFile") -> dict[str, str]:
    """`X-Framing-Chart`, `-Filters`, `-Analyser-Version`, `-Story`, `-Note`, `-Exported` of a file."""
    return {"X-Framing-" + key.replace("_", "-").title(): header_value(value)
            for key, value in result.provenance.items() if value}


def _columns(df: pd.DataFrame, ctx: ChartContext) -> dict[str, str]:
    """What each column of an exported table holds."""
    out = {}
    for column in map(str, df.columns):
        head, _, key = column.partition(":")
        if key and head in FAMILY_DESCRIPTIONS:
            kind, description = FAMILY_DESCRIPTIONS[head]
            out[column] = description.format(ctx.label(kind, key))
        else:
            out[column] = COLUMN_DESCRIPTIONS.get(column, "")
    return out


# ---------------------------------------------------------------- public API


def _module(chart_id: str):
    try:
        return CHARTS[chart_id]
    except KeyError:
        raise UnknownExport(f"unknown chart {chart_id!r}: use one of {', '.join(CHARTS)}") from None


def _figure(module, data: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """The chart laid out for an IMAGE_WIDTH-wide file (legend rows, wrapped notes, height), as a
    go.Figure: validated for the renderers."""
    return go.Figure(module.create_figure(data, replace(ctx, width=IMAGE_WIDTH)))


def export_chart(chart_id: str, fmt: str, df: pd.DataFrame, ctx: ChartContext) -> ExportFile:
    """One chart of the filtered scored frame `df` as png, svg, html or csv.

    Raises UnknownExport for an unknown chart or format, ImageExportError if no browser.
    """
    module = _module(chart_id)
    if fmt not in FORMATS:
        raise UnknownExport(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    data = module.process_data(df, ctx)
    filename = f"{chart_id}.{fmt}"
    provenance = _provenance(ctx, chart_id, note_of(data))
    if fmt == "csv":
        return ExportFile(csv_bytes(data), MIMETYPES[fmt], filename, provenance)
    fig = _figure(module, data, ctx)
    if fmt == "html":
        return ExportFile(figure_html(fig, ctx, module.TITLE), MIMETYPES[fmt], filename, provenance)
    return ExportFile(figure_image(fig, fmt), MIMETYPES[fmt], filename, provenance)


def _method_notes() -> str:
    return METHOD_NOTES.read_text(encoding="utf-8")


@dataclass(frozen=True)
class BundleFile:
    """A file the caller adds to the bundle; a CSV names its rows and what each column holds."""

    name: str
    content: bytes
    what: str
    rows: int | None = None
    columns: dict[str, str] | None = None


def export_bundle(df: pd.DataFrame, ctx: ChartContext, extra: tuple[BundleFile, ...] = ()) -> ExportFile:
    """One ZIP: every chart as PNG, SVG, HTML and CSV, the filtered article table, the method and
    its validity figures, metadata.json (where it comes from and what each CSV holds), and the
    `extra` files, listed in its README."""
    from analysis.evaluation.report import load_validity
    from dashboard.validity import render as render_validity

    buf = io.BytesIO()
    listing = []
    provenance = _provenance(ctx, "all")
    tables: dict[str, dict] = {}  # each CSV's rows and columns, for metadata.json
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for chart_id, module in CHARTS.items():
            data = module.process_data(df, ctx)
            fig = _figure(module, data, ctx)
            parts = {
                "png": figure_image(fig, "png"),
                "svg": figure_image(fig, "svg"),
                "html": figure_html(fig, ctx, module.TITLE),
                "csv": csv_bytes(data),
            }
            tables[f"charts/{chart_id}.csv"] = {"chart": chart_id, "title": module.TITLE, "rows": len(data),
                                                "note": note_of(data), "columns": _columns(data, ctx)}
            for fmt, content in parts.items():
                zf.writestr(f"charts/{chart_id}.{fmt}", content)
            listing.append(f"charts/{chart_id}.(png|svg|html|csv)  {module.TITLE}: {module.DESCRIPTION}")
        table = df.drop(columns=[c for c in ARTICLE_COLUMNS_DROPPED if c in df.columns])
        zf.writestr("articles.csv", csv_bytes(table))
        tables["articles.csv"] = {"rows": len(table), "columns": _columns(table, ctx)}
        for f in extra:
            zf.writestr(f.name, f.content)
            if f.name.endswith(".csv"):
                tables[f.name] = {"title": f.what, "rows": f.rows, "columns": f.columns or {}}
        metadata = {key: provenance[key] for key in ("story", "filters", "analyser_version", "exported")}
        zf.writestr("metadata.json", json.dumps({**metadata, "articles": len(df), "files": tables},
                                                indent=1, ensure_ascii=False))
        zf.writestr("method.md", _method_notes())
        validity = load_validity()
        zf.writestr("validity.html", render_validity(validity, ctx.analyser_version or ""))
        if validity is not None:
            zf.writestr("validity.json", json.dumps(validity, indent=1))
        readme = "\n".join([
            "Media-framing dashboard export",
            "",
            f"Story:            {provenance['story']}",
            f"Filters:          {provenance['filters']}",
            f"Analyser version: {provenance['analyser_version']}",
            f"Articles:         {len(df)}",
            f"Exported:         {provenance['exported']}",
            "",
            "Contents:",
            *[f"  {line}" for line in listing],
            "  articles.csv  the filtered article table (metadata and scores, without full text)",
            "  method.md     how the scores are computed",
            "  validity.html how well the measure holds (evaluation sets, baselines, calibration, agreement),",
            "  validity.json   and the same figures as data",
            "  metadata.json the above as data, and for each CSV its rows and what each column holds",
            *[f"  {f.name}  {f.what}" for f in extra],
            "",
            "CSV files are plain: one header row, then the rows (UTF-8). Text cells starting with = + - @,",
            "tab or carriage return carry a leading ' so spreadsheets do not run them as formulas.",
            "",
        ])
        zf.writestr("README.txt", readme)
    return ExportFile(buf.getvalue(), MIMETYPES["zip"], "framing-export.zip", provenance)


__all__ = ["FORMATS", "BundleFile", "ExportFile", "UnknownExport", "ImageExportError", "export_chart", "export_bundle",
           "figure_image", "figure_html", "csv_bytes", "header_value", "provenance_headers", "neutralise",
           "start_image_server", "stop_image_server"]
