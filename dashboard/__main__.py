"""`python -m dashboard [--corpus PATH]... [--db FILE] [--host H] [--port N] [--lexicon FILE]`.

Ingests and scores whatever in the corpus paths is not in the store yet, then serves the page.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import FramingError, run_command

DEFAULT_DB = Path("var/framing.db")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="article file or folder to ingest first (repeatable)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    parser.add_argument("--lexicon", type=Path, default=None, help="story lexicon (default: the S-400 lexicon)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    return parser


def prepare(corpus: list[Path], db: Path, lexicon: Path | None) -> int:
    """Ingest the corpus paths and score what is unscored; bad files print one line each."""
    from analysis.pipeline import ingest_paths, score_pending
    from dashboard.data import get_analyser, open_store

    analyser = get_analyser(str(lexicon) if lexicon else None)
    with open_store(db) as store:
        for path in corpus:
            if not path.exists():
                print(f"skipped {path}: no such file or folder", file=sys.stderr)
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
    args = build_parser().parse_args(argv)
    return run_command(lambda: _serve(args))


def _serve(args: argparse.Namespace) -> int:
    scored = prepare(args.corpus, args.db, args.lexicon)
    if scored:
        print(f"scored {scored} new article(s)", file=sys.stderr)
    from dashboard.app import create_app

    app = create_app(args.db, args.lexicon)
    _warm_up(args.db, args.lexicon)
    print(f"dashboard on http://{args.host}:{args.port}/", file=sys.stderr)
    app.run(host=args.host, port=args.port, debug=args.debug)  # returns on Ctrl-C (werkzeug stops quietly)
    return 0


if __name__ == "__main__":
    sys.exit(main())
