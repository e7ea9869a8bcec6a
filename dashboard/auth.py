"""Sign-in: Flask-Login sessions over the store's users (dashboard/users.py).

Reading stays open to everyone. Writing needs a signed-in user whose role allows it
(`can_write`); callbacks and routes ask `current_writer()`. The session secret comes from the
environment (FRAMING_SECRET_KEY); without one, nobody can sign in and every write is refused
with a message saying so. `/login` is a plain form with a CSRF token kept in the session.
"""
from __future__ import annotations

import hmac
import html
import secrets
from typing import Callable
from urllib.parse import urlencode, urlparse

from flask import Flask, Response, abort, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from dashboard.checks import plain
from dashboard.users import User, get_user, verify

SECRET_ENV = "FRAMING_SECRET_KEY"
NOT_CONFIGURED = f"sign-in is not configured on this server (set {SECRET_ENV}); nothing can be written"


class SessionUser(UserMixin):
    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return self.user.name


def init_auth(server: Flask, cfg, secret_key: str | None) -> None:
    """Sessions and the /login, /logout routes on `server`; `cfg.db_path` holds the users."""
    from dashboard.data import open_store

    server.config.update(
        SECRET_KEY=secret_key or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    server.extensions["framing_auth"] = bool(secret_key)
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load(name: str):
        with open_store(cfg.db_path) as store:
            user = get_user(store, name)
        return SessionUser(user) if user else None

    @server.get("/login")
    def login_form():
        status = 200 if server.extensions["framing_auth"] else 503
        return _page(server, next_url=_safe_next(request.args.get("next")), status=status)

    @server.post("/login")
    def login():
        if not server.extensions["framing_auth"]:
            return _page(server, NOT_CONFIGURED, status=503)
        if not csrf_valid():
            return _page(server, "the form expired; please sign in again", status=400)
        name, password = request.form.get("name", ""), request.form.get("password", "")
        with open_store(cfg.db_path) as store:
            user = verify(store, name, password)
        if user is None:
            return _page(server, "unknown name or wrong password", status=401)
        session.pop("csrf", None)
        login_user(SessionUser(user))
        return redirect(_safe_next(request.form.get("next")))

    @server.post("/logout")
    def logout():
        logout_user()
        return redirect("/")


def current_writer() -> tuple[User | None, str]:
    """(the signed-in user allowed to write, "") or (None, why not), for the current request."""
    from flask import current_app, has_request_context

    if not has_request_context():  # Dash builds the layout once at start-up, outside any request
        return None, "sign in as a coder or admin to add articles"
    if not current_app.extensions.get("framing_auth"):
        return None, NOT_CONFIGURED
    if not current_user.is_authenticated:
        return None, "sign in as a coder or admin to add articles"
    user = current_user.user
    if not user.can_write:
        return None, f"{user.name} ({user.role}) may not add articles"
    return user, ""


def csrf_token() -> str:
    """The session's form token (made on first use): every form that writes carries it."""
    return session.setdefault("csrf", secrets.token_urlsafe(24))


def csrf_valid() -> bool:
    """Whether the posted form carries the session's token (a form from another site cannot)."""
    token = session.get("csrf", "")
    return bool(token) and hmac.compare_digest(token, request.form.get("csrf", ""))


def signed_in() -> User | None:
    from flask import has_request_context

    return current_user.user if has_request_context() and current_user.is_authenticated else None


def require(allowed: Callable[[User], bool], refusal: str, back: str | None = None) -> User:
    """The signed-in user who may do what this request asks; otherwise the request ends here: a
    visitor is sent to sign in, then back to this page (302) or, for a form posted from another
    page, to that page `back` (303 See Other); a user whom `allowed` refuses gets a 403 saying they
    may not `refusal`; a posted form without the session's token a 400."""
    user = signed_in()
    if user is None:
        target = back or request.full_path.rstrip("?")
        abort(redirect("/login?" + urlencode({"next": target}), code=303 if back else 302))
    if not allowed(user):
        abort(plain(f"{user.name} ({user.role}) may not {refusal}", 403))
    if request.method == "POST" and not csrf_valid():
        abort(plain("the form expired; reload the page and try again", 400))
    return user


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    parsed = urlparse(target or "/")
    if parsed.scheme or parsed.netloc or not (target or "/").startswith("/") or (target or "").startswith("//"):
        return "/"
    return target or "/"


def _page(server: Flask, error: str = "", next_url: str = "/", status: int = 200) -> Response:
    configured = server.extensions.get("framing_auth")
    token = csrf_token() if configured else ""
    note = "" if configured else f'<p class="error">{html.escape(NOT_CONFIGURED)}</p>'
    err = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Media framing dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-page"><main class="card login">
<h1>Sign in</h1>
<p>Reading the dashboard needs no account. Adding articles needs a coder or admin account
(created on the server with <code>python -m dashboard users add NAME --role coder</code>).</p>
{note}{err}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{html.escape(token)}">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label>Name <input name="name" id="login-name" autocomplete="username" required maxlength="64"></label>
<label>Password <input name="password" id="login-password" type="password" autocomplete="current-password" required></label>
<button type="submit" id="login-submit">Sign in</button>
</form>
<p><a href="/">Back to the dashboard</a></p>
</main></body></html>"""
    return Response(body, status=status, mimetype="text/html")
