"""The coders' pages: `/code` (code articles one after another) and `/code/review` (agreement,
disagreements an admin adjudicates, retraining), plain Flask pages with a small script
(assets/coding.js: keyboard shortcuts, the agreement block).

The article is shown as text with its sentences; the analyser's label, score and evidence stay
hidden until the coder has committed a code (then the next page shows them for the article just
coded, beside the coder's own label). Every form carries the session's CSRF token
(dashboard/auth.py). Coding needs a signed-in coder or admin; adjudicating and retraining an
admin. What is stored, chosen and measured lives in analysis/ (annotations, coding_queue,
agreement, training); this module only reads requests and writes HTML.
"""
from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from flask import Flask, Response, redirect, request

from analysis.annotations import (MAX_NOTE, Code, adjudicate, check_code, code_labels, code_of, coded_by,
                                  disagreements, save_codes)
from analysis.coding_queue import MAX_SKIP, MODES, next_article
from analysis.errors import FramingError
from analysis.sentences import article_sentences
from dashboard.auth import csrf_token, require
from dashboard.checks import plain
from dashboard.data import get_reader, open_store, shared_store
from dashboard.service import analyser_version
from dashboard.users import User
from dashboard.validity import agreement_html

MAX_SHOWN_CHARS = 60_000  # of one article's text on the page (a longer one is cut, and says so)
EVIDENCE_SHOWN = 3  # the analyser's strongest sentences revealed after a code
MAX_LISTED = 200  # disagreements listed on the review page, oldest first
OFF_TOPIC_KEY = "0"


def keys(labels: tuple[str, ...]) -> dict[str, str]:
    """Keyboard shortcut per label: 1, 2, 3 for the story's labels in axis order, 0 for off-topic."""
    return {label: (str(i + 1) if i < len(labels) - 1 else OFF_TOPIC_KEY) for i, label in enumerate(labels)}


