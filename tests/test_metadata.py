"""Metadata: dates with precision (address > page > text, crawl stamps distrusted), titles,
outlets; and the expected metadata of the five real samples."""
from __future__ import annotations

import csv
import shutil

import pytest

from analysis.cleaning import Stamp
from analysis.corpus import read_paths
from analysis.metadata import (
    date_from_text,
    date_from_url,
    infer_title,
    outlet_from_url,
    parse_date,
    parse_stamp,
    title_from_url,
)
from analysis.models import Article, IngestError


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2020", ("2020", "year")),
        ("2021-06", ("2021-06", "month")),
        ("2018-04-08", ("2018-04-08", "day")),
        ("2018-04-08T10:15:00Z", ("2018-04-08", "day")),
        ("July 17, 2018", ("2018-07-17", "day")),
        ("17 July 2018", ("2018-07-17", "day")),
        ("08-Apr-2018", ("2018-04-08", "day")),
        ("Sept. 3, 2019", ("2019-09-03", "day")),
        ("April 2018", ("2018-04", "month")),
        ("9/17/16", ("2016-09-17", "day")),  # unambiguous month/day
        ("5/6/14", ("2014", "year")),  # May 6 or 5 June: only the year is sure
        ("", (None, "unknown")),
        (None, (None, "unknown")),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["tomorrow", "2018-13-01", "32/1/2018", "1850-01-01", "99999"])
def test_parse_date_rejects(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://news.example/politics/2019/07/12/some-story.html", ("2019-07-12", "day")),
        ("https://news.example/08-Apr-2018/some-story", ("2018-04-08", "day")),
        ("https://wire.example/military/201707281055959809-some-story/", ("2017-07-28", "day")),
        ("https://news.example/2019/07/some-story", ("2019-07", "month")),
        ("https://news.example/news/22961/Some_Story", None),
        ("", None),
    ],
)
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected


def test_parse_stamp():
    assert parse_stamp("04:27 GMT07 August 2020") == ("2020-08-07", "day")
    assert parse_stamp("08:36 AM, July 17, 2018") == ("2018-07-17", "day")
    assert parse_stamp("Updated: 3 March 2021 09:14 IST") == ("2021-03-03", "day")


def test_crawl_stamp_is_not_the_date_when_the_article_is_older():
    text = "The talks began in 2015 and were still going on in 2016, the officials said."
    assert date_from_text([Stamp("04:27 GMT07 August 2020", True)], text) is None


def test_clock_stamp_is_believed_when_the_article_backs_it_up():
    text = "Last December, in 2017, the two governments signed the loan agreement."
    assert date_from_text([Stamp("08:36 AM, July 17, 2018", True)], text) == ("2018-07-17", "day")
    # Without any year in the text there is nothing to back a clock stamp up: unknown.
    assert date_from_text([Stamp("08:36 AM, July 17, 2018", True)], "No years here.") is None


def test_plain_dateline_is_believed_unless_later_years_are_mentioned():
    assert date_from_text([Stamp("July 17, 2018", False)], "It happened in 2016.") == ("2018-07-17", "day")
    assert date_from_text([Stamp("July 17, 2018", False)], "The sanctions of 2020 changed that.") is None


def test_outlet_from_url():
    assert outlet_from_url("https://sputniknews.com/military/1234-x/") == "Sputnik"
    assert outlet_from_url("https://edition.cnn.com/2019/x") == "CNN"  # sub-domain of a known outlet
    assert outlet_from_url("https://www.harbour-gazette.co.uk/news/x") == "Harbour Gazette"
    assert outlet_from_url("https://www.valleytimes.com/a") == "Valleytimes"
    assert outlet_from_url("") is None


def test_title_from_url_uses_the_articles_spelling():
    text = "NATO warned Turkey that the S-400 radar could not be part of the alliance's missile defense."
    url = "https://wire.example/military/201707281055959809-turkey-s-400-nato-missile-defense/"
    assert title_from_url(url, text) == "Turkey S-400 NATO missile defense"
    assert title_from_url("https://x.example/123", text) == ""


