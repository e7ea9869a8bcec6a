"""Readers: every supported format, mixed paths, and each kind of bad input as one IngestError
(never an exception) while the rest is still read. Fixture texts are written for these tests."""
from __future__ import annotations

import gzip
import json

import pytest

from analysis.corpus import IngestWarning, Limits, decode_bytes, NotText, read_paths
from analysis.models import Article, IngestError

BODY = (
    "The harbour board voted on Tuesday to build a second ferry terminal on the northern quay. "
    "Funding will come from a regional bond, the chair said after the meeting."
)
BODY2 = "Engineers inspected the old bridge on Monday and found cracks in two cables, the city said."


def split(items):
    items = list(items)
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, IngestError) and not isinstance(i, IngestWarning)]
    warns = [i for i in items if isinstance(i, IngestWarning)]
    return arts, errs, warns


def write_jsonl(path, rows, opener=open):
    with opener(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")


ROW = {"id": "r1", "outlet": "Harbour Gazette", "date": "2021-03-02", "title": "Board backs ferry terminal", "url": "", "text": BODY}


def test_jsonl_and_gzip(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [ROW])
    write_jsonl(tmp_path / "b.jsonl.gz", [{**ROW, "id": "r2", "text": BODY2}], opener=gzip.open)
    arts, errs, _ = split(read_paths([tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"]))
    assert not errs
    assert [a.id for a in arts] == ["r1", "r2"]
    a = arts[0]
    assert (a.outlet, a.title, a.date, a.date_precision, a.text) == ("Harbour Gazette", "Board backs ferry terminal", "2021-03-02", "day", BODY)
    assert a.source == str((tmp_path / "a.jsonl").resolve())
    assert len(a.content_hash) == 64


def test_jsonl_missing_id_gets_file_and_line(tmp_path):
    write_jsonl(tmp_path / "feed.jsonl", ["", {k: v for k, v in ROW.items() if k != "id"}])
    arts, errs, _ = split(read_paths([tmp_path / "feed.jsonl"]))
    assert not errs and arts[0].id == "feed-2"


def test_malformed_jsonl_line_names_the_line_and_the_rest_is_read(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [ROW, '{"id": "broken", "text": ', {**ROW, "id": "r3"}, "[1, 2]", {"id": "nt"}])
    arts, errs, _ = split(read_paths([tmp_path / "a.jsonl"]))
    assert [a.id for a in arts] == ["r1", "r3"]
    assert [(e.line, e.reason.split(" (")[0]) for e in errs] == [(2, "malformed JSON"), (4, "not a JSON object"), (5, "no 'text' field")]
    assert str(errs[0]).startswith(f"{tmp_path / 'a.jsonl'}:2: malformed JSON")


def test_csv_reader(tmp_path):
    (tmp_path / "a.csv").write_text(
        'id,outlet,date,title,url,text\nc1,Harbour Gazette,2020,Board backs terminal,,"' + BODY + '"\n'
        'c2,,,,https://www.valley-news.example/2019/05/04/bridge,"' + BODY2 + '"\n',
        encoding="utf-8",
    )
    arts, errs, _ = split(read_paths([tmp_path / "a.csv"]))
    assert not errs
    assert [(a.id, a.date, a.date_precision) for a in arts] == [("c1", "2020", "year"), ("c2", "2019-05-04", "day")]
    assert arts[1].outlet == "Valley News"
    assert arts[1].title  # inferred


def test_csv_without_text_column_is_one_error(tmp_path):
    (tmp_path / "a.csv").write_text("id,title\n1,x\n2,y\n", encoding="utf-8")
    arts, errs, _ = split(read_paths([tmp_path / "a.csv"]))
    assert not arts and len(errs) == 1
    assert "no 'text' column" in errs[0].reason and errs[0].line is None


def test_parquet_file_and_hive_partitions(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    part = tmp_path / "ds" / "outlet=Harbour%20Gazette"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([{"id": "p1", "title": "Board backs terminal", "date": "2021-06", "text": BODY}]), part / "part-0.parquet")
    pq.write_table(pa.Table.from_pylist([{"id": "p2", "outlet": "Valley News", "title": "Bridge cracks", "text": BODY2}]), tmp_path / "one.parquet")
    arts, errs, _ = split(read_paths([tmp_path / "ds", tmp_path / "one.parquet"]))
    assert not errs
    assert [(a.id, a.outlet, a.date) for a in arts] == [("p1", "Harbour Gazette", "2021-06"), ("p2", "Valley News", None)]


def test_html_page(tmp_path):
    pytest.importorskip("trafilatura")
    html = f"""<html><head><title>Board backs ferry terminal | Harbour Gazette</title>
    <meta property="og:site_name" content="Harbour Gazette"><meta name="author" content="Jane Roe">
    <meta property="article:published_time" content="2021-03-02T08:00:00Z"></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>Board backs ferry terminal</h1><p>{BODY}</p><p>{BODY2}</p></article>
    <footer>Copyright 2021 Harbour Gazette. All rights reserved.</footer></body></html>"""
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    arts, errs, _ = split(read_paths([tmp_path / "page.html"]))
    assert not errs
    [a] = arts
    assert a.id == "page"
    assert a.title == "Board backs ferry terminal"
    assert (a.outlet, a.byline, a.date) == ("Harbour Gazette", "Jane Roe", "2021-03-02")
    assert BODY in " ".join(a.text.split()) and BODY2 in a.text
    assert "All rights reserved" not in a.text and not a.text.startswith("Board backs")


def test_folders_are_walked_recursively_and_mixed_with_files(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "one.txt").write_text("Bridge Cracks Found In Cables\n\n" + BODY2, encoding="utf-8")
    (tmp_path / "d" / "sub" / "two.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "d" / "notes.md").write_text("ignored in a folder", encoding="utf-8")
    (tmp_path / "d" / ".hidden.txt").write_text(BODY, encoding="utf-8")
    write_jsonl(tmp_path / "x.jsonl", [ROW])
    arts, errs, _ = split(read_paths([tmp_path / "d", tmp_path / "x.jsonl"]))
    assert not errs
    assert [a.id for a in arts] == ["one", "two", "r1"]
    assert arts[0].title == "Bridge Cracks Found In Cables"


def test_missing_and_unsupported_paths(tmp_path):
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4")
    _, errs, _ = split(read_paths([tmp_path / "nope.txt", tmp_path / "doc.pdf"]))
    assert [e.reason for e in errs][0].startswith("no such file")
    assert errs[1].reason == ("not a supported format (use .jsonl, .json, .csv (each optionally .gz), .txt, .html "
                              "or .parquet)")


def test_empty_and_binary_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (tmp_path / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "gz.jsonl.gz").write_bytes(b"not gzip at all")
    arts, errs, _ = split(read_paths([tmp_path / n for n in ("empty.txt", "blank.txt", "img.txt", "gz.jsonl.gz")]))
    assert not arts
    reasons = [e.reason for e in errs]
    assert reasons[0] == "empty file"
    assert reasons[1].startswith("empty file")
    assert reasons[2].startswith("binary file")
    assert "gzip" in reasons[3]


def test_legacy_encodings_are_decoded():
    assert decode_bytes("Mevlüt Çavusoglu said: “final” – café".encode("cp1252")) == "Mevlüt Çavusoglu said: “final” – café"
    assert decode_bytes("Mevlüt Çavusoglu, Zürich, señor".encode("latin-1")) == "Mevlüt Çavusoglu, Zürich, señor"
    assert decode_bytes("Bakan Çavuşoğlu dedi ki anlaşma tamam.".encode("cp1254")) == "Bakan Çavuşoğlu dedi ki anlaşma tamam."
    assert decode_bytes("\ufeffplain".encode("utf-8")) == "plain"
    assert decode_bytes("utf16 text".encode("utf-16")) == "utf16 text"
    with pytest.raises(NotText):
        decode_bytes(b"\x00\x01\x02binary")


def test_size_limits(tmp_path):
    (tmp_path / "big.txt").write_text(BODY * 20, encoding="utf-8")
    write_jsonl(tmp_path / "rows.jsonl", [{**ROW, "text": BODY * 20}, {**ROW, "id": "small"}])
    limits = Limits(max_document_bytes=1000, max_data_bytes=10**6, max_record_bytes=1000)
    arts, errs, _ = split(read_paths([tmp_path / "big.txt", tmp_path / "rows.jsonl"], limits))
    assert [a.id for a in arts] == ["small"]
    assert "too large" in errs[0].reason and errs[0].line is None
    assert "too long" in errs[1].reason and errs[1].line == 1


def test_unparseable_date_keeps_the_article_with_a_warning(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{**ROW, "date": "next Tuesday-ish"}, {**ROW, "id": "r2", "date": "9/17/16"}])
    arts, errs, warns = split(read_paths([tmp_path / "a.jsonl"]))
    assert not errs
    assert [(a.date, a.date_precision) for a in arts] == [(None, "unknown"), ("2016-09-17", "day")]
    assert len(warns) == 1 and warns[0].line == 1 and "unparseable date" in warns[0].reason


def test_manifest_values_win(tmp_path):
    (tmp_path / "a.txt").write_text("Old Headline Printed On The Page\n\n" + BODY, encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,outlet,url,date,title\na.txt,Harbour Gazette,https://www.other.example/2019/01/01/x,2021-06,Manifest title\n",
        encoding="utf-8",
    )
    [a] = split(read_paths([tmp_path]))[0]
    assert (a.outlet, a.date, a.date_precision, a.title) == ("Harbour Gazette", "2021-06", "month", "Manifest title")
    assert a.text == BODY


def test_sample_corpus_reads_cleanly(shared_corpus):
    arts, errs, _ = split(read_paths([shared_corpus / "s400", shared_corpus / "turkey-nato.jsonl"]))
    assert not errs
    assert len(arts) == 5 + 312
    assert len({a.id for a in arts}) == len(arts)
    assert all(a.text and a.title and a.outlet for a in arts)