def register(server: Flask, cfg) -> None:
    """Add /code, /code/agreement, /code/review, /code/adjudicate and /code/retrain."""

    def coder() -> User:
        return require(lambda u: u.can_write, "code")

    def admin() -> User:
        return require(lambda u: u.is_admin, "adjudicate or retrain")

    @server.get("/code")
    def code_page():
        user = coder()
        lex = get_reader(cfg.lexicon_path)[0]
        mode = request.args.get("mode", "sample")
        if mode not in MODES:
            return plain(f"unknown mode {mode[:40]!r}: use one of {', '.join(MODES)}", 400)
        skip = tuple(request.args.getlist("skip"))[:MAX_SKIP]
        version = analyser_version(cfg)
        with open_store(cfg.db_path) as store:
            chosen = request.args.get("article")
            article_id = chosen or next_article(store, user.name, mode, version, skip)
            article = store.get_article(article_id) if article_id else None
            if chosen and article is None:
                return plain(f"no article {chosen[:80]!r} in the store", 404)
            mine = code_of(store, article_id, user.name) if article else None
            last = request.args.get("last")
            reveal = _reveal(store, last, user.name, version) if last else ""
            done = coded_by(store, user.name)
        body = _article_form(lex, article, mine, mode, skip) if article else _nothing_left(mode)
        return _page("Code articles", user, _modes(mode) + reveal + f'<p class="c-count">You have coded {done:,} '
                     f'article(s).</p>' + body + _codebook(lex) + AGREEMENT_SLOT)

    @server.post("/code")
    def code_post():
        user = coder()
        lex = get_reader(cfg.lexicon_path)[0]
        form = request.form
        mode = form.get("mode") if form.get("mode") in MODES else "sample"
        try:
            marked = tuple(int(i) for i in form.getlist("sentence")[:1000])
        except ValueError:
            return plain("marked sentences must be sentence numbers", 400)
        store = shared_store(cfg.db_path)
        article = store.get_article(form.get("article_id", ""))
        if article is None:
            return plain(f"no article {form.get('article_id', '')[:80]!r} in the store", 404)
        if form.get("content_hash") != article.content_hash:
            return plain("the article changed while you were reading it; reload the page", 409)
        try:
            code = check_code(Code(article.id, user.name, form.get("label", ""), marked, form.get("note", ""),
                                   article.content_hash, "", lex.codebook.tag if lex.codebook else ""),
                              code_labels(lex))
            save_codes(store, [code])
        except FramingError as exc:
            return plain(f"code not saved: {exc}", 400)
        query = [("mode", mode), ("last", article.id)] + [("skip", s) for s in form.getlist("skip")[:MAX_SKIP]]
        return redirect("/code?" + urlencode(query), code=303)

    @server.get("/code/agreement")
    def agreement_block():
        coder()
        from analysis.agreement import store_agreement

        with open_store(cfg.db_path) as store:
            return Response(agreement_html(store_agreement(store).to_dict()), mimetype="text/html")

    @server.get("/code/review")
    def review_page():
        user = coder()
        from analysis.agreement import store_agreement
        from analysis.jobs import JobQueue

        lex = get_reader(cfg.lexicon_path)[0]
        with open_store(cfg.db_path) as store:
            agreement = store_agreement(store).to_dict()
            found = disagreements(store)
            titles = {a.id: a.title for a in store.articles([d.article_id for d in found[:MAX_LISTED]])}
            job = next(iter(JobQueue(store).latest(("retrain",), 1)), None)
        version = analyser_version(cfg)
        refresh = job is not None and not job.finished
        body = (f"<section class=card><h2>Agreement</h2>{agreement_html(agreement)}</section>"
                + _disagreements(found, titles, code_labels(lex), user)
                + _retrain(job, version, user.is_admin))
        return _page("Agreement and disagreements", user, body, refresh=refresh)

    @server.post("/code/adjudicate")
    def adjudicate_post():
        user = admin()
        lex = get_reader(cfg.lexicon_path)[0]
        try:
            adjudicate(shared_store(cfg.db_path), request.form.get("article_id", ""), request.form.get("label", ""),
                       user.name, code_labels(lex), request.form.get("note", ""))
        except FramingError as exc:
            return plain(f"not adjudicated: {exc}", 400)
        return redirect("/code/review", code=303)

    @server.post("/code/retrain")
    def retrain_post():
        user = admin()
        from analysis.jobs import JobQueue

        queue = JobQueue(shared_store(cfg.db_path))
        if all(job.finished for job in queue.latest(("retrain",), 1)):  # one retraining at a time
            queue.submit("retrain", {}, submitted_by=user.name)
        return redirect("/code/review", code=303)


# ---------------------------------------------------------------- pieces of the pages

AGREEMENT_SLOT = ('<section class="card" id="agreement" data-src="/code/agreement"><h2>Agreement</h2>'
                  '<p><a href="/code/review">Agreement and disagreements</a></p></section>')


def _modes(current: str) -> str:
    links = [f'<a href="/code?mode={m}"{" aria-current=page" if m == current else ""} id="mode-{m}">{escape(text)}</a>'
             for m, text in MODES.items()]
    return f'<nav class="c-modes">Next article from: {" · ".join(links)}</nav>'


def _nothing_left(mode: str) -> str:
    return (f'<section class="card" id="c-done"><p>No article left to code in this queue ({escape(MODES[mode])}). '
            'Try another queue above.</p></section>')


def _sentences(article) -> tuple[str, bool]:
    """The article's sentences as markable spans, grouped by paragraph; (HTML, cut short?)."""
    paragraphs: dict[int, list[str]] = {}
    shown, cut = 0, False
    for s in article_sentences(article.title, article.text):
        shown += len(s.text)
        if shown > MAX_SHOWN_CHARS:
            cut = True
            break
        kind = "c-title" if s.position == "title" else ("c-fragment" if s.fragment else "")
        paragraphs.setdefault(s.paragraph, []).append(
            f'<label class="c-sentence {kind}"><input type="checkbox" name="sentence" value="{s.index}" '
            f'form="code-form">{escape(s.text)}</label>')
    html = "".join(f'<p class="{"c-headline" if p < 0 else "c-para"}">{" ".join(parts)}</p>'
                   for p, parts in sorted(paragraphs.items()))
    return html, cut