def test_infer_title_order():
    text = "The board met on Tuesday. It approved the plan."
    assert infer_title("Board Approves Plan", "https://x.example/board-approves-new-plan", text) == (
        "Board Approves Plan", "headline")
    assert infer_title("", "https://x.example/board-approves-new-plan", text) == ("Board approves new plan", "address")
    assert infer_title("", "", text) == ("The board met on Tuesday", "text")


# ---------------------------------------------------------------- the five samples


def _by_prefix(items) -> dict[str, Article]:
    arts = [a for a in items if isinstance(a, Article)]
    return {a.id[:3]: a for a in arts}


def _raw_lines(folder, prefix):
    [path] = sorted(folder.glob(f"{prefix}_*.txt"))
    return [" ".join(line.split()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


EXPECTED_DATES = {
    "000": ("2018-04-08", "day"),
    "001": ("2018-07-17", "day"),
    "002": ("2017-07-28", "day"),  # from the address, not the 2020 crawl stamp at the top
    "003": ("2020", "year"),
    "004": ("2021-06", "month"),
}


def test_sample_corpus_metadata(shared_corpus):
    folder = shared_corpus / "s400"
    items = list(read_paths([folder]))
    assert not [i for i in items if isinstance(i, IngestError)]
    arts = _by_prefix(items)
    assert sorted(arts) == sorted(EXPECTED_DATES)
    with open(folder / "manifest.csv", encoding="utf-8", newline="") as fh:
        manifest = {row["file"][:3]: row for row in csv.DictReader(fh)}
    for prefix, art in arts.items():
        assert (art.date, art.date_precision) == EXPECTED_DATES[prefix], prefix
        assert art.outlet == manifest[prefix]["outlet"]
        assert art.url == manifest[prefix]["url"]
        assert art.id == manifest[prefix]["file"].rsplit(".", 1)[0]
        assert art.title and art.title not in art.text.split("\n\n")[0][: len(art.title)]
    # Titles are the headlines: a line of the capture that is neither byline, timestamp nor
    # breadcrumb (checked against the raw file, not hard-coded).
    for prefix in ("000", "001", "003", "004"):
        lines = _raw_lines(folder, prefix)
        assert arts[prefix].title in lines, prefix
        assert len(arts[prefix].title.split()) >= 5
    lines_001 = _raw_lines(folder, "001")
    assert arts["001"].title == lines_001[2]  # after "Our Bureau" and the time stamp
    assert arts["001"].byline == lines_001[0]
    # 002 has no headline line: the title is built from its address and spelled as in the text.
    assert arts["002"].title.lower().replace("-", " ").split() == "turkey s 400 nato missile defense".split()
    assert "S-400" in arts["002"].title


def test_sample_metadata_without_manifest(shared_corpus, tmp_path):
    # The same captures with no manifest: dates come from the text only when it backs them up.
    for path in (shared_corpus / "s400").glob("*.txt"):
        shutil.copy(path, tmp_path / path.name)
    arts = _by_prefix(read_paths([tmp_path]))
    assert (arts["001"].date, arts["001"].date_precision) == ("2018-07-17", "day")  # stamp backed by "2017" in the text
    assert (arts["002"].date, arts["002"].date_precision) == (None, "unknown")  # 2020 crawl stamp refused
    assert arts["001"].title == _raw_lines(shared_corpus / "s400", "001")[2]
    assert all(a.outlet == "Unknown" for a in arts.values())


def test_partial_manifest_values_win_and_empty_cells_are_inferred(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Harbour Board Approves New Ferry Terminal\n\nThe harbour board voted on Tuesday to build a second terminal, its chair said.\n",
        encoding="utf-8",
    )
    (tmp_path / "manifest.csv").write_text(
        "file,outlet,url,date,title\na.txt,,https://www.harbour-gazette.example/2021/03/02/ferry-terminal,,My Own Title\n",
        encoding="utf-8",
    )
    [art] = [a for a in read_paths([tmp_path]) if isinstance(a, Article)]
    assert art.title == "My Own Title"
    assert art.outlet == "Harbour Gazette"
    assert (art.date, art.date_precision) == ("2021-03-02", "day")
    # The page's own headline is still not part of the body.
    assert art.text.startswith("The harbour board voted")
