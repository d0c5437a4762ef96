"""The yearly update: adding a year to the extract and rebuilding that year alone (`dbt build
--event-time-start YYYY-01-01 --event-time-end YYYY+1-01-01`: every yearly model runs that year's batch
only) gives tables identical, row for row, to a full refresh on the whole extract."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from hand_made_extract import write_hand_made_extract

from imaging_atlas.project import DbtRun, run_dbt

pytestmark = pytest.mark.dbt

YEARLY_TABLES = (
    "int_population_checked",
    "int_beneficiaries_counted_by_unit",
    "int_exams_by_indicator_group",
    "int_indicator_figures",
    "int_indicator_strata",
    "int_cube_figures",
    "stat_013_001_at",
    "stat_013_004_at",
    "stat_013_023_at",
    "cube_013_001",
)


SELECTION = ("--select", " ".join(f"+{table}" for table in YEARLY_TABLES), "--exclude", "test_type:data")


def write_years(source_dir: Path, raw_dir: Path, first_batch_until: int, batch: str) -> None:
    """Copy the extract's rows of one batch into their own files, as a yearly delivery would add them.

    Batch 'first' holds the years up to first_batch_until and every claim line without a usable date;
    batch 'next' the later years.
    """
    population_filter = f"year <= {first_batch_until}" if batch == "first" else f"year > {first_batch_until}"
    claims_filter = (
        f"service_date is null or year(service_date) <= {first_batch_until}"
        if batch == "first"
        else f"year(service_date) > {first_batch_until}"
    )
    with duckdb.connect() as connection:
        for table, condition in (("population", population_filter), ("claims", claims_filter)):
            target = raw_dir / table / f"batch={batch}"
            target.mkdir(parents=True, exist_ok=True)
            rows = f"read_parquet('{source_dir / table}/**/*.parquet', hive_partitioning = false)"
            destination = target / "part.parquet"
            copy = f"copy (select * from {rows} where {condition}) to '{destination}' (format parquet)"
            connection.execute(copy)


def table_rows(db_path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(f"select * from {table} order by all").fetchall()


def batches_run(run: DbtRun) -> dict[str, list[str]]:
    """The years of the batches each microbatch model ran in the run's last command."""
    results = json.loads((run.target_path / "run_results.json").read_text())["results"]
    return {
        result["unique_id"].split(".")[-1]: sorted(
            batch[0][:4] for batch in result["batch_results"]["successful"]
        )
        for result in results
        if result.get("batch_results")
    }


def test_adding_a_year_equals_a_full_refresh(tmp_path: Path) -> None:
    complete = tmp_path / "complete"
    write_hand_made_extract(complete)
    incremental = DbtRun(tmp_path / "raw", tmp_path / "incremental.duckdb", tmp_path / "target_incremental")
    write_years(complete, incremental.raw_dir, 2015, "first")
    run_dbt(incremental, "build", *SELECTION)
    assert {row[0] for row in table_rows(incremental.db_path, "stat_013_001_at")} == {2015}
    write_years(complete, incremental.raw_dir, 2015, "next")
    year_2016 = ("--event-time-start", "2016-01-01", "--event-time-end", "2017-01-01")
    run_dbt(incremental, "build", *SELECTION, *year_2016)
    assert {row[0] for row in table_rows(incremental.db_path, "stat_013_001_at")} == {2015, 2016}

    assert batches_run(incremental) == {table: ["2016"] for table in YEARLY_TABLES}

    full = DbtRun(incremental.raw_dir, tmp_path / "full.duckdb", tmp_path / "target_full")
    run_dbt(full, "build", "--full-refresh", *SELECTION)
    assert batches_run(full) == {table: ["2015", "2016"] for table in YEARLY_TABLES}
    for table in YEARLY_TABLES:
        assert table_rows(incremental.db_path, table) == table_rows(full.db_path, table), table
