"""Plain addresses for scripts: chart exports, the bundle, and a health check."""
from __future__ import annotations

import re

from flask import Flask, Response, request

from dashboard import ids, service
from dashboard.checks import plain
from dashboard.data import Filters, get_reader

_EXPORT = re.compile(r"^(?P<chart>[A-Za-z0-9_-]+)\.(?P<fmt>[A-Za-z0-9.]+)$")


def register(server: Flask, cfg) -> None:
    """Add `/export/<chart-id>.<fmt>`, `/export/all.zip`, `/validity`, `/method` and `/healthz` to the Flask server."""
    @server.get("/export/<path:name>")
    def export(name: str):
        from analysis.errors import FramingError
        from dashboard.export import UnknownExport, export_chart, provenance_headers

        match = _EXPORT.match(name)
        if not match:
            return plain(f"unknown export '{name}': use /export/<chart-id>.<png|svg|html|csv> or /export/all.zip", 404)
        chart_id, fmt = match["chart"], match["fmt"].lower()
        if chart_id == "all" and fmt != "zip":
            return plain(f"unknown export '{name}': the bundle is /export/all.zip", 404)
        if chart_id != "all" and chart_id not in ids.CHART_IDS:
            return plain(f"unknown chart '{chart_id}': charts are {', '.join(ids.CHART_IDS)}", 404)
        if chart_id != "all" and fmt not in ids.EXPORT_FORMATS:
            return plain(f"unknown format '{fmt}': formats are {', '.join(ids.EXPORT_FORMATS)}", 404)
        filters = Filters.from_args(request.args, get_reader(cfg.lexicon_path)[0].labels)
        _, rows, chart_ctx = service.filtered(cfg, filters)
        try:
            result = service.bundle(cfg, rows, chart_ctx) if chart_id == "all" else export_chart(chart_id, fmt, rows, chart_ctx)
        except UnknownExport as exc:
            return plain(f"unknown export '{name}': {exc}", 404)
        except FramingError as exc:  # e.g. no browser for static images: say so, no traceback
            return plain(f"export '{name}' failed: {exc}", 503)
        body = result.content.encode("utf-8") if isinstance(result.content, str) else result.content
        resp = Response(body, content_type=result.mimetype)  # it names its charset already
        resp.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers.update(provenance_headers(result))  # filters, analyser version, story: ASCII-safe
        return resp

    @server.get("/validity")
    def validity():
        from analysis.evaluation.report import load_validity
        from dashboard.coding import coding_record
        from dashboard.validity import render

        version = service.analyser_version(cfg)
        return Response(render(load_validity(), version, coding_record(cfg, version)), mimetype="text/html")

    @server.get("/method")
    def method():
        from dashboard.method import render

        return Response(render(), mimetype="text/html")

    @server.get("/healthz")
    def healthz():
        ds = service.dataset(cfg)
        return {"status": "ok", "articles": int(len(ds.frame)), "analyser_version": ds.version}

    @server.errorhandler(400)
    def bad_request(exc):
        return plain(f"bad request: {getattr(exc, 'description', '') or 'malformed'}", 400)

    @server.errorhandler(413)
    def too_large(_exc):
        return plain("upload refused: the request is larger than the upload limit", 413)
