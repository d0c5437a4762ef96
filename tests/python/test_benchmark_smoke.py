"""The benchmark script runs end to end at a tiny scale: generation, dbt build, reference query, and the
check that the marts equal the reference figures (timings are not asserted: the benchmark is no test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imaging_atlas.benchmark.run import main

pytestmark = pytest.mark.dbt


def test_benchmark_runs_at_tiny_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--scales", "0.001", "--years", "2024", "--workdir", str(tmp_path), "--no-save", "--no-full-build"])
    table = capsys.readouterr().out
    assert "| 0.001 | 2024 |" in table
    assert "not measured" in table
