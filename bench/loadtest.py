"""Bounded load test of the dashboard under gunicorn, traffic to 127.0.0.1 only.

    python bench/loadtest.py [--users 20] [--seconds 60] [--workers 2] [--db var/bench-allsides.db]
                             [--uploaders 2]

Builds (or reuses) a scored store of ../shared/corpus/allsides.jsonl.gz, starts
`gunicorn --workers N dashboard.wsgi:server` on a free local port, and has simulated users change
filters (the Dash view callback and the article table) and export CSVs for a fixed time. Prints
requests served, errors and p50/p95/p99 latency, then stops gunicorn.

--uploaders N: N signed-in coders upload while the others read, as the page does it: each signs
in through /login, sends a JSONL file of new articles to the upload callback (which only queues
a job) and follows the job's progress until the background worker (`python -m dashboard worker`,
started here as the Procfile does) has ingested and scored it, then uploads the next. The store
is copied first (the shared bench store is left alone), and a checker re-reads every new article
from the store and verifies it is whole (its content hash matches its title and text). Any HTTP
error, failed job or half article is reported.
"""
from __future__ import annotations

import argparse
import base64
import functools
import gzip
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from dashboard import ids  # noqa: E402  (after the path is set)

CHARTS = ids.CHART_IDS
CORPUS = REPO.parent / "shared" / "corpus" / "allsides.jsonl.gz"
DEFAULT_DB = REPO / "var" / "bench-allsides.db"
HOST = "127.0.0.1"  # never anything else: this script must not send traffic off the machine


@functools.lru_cache(maxsize=1)
def labels() -> tuple[str, ...]:
    """The default story's labels (the dashboard under test serves that story)."""
    from analysis.lexicon import Lexicon

    return Lexicon.load().labels


# ---------------------------------------------------------------- the store


def ensure_store(db: Path, corpus: Path) -> None:
    """Ingest and score `corpus` into `db` unless it is already fully scored."""
    from analysis.scoring import Analyser
    from analysis.store import Store

    analyser = Analyser.load()
    if db.exists():
        with Store(db) as store:
            has_any = next(iter(store.articles()), None) is not None
            pending = len(store.unscored(analyser.version))
        if has_any and pending == 0:
            print(f"store: reusing {db} (fully scored with {analyser.version})")
            return
    if not corpus.exists():
        sys.exit(f"error: {corpus} not found; the load test needs the allsides corpus")
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"store: building {db} from {corpus.name} (ingest + score on all cores; minutes) ...", flush=True)
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "score", str(corpus), "--db", str(db), "--format", "jsonl", "--scheduler", "local"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if run.returncode != 0:
        sys.exit(f"error: building the store failed: {run.stderr.strip().splitlines()[-1:]}")
    print(f"store: built in {time.perf_counter() - t0:.0f} s")


def copy_store(src: Path, dst: Path) -> None:
    """A consistent copy of a (WAL) SQLite store, through SQLite's backup API."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


SECRET = "loadtest-" + os.urandom(16).hex()


def start_gunicorn(db: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    """The Procfile's web process (default 30 s worker timeout) on a local port."""
    env = dict(os.environ, FRAMING_DB=str(db), FRAMING_SECRET_KEY=SECRET)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "--workers", str(workers), "--limit-request-line", "8190", "--bind", f"{HOST}:{port}",
           "dashboard.wsgi:server"]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(db: Path, log: Path) -> subprocess.Popen:
    """The Procfile's worker process."""
    return subprocess.Popen([sys.executable, "-m", "dashboard", "worker", "--db", str(db)], cwd=REPO,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group this script started: TERM, then KILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("error: gunicorn exited during start-up (see the log)")
        try:
            r = requests.get(f"{base}/healthz", timeout=60)
            if r.status_code == 200:
                return r.json()
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"error: {base}/healthz not ready after {timeout:.0f} s")


# ---------------------------------------------------------------- Dash callback payloads


