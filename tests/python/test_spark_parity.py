"""The SQL layer on Spark as on DuckDB (issue 5): the same raw extract gives identical tables, row for row.

Two extracts, each built with `dbt build` (seeds, every SQL model, every dbt test) by dbt-duckdb and by
dbt-spark in a local pyspark session (on Spark, the synthetic extract without its data and unit tests):
- the hand-made extract of test_end_to_end.py: every rule and every reject on a few rows;
- a small synthetic extract (scale 0.001, 2015-2016, about 11,000 beneficiaries and 50,000 claim lines
  a year, in hive folders `year=2015/`), so that every unit of every level carries counts.
Every seed and every SQL table model (the marts, the cubes, the catalog, the intermediate tables, the
data-quality ledger) is read back from the Parquet files Spark wrote for it and compared with the DuckDB
table by EXCEPT ALL in both directions, each column cast to its DuckDB type: identical tables give two
empty differences. Views (staging, rejects) are not stored, so they are covered through the tables built
on them.

Costly (a JVM, and dbt-spark runs each statement in about a second): `make test-spark` runs it
(IMAGING_SPARK_PARITY=1); plain `pytest` skips it.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from spark_session import ParityBuild, needs_spark_session

from imaging_atlas.project import DbtRun

pytestmark = [pytest.mark.dbt, needs_spark_session]

TABLE_MATERIALIZATIONS = {"table", "incremental"}


def manifest_nodes(run: DbtRun) -> list[dict]:
    """The nodes of the run's manifest (models, seeds, tests)."""
    return list(json.loads((run.target_path / "manifest.json").read_text())["nodes"].values())


def stored_tables(run: DbtRun) -> set[str]:
    """The seeds and the enabled SQL models stored as tables."""
    return {
        node["name"]
        for node in manifest_nodes(run)
        if node["resource_type"] == "seed"
        or (
            node["resource_type"] == "model"
            and node["language"] == "sql"
            and node["config"]["materialized"] in TABLE_MATERIALIZATIONS
        )
    }


def marts(run: DbtRun) -> set[str]:
    return {
        node["name"]
        for node in manifest_nodes(run)
        if node["resource_type"] == "model" and node["fqn"][1] == "marts" and node["language"] == "sql"
    }


def differences(connection: duckdb.DuckDBPyConnection, table: str, spark_dir: Path) -> tuple[int, int, int]:
    """(DuckDB rows, rows only on DuckDB, rows only on Spark), Spark's columns cast to DuckDB's types."""
    columns = connection.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    duckdb_rows = connection.execute(f'select count(*) from "{table}"').fetchall()[0][0]
    files = [f for f in spark_dir.rglob("*.parquet") if not f.name.startswith((".", "_"))]
    if not files:  # an empty partitioned table has no file
        return duckdb_rows, duckdb_rows, 0
    spark_rows = connection.sql(
        "select * from read_parquet(?, hive_partitioning = true, union_by_name = true)",
        params=[[str(f) for f in files]],
    )
    spark_columns = {name.lower() for name in spark_rows.columns}
    assert spark_columns == {name for name, _ in columns}, f"{table}: Spark has columns {spark_columns}"
    connection.register("spark_rows", spark_rows)
    duckdb_columns = ", ".join(f'"{name}"' for name, _ in columns)
    spark_columns_cast = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in columns)
    duckdb_side = f'select {duckdb_columns} from "{table}"'
    spark_side = f"select {spark_columns_cast} from spark_rows"
    only_duckdb, only_spark = (
        connection.execute(f"select count(*) from ({first} except all {second})").fetchall()[0][0]
        for first, second in [(duckdb_side, spark_side), (spark_side, duckdb_side)]
    )
    connection.unregister("spark_rows")
    return duckdb_rows, only_duckdb, only_spark


def test_every_sql_mart_runs_on_spark(parity_build: ParityBuild) -> None:
    """No SQL mart is left out on Spark: only the Python models (models/python) are DuckDB-only."""
    on_spark = marts(parity_build.spark)
    assert on_spark == marts(parity_build.duckdb)
    assert {"stat_013_001_at", "stat_013_023_at"} <= on_spark


def test_every_table_identical_on_both_engines(parity_build: ParityBuild) -> None:
    tables = stored_tables(parity_build.spark)
    assert tables <= stored_tables(parity_build.duckdb)
    mismatches, rows_compared = [], 0
    with duckdb.connect(str(parity_build.duckdb.db_path), read_only=True) as connection:
        for table in sorted(tables):
            table_dir = parity_build.spark.table_dir(table)
            assert table_dir.is_dir(), f"{table}: no Spark table at {table_dir}"
            rows, only_duckdb, only_spark = differences(connection, table, table_dir)
            rows_compared += rows
            if only_duckdb or only_spark:
                mismatches.append(f"{table}: {rows} rows, {only_duckdb} DuckDB-only, {only_spark} Spark-only")
    assert not mismatches, f"{parity_build.name} extract:\n" + "\n".join(mismatches)
    # Every unit of the 2025 geography is published each year: the comparison is never vacuous.
    assert rows_compared > 2 * (1 + 3 + 10 + 43 + 565 + 19_814 + 565)
