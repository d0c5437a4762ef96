"""What the benchmark's own DuckDB processes (the reference query, the one statement) share with the
dbt build they are held against: the memory limit and the threads, given on their command line, and a
folder of their own to spill into, which the benchmark watches."""

from __future__ import annotations

import argparse
from pathlib import Path

# The profile's default DuckDB memory limit (profiles.yml); the engine's processes get the same.
DEFAULT_MEMORY_LIMIT = "4GB"


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """The output file and the engine's settings, as run.py passes them."""
    parser.add_argument("--out", type=Path, required=True, help="Parquet file for the figures")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--temp-dir", type=Path, help="where DuckDB spills (default: DuckDB's own)")


def engine_config(memory_limit: str, threads: int, temp_dir: Path | None = None) -> dict[str, object]:
    """DuckDB's settings for one of those processes."""
    config: dict[str, object] = {"memory_limit": memory_limit, "threads": threads}
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    return config
