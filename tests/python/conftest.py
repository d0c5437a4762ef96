"""Shared fixtures: dbt is built once per session per data set, never per test (start-up costs seconds)."""

from __future__ import annotations

import pytest
from hand_made_extract import write_hand_made_extract

from imaging_atlas.project import DbtRun, run_dbt


@pytest.fixture(scope="session")
def hand_made_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The hand-made extract, built with every model and dbt test (a failing dbt test fails here)."""
    workdir = tmp_path_factory.mktemp("hand_made")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    write_hand_made_extract(run.raw_dir)
    run_dbt(run, "build")
    return run
