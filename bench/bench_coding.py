"""Coding speed on the scored AllSides store (37,544 articles, 491 outlets): how long a coder
waits for the next article.

    .venv/bin/python bench/bench_coding.py [--db var/bench-allsides.db] [--codes 200]

Works on a COPY of the store (made in a temporary folder; the given file is only read): opening
the copy upgrades it to this version's schema (the coding tables and the queue's indexes; timed).
When the copy's scores belong to another analyser version than the current one, they are
relabelled as the current version's in the copy, so that the least-sure queue has scores to read
(printed when it happens). The app runs on a local port (werkzeug, threaded); two coders sign
in through the login form and code over real HTTP. One "next article" is the POST of a code,
its redirect and the GET of the next page: from the click to the new article's HTML, timed in
the client. Printed: p50 / p95 / max per queue (random sample stratified by outlet, the shared
sample a second coder follows, least sure first, disagreements), the agreement block and the
review page. Goal: the next article in < 300 ms.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = ROOT / "var" / "bench-allsides.db"
PASSWORD = "bench coding password"
LABELS = ["pro-Washington", "neutral", "pro-Ankara", "off-topic"]


def copy_store(src: Path, folder: Path) -> Path:
    """The store file (and its write-ahead log, if any) copied; the original is never opened."""
    dst = folder / src.name
    for suffix in ("", "-wal"):
        if Path(str(src) + suffix).exists():
            shutil.copyfile(str(src) + suffix, str(dst) + suffix)
    return dst


def relabel_scores(db: Path, version: str) -> str | None:
    """Make the copy's most common score version the current one; returns the old version."""
    conn = sqlite3.connect(db)
    try:
        found = conn.execute("SELECT analyser_version FROM scores GROUP BY analyser_version "
                             "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
        if found is None or found[0] == version:
            return None
        with conn:
            conn.execute("UPDATE scores SET analyser_version = ? WHERE analyser_version = ?", (version, found[0]))
        return found[0]
    finally:
        conn.close()


def quantiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return "no samples"
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"n {len(ms):4d}  p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  max {ms[-1]:6.1f} ms"


class Coder:
    """One signed-in coder's HTTP session."""

    def __init__(self, url: str, name: str) -> None:
        import requests

        self.url, self.session = url, requests.Session()
        form = self.session.get(url + "/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)[1]
        resp = self.session.post(url + "/login", data={"csrf": token, "name": name, "password": PASSWORD},
                                 allow_redirects=False)
        assert resp.status_code == 302, resp.text
        self.page = ""

    def get(self, path: str) -> float:
        began = time.perf_counter()
        resp = self.session.get(self.url + path)
        resp.raise_for_status()
        self.page = resp.text
        return time.perf_counter() - began

    def code_next(self, rng: random.Random) -> float | None:
        """Code the article on the page; the time until the next article's page has arrived."""
        fields = dict(re.findall(r'<input type="hidden" name="(csrf|article_id|content_hash|mode)" value="([^"]*)"',
                                 self.page))
        if "article_id" not in fields:
            return None  # this queue is empty
        marked = re.findall(r'name="sentence" value="(\d+)"', self.page)[:2]
        data = fields | {"label": rng.choice(LABELS), "sentence": marked, "note": "bench"}
        began = time.perf_counter()
        resp = self.session.post(self.url + "/code", data=data)  # follows the redirect to the next article
        resp.raise_for_status()
        self.page = resp.text
        return time.perf_counter() - began


def main() -> int:
    ap = argparse.ArgumentParser(prog="bench_coding.py", description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the scored store to copy (default {DEFAULT_DB})")
    ap.add_argument("--codes", type=int, default=200, help="codes the first coder gives from the sample (default 200)")
    args = ap.parse_args()
    if not args.db.exists():
        print(f"{args.db} not found: build it with bench/bench_dashboard.py", file=sys.stderr)
        return 2
    from werkzeug.serving import make_server

    from analysis.scoring import reader
    from analysis.store import Store
    from dashboard.app import create_app
    from dashboard.users import add_user

    rng = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="bench-coding-") as tmp:
        began = time.perf_counter()
        db = copy_store(args.db, Path(tmp))
        print(f"copied {args.db} ({db.stat().st_size / 2**20:,.0f} MB) in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        with Store(db) as store:
            upgraded = time.perf_counter() - began
            articles = store.count()
            for name in ("ann", "bob"):
                add_user(store, name, "coder", PASSWORD)
        print(f"opened and upgraded to the coding schema in {upgraded:.1f} s: {articles:,} articles")
        old = relabel_scores(db, reader()[1])
        if old:
            print(f"note: the copy's scores were made by {old}; relabelled as the current analyser's for the "
                  "least-sure queue (the order of confidences is what it reads)")
        app = create_app(db, secret_key="bench-coding")
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            ann, bob = Coder(url, "ann"), Coder(url, "bob")
            first = ann.get("/code")
            print(f"first /code page (imports, first queries): {first * 1000:.0f} ms")
            results = {}
            results["sample (stratified draw)"] = [t for t in (ann.code_next(rng) for _ in range(args.codes)) if t]
            bob.get("/code")
            half = args.codes // 2
            results["sample (a second coder follows)"] = [t for t in (bob.code_next(rng) for _ in range(half)) if t]
            ann.get("/code?mode=unsure")
            results["least sure first"] = [t for t in (ann.code_next(rng) for _ in range(half)) if t]
            # ann coded every disagreement already: the query runs, the queue is empty for her
            results["disagreements queue (GET)"] = [ann.get("/code?mode=disagreements") for _ in range(20)]
            results["agreement block (GET)"] = [ann.get("/code/agreement") for _ in range(20)]
            results["review page (GET)"] = [ann.get("/code/review") for _ in range(10)]
            codes = sum(len(results[k]) for k in list(results)[:3])
            print(f"next article after a code, {codes} codes in all (goal < 300 ms):")
            for name, times in results.items():
                print(f"  {name:<34} {quantiles(times)}")
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
