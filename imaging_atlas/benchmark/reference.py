"""Run the hand-written reference query (the engine's floor) in a process of its own."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from imaging_atlas.benchmark.engine import DEFAULT_MEMORY_LIMIT, add_engine_options, engine_config

QUERY_FILE = Path(__file__).with_name("reference_query.sql")


def reference_figures(
    raw_dir: Path,
    seeds_dir: Path,
    first_year: int = 2006,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = 2,
    temp_dir: Path | None = None,
) -> duckdb.DuckDBPyRelation:
    """Both headline indicators at every level, computed straight from the raw files."""
    connection = duckdb.connect(config=engine_config(memory_limit, threads, temp_dir))
    query = QUERY_FILE.read_text().format(raw_dir=raw_dir, seeds_dir=seeds_dir, first_year=first_year)
    return connection.sql(query)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--seeds-dir", type=Path, required=True)
    add_engine_options(parser)
    args = parser.parse_args()
    figures = reference_figures(
        args.raw_dir,
        args.seeds_dir,
        memory_limit=args.memory_limit,
        threads=args.threads,
        temp_dir=args.temp_dir,
    )
    figures.write_parquet(str(args.out))


if __name__ == "__main__":
    main()
