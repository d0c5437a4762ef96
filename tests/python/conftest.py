"""Shared fixtures: dbt is built once per session per data set, never per test (start-up costs seconds)."""

from __future__ import annotations

import shutil

import pytest
from hand_made_extract import write_hand_made_extract
from spark_session import EXTRACTS, ParityBuild, SparkDbtRun, timed_build

from imaging_atlas.project import DbtRun, run_dbt


@pytest.fixture(scope="session")
def hand_made_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The hand-made extract, built with every model and dbt test (a failing dbt test fails here)."""
    workdir = tmp_path_factory.mktemp("hand_made")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    write_hand_made_extract(run.raw_dir)
    run_dbt(run, "build")
    return run


@pytest.fixture(scope="session", params=sorted(EXTRACTS))
def parity_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ParityBuild:
    """One extract built on DuckDB and on a local Spark session (`make test-spark` only), once for every
    test module that compares them (a failing model or dbt test on either engine fails here)."""
    extract = EXTRACTS[request.param]
    workdir = tmp_path_factory.mktemp(f"parity_{request.param}")
    raw_dir = workdir / "raw"
    extract.write(raw_dir)
    duckdb_run = DbtRun(
        raw_dir=raw_dir, db_path=workdir / "atlas.duckdb", target_path=workdir / "target_duckdb"
    )
    spark_run = SparkDbtRun(
        raw_dir=raw_dir,
        db_path=workdir / "unused.duckdb",
        target_path=workdir / "target_spark",
        spark_dir=workdir / "spark",
    )
    seconds = {"duckdb": timed_build(duckdb_run), "spark": timed_build(spark_run, extract.spark_command)}
    disk_mb = sum(f.stat().st_size for f in spark_run.spark_dir.rglob("*") if f.is_file()) / 1e6
    print(
        f"\n{request.param}: dbt build {seconds['duckdb']:.0f} s on DuckDB,"
        f" dbt {' '.join(extract.spark_command)} {seconds['spark']:.0f} s on Spark"
        f" (Spark metastore and warehouse {disk_mb:.0f} MB)"
    )
    yield ParityBuild(request.param, duckdb_run, spark_run, seconds)
    shutil.rmtree(spark_run.spark_dir, ignore_errors=True)