def _article_form(lex, article, mine: Code | None, mode: str, skip: tuple[str, ...]) -> str:
    text, cut = _sentences(article)
    meta = " · ".join(escape(x) for x in (article.outlet, article.date or "undated") if x)
    labels = code_labels(lex)
    shortcut = keys(labels)
    buttons = "".join(
        f'<button type="submit" name="label" value="{escape(label, quote=True)}" data-key="{shortcut[label]}" '
        f'class="c-label{" c-mine" if mine and mine.label == label else ""}">'
        f'<kbd>{shortcut[label]}</kbd> {escape(label)}</button>' for label in labels)
    again = (f'<p class="c-again">You coded this article before as <b>{escape(mine.label)}</b>; a new code replaces '
             'it (the first is kept in the history).</p>') if mine else ""
    skip_query = urlencode([("mode", mode)] + [("skip", s) for s in (*skip, article.id)[-MAX_SKIP:]])
    hidden = "".join(f'<input type="hidden" name="skip" value="{escape(s, quote=True)}">' for s in skip)
    return f"""<section class="card c-article" id="c-article" data-article="{escape(article.id, quote=True)}">
<p class="c-meta">{meta} · <span class="c-id">{escape(article.id)}</span></p>
{again}<div class="c-text">{text}</div>
{'<p class="c-cut">The article is longer; its first part is shown.</p>' if cut else ''}
</section>
<form method="post" action="/code" id="code-form" class="card c-form">
<input type="hidden" name="csrf" value="{escape(csrf_token(), quote=True)}">
<input type="hidden" name="article_id" value="{escape(article.id, quote=True)}">
<input type="hidden" name="content_hash" value="{escape(article.content_hash, quote=True)}">
<input type="hidden" name="mode" value="{escape(mode, quote=True)}">{hidden}
<p class="c-hint">Click the sentences that decided your label, then choose the label (or press its key).</p>
<label class="c-note">Note (optional) <textarea name="note" id="c-note" rows="2" maxlength="{MAX_NOTE}"></textarea></label>
<div class="c-labels">{buttons}</div>
<p><a href="/code?{escape(skip_query, quote=True)}" id="c-skip" data-key="s"><kbd>s</kbd> skip this article</a></p>
</form>"""


def _reveal(store, article_id: str, coder: str, version: str) -> str:
    """The analyser's reading of the article the coder has just coded (only once they have)."""
    mine = code_of(store, article_id, coder)
    article = store.get_article(article_id)
    if mine is None or article is None:
        return ""
    score = store.get_score(article.content_hash, version)
    if score is None:
        model = "the analyser has not scored it yet"
    else:
        evidence = "".join(
            f"<li>{escape(e.sentence[:300])} <span class=c-contrib>({e.contribution:+.2f})</span></li>"
            for e in score.evidence[:EVIDENCE_SHOWN])
        model = (f"the analyser: <b>{escape(score.label)}</b> (confidence {score.confidence:.2f}, framing "
                 f"{score.framing:+.2f}); its strongest sentences: <ol>{evidence}</ol>")
    return (f'<section class="card c-reveal" id="c-reveal"><p>You coded <i>{escape(article.title[:200])}</i> as '
            f'<b>{escape(mine.label)}</b>; {model}</p></section>')


