"""The /validity page: what `python -m analysis evaluate --write` measured, as one HTML page.

Pure: a validity record (the dict that `analysis.evaluation.report` writes) in, HTML out. The
dashboard computes no metric; it shows the record and says whether it belongs to the analyser
that scored the charts.
"""
from __future__ import annotations

from html import escape

RELIABILITY_SIZE = 260  # px, the square reliability diagram
SET_COLOURS = {"dev": "#0072B2", "gold": "#009E73", "blind": "#CC79A7"}  # Okabe-Ito, none of them a side's


def _interval(iv: dict | None) -> str:
    if not iv or iv["value"] != iv["value"]:  # none, or NaN (e.g. sign accuracy with no polar text)
        return "—"
    return f"{iv['value']:.2f} <span class=v-ci>[{iv['low']:.2f}, {iv['high']:.2f}]</span>"


def _report_rows(reports: list[dict]) -> str:
    rows = []
    for r in reports:
        rows.append(
            f"<tr><td>{escape(r['method'])}</td><td>{_interval(r['sign_accuracy'])}</td>"
            f"<td>{_interval(r['macro_f1'])}</td><td>{_interval(r['accuracy'])}</td><td>{_interval(r['ece'])}</td></tr>"
        )
    return "".join(rows)


def _confusion(report: dict) -> str:
    labels = report["labels"]
    head = "".join(f"<th>{escape(lab)}</th>" for lab in labels)
    body = "".join(
        f"<tr><th>{escape(lab)}</th>" + "".join(f"<td>{int(v)}</td>" for v in row) + "</tr>"
        for lab, row in zip(labels, report["confusion"])
    )
    return f"<table class=v-confusion><tr><th>true \\ predicted</th>{head}</tr>{body}</table>"


def reliability_svg(sets: list[dict], size: int = RELIABILITY_SIZE) -> str:
    """Mean confidence (x) against accuracy (y) per confidence bin, one series per set, with the
    diagonal of perfect calibration; dot area grows with the bin's count."""
    pad = 36
    inner = size - 2 * pad

    def xy(c: float, a: float) -> tuple[float, float]:
        return pad + c * inner, size - pad - a * inner

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="Reliability diagram">',
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>',
        f'<line x1="{pad}" y1="{size - pad}" x2="{size - pad}" y2="{pad}" stroke="#999" stroke-dasharray="4 3"/>',
        f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle" font-size="11">confidence</text>',
        f'<text x="12" y="{size / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 {size / 2})">'
        "accuracy</text>",
    ]
    for tick in (0.0, 0.5, 1.0):
        x, y = xy(tick, tick)
        parts.append(f'<text x="{x}" y="{size - pad + 14}" text-anchor="middle" font-size="10">{tick:.1f}</text>')
        parts.append(f'<text x="{pad - 6}" y="{y + 3}" text-anchor="end" font-size="10">{tick:.1f}</text>')
    for s in sets:
        bins = s["reports"][0]["reliability"] if s["reports"] else []
        colour = SET_COLOURS.get(s["name"], "#555")
        points = [xy(b["mean_confidence"], b["accuracy"]) for b in bins]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        for b, (x, y) in zip(bins, points):
            r = 2 + min(6.0, b["n"] ** 0.5 / 1.5)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity="0.8">'
                         f'<title>{escape(s["name"])}: n {b["n"]}, confidence {b["mean_confidence"]:.2f}, '
                         f'accuracy {b["accuracy"]:.2f}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def render(validity: dict | None, current_version: str, coding: dict | None = None) -> str:
    """The whole page. `validity` is None when no evaluation was written; `coding` (see
    `coding_section`) adds the store's coders: their agreement and the analyser against them."""
    title = "Validity of the framing measure"
    tail = [coding_section(coding, current_version)] if coding is not None else []
    if validity is None:
        body = ("<p>No evaluation has been written for this installation: run "
                "<code>python -m analysis evaluate --write</code>.</p>")
        return _page(title, body + "".join(tail))
    version = validity.get("analyser_version", "")
    if version == current_version:
        status = (f"<p class=v-ok>These figures were measured on the analyser that scored this dashboard "
                  f"(<code>{escape(version)}</code>).</p>")
    elif current_version.startswith(version + "+article-"):
        status = (f"<p class=v-stale>These figures were measured on the story's article model (analyser "
                  f"<code>{escape(version)}</code>); this store scores with its own article model, refitted with "
                  f"its coders' codes (<code>{escape(current_version)}</code>): its figures are under "
                  f"<a href=#coders>the coders</a> below.</p>")
    else:
        status = (f"<p class=v-stale>These figures were measured on analyser <code>{escape(version)}</code>; this "
                  f"dashboard was scored by <code>{escape(current_version)}</code>. Run "
                  f"<code>python -m analysis evaluate --write</code> again.</p>")
    legend = ", ".join(f'<span style="color:{SET_COLOURS.get(s["name"], "#555")}">■</span> {escape(s["name"])}'
                       for s in validity["sets"] if s["reports"])
    sections = [status,
                "<p>Each figure is the value with its bootstrap 95% interval. <b>Sign accuracy</b>: among texts "
                "that take a side, the share whose score has that side's sign. <b>Macro-F1</b> and "
                "<b>accuracy</b>: the three labels. <b>ECE</b>: expected calibration error of the confidence "
                "(0 = a confidence of 0.7 is right 70% of the time). The article model learns from the dev and "
                "gold sets, so their figures are cross-fitted; the blind set is never trained on.</p>"]
    for s in validity["sets"]:
        if not s["reports"]:
            sections.append(f"<h2>{escape(s['name'])}</h2><p>Not measured: {escape(s['missing'])}</p>")
            continue
        sections.append(
            f"<h2>{escape(s['name'])} <small>{s['n']} texts</small></h2>"
            f"<p>{escape(s['description'])}; {escape(s['fitted'])}.</p>"
            "<table class=v-figures><tr><th>method</th><th>sign accuracy</th><th>macro-F1</th><th>accuracy</th>"
            f"<th>ECE</th></tr>{_report_rows(s['reports'])}</table>"
            f"<h3>Confusion matrix of the analyser</h3>{_confusion(s['reports'][0])}"
        )
    sections.append(f"<h2>Calibration</h2><p>{legend}</p>{reliability_svg(validity['sets'])}")
    probes = validity.get("probes")
    if probes:
        kinds = ", ".join(f"{escape(k)} {a}/{n}" for k, (a, n) in sorted(probes["by_kind"].items()))
        sections.append(f"<h2>Minimal pairs</h2><p>{probes['ordered']} of {probes['n']} pairs ordered right "
                        f"({kinds}).</p>")
    agreement = validity.get("agreement") or {}
    if agreement:
        sections.append(
            f"<h2>Agreement between the blind set's readers</h2><p>{agreement['n']} texts: two independent readers "
            f"agree on {agreement['agree']} (Cohen's κ {agreement['kappa']:.3f}, Krippendorff's α "
            f"{agreement['alpha']:.3f}); {agreement['adjudicated']} disagreements adjudicated by a third reader.</p>"
        )
    return _page(title, "".join(sections + tail))


