"""Command line: `python -m analysis ingest|score|collect|train|evaluate|annotations|agreement ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.collect.policy import FetchPolicy
from analysis.errors import FramingError, run_command

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
    score.add_argument("paths", nargs="*", type=Path,
                       help="files or folders, walked recursively (.txt, .html, .jsonl[.gz], .csv[.gz], .parquet); "
                            "none: every article already in the store")
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

    collect = sub.add_parser(
        "collect", help="fetch the articles of a list of addresses (politely, resumably), store and score them"
    )
    collect.add_argument("list", type=Path, metavar="LIST",
                         help="a Media Cloud or GDELT DOC CSV export, a GDELT 2.0 Events export, or one address per line")
    collect.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    collect.add_argument("--cache", type=Path, default=None, metavar="DIR",
                         help="folder keeping every fetched page, so a second run fetches nothing again "
                              "(default: collect-cache/ beside the store)")
    collect.add_argument("--delay", type=_seconds, default=FetchPolicy.delay, metavar="SECONDS",
                         help=f"seconds between two requests to the same host (default {FetchPolicy.delay:g}; "
                              "a longer Crawl-delay in robots.txt wins)")
    collect.add_argument("--timeout", type=_timeout, default=FetchPolicy.timeout, metavar="SECONDS",
                         help=f"seconds to connect, and to wait for the next bytes of an answer (default {FetchPolicy.timeout:g})")
    collect.add_argument("--max-bytes", type=_positive_int, default=FetchPolicy.max_bytes, metavar="N",
                         help=f"largest page fetched, in bytes (default {FetchPolicy.max_bytes:,}); a larger one is a failure")
    collect.add_argument("--lexicon", type=Path, default=None, metavar="STORY.yaml",
                         help="story file to score with (default: the S-400 story)")

    train = sub.add_parser("train", help="fit the stance model and the article model from the labelled data")
    train.add_argument("--lexicon", type=Path, default=None,
                       help="story file naming the training data (default: the S-400 story)")
    train.add_argument("--with-annotations", action="store_true",
                       help="refit only the article model of the store --db, adding its coded articles (adjudicated, "
                            "else majority codes); report before/after figures on held-out coded articles, rescore the "
                            "store and switch it to the new model")
    train.add_argument("--db", type=Path, default=None, help="the store whose codes --with-annotations uses")

    annotations = sub.add_parser("annotations", help="import or export the coders' codes")
    actions = annotations.add_subparsers(dest="action", required=True, help="what to do with the codes")
    imp = actions.add_parser("import", help="add codes from a CSV file (columns article_id, coder, label; "
                                            "optional note, sentences, coded_at, codebook)")
    imp.add_argument("file", type=Path, help="the CSV file; bad rows get one line each, the rest is imported")
    imp.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    imp.add_argument("--lexicon", type=Path, default=None, help="story file whose labels codes use (default: the S-400 story)")
    exp = actions.add_parser("export", help="print every coder's current code as CSV")
    exp.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")

    agreement = sub.add_parser("agreement", help="agreement between coders: Krippendorff's alpha and Cohen's kappa per pair")
    agreement.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"store file (default {DEFAULT_DB})")
    agreement.add_argument("--format", choices=("table", "json"), default="table",
                           help="a table (default) or JSON with alpha, items, coders, pairs (coders, kappa, n), codes")

    evaluate = sub.add_parser(
        "evaluate", help="the analyser beside baselines on every evaluation set, with intervals and calibration"
    )
    evaluate.add_argument("--write", action="store_true", help="save the figures that /validity shows (eval/validity.json)")
    return parser


def _seconds(value: str, least: float = 0.0) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not least <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from {least:g} to 3600")
    return seconds


def _timeout(value: str) -> float:
    return _seconds(value, least=0.001)


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


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
    if args.command == "collect":
        from analysis.collect.command import run_collect

        policy = FetchPolicy(delay=args.delay, timeout=args.timeout, max_bytes=args.max_bytes)
        return run_collect(args.list, db=args.db, cache_dir=args.cache, policy=policy, lexicon=args.lexicon)
    if args.command == "train":
        from analysis.training import run_train, run_train_with_annotations

        if args.with_annotations:
            if args.db is None:
                raise FramingError("train --with-annotations needs --db FILE, the store whose codes it uses")
            return run_train_with_annotations(args.db, lexicon=args.lexicon)
        if args.db is not None:
            raise FramingError("train --db is only for --with-annotations (the story's models do not read a store)")
        return run_train(lexicon=args.lexicon)
    if args.command == "annotations":
        from analysis.annotations import run_export, run_import

        return run_import(args.file, args.db, args.lexicon) if args.action == "import" else run_export(args.db)
    if args.command == "agreement":
        from analysis.agreement import run_agreement

        return run_agreement(args.db, args.format)
    if args.command == "evaluate":
        from analysis.evaluation.report import run_evaluate

        return run_evaluate(write=args.write)
    return 1


if __name__ == "__main__":
    sys.exit(main())
