"""Command line: `python -m analysis ingest|score|train|evaluate ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import run_command

DEFAULT_DB = Path("var/framing.db")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="read article files into the store")
    ingest.add_argument("paths", nargs="+", type=Path,
                        help="files or folders, walked recursively (.txt, .html, .jsonl[.gz], .csv[.gz], .parquet)")
    ingest.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    ingest.add_argument("--strict", action="store_true", help="exit non-zero on the first bad file or row")

    score = sub.add_parser("score", help="ingest what is new, score it, print one record per article")
    score.add_argument("paths", nargs="+", type=Path,
                       help="files or folders, walked recursively (.txt, .html, .jsonl[.gz], .csv[.gz], .parquet)")
    score.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    score.add_argument("--strict", action="store_true", help="exit non-zero on the first bad file or row, storing nothing")
    score.add_argument("--format", choices=("jsonl", "csv", "table"), default="table",
                       help="one JSON record per line, CSV (formula cells neutralised) or a terminal table (default)")
    score.add_argument("--with-text", action="store_true", help="include the cleaned text")
    score.add_argument("--lexicon", type=Path, default=None, help="story file (default: the S-400 story)")
    score.add_argument(
        "--scheduler",
        default=None,
        help="score with Dask: 'local' for all local cores, or tcp://HOST:PORT of a running scheduler",
    )
    score.add_argument("--out", type=Path, default=None, help="also write the scores as partitioned Parquet to this folder")

    train = sub.add_parser("train", help="fit the stance model and the article model from the labelled data")
    train.add_argument("--lexicon", type=Path, default=None,
                       help="story file naming the training data (default: the S-400 story)")

    evaluate = sub.add_parser(
        "evaluate", help="the analyser beside baselines on every evaluation set, with intervals and calibration"
    )
    evaluate.add_argument("--write", action="store_true", help="save the figures that /validity shows (eval/validity.json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    if args.command == "ingest":
        from analysis.pipeline import run_ingest

        return run_ingest(args.paths, db=args.db, strict=args.strict)
    if args.command == "score":
        from analysis.pipeline import run_score

        return run_score(
            args.paths,
            db=args.db,
            strict=args.strict,
            fmt=args.format,
            with_text=args.with_text,
            lexicon=args.lexicon,
            scheduler=args.scheduler,
            out=args.out,
        )
    if args.command == "train":
        from analysis.training import run_train

        return run_train(lexicon=args.lexicon)
    if args.command == "evaluate":
        from analysis.evaluation.report import run_evaluate

        return run_evaluate(write=args.write)
    return 1


if __name__ == "__main__":
    sys.exit(main())
