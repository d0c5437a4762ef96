"""Run the dbt project from Python: tests, the benchmark and the command line share one way to call it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


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


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment, so a venv is used without being activated."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(run: DbtRun, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in a subprocess: dbt-duckdb keeps its connection open in-process."""
    command = [dbt_executable(), *args, "--target", run.target, "--project-dir", str(PROJECT_DIR)]
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
