"""Run the dbt project from Python: tests, the benchmark and the command line share one way to call it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The first Atlas year (dbt_project.yml, var first_year): rows of earlier years are rejected, not batched.
FIRST_YEAR = 2006


@dataclass(frozen=True)
class DbtRun:
    """Where one dbt invocation reads its raw extract and writes its database and artefacts."""

    raw_dir: Path
    db_path: Path
    target_path: Path
    target: str = "duckdb"

    def environment(self) -> dict[str, str]:
        """The process environment dbt needs: the contract's variables plus a private log folder."""
        return {
            **os.environ,
            "IMAGING_RAW_DIR": str(self.raw_dir),
            "IMAGING_DB_PATH": str(self.db_path),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_LOG_PATH": str(self.target_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }


def cli_executable() -> str:
    """The package's command line (`imaging-atlas`) of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "imaging-atlas"
    return str(candidate) if candidate.exists() else "imaging-atlas"


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment, so a venv is used without being activated."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def extract_years(raw_dir: Path, first_year: int = FIRST_YEAR) -> tuple[int, int] | None:
    """The first and last Atlas year (first_year to this year) of any row of the extract: the population's
    `year`, the claims' service date. None without any such row. Only those columns are read, and the
    Parquet reader skips the row groups whose statistics lie outside the Atlas years."""
    this_year = dt.date.today().year
    atlas_rows = {
        "population": ("year", f"year between {first_year} and {this_year}"),
        "claims": (
            "year(service_date)",
            f"service_date between date '{first_year}-01-01' and date '{this_year}-12-31'",
        ),
    }
    selects = [
        f"select {year} as year from read_parquet('{raw_dir}/{table}/**/*.parquet', union_by_name = true)"
        f" where {condition}"
        for table, (year, condition) in atlas_rows.items()
        if any((raw_dir / table).rglob("*.parquet"))
    ]
    if not selects:
        return None
    with duckdb.connect() as connection:
        query = f"select min(year), max(year) from ({' union all '.join(selects)})"
        first, last = connection.execute(query).fetchone()
    return None if first is None else (int(first), int(last))


def event_time_flags(raw_dir: Path) -> list[str]:
    """dbt's flags that bound the yearly batches to the extract's years. Without them, microbatch runs a
    batch for every year from `begin` (var first_year) to today, each one costing a query per model even
    when the extract holds no row of that year."""
    years = extract_years(raw_dir)
    if years is None:
        return []
    first, last = years
    return ["--event-time-start", f"{first}-01-01", "--event-time-end", f"{last + 1}-01-01"]


def run_dbt(run: DbtRun, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in a subprocess: dbt-duckdb keeps its connection open in-process. A build or a
    run covers the years of the run's extract, as `make build` does, unless the arguments name the years."""
    command = [dbt_executable(), *args]
    if args and args[0] in ("build", "run") and "--event-time-start" not in args:
        command += event_time_flags(run.raw_dir)
    command += ["--target", run.target, "--project-dir", str(PROJECT_DIR)]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=run.environment(), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


def show_inline(run: DbtRun, sql: str, variables: dict[str, str] | None = None) -> list[dict[str, object]]:
    """The rows of an inline query compiled by the project (`dbt show --inline`), for checking what a
    macro renders on an engine. They are read from dbt's JSON log, whose preview is the rows as JSON."""
    args = ["show", "--inline", sql, "--output", "json", "--log-format", "json"]
    if variables:
        args += ["--vars", json.dumps(variables)]
    for line in run_dbt(run, *args).stdout.splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("info", {}).get("name") == "ShowNode":
            return json.loads(event["data"]["preview"])
    raise RuntimeError(f"dbt show printed no rows for: {sql}")