def _find(layout, wanted: set[str]) -> dict:
    """Current props of components with the given (string) ids, from the layout JSON."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if isinstance(props.get("id"), str) and props["id"] in wanted:
                    found[props["id"]] = props
                for v in props.values():
                    walk(v)

    walk(layout)
    return found


def _split_outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]


class CallbackBuilder:
    """Builds `/_dash-update-component` payloads for the view and the table callbacks."""

    def __init__(self, base: str):
        self.layout = requests.get(f"{base}/_dash-layout", timeout=120).json()
        deps = requests.get(f"{base}/_dash-dependencies", timeout=60).json()
        self.view = self.rows = self.upload = self.poll = None
        for dep in deps:
            if dep.get("clientside_function"):
                continue
            ins = {(i["id"], i["property"]) for i in dep["inputs"]}
            outs = _split_outputs(dep["output"])
            if ("url", "search") in ins and any(o["id"] == ids.OUTLET_CHART for o in outs):
                self.view = dep
            if any(i[1] == "getRowsRequest" for i in ins):
                self.rows = dep
            if ("upload-payload", "data") in ins:
                self.upload = dep
            if ("job-poll", "n_intervals") in ins:
                self.poll = dep
        wanted = {x["id"] for d in (self.view, self.rows) if d for x in d["inputs"] + d.get("state", [])}
        self.props = _find(self.layout, {i for i in wanted if isinstance(i, str)})

    def _payload(self, dep: dict, values: dict, changed: str) -> dict:
        def val(item):
            key = (item["id"], item["property"])
            return values[key] if key in values else self.props.get(item["id"], {}).get(item["property"])

        outs = _split_outputs(dep["output"])
        return {
            "output": dep["output"],
            "outputs": outs if dep["output"].startswith("..") else outs[0],
            "inputs": [dict(i, value=val(i)) for i in dep["inputs"]],
            "state": [dict(s, value=val(s)) for s in dep.get("state", [])],
            "changedPropIds": [changed],
        }

    def view_payload(self, search: str) -> dict | None:
        if not self.view:
            return None
        return self._payload(self.view, {("url", "search"): search}, "url.search")

    def upload_payload(self, name: str, data: bytes) -> dict:
        content = "data:application/octet-stream;base64," + base64.b64encode(data).decode("ascii")
        value = {"contents": [content], "filenames": [name], "at": time.time()}
        return self._payload(self.upload, {("upload-payload", "data"): value, ("jobs", "data"): []}, "upload-payload.data")

    def poll_payload(self, job_ids: list[int], tick: int) -> dict:
        return self._payload(self.poll, {("job-poll", "n_intervals"): tick, ("jobs", "data"): job_ids,
                                         ("data-version", "data"): ""}, "job-poll.n_intervals")

    def rows_payload(self, search: str, start: int) -> dict | None:
        if not self.rows:
            return None
        table = next(i["id"] for i in self.rows["inputs"] if i["property"] == "getRowsRequest")
        request = {"startRow": start, "endRow": start + 100, "sortModel": [], "filterModel": {}}
        return self._payload(
            self.rows, {(table, "getRowsRequest"): request, ("url", "search"): search}, f"{table}.getRowsRequest"
        )


# ---------------------------------------------------------------- users


def random_query(rng: random.Random, outlets: list[str]) -> dict:
    q: dict[str, list[str] | str] = {}
    if outlets and rng.random() < 0.8:
        q["outlet"] = rng.sample(outlets, k=min(len(outlets), rng.randint(1, 4)))
    if rng.random() < 0.6:
        year = rng.randint(2012, 2021)
        q["start"] = f"{year}-{rng.randint(1, 12):02d}-01"
        q["end"] = f"{year + rng.randint(0, 3)}-{rng.randint(1, 12):02d}-28"
    if rng.random() < 0.3:
        q["label"] = rng.sample(list(labels()), k=rng.randint(1, 2))
    return q


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.samples: list[str] = []

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{kind}: {error}")


def user(base: str, seed: int, deadline: float, outlets: list[str], builder: CallbackBuilder | None, rec: Recorder,
         think: tuple[float, float] = (0.0, 0.2)) -> None:
    rng = random.Random(seed)
    s = requests.Session()
    while time.monotonic() < deadline:
        query = random_query(rng, outlets)
        search = "?" + urlencode(query, doseq=True) if query else ""
        # One "filter change" = the charts' view callback, then the first table page; then
        # sometimes an export of the rows behind a chart.
        steps: list[tuple[str, str, dict | None]] = []
        if builder and builder.view:
            steps.append(("view", "/_dash-update-component", builder.view_payload(search)))
        if builder and builder.rows:
            steps.append(("table", "/_dash-update-component", builder.rows_payload(search, 0)))
        if rng.random() < 0.5 or not steps:
            steps.append(("export-csv", f"/export/{rng.choice(CHARTS)}.csv{search}", None))
        for kind, path, payload in steps:
            if time.monotonic() >= deadline:
                return
            t0 = time.perf_counter()
            error = None
            try:
                if payload is None:
                    r = s.get(base + path, timeout=60)
                else:
                    r = s.post(base + path, json=payload, timeout=60)
                if r.status_code != 200:
                    error = f"HTTP {r.status_code}: {r.text[:160]!r}"
                elif kind == "export-csv" and not r.text.strip():
                    error = "empty CSV"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            rec.record(kind, time.perf_counter() - t0, error)
            time.sleep(rng.uniform(*think))  # think time between clicks


# ---------------------------------------------------------------- uploads while others read


WRITER_PREFIX = "loadtest-"
PER_UPLOAD = 20  # articles per uploaded file


def writer_batches(corpus: Path, folder: Path, batches: int, per_batch: int, seed: int) -> list[Path]:
    """JSONL files of new articles (allsides rows under fresh ids, each text marked as a copy)."""
    rng = random.Random(seed)
    rows = []
    opener = gzip.open if corpus.suffix == ".gz" else open
    with opener(corpus, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= 5000:
                break
            rows.append(json.loads(line))
    files = []
    for b in range(batches):
        path = folder / f"batch-{b:03d}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for k in range(per_batch):
                row = dict(rng.choice(rows))
                row["id"] = f"{WRITER_PREFIX}{seed}-{b}-{k}"
                row["text"] = f"{row.get('text') or ''}\n\nLoad-test copy {b}.{k}."
                out.write(json.dumps(row) + "\n")
        files.append(path)
    return files


def add_uploader(db: Path, name: str) -> str:
    from analysis.store import Store
    from dashboard.users import add_user

    password = "loadtest password " + name
    with Store(db) as store:
        add_user(store, name, "coder", password)
    return password


def sign_in(base: str, name: str, password: str) -> requests.Session:
    s = requests.Session()
    form = s.get(f"{base}/login", timeout=60).text
    token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = s.post(f"{base}/login", data={"csrf": token, "name": name, "password": password, "next": "/"},
               timeout=60, allow_redirects=False)
    if r.status_code != 302:
        raise SystemExit(f"error: {name} could not sign in (HTTP {r.status_code})")
    return s


def uploader(base: str, session: requests.Session, builder: "CallbackBuilder", files: list[Path], deadline: float,
             rec: Recorder, result: dict) -> None:
    """Upload each file through the page's callback, then follow its job (as the page's 1 s poll does)."""
    done = failed = 0
    for path in files:
        if time.monotonic() >= deadline:
            break
        t0 = time.perf_counter()
        error = job_id = None
        try:
            r = session.post(f"{base}/_dash-update-component", json=builder.upload_payload(path.name, path.read_bytes()),
                             timeout=60)
            if r.status_code != 200:
                error = f"HTTP {r.status_code}: {r.text[:160]!r}"
            else:
                job_id = r.json()["response"]["jobs"]["data"][-1]
        except (requests.RequestException, KeyError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        rec.record("upload", time.perf_counter() - t0, error)
        if job_id is None:
            failed += 1
            continue
        started, tick = time.monotonic(), 0
        while time.monotonic() < deadline + 300:
            time.sleep(1.0)
            tick += 1
            t0 = time.perf_counter()
            error, body = None, ""
            try:
                r = session.post(f"{base}/_dash-update-component", json=builder.poll_payload([job_id], tick), timeout=60)
                if r.status_code == 200:
                    body = r.text
                else:
                    error = f"HTTP {r.status_code}: {r.text[:160]!r}"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            rec.record("job-poll", time.perf_counter() - t0, error)
            if '"disabled":true' in body.replace(" ", ""):  # the page stops polling: the job ended
                ok = "article(s) added" in body
                done += ok
                failed += not ok
                result.setdefault("seconds", []).append(time.monotonic() - started)
                break
    with UPLOAD_LOCK:
        result["done"] = result.get("done", 0) + done
        result["failed"] = result.get("failed", 0) + failed
        result.setdefault("seconds", [])


UPLOAD_LOCK = threading.Lock()


def run_checker(db: Path, deadline: float, result: dict) -> None:
    """Re-read the new articles straight from the store and check each one is whole."""
    from analysis.store import Store

    checks = bad = 0
    seen: set[str] = set()
    while time.monotonic() < deadline:
        try:
            with Store(db) as store:
                new = [r[0] for r in store.query("SELECT id FROM articles WHERE id LIKE ?", (WRITER_PREFIX + "%",))]
                for art in store.articles(new):
                    checks += 1
                    seen.add(art.id)
                    whole = hashlib.sha256(f"{art.title}\n\n{art.text}".encode()).hexdigest() == art.content_hash
                    if not whole or not art.text.rstrip().endswith("."):
                        bad += 1
        except Exception as exc:  # noqa: BLE001 - any read failure is what we are looking for
            bad += 1
            result.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}")
        time.sleep(1.0)
    result.update(checks=checks, bad=bad, distinct=len(seen))


# ---------------------------------------------------------------- main


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(rec: Recorder, seconds: float) -> tuple[int, int, float]:
    everything = [x for v in rec.latency.values() for x in v]
    total, errors = len(everything), sum(rec.errors.values())
    print(f"\n{'kind':<12}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in sorted(rec.latency) + ["ALL"]:
        vals = everything if kind == "ALL" else rec.latency[kind]
        errs = errors if kind == "ALL" else rec.errors[kind]
        print(
            f"{kind:<12}{len(vals):>9}{errs:>8}{pct(vals, 50) * 1e3:>9.0f}{pct(vals, 95) * 1e3:>9.0f}"
            f"{pct(vals, 99) * 1e3:>9.0f}{max(vals, default=float('nan')) * 1e3:>9.0f}"
        )
    print(f"\nrequests served: {total - errors} of {total} in {seconds:.0f} s ({total / seconds:.1f}/s); errors: {errors}")
    print(f"latency (all requests): p50 {pct(everything, 50) * 1e3:.0f} ms, p95 {pct(everything, 95) * 1e3:.0f} ms, "
          f"p99 {pct(everything, 99) * 1e3:.0f} ms")
    for s in rec.samples:
        print(f"  error sample: {s}")
    return total, errors, pct(everything, 95)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--uploaders", type=int, default=0,
                    help="signed-in users uploading new articles (to a copy of the store) during the run")
    ap.add_argument("--no-callbacks", action="store_true", help="only the export routes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--think", default="0.5-2",
                    help="seconds a user pauses between requests, as MIN-MAX (0-0 = hammer the server)")
    args = ap.parse_args(argv)

    think = tuple(float(x) for x in args.think.split("-", 1))
    db = args.db.resolve()
    print(f"{os.cpu_count()} cores; load average before the run: {os.getloadavg()[0]:.1f} (other work skews the figures)")
    ensure_store(db, args.corpus)
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    serve_db = db
    if args.uploaders:
        serve_db = work / "store.db"
        copy_store(db, serve_db)
        print(f"upload mode: serving a copy of the store at {serve_db}")

    port = free_port()
    base = f"http://{HOST}:{port}"
    log = work / "gunicorn.log"
    proc = start_gunicorn(serve_db, port, args.workers, log)
    worker = start_worker(serve_db, work / "worker.log") if args.uploaders else None
    try:
        t0 = time.perf_counter()
        health = wait_healthy(base, proc)
        print(f"gunicorn --workers {args.workers} on {base}: healthy after {time.perf_counter() - t0:.1f} s, "
              f"{health.get('articles')} articles, analyser {health.get('analyser_version')}")
        first = requests.get(f"{base}/export/framing-by-outlet.csv", timeout=120)
        first.raise_for_status()
        outlets = _outlets_from_csv(first.text)
        builder = None
        if not args.no_callbacks:
            builder = CallbackBuilder(base)
            probe = builder.view_payload("")
            if probe is None or requests.post(f"{base}/_dash-update-component", json=probe, timeout=120).status_code != 200:
                print("warning: could not drive the view callback; exports only")
                builder = None
        # Warm every worker (each builds its own cached frame on first use) before measuring.
        warm = [threading.Thread(target=requests.get, args=(f"{base}/export/voices.csv",), kwargs={"timeout": 120})
                for _ in range(4 * args.workers)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        print(f"{len(outlets)} outlets; {args.users} users for {args.seconds:.0f} s, {think[0]:g}-{think[1]:g} s between requests "
              f"({'view callback + table page + CSV exports' if builder else 'CSV exports only'})", flush=True)

        # One user alone: the server's own time per request, before any queueing.
        solo = Recorder()
        user(base, args.seed, time.monotonic() + min(15.0, args.seconds / 4), outlets, builder, solo, (0.0, 0.0))
        print("one user alone (no queueing): " + ", ".join(
            f"{k} p50 {pct(v, 50) * 1e3:.0f} ms" for k, v in sorted(solo.latency.items())), flush=True)

        rec = Recorder()
        start = time.monotonic()
        deadline = start + args.seconds
        threads = [
            threading.Thread(target=user, args=(base, args.seed * 1000 + i, deadline, outlets, builder, rec, think),
                             daemon=True)
            for i in range(args.users)
        ]
        writer_result: dict = {}
        checker_result: dict = {}
        if args.uploaders:
            if not (builder and builder.upload and builder.poll):
                raise SystemExit("error: could not find the upload and job callbacks")
            for u in range(args.uploaders):
                name = f"loader{u}"
                session = sign_in(base, name, add_uploader(serve_db, name))
                files = writer_batches(args.corpus, work, batches=100, per_batch=PER_UPLOAD, seed=args.seed * 100 + u)
                threads.append(threading.Thread(target=uploader, args=(base, session, builder, files, deadline, rec,
                                                                       writer_result)))
            threads.append(threading.Thread(target=run_checker, args=(serve_db, deadline + 5, checker_result)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 600)
        elapsed = time.monotonic() - start
        total, errors, p95 = report(rec, min(elapsed, args.seconds))
        try:
            import psutil

            rss = [c.memory_info().rss / 2**20 for c in psutil.Process(proc.pid).children(recursive=True)]
            print(f"gunicorn worker memory (RSS): {', '.join(f'{m:.0f} MB' for m in rss)}")
        except Exception:  # noqa: BLE001 - memory is a bonus figure
            pass
        bad_articles = 0
        if args.uploaders:
            took = writer_result.get("seconds", [])
            print(f"uploads: {writer_result.get('done', 0)} files of {PER_UPLOAD} articles uploaded, ingested and "
                  f"scored in the background, {writer_result.get('failed', 0)} failed; upload to done p50 "
                  f"{pct(took, 50):.1f} s, max {max(took, default=float('nan')):.1f} s")
            print(f"checker: {checker_result.get('checks', 0)} reads of {checker_result.get('distinct', 0)} new articles, "
                  f"{checker_result.get('bad', 0)} half/unreadable")
            for e in (writer_result.get("errors", []) + checker_result.get("errors", []))[:5]:
                print(f"  writer/checker error: {e}")
            bad_articles = checker_result.get("bad", 0) + writer_result.get("failed", 0)
        readers = [x for k in ("view", "table", "export-csv") for x in rec.latency.get(k, [])]
        p95 = pct(readers, 95)
        print(f"readers (view, table, export): p95 {p95 * 1e3:.0f} ms")
        verdict = "PASS" if errors == 0 and bad_articles == 0 and p95 < 0.5 else "MISS"
        print(f"goal (zero errors, readers' p95 < 500 ms{', no half articles' if args.uploaders else ''}): {verdict}")
        return 0 if errors == 0 and bad_articles == 0 else 1
    finally:
        if worker is not None:
            stop(worker)
        stop(proc)
        if proc.returncode not in (0, -signal.SIGTERM, None):
            print(f"(gunicorn exited with {proc.returncode}; log kept: {log})")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _outlets_from_csv(text: str) -> list[str]:
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    col = next((c for c in (reader.fieldnames or []) if c and c.lower() == "outlet"), None)
    if not col:
        return []
    names = {row[col] for row in reader if row.get(col)}
    return sorted(n.lstrip("'") for n in names)


if __name__ == "__main__":
    sys.exit(main())