def _codebook(lex) -> str:
    book = lex.codebook
    if book is None:
        return '<section class="card"><h2>Codebook</h2><p>This story file has no codebook.</p></section>'
    shortcut = keys(code_labels(lex))
    entries = "".join(
        f"<dt><kbd>{shortcut[g.label]}</kbd> {escape(g.label)}</dt><dd>{escape(g.meaning)}"
        + (f"<ul>{''.join(f'<li>{escape(e)}</li>' for e in g.examples)}</ul>" if g.examples else "") + "</dd>"
        for g in book.guides)
    return (f'<details class="card c-codebook" id="codebook" open><summary>Codebook <small>version '
            f'{escape(book.version)}</small></summary><p>{escape(book.instructions)}</p><dl>{entries}</dl></details>')


def _disagreements(found, titles: dict, labels: tuple[str, ...], user) -> str:
    """The disagreements, with a form per article for an admin. A coder sees the others' labels
    only of the articles they coded themselves (no anchoring before their own code)."""
    if not found:
        return '<section class="card"><h2>Disagreements</h2><p>None: every article\'s coders agree.</p></section>'
    admin = user.is_admin
    rows = []
    for d in found[:MAX_LISTED]:
        codes = (", ".join(f"{escape(c)}: {escape(lab)}" for c, lab in sorted(d.labels.items()))
                 if admin or user.name in d.labels else f"{len(d.labels)} coders (shown once you have coded it)")
        decided = escape(d.adjudicated) if d.adjudicated else "—"
        action = ""
        if admin:
            options = f'<option value=""{"" if d.adjudicated else " selected"} disabled>choose…</option>' + "".join(
                f'<option{" selected" if lab == d.adjudicated else ""}>{escape(lab)}</option>' for lab in labels)
            action = (f'<form method="post" action="/code/adjudicate" class="c-adjudicate">'
                      f'<input type="hidden" name="csrf" value="{escape(csrf_token(), quote=True)}">'
                      f'<input type="hidden" name="article_id" value="{escape(d.article_id, quote=True)}">'
                      f'<select name="label" aria-label="adjudicated label" required>{options}</select> '
                      f'<input name="note" placeholder="why (optional)" maxlength="{MAX_NOTE}"> '
                      '<button type="submit">Set label</button></form>')
        link = f'/code?{urlencode({"article": d.article_id})}'
        rows.append(f'<tr data-article="{escape(d.article_id, quote=True)}"><td><a href="{escape(link, quote=True)}">'
                    f'{escape((titles.get(d.article_id) or d.article_id)[:120])}</a></td><td>{codes}</td>'
                    f'<td class="c-decided">{decided}</td><td>{action}</td></tr>')
    who = "Set the adjudicated label" if admin else "An admin sets the adjudicated label"
    who += f" ({len(found):,} in all; the first {MAX_LISTED} listed)." if len(found) > MAX_LISTED else "."
    return (f'<section class="card"><h2>Disagreements</h2><p>{who}</p><table class="c-disagreements"><tr><th>article</th>'
            f'<th>codes</th><th>adjudicated</th><th></th></tr>{"".join(rows)}</table></section>')


def _retrain(job, version: str, admin: bool) -> str:
    status = ""
    if job is not None:
        progress = f" ({job.stage} {job.done}/{job.total})" if not job.finished and job.total else ""
        lines = "".join(f"<li>{escape(m.text)}</li>" for m in job.messages)
        status = (f'<p id="retrain-status">Last retraining: <b>{escape(job.status)}</b>{escape(progress)}, '
                  f'asked by {escape(job.submitted_by)} at {escape(job.submitted_at)}.</p>'
                  + (f"<ul>{lines}</ul>" if lines else ""))
    button = ""
    if admin:
        button = ('<form method="post" action="/code/retrain"><input type="hidden" name="csrf" '
                  f'value="{escape(csrf_token(), quote=True)}"><button type="submit" id="retrain">Retrain the article '
                  'model with the codes</button></form>')
    return (f'<section class="card"><h2>Retraining</h2><p>The store is scored by analyser <code id="analyser-version">'
            f'{escape(version)}</code>. Retraining refits the article model with the coded articles (adjudicated, else '
            'majority codes), measures it against the story\'s model on held-out coded articles, rescores the store in '
            'the background and then switches to it (see <a href="/validity">the validity page</a>).</p>'
            f'{status}{button}</section>')


