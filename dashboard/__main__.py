"""`python -m dashboard [--corpus PATH]... [--db FILE] [--host H] [--port N] [--lexicon FILE]`.

Ingests and scores whatever in the corpus paths is not in the store yet, then serves the page,
with a background worker beside it for uploads. Also:
  python -m dashboard worker [--db FILE] [--lexicon FILE] [--once]   the background worker alone
  python -m dashboard users add NAME --role coder|admin [--db FILE] [--password-stdin]
  python -m dashboard users list|remove [NAME] [--db FILE]
"""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import subprocess
import sys
from pathlib import Path

from analysis.errors import FramingError, run_command

DEFAULT_DB = Path("var/framing.db")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0],
                                     epilog="subcommands: worker, users (python -m dashboard users --help)")
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="article file or folder to ingest first (repeatable)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    parser.add_argument("--lexicon", type=Path, default=None, help="story lexicon (default: the S-400 lexicon)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    return parser


def build_worker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard worker",
                                     description="ingest and score uploads (and any unscored article) in the background")
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("FRAMING_DB", DEFAULT_DB)))
    parser.add_argument("--lexicon", type=Path, default=os.environ.get("FRAMING_LEXICON") or None)
    parser.add_argument("--once", action="store_true", help="stop when nothing is left to do")
    return parser


def build_users_parser() -> argparse.ArgumentParser:
    from dashboard.users import ROLES

    parser = argparse.ArgumentParser(prog="python -m dashboard users", description="manage who may write")
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add a user (or reset their role and password)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (for scripts)")
    remove = sub.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    sub.add_parser("list", help="list users and roles")
    for p in sub.choices.values():
        p.add_argument("--db", type=Path, default=Path(os.environ.get("FRAMING_DB", DEFAULT_DB)),
                           help=f"store file (default {DEFAULT_DB} or FRAMING_DB)")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise FramingError("the two passwords differ; nothing was changed")
    return first


def run_users(args: argparse.Namespace) -> int:
    from dashboard.data import open_store
    from dashboard.users import add_user, check_name, list_users, remove_user

    with open_store(args.db) as store:
        if args.action == "list":
            for user in list_users(store):
                print(f"{user.name}\t{user.role}")
            return 0
        if args.action == "remove":
            if not remove_user(store, args.name):
                raise FramingError(f"no user {args.name!r} in {args.db}")
            print(f"removed {args.name}", file=sys.stderr)
            return 0
        check_name(args.name)
        user = add_user(store, args.name, args.role, _read_password(args.password_stdin))
    print(f"{user.name} may now sign in as {user.role}", file=sys.stderr)
    return 0


_SHARED_HINT = (" (the sample corpus is the team's shared data folder, ../shared beside this checkout; it comes "
                "with the project and is not downloaded: see README, \"Two commands\")")


def prepare(corpus: list[Path], db: Path, lexicon: Path | None) -> int:
    """Ingest the corpus paths and score what is unscored; bad files print one line each."""
    from analysis.pipeline import ingest_paths, score_pending
    from dashboard.data import get_analyser, open_store

    with open_store(db) as store:
        analyser = get_analyser(str(lexicon) if lexicon else None).for_store(store)
        for path in corpus:
            if not path.exists():
                print(f"skipped {path}: no such file or folder{_SHARED_HINT if 'shared' in path.parts else ''}",
                      file=sys.stderr)
                continue
            try:
                ingest_paths(store, [path], strict=False, on_error=lambda e: print(f"skipped {e}", file=sys.stderr))
            except FramingError as exc:
                print(f"skipped {path}: {exc}", file=sys.stderr)
        return score_pending(store, analyser, progress=True)


def _warm_up(db: Path, lexicon: Path | None) -> None:
    """In the background: read the scored frame and start the image exporter's browser, so the
    first page view and the first PNG export do not pay for them."""
    import threading

    def work() -> None:
        from dashboard.data import load_dataset

        try:
            load_dataset(db, str(lexicon) if lexicon else None)
            from dashboard.export import start_image_server

            start_image_server()
        except Exception as exc:  # noqa: BLE001 - a failed warm-up only means a slower first request
            print(f"note: warm-up skipped ({exc})", file=sys.stderr)

    threading.Thread(target=work, name="warm-up", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        from analysis.jobs import run_worker

        wargs = build_worker_parser().parse_args(argv[1:])
        return run_command(lambda: run_worker(wargs.db, wargs.lexicon, once=wargs.once))
    if argv[:1] == ["users"]:
        uargs = build_users_parser().parse_args(argv[1:])
        return run_command(lambda: run_users(uargs))
    args = build_parser().parse_args(argv)
    return run_command(lambda: _serve(args))


def _start_worker(db: Path, lexicon: Path | None) -> subprocess.Popen:
    """The background worker beside the development server (the Procfile runs its own)."""
    cmd = [sys.executable, "-m", "dashboard", "worker", "--db", str(db)]
    if lexicon:
        cmd += ["--lexicon", str(lexicon)]
    return subprocess.Popen(cmd)


def _serve(args: argparse.Namespace) -> int:
    scored = prepare(args.corpus, args.db, args.lexicon)
    if scored:
        print(f"scored {scored} new article(s)", file=sys.stderr)
    from dashboard.app import create_app

    from dashboard.auth import SECRET_ENV

    secret = os.environ.get(SECRET_ENV)
    if not secret:  # one process: a key made up now works until it stops (sign in again after a restart)
        secret = secrets.token_hex(32)
    app = create_app(args.db, args.lexicon, secret_key=secret)
    _warm_up(args.db, args.lexicon)
    worker = _start_worker(args.db, args.lexicon)
    print(f"dashboard on http://{args.host}:{args.port}/ (background worker pid {worker.pid})", file=sys.stderr)
    try:
        app.run(host=args.host, port=args.port, debug=args.debug)  # returns on Ctrl-C (werkzeug stops quietly)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
