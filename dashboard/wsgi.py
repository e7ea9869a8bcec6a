"""WSGI entry point: `gunicorn dashboard.wsgi:server` (configured by FRAMING_DB / FRAMING_LEXICON)."""
from dashboard.app import app_from_env

app = app_from_env()
server = app.server
