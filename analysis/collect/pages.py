"""A fetched page -> an `Article`, cleaned and titled exactly as an ingested .html file: the
list's title, date and outlet win; the page's metadata (trafilatura) fills what the list lacks."""
from __future__ import annotations

import dataclasses

from analysis.collect.fetch import Fetched
from analysis.collect.lists import ListEntry
from analysis.corpus import IngestWarning, NotText, decode_bytes, extract_html, make_article
from analysis.metadata import parse_date
from analysis.models import Article, IngestError


def decode_page(page: Fetched) -> str:
    """The page's text in the charset its Content-Type names, else as corpus files are decoded."""
    for part in page.content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            try:
                return page.body.decode(value.strip().strip('"'), errors="replace")
            except LookupError:
                break
    return decode_bytes(page.body)


def article_from_page(entry: ListEntry, page: Fetched) -> tuple[Article | None, list[IngestError]]:
    """The article on `page` (None when it has no article text), and the problems worth a line
    (each naming the address)."""
    try:
        html = decode_page(page)
    except NotText as exc:
        return None, [IngestError(entry.url, str(exc))]
    found = extract_html(html, entry.url)
    if found is None:
        return None, [IngestError(entry.url, "no article text found")]
    text = found.pop("text")
    fields = {"id": entry.article_id, "url": entry.url, "title": entry.title, "date": entry.date, "outlet": entry.outlet}
    article, notes = make_article(fields, text, entry.url, entry.article_id, page=found)
    if article is None:
        return None, notes
    changes: dict = {"source": entry.url}
    if article.date is None and entry.seen:
        try:
            changes["date"], changes["date_precision"] = parse_date(entry.seen)
        except ValueError:
            notes.append(IngestWarning(entry.url, f"unparseable date {entry.seen!r} in the list: kept with the date unknown"))
    return dataclasses.replace(article, **changes), notes
