"""What the benchmark's own DuckDB processes (the floor, the one statement) share with the dbt build
they are held against: the memory limit and the threads, given on their command line, and a folder of
their own to spill into, which the benchmark watches."""

from __future__ import annotations

from pathlib import Path

# The profile's default DuckDB memory limit (profiles.yml); the engine's processes get the same.
DEFAULT_MEMORY_LIMIT = "4GB"


def engine_config(memory_limit: str, threads: int, temp_dir: Path | None = None) -> dict[str, object]:
    """DuckDB's settings for one of those processes."""
    config: dict[str, object] = {"memory_limit": memory_limit, "threads": threads}
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    return config
