"""Repeatable: two builds of the same extract give identical marts, ledger and publication layer.

The second build runs on one thread where the session build ran on two, so that neither parallel
aggregation order nor the suppression's tie-breaking can change a published figure.
"""

from __future__ import annotations

import os
from unittest import mock

import duckdb
import pytest

from imaging_atlas.project import DbtRun, run_dbt

pytestmark = pytest.mark.dbt

COMPARED_TABLES = [
    "stat_013_001_at",
    "stat_013_023_at",
    "published_indicators",
    "data_quality_reconciliation",
    "rejects_population",
    "rejects_claims",
]


def checksums(run: DbtRun) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every row of each compared table."""
    with duckdb.connect(str(run.db_path), read_only=True) as connection:
        return {
            table: connection.execute(
                "select count(*), md5(coalesce(string_agg(row_text, '|' order by row_text), ''))"
                f" from (select cast(row_values as varchar) as row_text from {table} as row_values)"
            ).fetchall()[0]
            for table in COMPARED_TABLES
        }


@pytest.fixture(scope="module")
def second_build(hand_made_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    workdir = tmp_path_factory.mktemp("second_build")
    run = DbtRun(
        raw_dir=hand_made_build.raw_dir, db_path=workdir / "atlas.duckdb", target_path=workdir / "target"
    )
    with mock.patch.dict(os.environ, {"IMAGING_THREADS": "1"}):
        run_dbt(run, "build", "--exclude", "resource_type:test", "resource_type:unit_test")
    return run


def test_two_builds_of_the_same_extract_are_identical(hand_made_build, second_build):
    first, second = checksums(hand_made_build), checksums(second_build)
    assert all(rows > 0 for rows, _ in first.values())
    assert first == second


def test_the_checksum_sees_a_changed_figure(hand_made_build, tmp_path):
    """The digest is not blind: one numerator changed by one gives another digest."""
    copy = tmp_path / "copy.duckdb"
    with duckdb.connect(str(copy)) as connection:
        connection.execute(f"attach '{hand_made_build.db_path}' as built (read_only)")
        for table in COMPARED_TABLES:
            connection.execute(f"create table {table} as select * from built.main.{table}")
        connection.execute(
            "update stat_013_001_at set numerator = numerator + 1 where geo_level = 'country' and year = 2016"
        )
    changed = DbtRun(raw_dir=hand_made_build.raw_dir, db_path=copy, target_path=tmp_path)
    first, second = checksums(hand_made_build), checksums(changed)
    assert first["stat_013_001_at"] != second["stat_013_001_at"]
    assert {table: digest for table, digest in first.items() if table != "stat_013_001_at"} == {
        table: digest for table, digest in second.items() if table != "stat_013_001_at"
    }
