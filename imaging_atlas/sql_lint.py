"""SQL lint that sees every file: sqlfluff (dbt templater, .sqlfluff) over the project's models, rule
tests and analyses, failing on any violation and on any file sqlfluff did not parse.

sqlfluff reports a file it could not template or slice (a dbt compilation error, a templated text whose
length it cannot map back to the source) as a warning and lints nothing in it, so the file would pass.
Every SQL file given must come back from sqlfluff with parsed segments. Macro files (macros/, the
generic tests of tests/generic/) are no models: the dbt templater does not render them on their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from imaging_atlas.project import PROJECT_DIR

LINTED = ("models", "tests/rules", "analyses")


@dataclass(frozen=True)
class FileReport:
    """One file of sqlfluff's JSON report: its violations and how much of it was parsed."""

    path: str
    violations: tuple[str, ...]
    segments: int


def read_report(report: list[dict]) -> dict[str, FileReport]:
    """sqlfluff's JSON report (`sqlfluff lint --format json`), by file path relative to the project."""
    files = {}
    for entry in report:
        path = str(Path(entry["filepath"]).resolve().relative_to(PROJECT_DIR))
        violations = tuple(
            f"{path}:{violation.get('start_line_no', '?')}:{violation.get('start_line_pos', '?')}: "
            f"{violation['code']} {violation['description']}"
            for violation in entry["violations"]
        )
        files[path] = FileReport(path, violations, int(entry.get("statistics", {}).get("segments", 0)))
    return files


def problems(expected: list[str], files: dict[str, FileReport]) -> list[str]:
    """Every violation, and every expected file sqlfluff left out or parsed nothing of."""
    found = [violation for report in files.values() for violation in report.violations]
    for path in expected:
        report = files.get(path)
        if report is None:
            found.append(f"{path}: skipped by sqlfluff (not in its report)")
        elif report.segments == 0 and not report.violations:
            found.append(f"{path}: sqlfluff parsed nothing of it (it could not map the templated SQL back)")
    return found


def sql_files(folders: tuple[str, ...] = LINTED) -> list[str]:
    """The SQL files sqlfluff is asked to lint, relative to the project."""
    return sorted(
        str(path.relative_to(PROJECT_DIR))
        for folder in folders
        for path in (PROJECT_DIR / folder).rglob("*.sql")
    )


def main() -> int:
    """Run sqlfluff over the linted folders and print every problem; 1 if there is any."""
    command = [str(Path(sys.executable).parent / "sqlfluff"), "lint", *LINTED, "--format", "json"]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"sqlfluff gave no report:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}", file=sys.stderr)
        return 1
    found = problems(sql_files(), read_report(report))
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"sqlfluff: {len(sql_files())} files, {len(found)} problem(s)")
    return 1 if found else 0