def _page(title: str, user, body: str, refresh: bool = False) -> Response:
    meta = '<meta http-equiv="refresh" content="2">' if refresh else ""
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · Media framing dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{meta}
<link rel="stylesheet" href="/assets/style.css"><link rel="stylesheet" href="/assets/coding.css">
<script src="/assets/coding.js" defer></script></head>
<body class="coding"><main class="page">
<header class="c-header"><h1>{escape(title)}</h1>
<nav><a href="/code">Code</a> · <a href="/code/review">Agreement and disagreements</a> · <a href="/validity">Validity</a>
 · <a href="/">Dashboard</a> · <span id="signed-in-as">{escape(user.name)} ({escape(user.role)})</span></nav></header>
{body}
</main></body></html>"""
    return Response(html, mimetype="text/html")


def coding_record(cfg, version: str) -> dict:
    """What /validity and the export bundle show of the store's coders (validity.coding_section)."""
    from analysis.agreement import model_vs_coders, store_agreement
    from analysis.store_model import active_model

    lex = get_reader(cfg.lexicon_path)[0]
    with open_store(cfg.db_path) as store:
        stored = active_model(store, lex.labels)
        return {"agreement": store_agreement(store).to_dict(), "model": model_vs_coders(store, lex, version).to_dict(),
                "store_model": None if stored is None else {"digest": stored.digest, "fitted_at": stored.fitted_at,
                                                            "report": stored.report}}


def bundle_files(cfg, version: str) -> tuple:
    """The coding files of the export bundle (dashboard.export.BundleFile)."""
    from analysis.annotations import CSV_COLUMNS, current_codes, export_csv
    from dashboard.export import BundleFile, csv_bytes

    record = coding_record(cfg, version)
    with open_store(cfg.db_path) as store:
        codes, n_codes = export_csv(store).encode("utf-8"), len(current_codes(store))
    table = model_table(record["model"])
    return (
        BundleFile("coding/codes.csv", codes, "every coder's current code (what `python -m analysis annotations "
                   "import` reads)", n_codes, dict(CSV_COLUMNS)),
        BundleFile("coding/agreement.json", json.dumps(record["agreement"], indent=1).encode("utf-8"),
                   "Krippendorff's alpha and Cohen's kappa per pair of coders, with the numbers of articles"),
        BundleFile("coding/model_vs_coders.csv", csv_bytes(table), f"analyser {version} against the coders' labels "
                   "(adjudicated, else majority): figures and confusion matrix", len(table), MODEL_TABLE_COLUMNS),
    )


MODEL_TABLE_COLUMNS = {"figure": "what is counted or measured", "value": "its value",
                       "low": "bootstrap 95% interval, low end", "high": "bootstrap 95% interval, high end"}


def model_table(model: dict):
    """The model-versus-coders record as rows (figure, value, low, high), the confusion matrix last."""
    import pandas as pd

    rows = [("articles with a coders' label", model["references"], None, None),
            ("of which adjudicated", model["adjudicated"], None, None),
            ("off-topic (left out)", model["off_topic"], None, None),
            ("not scored by this analyser yet (left out)", model["unscored"], None, None)]
    r = model["report"]
    if r is not None:
        rows.append(("compared", r["n"], None, None))
        for name, key in (("accuracy", "accuracy"), ("macro-F1", "macro_f1"), ("sign accuracy", "sign_accuracy"),
                          ("ECE", "ece")):
            rows.append((name, r[key]["value"], r[key]["low"], r[key]["high"]))
        for true, row in zip(r["labels"], r["confusion"]):
            rows += [(f"coders {true}, analyser {pred}", n, None, None) for pred, n in zip(r["labels"], row)]
    return pd.DataFrame(rows, columns=list(MODEL_TABLE_COLUMNS))
