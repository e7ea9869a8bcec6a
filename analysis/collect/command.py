"""The `collect` command: list -> cache or web -> articles -> store -> scores."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from analysis.collect.cache import PageCache
from analysis.collect.fetch import Fetcher
from analysis.collect.lists import read_list
from analysis.collect.pages import article_from_page
from analysis.collect.policy import FetchPolicy
from analysis.errors import FramingError
from analysis.limits import Limits
from analysis.models import Article, IngestError
from analysis.pipeline import BATCH_SIZE, score_pending
from analysis.store import Store


def default_cache(db: Path) -> Path:
    """Where pages are kept unless --cache says otherwise: beside the store."""
    return Path(db).parent / "collect-cache"


@dataclass
class CollectReport:
    """What one run did, for the closing line."""

    fetched: int = 0  # pages fetched from the web in this run
    cached: int = 0  # addresses answered from the cache (a page, or a remembered failure)
    failed: int = 0  # addresses (or list lines) that gave no article
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    scored: int = 0
    ids: list[str] = field(default_factory=list)  # every article stored (or already there) from this list

    def summary(self, list_path: Path, db: Path) -> str:
        return (
            f"collect {list_path} -> {db}: {self.fetched} fetched, {self.cached} from cache, {self.failed} failed, "
            f"{len(self.ids)} stored ({self.added} new, {self.updated} updated, {self.unchanged} unchanged), "
            f"{self.scored} scored"
        )


def _say(item: IngestError | str) -> None:
    print(item, file=sys.stderr, flush=True)


def run_collect(
    list_path: Path,
    db: Path,
    cache_dir: Path | None = None,
    policy: FetchPolicy = FetchPolicy(),
    lexicon: Path | None = None,
) -> int:
    """Fetch (or read from the cache) every address of `list_path`, store the articles found
    and score them. 0 when at least one article is stored; FramingError (exit 2) when not one
    could be collected."""
    from analysis.scoring import Analyser

    analyser = Analyser.load(lexicon)  # a bad story file is refused before anything is fetched
    cache = PageCache(cache_dir if cache_dir is not None else default_cache(db))
    fetcher = Fetcher(policy)
    report = CollectReport()
    batch: list[Article] = []

    def flush(store: Store) -> None:
        done = store.add_articles(batch)
        report.added += done.added
        report.updated += done.updated
        report.unchanged += done.unchanged
        refused = {getattr(c, "article_id", None) for c in done.conflicts}
        for conflict in done.conflicts:
            _say(conflict)
        report.failed += len(done.conflicts)
        report.ids += [a.id for a in batch if a.id not in refused]
        batch.clear()

    try:
        with Store(db) as store:
            store.check()
            for entry in read_list(Path(list_path), Limits.from_env()):
                if isinstance(entry, IngestError):
                    _say(entry)
                    report.failed += 1
                    continue
                page = cache.get(entry.url)
                if page is not None:
                    report.cached += 1
                    if not page.ok:
                        _say(f"{entry.url}: {page.failure} (remembered from an earlier run; delete {cache.path(entry.url)} to try again)")
                        report.failed += 1
                        continue
                else:
                    page = fetcher.fetch(entry.url)
                    cache.put(page)
                    if not page.ok:
                        again = " (remembered: not asked again on later runs)" if page.permanent else ""
                        _say(f"{entry.url}: {page.failure}{again}")
                        report.failed += 1
                        continue
                    report.fetched += 1
                article, notes = article_from_page(entry, page)
                for note in notes:
                    _say(note)
                if article is None:
                    report.failed += 1
                    continue
                batch.append(article)
                if len(batch) >= BATCH_SIZE:
                    flush(store)
            flush(store)
            if not report.ids:
                _say(report.summary(list_path, db))
                raise FramingError(f"not one article could be collected from {list_path}")
            report.scored = score_pending(store, analyser, progress=sys.stderr.isatty(), ids=report.ids)
    finally:
        fetcher.close()
    _say(report.summary(list_path, db))
    return 0
