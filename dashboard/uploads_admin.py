"""/uploads: the articles that came from uploads, newest upload first, with their job and file.

Signed-in users see the list; an admin corrects an article's outlet, date and title or removes
articles (analysis/uploaded.py makes and logs each change, and the store's write counter moves, so
the dashboard refreshes). Plain Flask pages in the look of /validity; every POST carries the
session's form token (dashboard/auth.py). Anonymous visitors are sent to /login.
"""
from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from flask import Flask, Response, flash, get_flashed_messages, redirect, request

from analysis.errors import FramingError
from analysis.uploaded import (MAX_OUTLET, MAX_TITLE, correct, corrections, count_uploaded, remove,
                               uploaded_articles)
from dashboard.auth import csrf_token, require
from dashboard.data import open_store
from dashboard.users import User

PAGE_SIZE = 100  # articles per page (and at most this many removed at once)
LOG_SIZE = 30  # latest changes shown


def register(server: Flask, cfg) -> None:
    """Add GET /uploads and POST /uploads/correct, /uploads/remove to the Flask server."""

    @server.get("/uploads")
    def uploads_page():
        user = require(lambda u: True, "see uploads")  # every signed-in user may read the list
        page = _page_number(request.args.get("page"))
        with open_store(cfg.db_path) as store:
            total = count_uploaded(store)
            rows = uploaded_articles(store, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            log = corrections(store, LOG_SIZE)
        return Response(_render(user, rows, total, page, log), mimetype="text/html")

    @server.post("/uploads/correct")
    def correct_article():
        user, form = _admin(), request.form
        try:
            with open_store(cfg.db_path) as store:
                after = correct(store, form.get("id", ""), user.name, outlet=form.get("outlet"),
                                title=form.get("title"), date=form.get("date"))
            flash(f"{after.id}: saved", "ok")
        except FramingError as exc:
            flash(str(exc), "error")
        return _back()

    @server.post("/uploads/remove")
    def remove_articles():
        user = _admin()
        ids = request.form.getlist("id")[:PAGE_SIZE]
        if not ids:
            flash("nothing selected: tick the articles to remove", "error")
            return _back()
        try:
            with open_store(cfg.db_path) as store:
                removed = remove(store, ids, user.name)
            flash(f"{removed} article(s) removed with their scores", "ok")
        except FramingError as exc:
            flash(str(exc), "error")
        return _back()


def _admin() -> User:
    """The signed-in admin who posted this form (dashboard/auth.py `require`)."""
    return require(lambda u: u.can_correct, "change uploaded articles: an admin can", back="/uploads")


def _back() -> Response:
    return redirect("/uploads?" + urlencode({"page": _page_number(request.form.get("page"))}), code=303)


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), 10**6))
    except (TypeError, ValueError):
        return 1


# ---------------------------------------------------------------- HTML


def _render(user, rows, total: int, page: int, log) -> str:
    admin = user.can_correct
    token = escape(csrf_token()) if admin else ""
    notices = "".join(f'<p class="notice {escape(kind)}" role="status">{escape(text)}</p>'
                      for kind, text in get_flashed_messages(with_categories=True))
    intro = ("Articles that came from uploads, the newest upload first. An admin can correct an article's outlet, "
             "date and title (a new title is scored again by the background worker) or remove articles with their "
             "scores, for good. Articles read from the corpus are not listed and cannot be changed here.")
    who = f"Signed in as {escape(user.name)} ({escape(user.role)})" + ("" if admin else ": you can read this list; "
                                                                        "only an admin can change it") + "."
    pages = max(1, -(-total // PAGE_SIZE))
    body = [f"<p>{intro}</p><p>{who}</p>", notices, f"<h2>{total:,} uploaded article(s) <small>page {page} of "
            f"{pages}</small></h2>"]
    if rows:
        body.append(_table(rows, admin, token, page))
    body.append(_pager(page, pages))
    body.append("<h2>Changes</h2>" + (_log(log) if log else "<p>No changes yet.</p>"))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Uploaded articles · Media framing dashboard"
        "</title><link rel=stylesheet href=/assets/style.css></head><body class='validity uploads-admin'>"
        "<p><a href=/>← Dashboard</a></p><h1>Uploaded articles</h1>" + "".join(body) + "</body></html>"
    )


def _table(rows, admin: bool, token: str, page: int) -> str:
    names = ["upload", "file", "id", "outlet", "date", "title"]
    head = "<tr>" + "".join(f"<th>{n}</th>" for n in (["remove", *names, ""] if admin else names)) + "</tr>"
    lines = []
    for n, a in enumerate(rows):
        upload = f"#{a.job_id} · {escape(a.uploaded_by)} · {escape(a.uploaded_at)}"
        if admin:
            form = f"edit-{n}"
            cells = (
                f"<td><input type=checkbox name=id value='{escape(a.id)}' form=remove-form "
                f"aria-label='remove {escape(a.id)}'></td>"
                f"<td>{upload}</td><td>{escape(a.file)}</td><td>{escape(a.id)}</td>"
                f"<td><input name=outlet form={form} value='{escape(a.outlet)}' maxlength={MAX_OUTLET} required></td>"
                f"<td><input name=date form={form} value='{escape(a.date or '')}' size=10></td>"
                f"<td><input name=title form={form} value='{escape(a.title)}' maxlength={MAX_TITLE} required></td>"
                f"<td><form id={form} method=post action=/uploads/correct><input type=hidden name=csrf value='{token}'>"
                f"<input type=hidden name=id value='{escape(a.id)}'><input type=hidden name=page value={page}>"
                "<button type=submit>Save</button></form></td>"
            )
        else:
            cells = (f"<td>{upload}</td><td>{escape(a.file)}</td><td>{escape(a.id)}</td><td>{escape(a.outlet)}</td>"
                     f"<td>{escape(a.date or '')}</td><td>{escape(a.title)}</td>")
        lines.append(f"<tr>{cells}</tr>")
    table = f"<table class=uploads>{head}{''.join(lines)}</table>"
    if not admin:
        return table
    return table + (f"<form id=remove-form method=post action=/uploads/remove><input type=hidden name=csrf "
                    f"value='{token}'><input type=hidden name=page value={page}>"
                    "<button type=submit>Remove the ticked articles for good</button></form>")


def _pager(page: int, pages: int) -> str:
    links = []
    if page > 1:
        links.append(f"<a href='/uploads?page={page - 1}'>← newer</a>")
    if page < pages:
        links.append(f"<a href='/uploads?page={page + 1}'>older →</a>")
    return f"<p>{' · '.join(links)}</p>" if links else ""


def _log(jobs) -> str:
    rows = "".join(
        f"<tr><td>{escape(job.submitted_at)}</td><td>{escape(job.submitted_by)}</td><td>{escape(job.kind)}</td>"
        f"<td>{'<br>'.join(escape(m.text) for m in job.messages)}</td></tr>"
        for job in jobs
    )
    return f"<table class=uploads-log><tr><th>when</th><th>who</th><th>what</th><th>details</th></tr>{rows}</table>"
