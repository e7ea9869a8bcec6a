"""`create_app(db_path)`: the Dash app. All state lives in the store and the address."""
from __future__ import annotations

import os
from pathlib import Path

from dash import Dash

from dashboard import callbacks, coding, layout, routes, uploads_admin
from dashboard.auth import SECRET_ENV, current_writer, init_auth, signed_in
from dashboard.service import Config
from dashboard.data import db_stamp, get_reader, load_dataset, open_store

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "var/framing.db"
# Base64 makes uploads a third bigger; leave room for the form around the 20 MB of files.
MAX_REQUEST = layout.MAX_UPLOAD_TOTAL * 3 // 2 + 2 * 2**20


def create_app(db_path: str | os.PathLike = DEFAULT_DB, lexicon_path: str | os.PathLike | None = None,
               upload_dir: str | os.PathLike | None = None, secret_key: str | None = None) -> Dash:
    """A Dash app over the store at `db_path` (created empty if missing). `secret_key` signs the
    sessions of signed-in users; without one nobody can sign in, so nothing can be written."""
    cfg = Config(
        db_path=str(Path(db_path).resolve()),
        lexicon_path=str(lexicon_path) if lexicon_path else None,
        upload_dir=str(upload_dir) if upload_dir else None,
    )
    app = Dash(
        __name__,
        title="Media framing dashboard",
        assets_folder=str(ROOT / "assets"),
        update_title=None,
        suppress_callback_exceptions=False,
        assets_ignore=r"^coding\.(js|css)$",  # the coding pages' own (dashboard/coding.py)
    )

    def serve_layout():
        # Called per page load: a reload after an upload (by any worker) shows the new data.
        ds = load_dataset(cfg.db_path, cfg.lexicon_path)
        lexicon, version = get_reader(cfg.lexicon_path)[0], ds.version
        stored = 0
        if ds.is_empty:
            with open_store(cfg.db_path) as store:
                stored = store.count()
        user, _ = current_writer()
        return layout.page(ds, lexicon, version, data_version=repr(db_stamp(cfg.db_path)),
                           stored=stored, user=signed_in(), can_write=user is not None)

    app.layout = serve_layout
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST
    init_auth(app.server, cfg, secret_key)
    callbacks.register(app, cfg)
    routes.register(app.server, cfg)
    uploads_admin.register(app.server, cfg)
    coding.register(app.server, cfg)
    return app


def app_from_env() -> Dash:
    """The app configured by FRAMING_DB, FRAMING_LEXICON, FRAMING_UPLOADS and FRAMING_SECRET_KEY
    (for gunicorn: every worker must share the secret, so it cannot be made up here)."""
    return create_app(
        os.environ.get("FRAMING_DB", DEFAULT_DB),
        os.environ.get("FRAMING_LEXICON") or None,
        os.environ.get("FRAMING_UPLOADS") or None,
        os.environ.get(SECRET_ENV) or None,
    )


def __getattr__(name: str):
    # `dashboard.app:app` / `dashboard.app:server` for WSGI servers, built on first use only, so
    # importing create_app (tests, the CLI) never opens the default store.
    if name in ("app", "server"):
        built = app_from_env()
        globals().update(app=built, server=built.server)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
