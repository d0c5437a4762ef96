"""The command line: `imaging-atlas <command>`, the one entry point of the package (the Makefile calls it).

Each command parses its arguments here and calls the function of the module that does the work; a new
command adds an `_add_<name>_parser` function and one line in `build_parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from imaging_atlas.synthetic import parameters as par

RAW_DIR = Path(os.environ.get("IMAGING_RAW_DIR", "data/raw"))
DB_PATH = Path(os.environ.get("IMAGING_DB_PATH", "data/imaging_atlas.duckdb"))


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


def add_raw_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-dir", type=Path, default=RAW_DIR, help="the extract (default: $IMAGING_RAW_DIR or data/raw)"
    )


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=DB_PATH, help="the built DuckDB file (default: $IMAGING_DB_PATH)"
    )


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


def run_validate(args: argparse.Namespace) -> int:
    """Exit 1 with the list of problems of the extract, 0 when dbt may run."""
    from imaging_atlas.validate import check_raw_dir, report

    problems = check_raw_dir(args.raw_dir)
    if problems:
        print(report(problems), file=sys.stderr)
        return 1
    print(f"{args.raw_dir}: the raw extract follows the raw contract")
    return 0


def _add_validate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check the raw extract (folders, files, columns, types) before dbt runs",
        description="Exit 1, naming file, column and rule, when the extract breaks the raw contract.",
    )
    add_raw_dir(parser)
    parser.set_defaults(handler=run_validate)


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
    add_raw_dir(parser)
    parser.set_defaults(handler=run_event_times)


def run_publish(args: argparse.Namespace) -> int:
    """The files of every indicator of the publication layer."""
    from imaging_atlas.publication import publish_from_database

    for path in publish_from_database(args.db, args.out, args.manifest):
        print(path)
    return 0


def _add_publish_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="write publish/<indicator>.csv, .parquet and .json from the publication layer",
        description="Read table published_indicators (and nothing else) and write three files per indicator.",
    )
    add_db(parser)
    parser.add_argument("--out", type=Path, default=Path("publish"), help="output folder (default: publish)")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", "target")) / "manifest.json",
        help="dbt manifest for the indicators' descriptions and meta (default: target/manifest.json)",
    )
    parser.set_defaults(handler=run_publish)


def run_from_spark(args: argparse.Namespace) -> int:
    """The DuckDB-only layer (publication, variation statistics) built from a Spark build's warehouse."""
    from imaging_atlas.spark_warehouse import FromSparkRun, build_layer, warehouse_dir

    db_path = args.db or args.spark_dir / "imaging_atlas.duckdb"
    run = FromSparkRun(
        raw_dir=RAW_DIR,
        db_path=db_path,
        target_path=Path(os.environ.get("DBT_TARGET_PATH", "target")),
        spark_dir=args.spark_dir,
    )
    try:
        tables = build_layer(run)
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{db_path}: the layer built on {len(tables['viewed'])} views over {warehouse_dir(args.spark_dir)}")
    if tables["without_files"]:
        empty = ", ".join(tables["without_files"])
        print(f"no view of the tables without a data file (partitioned, no row): {empty}")
    return 0


def _add_from_spark_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "from-spark",
        help="build the publication layer and the variation statistics from a Spark build's warehouse",
        description=(
            "Make a DuckDB file of views over the tables of `dbt build --target spark`, then build the "
            "models of models/python and their data tests in it (dbt target from_spark, docs/spark.md)."
        ),
    )
    parser.add_argument(
        "--spark-dir",
        type=Path,
        default=Path(os.environ.get("IMAGING_SPARK_DIR", "data/spark")),
        help="Spark's metastore and warehouse (default: $IMAGING_SPARK_DIR or data/spark)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=os.environ.get("IMAGING_SPARK_DB_PATH") or None,
        help="the DuckDB file to write (default: $IMAGING_SPARK_DB_PATH or <spark-dir>/imaging_atlas.duckdb)",
    )
    parser.set_defaults(handler=run_from_spark)


def run_explore(args: argparse.Namespace) -> int:
    """Write the offline Atlas explorer."""
    from imaging_atlas.explorer.site import build_site

    try:
        written = build_site(args.db, args.out)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"Atlas explorer: {written['path']} ({written['bytes'] / 1e6:.2f} MB; {written['indicators']} "
        f"indicators, {written['cells']:,} cells of which {written['masked']:,} masked)"
    )
    return 0


def _add_explore_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="write the offline Atlas explorer (one self-contained HTML file)",
        description="Write the offline Atlas explorer (one self-contained HTML file).",
    )
    add_db(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("target/atlas/index.html"),
        help="page to write (default: %(default)s)",
    )
    parser.set_defaults(handler=run_explore)


def run_explorer_load_time(args: argparse.Namespace) -> int:
    """How long the offline explorer takes to open in Chromium (a measurement, for docs/benchmark.md)."""
    from imaging_atlas.explorer.load_time import report_open_times

    return report_open_times(args.site, args.repeat, args.width)


def _add_explorer_load_time_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explorer-load-time",
        help="measure how long the offline Atlas explorer takes to open in Chromium",
        description="Measure how long the offline Atlas explorer takes to open in Chromium.",
    )
    parser.add_argument("--site", type=Path, default=Path("target/atlas/index.html"), help="page to open")
    parser.add_argument("--repeat", type=int, default=5, help="openings (default: %(default)s)")
    parser.add_argument("--width", type=int, default=1440, help="window width in px (default: %(default)s)")
    parser.set_defaults(handler=run_explorer_load_time)


