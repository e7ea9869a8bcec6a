"""A store's own article model: refitted from its coders' codes, kept in the store itself.

The story file names the default article model (a JSON file beside it). A store whose articles
were coded may hold its own, refitted with those codes (`python -m analysis train
--with-annotations`): it lives in the store's `article_models` table, so every web and worker
process of that store scores and reads with the same model, and a store without codes keeps the
default. At most one row is active; the analyser's version names its digest
(analysis/scoring.py), so switching models never mixes scores of two models. A new model is saved
inactive, the store is rescored with it, and only then is it made active: readers move from one
complete set of scores to the next.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from analysis.article import ArticleModel
from analysis.errors import FramingError


@dataclass(frozen=True)
class StoredModel:
    digest: str
    model: ArticleModel
    report: dict  # what it was fitted on and the before/after figures (analysis/training.py)
    fitted_at: str


def model_digest(model: ArticleModel) -> str:
    """12 hex digits of the model's parameters as saved: the same fit gives the same digest."""
    text = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def active_digest(store) -> str | None:
    """The digest of the store's active article model, None when it uses the story's default."""
    rows = store.query("SELECT digest FROM article_models WHERE active = 1")
    return rows[0][0] if rows else None


def active_model(store, classes: tuple[str, ...]) -> StoredModel | None:
    rows = store.query("SELECT digest, model, report, fitted_at FROM article_models WHERE active = 1")
    return _stored(rows[0], classes, store) if rows else None


def _stored(row, classes, store) -> StoredModel:
    digest, model, report, fitted_at = row
    where = f"{store.path}: article model {digest}"
    try:
        data, report = json.loads(model), json.loads(report)
    except json.JSONDecodeError as exc:
        raise FramingError(f"{where}: not readable JSON ({exc})") from None
    return StoredModel(digest, ArticleModel.from_json(data, classes, where), report, fitted_at)


def save_model(store, model: ArticleModel, report: dict) -> str:
    """Keep `model` (inactive) with its report; returns its digest."""
    digest = model_digest(model)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with store.transaction():
        store.execute(
            "INSERT INTO article_models (digest, model, report, fitted_at, active) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(digest) DO UPDATE SET report = excluded.report, fitted_at = excluded.fitted_at",
            (digest, json.dumps(model.to_json()), json.dumps(report), now),
        )
    return digest


def activate(store, digest: str) -> None:
    """Make the saved model `digest` the one every process of this store scores with."""
    with store.transaction():
        if not store.query("SELECT 1 FROM article_models WHERE digest = ?", (digest,)):
            raise FramingError(f"{store.path}: no article model {digest}")
        store.execute("UPDATE article_models SET active = 0 WHERE active = 1")
        store.execute("UPDATE article_models SET active = 1 WHERE digest = ?", (digest,))
        store.mark_changed()  # readers look again
