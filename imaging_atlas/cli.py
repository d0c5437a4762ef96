"""Command-line interface: `imaging-atlas <subcommand>` (or `python -m imaging_atlas`).

Each subcommand is one function taking the parsed arguments and returning an exit code; a new
subcommand adds a `_add_<name>_parser` function and one line in `build_parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from imaging_atlas.publication import add_publish_parser
from imaging_atlas.synthetic import parameters as par
from imaging_atlas.validate import add_validate_parser


def parse_years(text: str) -> list[int]:
    """'2006-2024' (inclusive range), '2006,2015,2020' or a combination such as '2006-2010,2015'."""
    years: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            years.extend(range(int(first), int(last or first) + 1))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"invalid years {text!r}: use e.g. 2006-2024 or 2006,2015"
        ) from error
    if not years:
        raise argparse.ArgumentTypeError(f"no year in {text!r}")
    return years


def run_generate(args: argparse.Namespace) -> int:
    """Write a synthetic raw extract and print the rows written per year."""
    from imaging_atlas.synthetic import generate

    try:
        summary = generate(
            args.out,
            scale=args.scale,
            years=args.years,
            seed=args.seed,
            other_lines_per_imaging_line=args.other_lines_per_imaging_line,
            seeds_dir=args.seeds_dir,
            force=args.force,
            progress=not args.no_progress,
        )
    except (FileExistsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for year, written in summary.years.items():
        print(f"{year}: population {written.population_rows:,} rows, claims {written.claims_rows:,} rows")
    return 0


def _add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic raw extract (population and claims Parquet files)",
        description="Write <out>/{population,claims}/year=YYYY/part-0.parquet for each year.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data/raw"), help="output folder (default: data/raw)"
    )
    parser.add_argument(
        "--scale", type=float, default=0.01, help="1.0 = Belgium, ~11.5 M beneficiaries a year"
    )
    parser.add_argument(
        "--years", type=parse_years, default=parse_years("2006-2024"), help="e.g. 2006-2024 or 2006,2015,2020"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--other-lines-per-imaging-line",
        type=float,
        default=par.DEFAULT_OTHER_LINES_PER_IMAGING_LINE,
        help="non-imaging claim lines drawn per imaging line (default: %(default)s)",
    )
    parser.add_argument(
        "--seeds-dir", type=Path, default=None, help="reference data (default: the project's seeds/)"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite the tables of a non-empty output folder"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run_generate)


def run_event_times(args: argparse.Namespace) -> int:
    """Print dbt's flags that bound the yearly batches to the extract's years (nothing without a year)."""
    from imaging_atlas.project import event_time_flags

    print(" ".join(event_time_flags(args.raw_dir)))
    return 0


def _add_event_times_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "event-times",
        help="print the --event-time-start/--event-time-end flags of the extract's years, for dbt build",
        description="dbt builds the yearly models one year at a time (microbatch); these flags give it "
        "the years of the extract, from its first to its last Atlas year, instead of every year from "
        "var first_year to today.",
    )
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=Path(os.environ.get("IMAGING_RAW_DIR", "data/raw")),
        help="the extract (default: $IMAGING_RAW_DIR or data/raw)",
    )
    parser.set_defaults(handler=run_event_times)


def run_lint_sql(args: argparse.Namespace) -> int:
    """sqlfluff over the models, rule tests and analyses, failing on any file it did not parse."""
    from imaging_atlas.sql_lint import main as lint_sql

    return lint_sql()


def _add_lint_sql_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint-sql",
        help="sqlfluff over every model, rule test and analysis; fails on a file it skipped or did not parse",
    )
    parser.set_defaults(handler=run_lint_sql)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imaging-atlas", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_generate_parser(subparsers)
    add_validate_parser(subparsers)
    add_publish_parser(subparsers)
    _add_event_times_parser(subparsers)
    _add_lint_sql_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
