"""Which article a coder codes next, chosen as they ask (`MODES`); each choice is one or two
indexed reads, so the next article is there at once on a store of any size.

- `sample`: a random sample stratified by outlet, shared by the coders. An article another coder
  has coded comes first (oldest first), so that every coder codes the same articles and their
  agreement can be measured; when the coder has caught up, a new article is drawn at random from
  an outlet with the fewest coded articles so far (equal allocation across outlets).
- `unsure`: the articles the current analyser is least sure of (lowest confidence) first.
- `disagreements`: articles whose coders disagree and that no admin has adjudicated yet, for a
  further opinion.
A coder never gets an article they have coded (they can re-code one from its address), nor one
of the `skip` ids they passed over.
"""
from __future__ import annotations

import random

MODES = {
    "sample": "random sample, stratified by outlet",
    "unsure": "the analyser's least sure first",
    "disagreements": "where coders disagree",
}
MAX_SKIP = 50

_NOT_MINE = "NOT EXISTS (SELECT 1 FROM annotations n WHERE n.article_id = {col} AND n.coder = ? AND n.current = 1)"


def _skip_clause(col: str, skip: tuple[str, ...]) -> tuple[str, list]:
    skip = tuple(skip)[:MAX_SKIP]
    return (f" AND {col} NOT IN ({', '.join('?' * len(skip))})", list(skip)) if skip else ("", [])


def next_article(store, coder: str, mode: str, version: str, skip: tuple[str, ...] = (),
                 rng: random.Random | None = None) -> str | None:
    """The id of the next article for `coder` in `mode` (see the module doc); None when there is
    none left. `version` is the analyser whose confidence `unsure` reads."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if mode == "unsure":
        extra, params = _skip_clause("a.id", skip)
        rows = store.query(
            "SELECT a.id FROM scores s JOIN articles a ON a.content_hash = s.content_hash "
            f"WHERE s.analyser_version = ? AND {_NOT_MINE.format(col='a.id')}{extra} "
            "ORDER BY s.confidence, a.id LIMIT 1", (version, coder, *params))
        return rows[0][0] if rows else None
    if mode == "disagreements":
        extra, params = _skip_clause("article_id", skip)
        rows = store.query(
            "SELECT article_id FROM annotations WHERE current = 1 "
            "AND article_id NOT IN (SELECT article_id FROM adjudications WHERE current = 1)" + extra +
            " GROUP BY article_id HAVING COUNT(DISTINCT label) > 1 AND SUM(coder = ?) = 0 ORDER BY MIN(id) LIMIT 1",
            (*params, coder))
        return rows[0][0] if rows else None
    extra, params = _skip_clause("article_id", skip)
    rows = store.query(  # codes of others first: the shared sample
        "SELECT article_id FROM annotations WHERE current = 1" + extra +
        " GROUP BY article_id HAVING SUM(coder = ?) = 0 ORDER BY MIN(id) LIMIT 1", (*params, coder))
    if rows:
        return rows[0][0]
    return _draw(store, coder, skip, rng or random.Random())


def _draw(store, coder: str, skip: tuple[str, ...], rng: random.Random) -> str | None:
    """A random article the coder has not coded, from an outlet with the fewest coded articles."""
    totals = dict(store.query("SELECT outlet, COUNT(*) FROM articles GROUP BY outlet"))
    coded = dict(store.query(
        "SELECT a.outlet, COUNT(DISTINCT n.article_id) FROM annotations n JOIN articles a ON a.id = n.article_id "
        "WHERE n.current = 1 GROUP BY a.outlet"))
    mine = dict(store.query(
        "SELECT a.outlet, COUNT(*) FROM annotations n JOIN articles a ON a.id = n.article_id "
        "WHERE n.current = 1 AND n.coder = ? GROUP BY a.outlet", (coder,)))
    open_outlets = sorted(o for o, n in totals.items() if n > mine.get(o, 0))
    extra, params = _skip_clause("id", skip)
    while open_outlets:
        fewest = min(coded.get(o, 0) for o in open_outlets)
        outlet = rng.choice([o for o in open_outlets if coded.get(o, 0) == fewest])
        rows = store.query(f"SELECT id FROM articles WHERE outlet = ? AND {_NOT_MINE.format(col='articles.id')}"
                           f"{extra} ORDER BY id", (outlet, coder, *params))
        if rows:
            return rng.choice(rows)[0]
        open_outlets.remove(outlet)  # only skipped articles left there
    return None
