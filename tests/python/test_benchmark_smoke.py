"""The benchmark script runs end to end at a tiny scale: generation, two dbt builds (the median one
recorded), reference query, the check that the marts equal the reference figures, and the project's SQL
as one statement, whose figures must equal the build's (timings are not asserted: the benchmark is no
test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imaging_atlas.cli import main

pytestmark = pytest.mark.dbt


def test_benchmark_runs_at_tiny_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["benchmark", "--cases", "one-year-0.001", "--generate", "--data-dir", str(tmp_path / "data"),
          "--workdir", str(tmp_path / "bench"), "--no-save", "--repeat", "2"])  # fmt: skip
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("| one-year-0.001 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:3] == ["0.001", "2024"]
    assert cells[7] == "0", "every unit of the marts equals the reference query"
    assert "; median of 2 runs: " in cells[4]
    assert (tmp_path / "bench" / "one-year-0.001" / "target" / "run_results.json").exists()
    case_rows = [line for line in table.splitlines() if line.startswith("| one-year-0.001 |")]
    statement = case_rows[1].strip("|").split("|")
    assert " s, " in statement[2] and "failed" not in statement[2], "the project's SQL ran as one statement"