def agreement_html(a: dict) -> str:
    """α, the numbers of articles and coders, and κ per pair (the record `agreement --format json` prints)."""
    alpha = "undefined" if a["alpha"] is None else f"{a['alpha']:.3f}"
    head = (f'<p>Krippendorff\'s α (nominal) <b id="alpha">{alpha}</b> over <span id="alpha-items">{a["items"]}</span> '
            f'article(s) coded by at least two of {len(a["coders"])} coder(s) ({a["codes"]} current codes).</p>')
    if not a["pairs"]:
        return head
    rows = "".join(
        f'<tr><td>{escape(p["coders"][0])} &amp; {escape(p["coders"][1])}</td>'
        f'<td class="kappa">{"undefined" if p["kappa"] is None else format(p["kappa"], ".3f")}</td><td>{p["n"]}</td></tr>'
        for p in a["pairs"])
    return head + f'<table class="c-kappa"><tr><th>coders</th><th>Cohen\'s κ</th><th>articles</th></tr>{rows}</table>'


def coding_section(coding: dict, current_version: str) -> str:
    """The store's coders: `coding` holds `agreement` (analysis.agreement.Agreement.to_dict()),
    `model` (ModelVsCoders.to_dict(), for the current analyser) and `store_model` (the report of
    the store's own article model, None when it scores with the story's)."""
    model, store_model = coding["model"], coding.get("store_model")
    parts = [f"<h2 id=coders>The coders and the analyser <small>this store</small></h2>"
             f"<p>This store is scored by analyser <code id=store-analyser>{escape(current_version)}</code>.</p>"
             f"<h3>Agreement between the coders</h3>{agreement_html(coding['agreement'])}"]
    counts = (f"{model['references']} article(s) have a coders' label ({model['adjudicated']} adjudicated, the "
              f"others the majority of their codes); {model['off_topic']} off-topic and {model['unscored']} not yet "
              "scored by this analyser are left out")
    report = model["report"]
    if report is None:
        parts.append(f"<h3>The analyser against the coders</h3><p>Nothing to compare yet: {counts}.</p>")
    else:
        parts.append(
            f"<h3>The analyser against the coders <small>{report['n']} articles</small></h3><p>{counts}.</p>"
            "<table class=v-figures id=model-vs-coders><tr><th>method</th><th>sign accuracy</th><th>macro-F1</th>"
            f"<th>accuracy</th><th>ECE</th></tr>{_report_rows([report])}</table>{_confusion(report)}")
    if store_model is None:
        parts.append("<p>This store scores with the story's article model: no retraining with its codes yet.</p>")
    else:
        r = store_model["report"]
        parts.append(
            f"<h3>This store's own article model <small>{escape(store_model['digest'])}</small></h3>"
            f"<p>Refitted at {escape(store_model['fitted_at'])} with {r['coded']} coded article(s) ({r['adjudicated']} "
            f"adjudicated) beside the story's labelled articles.</p>")
        if r["before"] is None:
            parts.append(f"<p>Before/after not measured: {escape(r['why_unmeasured'])}.</p>")
        else:
            parts.append(
                f"<p>Before and after, on the same held-out coded articles ({r['coded']}, grouped {r['folds']}-fold by "
                "outlet: no outlet on both sides of a fold):</p><table class=v-figures id=before-after><tr><th>model</th>"
                "<th>sign accuracy</th><th>macro-F1</th><th>accuracy</th><th>ECE</th></tr>"
                f"{_report_rows([r['before'], r['after']])}</table>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><link rel=stylesheet href=/assets/style.css></head>"
        f"<body class=validity><p><a href=/>← Dashboard</a></p><h1>{escape(title)}</h1>{body}"
        "<p><a href=/method>How the measure is built</a> (docs/method.md) · <a href=/validity>how well it holds</a></p>"
        "</body></html>"
    )
