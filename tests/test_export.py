"""Export engine: real PNG/SVG through kaleido + Chromium, standalone HTML, safe CSV, ZIP bundle."""
from __future__ import annotations

import csv
import io
import json
import re
import struct
import threading
import xml.etree.ElementTree as ET
import zipfile
import zlib

import pandas as pd
import pytest

from analysis.errors import FramingError
from chart_data import context, scored_frame
from dashboard.charts import CHARTS
from dashboard.export import (FORMATS, ExportFile, UnknownExport, export_bundle, export_chart, header_value,
                              provenance_headers)

FILTERS = "outlet: Alpha, Beta · from 2018-01-01"
VERSION = "analyser-7.3+lex-2"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return scored_frame({"Alpha": 12, "Beta": 7, "Gamma": 1}, seed=21)


@pytest.fixture(scope="module")
def ctx():
    return context(filters_text=FILTERS, version=VERSION)


def png_size(data: bytes) -> tuple[int, int]:
    """Decode enough of a PNG to prove it is one: chunk CRCs, IHDR size, inflated IDAT length."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
        if kind == b"IEND":
            break
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + width * channels * depth // 8)
    return width, height


def test_png_is_a_real_image(frame, ctx):
    out = export_chart("framing-by-outlet", "png", frame, ctx)
    assert isinstance(out, ExportFile) and out.mimetype == "image/png"
    assert out.filename == "framing-by-outlet.png"
    width, height = png_size(out.content)
    assert width >= 1000 and height >= 500


def test_svg_parses_and_has_title_text(frame, ctx):
    out = export_chart("frame-mix", "svg", frame, ctx)
    assert out.mimetype.startswith("image/svg+xml")
    root = ET.fromstring(out.content)
    assert root.tag.endswith("svg")
    text = " ".join(t for t in root.itertext())
    assert CHARTS["frame-mix"].TITLE in text
    assert VERSION in text  # the footnote is part of the picture


def test_html_is_standalone_with_filters_and_version(frame, ctx):
    out = export_chart("framing-over-time", "html", frame, ctx)
    page = out.content.decode("utf-8")
    assert out.mimetype.startswith("text/html")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert re.search(r"plotly\.js v\d+\.\d+", page[:20_000])  # the library's banner, inlined
    assert len(page) > 1_000_000 and "Plotly.newPlot" in page
    assert '<meta name="analyser-version" content="analyser-7.3+lex-2">' in page
    assert 'name="filters" content="outlet: Alpha, Beta · from 2018-01-01"' in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert "Framing over time" in title and VERSION in title


def test_csv_round_trips_with_numbers_and_neutralised_text(ctx):
    df = scored_frame({"Alpha": 4, "=HYPERLINK(\"http://x\",\"y\")": 3}, seed=2)
    df.loc[0, "title"] = "-2+3"
    df.loc[1, "title"] = "@SUM(A1)"
    df.loc[2, "title"] = "\tTabbed"
    df.loc[3, "title"] = "+cmd"
    df.loc[1, "framing"] = -0.75
    out = export_chart("framing-by-outlet", "csv", df, ctx)
    assert out.mimetype.startswith("text/csv") and out.filename.endswith(".csv")
    rows = pd.read_csv(io.BytesIO(out.content))  # a plain CSV: no options needed
    assert out.provenance["filters"] == FILTERS and out.provenance["analyser_version"] == VERSION
    assert pd.api.types.is_float_dtype(rows["framing"]) and pd.api.types.is_float_dtype(rows["outlet_mean"])
    assert (rows["framing"] < 0).any() and rows["framing"].min() == pytest.approx(min(df["framing"].min(), -0.75))
    assert rows.loc[rows["id"] == df.loc[1, "id"], "framing"].iloc[0] == pytest.approx(-0.75)
    assert "'" + df.loc[4, "id"] in set(rows["id"])  # an id starting with "=" is text too
    titles = set(rows["title"])
    assert {"'-2+3", "'@SUM(A1)", "'\tTabbed", "'+cmd"} <= titles
    assert "'=HYPERLINK(\"http://x\",\"y\")" in set(rows["outlet"])
    for column in ("title", "outlet", "id", "label"):
        assert not rows[column].astype(str).str.match(r"^[=+\-@\t\r]").any()
    assert len(rows) == len(df)  # exactly the rows behind the chart


def test_csv_has_exactly_the_process_data_rows(frame, ctx):
    for chart_id, module in CHARTS.items():
        out = export_chart(chart_id, "csv", frame, ctx)
        rows = pd.read_csv(io.BytesIO(out.content))
        expected = module.process_data(frame, ctx)
        assert list(rows.columns) == list(expected.columns), chart_id
        assert len(rows) == len(expected), chart_id
        records = list(csv.reader(io.StringIO(out.content.decode("utf-8"))))
        assert records[0] == list(expected.columns) and len(records) == len(expected) + 1, chart_id
        assert out.provenance["chart"] == chart_id


def test_provenance_headers_are_one_line_of_ascii():
    from urllib.parse import unquote

    assert header_value("outlet: Alpha; dates: 2018-01-01 to …") == (
        "UTF-8''outlet%3A%20Alpha%3B%20dates%3A%202018-01-01%20to%20%E2%80%A6")
    assert header_value("plain  text\r\nX-Injected: 1") == "plain text X-Injected: 1"
    assert header_value("UTF-8''looks encoded").startswith("UTF-8''UTF-8")  # never ambiguous
    long = header_value("Türkiye " * 500)
    assert len(long) <= 1000 and unquote(long[len("UTF-8''"):]).endswith("…")
    out = export_chart("voices", "csv", scored_frame(), context(filters_text="outlets: Türkiye Haber\n, Sputnik"))
    headers = provenance_headers(out)
    assert set(headers) == {"X-Framing-Chart", "X-Framing-Filters", "X-Framing-Analyser-Version",
                            "X-Framing-Exported"} | ({"X-Framing-Note"} if out.provenance["note"] else set())
    for value in headers.values():
        assert value.isascii() and value.isprintable(), value
    assert unquote(headers["X-Framing-Filters"].removeprefix("UTF-8''")) == "outlets: Türkiye Haber , Sputnik"


def test_unknown_chart_or_format_raise_a_specific_error(frame, ctx):
    with pytest.raises(UnknownExport, match="unknown chart 'nope'.*framing-by-outlet"):
        export_chart("nope", "png", frame, ctx)
    with pytest.raises(UnknownExport, match="unknown export format 'gif'.*png, svg, html, csv"):
        export_chart("voices", "gif", frame, ctx)
    err = UnknownExport("unknown chart 'x'")
    assert isinstance(err, KeyError) and isinstance(err, FramingError)
    assert str(err) == "unknown chart 'x'"  # no KeyError quoting
    assert FORMATS == ("png", "svg", "html", "csv")


def test_empty_selection_still_exports(ctx):
    empty = scored_frame().iloc[0:0]
    png_size(export_chart("actor-sentiment", "png", empty, ctx).content)
    out = export_chart("voices", "csv", empty, ctx)
    rows = pd.read_csv(io.BytesIO(out.content))
    assert rows.empty and list(rows.columns) == list(CHARTS["voices"].process_data(empty, ctx).columns)
    assert out.provenance["filters"] == FILTERS


def test_parallel_image_exports_are_safe(frame, ctx):
    results, errors = {}, []

    def work(chart_id, fmt):
        try:
            results[(chart_id, fmt)] = export_chart(chart_id, fmt, frame, ctx).content
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    jobs = [threading.Thread(target=work, args=(c, f)) for c in ("voices", "frame-mix") for f in ("png", "svg")]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(120)
    assert not errors and len(results) == 4
    png_size(results[("voices", "png")])
    assert CHARTS["frame-mix"].TITLE in " ".join(ET.fromstring(results[("frame-mix", "svg")]).itertext())
    assert "Voices by outlet" in " ".join(ET.fromstring(results[("voices", "svg")]).itertext())


def test_bundle_zip_has_every_part(frame, ctx):
    out = export_bundle(frame, ctx)
    assert out.mimetype == "application/zip" and out.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(out.content)) as zf:
        assert zf.testzip() is None
        names = set(zf.namelist())
        for chart_id in CHARTS:
            for fmt in FORMATS:
                assert f"charts/{chart_id}.{fmt}" in names
            png_size(zf.read(f"charts/{chart_id}.png"))
            ET.fromstring(zf.read(f"charts/{chart_id}.svg"))
        assert {"articles.csv", "README.txt", "method.md", "metadata.json"} <= names
        readme = zf.read("README.txt").decode("utf-8")
        assert FILTERS in readme and VERSION in readme and f"Articles:         {len(frame)}" in readme
        articles = pd.read_csv(io.BytesIO(zf.read("articles.csv")))
        assert len(articles) == len(frame) and "text" not in articles.columns
        assert set(articles["id"]) == set(frame["id"])
        assert zf.read("method.md").strip()
        metadata = json.loads(zf.read("metadata.json"))
        assert metadata["filters"] == FILTERS and metadata["analyser_version"] == VERSION
        assert metadata["articles"] == len(frame) and metadata["exported"].startswith("20")
        csvs = sorted(n for n in names if n.endswith(".csv"))
        assert sorted(metadata["files"]) == csvs
        for name in csvs:
            rows = pd.read_csv(io.BytesIO(zf.read(name)))
            described = metadata["files"][name]
            assert described["rows"] == len(rows) and list(described["columns"]) == list(rows.columns), name
            assert all(described["columns"].values()), (name, described["columns"])  # every column explained
        assert metadata["files"]["charts/voices.csv"]["title"] == CHARTS["voices"].TITLE
        assert "Security" in metadata["files"]["articles.csv"]["columns"]["frame:security"]