def run_docs(args: argparse.Namespace) -> int:
    """Regenerate (or check) the indicators' generated docs page."""
    from imaging_atlas.code_docs import update_docs

    return update_docs(args.project_dir, check=args.check)


def _add_docs_parser(subparsers: argparse._SubParsersAction) -> None:
    from imaging_atlas.project import PROJECT_DIR

    parser = subparsers.add_parser(
        "docs",
        help="regenerate docs/indicator_codes.md from the registry, the seeds and the marts' meta",
        description="Each indicator's docs page: its Atlas metadata and the codes it counts.",
    )
    parser.add_argument("--check", action="store_true", help="fail when the file differs from the seeds")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.set_defaults(handler=run_docs)


def run_check_registry(args: argparse.Namespace) -> int:
    """Every disagreement between the indicator registry and the project."""
    from imaging_atlas.registry import report_problems

    return report_problems(args.project_dir)


def _add_check_registry_parser(subparsers: argparse._SubParsersAction) -> None:
    from imaging_atlas.project import PROJECT_DIR

    parser = subparsers.add_parser(
        "check-registry",
        help="dbt parse, then every disagreement between the indicator registry and the project",
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.set_defaults(handler=run_check_registry)


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


def run_benchmark(args: argparse.Namespace) -> int:
    """The benchmark's cases (docs/benchmark.md)."""
    from imaging_atlas.benchmark.run import run_benchmark as benchmark

    benchmark(
        args.cases,
        args.data_dir,
        args.workdir,
        generate_missing=args.generate,
        seed=args.seed,
        doc=args.doc,
        save=not args.no_save,
        repeat=args.repeat,
    )
    return 0


def _add_benchmark_parser(subparsers: argparse._SubParsersAction) -> None:
    from imaging_atlas.project import PROJECT_DIR

    parser = subparsers.add_parser(
        "benchmark",
        help="the dbt builds of national extracts against the floor of the whole family (make bench)",
        description="See docs/benchmark.md.",
    )
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "data" / "bench-data")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "data" / "bench")
    parser.add_argument(
        "--cases",
        nargs="+",
        default=["one-year-0.1", "one-year-0.3", "one-year-1.0"],
        help="one-year-<scale>, five-years, nineteen-years, whole-project-one-year, "
        "whole-project-nineteen-years, yearly-update, yearly-update-plain-files",
    )
    parser.add_argument("--generate", action="store_true", help="generate the extracts that are missing")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--doc", type=Path, help="rewrite the benchmark tables of this page")
    parser.add_argument("--no-save", action="store_true", help="do not record the results (smoke runs)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="builds per case; the median one is recorded (default 1)"
    )
    parser.set_defaults(handler=run_benchmark)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """The output file and the settings of a benchmark's own DuckDB process, as the benchmark passes them."""
    from imaging_atlas.benchmark.engine import DEFAULT_MEMORY_LIMIT

    parser.add_argument("--out", type=Path, required=True, help="Parquet file for the figures")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--temp-dir", type=Path, help="where DuckDB spills (default: DuckDB's own)")


def run_floor(args: argparse.Namespace) -> int:
    """The floor's figures of an extract: every indicator at every level, by the reference query."""
    from imaging_atlas.benchmark.reference import write_reference_figures

    write_reference_figures(
        args.raw_dir, args.seeds_dir, args.out, args.memory_limit, args.threads, args.temp_dir
    )
    return 0


def _add_floor_parser(subparsers: argparse._SubParsersAction) -> None:
    from imaging_atlas.project import PROJECT_DIR

    parser = subparsers.add_parser(
        "floor",
        help="the reference query's figures of an extract (the benchmark's floor), to a Parquet file",
    )
    add_raw_dir(parser)
    parser.add_argument("--seeds-dir", type=Path, default=PROJECT_DIR / "seeds")
    add_engine_options(parser)
    parser.set_defaults(handler=run_floor)


def run_one_statement(args: argparse.Namespace) -> int:
    """The build's own SQL of the indicator layer as one statement, without dbt."""
    from imaging_atlas.benchmark.one_statement import write_one_statement

    write_one_statement(args.db, args.manifest, args.out, args.memory_limit, args.threads, args.temp_dir)
    return 0


def _add_one_statement_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "one-statement",
        help="the build's SQL of the indicator layer as one statement, without dbt (for the benchmark)",
    )
    add_db(parser)
    parser.add_argument("--manifest", type=Path, required=True, help="the build's target/manifest.json")
    add_engine_options(parser)
    parser.set_defaults(handler=run_one_statement)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imaging-atlas", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_generate_parser(subparsers)
    _add_validate_parser(subparsers)
    _add_event_times_parser(subparsers)
    _add_publish_parser(subparsers)
    _add_from_spark_parser(subparsers)
    _add_explore_parser(subparsers)
    _add_explorer_load_time_parser(subparsers)
    _add_docs_parser(subparsers)
    _add_check_registry_parser(subparsers)
    _add_lint_sql_parser(subparsers)
    _add_benchmark_parser(subparsers)
    _add_floor_parser(subparsers)
    _add_one_statement_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
