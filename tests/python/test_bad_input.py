"""Bad input never yields wrong figures silently: one case per kind of bad input.

Broken files (folders, files, columns, types) are refused by the preflight check that `make build` runs
before dbt: the message names the file, the column and the rule, and no model is built. Bad rows go to
the reject tables with their reason: one dbt build of a small extract holding every kind of bad row,
whose reject counts and figures are worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from imaging_atlas.project import PROJECT_DIR, DbtRun, run_dbt
from imaging_atlas.raw_contract import CLAIMS_SCHEMA, POPULATION_SCHEMA
from imaging_atlas.validate import check_raw_dir

GOOD_PERSON = ("A", 2016, 1950, "F", False, "11001", "11001A00-", "11001", "11001A00-")
GOOD_CLAIM = ("A", dt.date(2016, 3, 1), "458850", 1, Decimal("110.00"))


def write_table(path: Path, rows: list[tuple], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist([dict(zip(schema.names, row, strict=True)) for row in rows], schema), path
    )


def good_extract(raw: Path) -> None:
    write_table(raw / "population" / "year=2016" / "part-0.parquet", [GOOD_PERSON], POPULATION_SCHEMA)
    write_table(raw / "claims" / "year=2016" / "part-0.parquet", [GOOD_CLAIM], CLAIMS_SCHEMA)


def with_field(schema: pa.Schema, name: str, field: pa.Field) -> pa.Schema:
    return schema.set(schema.get_field_index(name), field)


def remove_raw_dir(raw: Path) -> Path:
    return raw / "does_not_exist"


def empty_raw_dir(raw: Path) -> Path:
    empty = raw / "empty"
    empty.mkdir()
    return empty


def drop_claims_folder(raw: Path) -> Path:
    good_extract(raw)
    shutil.rmtree(raw / "claims")
    return raw


def drop_column(raw: Path) -> Path:
    good_extract(raw)
    table = pq.read_table(raw / "population" / "year=2016" / "part-0.parquet").drop_columns(["commune_dec31"])
    pq.write_table(table, raw / "population" / "year=2016" / "part-0.parquet")
    return raw


def rename_column(raw: Path) -> Path:
    good_extract(raw)
    path = raw / "claims" / "year=2016" / "part-0.parquet"
    table = pq.read_table(path)
    pq.write_table(table.rename_columns(["person_id", "service_dt", *table.column_names[2:]]), path)
    return raw


def dates_as_text(raw: Path) -> Path:
    good_extract(raw)
    schema = with_field(CLAIMS_SCHEMA, "service_date", pa.field("service_date", pa.string()))
    write_table(
        raw / "claims" / "year=2016" / "part-0.parquet", [("A", "01/03/2016", "458850", 1, None)], schema
    )
    return raw


def quantity_as_text(raw: Path) -> Path:
    good_extract(raw)
    schema = with_field(CLAIMS_SCHEMA, "quantity", pa.field("quantity", pa.string()))
    row = ("A", dt.date(2016, 3, 1), "458850", "1", Decimal("110.00"))
    write_table(raw / "claims" / "year=2016" / "part-0.parquet", [row], schema)
    return raw


def csv_named_parquet(raw: Path) -> Path:
    good_extract(raw)
    (raw / "claims" / "year=2016" / "part-1.parquet").write_text("person_id,service_date\nA,2016-03-01\n")
    return raw


def csv_beside_parquet(raw: Path) -> Path:
    good_extract(raw)
    (raw / "population" / "extra.csv").write_text("person_id,year\nB,2016\n")
    return raw


def empty_file(raw: Path) -> Path:
    good_extract(raw)
    (raw / "population" / "year=2016" / "part-1.parquet").touch()
    return raw


@pytest.mark.parametrize(
    ("break_extract", "where", "column", "rule"),
    [
        (remove_raw_dir, "does_not_exist", None, "raw directory missing"),
        (empty_raw_dir, "empty", None, "raw directory empty"),
        (drop_claims_folder, "claims", None, "table folder missing"),
        (
            drop_column,
            "population/year=2016/part-0.parquet",
            "commune_dec31",
            "required column missing or renamed",
        ),
        (rename_column, "claims/year=2016/part-0.parquet", "service_date", "found instead: service_dt"),
        (
            dates_as_text,
            "claims/year=2016/part-0.parquet",
            "service_date",
            "wrong type string, expected a Parquet DATE",
        ),
        (
            quantity_as_text,
            "claims/year=2016/part-0.parquet",
            "quantity",
            "wrong type string, expected a whole number",
        ),
        (csv_named_parquet, "claims/year=2016/part-1.parquet", None, "not a Parquet file"),
        (csv_beside_parquet, "population/extra.csv", None, "not a .parquet file"),
        (empty_file, "population/year=2016/part-1.parquet", None, "empty file (0 bytes)"),
    ],
)
def test_a_broken_extract_is_refused_naming_file_column_and_rule(
    tmp_path, break_extract, where, column, rule
):
    raw = break_extract(tmp_path)
    problems = check_raw_dir(raw)
    assert len(problems) == 1, [str(problem) for problem in problems]
    message = str(problems[0])
    assert where in message
    assert rule in message
    if column is not None:
        assert f"column {column}" in message


def test_the_good_extract_passes(tmp_path):
    good_extract(tmp_path)
    assert check_raw_dir(tmp_path) == []


def test_make_build_stops_before_any_model_on_a_broken_extract(tmp_path):
    raw = quantity_as_text(tmp_path / "raw")
    db_path = tmp_path / "atlas.duckdb"
    environment = {**os.environ, "IMAGING_RAW_DIR": str(raw), "IMAGING_DB_PATH": str(db_path)}
    environment["DBT_TARGET_PATH"] = str(tmp_path / "target")
    environment["DBT_LOG_PATH"] = str(tmp_path / "logs")
    result = subprocess.run(
        ["make", "-s", "build"], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "column quantity: wrong type string" in result.stderr
    assert "claims/year=2016/part-0.parquet" in result.stderr
    assert not db_path.exists()


# Bad rows: every kind in one small extract. Valid 2016 beneficiaries: A and B (Aartselaar).
BAD_POPULATION = [
    GOOD_PERSON,
    ("B", 2016, 1980, "M", False, "11001", "11001A00-", "11001", "11001A00-"),
    ("D", 2016, 1970, "F", False, "11001", None, "11001", None),  # the same person-year twice
    ("D", 2016, 1970, "F", False, "11001", None, "11001", None),
    ("E", 2005, 1990, "M", False, "11001", None, "11001", None),  # before the first Atlas year
    ("F", 2099, 1990, "M", False, "11001", None, "11001", None),  # in the future
]
BAD_CLAIMS = [
    GOOD_CLAIM,  # A's CT: A is the one patient
    ("B", dt.date(2016, 4, 1), " 45885", 1, Decimal("5.00")),  # lost zero and a space: 045885, used
    ("A", dt.date(2016, 3, 2), "1234567", 1, Decimal("5.00")),  # 7 digits
    ("A", dt.date(2016, 3, 3), "", 1, Decimal("5.00")),  # no code at all
    ("A", dt.date(2005, 6, 1), "458850", 1, Decimal("5.00")),  # before 2006
    ("A", dt.date(2099, 1, 1), "458850", 1, Decimal("5.00")),  # in the future
    ("Z", dt.date(2016, 5, 1), "458850", 1, Decimal("5.00")),  # nobody of that id
    ("D", dt.date(2016, 5, 1), "458850", 1, Decimal("5.00")),  # person-year rejected
    ("E", dt.date(2016, 5, 1), "458850", 1, Decimal("5.00")),  # beneficiary in 2005 only
]


@pytest.fixture(scope="module")
def bad_rows_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    workdir = tmp_path_factory.mktemp("bad_rows")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    write_table(run.raw_dir / "population" / "part-0.parquet", BAD_POPULATION, POPULATION_SCHEMA)
    write_table(run.raw_dir / "claims" / "part-0.parquet", BAD_CLAIMS, CLAIMS_SCHEMA)
    assert check_raw_dir(run.raw_dir) == []
    selection = ["+data_quality_reconciliation", "+stat_013_001_at", "+stat_013_023_at"]
    run_dbt(run, "build", "--select", *selection, "--indirect-selection", "cautious")
    return run


def ledger(run: DbtRun) -> dict[tuple, int]:
    with duckdb.connect(str(run.db_path), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, row_outcome, reject_reason, sum(row_count)"
            " from data_quality_reconciliation group by 1, 2, 3"
        ).fetchall()
    return {(table, outcome, reason): count for table, outcome, reason, count in rows}


@pytest.mark.dbt
@pytest.mark.parametrize(
    ("table", "reason", "expected_rows"),
    [
        ("claims", "nomenclature_code not 6 digits", 2),  # codes of unexpected length
        ("population", "year before 2006", 1),  # years out of range
        ("population", "year in the future", 1),
        ("claims", "service_date before 2006", 1),
        ("claims", "service_date in the future", 1),
        ("population", "person-year duplicated", 2),  # both rows of the person-year
        ("claims", "person not a beneficiary in service year", 3),  # Z, D and E
    ],
)
def test_bad_rows_are_rejected_with_their_reason(bad_rows_build, table, reason, expected_rows):
    assert ledger(bad_rows_build)[(table, "rejected", reason)] == expected_rows


@pytest.mark.dbt
def test_bad_rows_leave_the_figures_right(bad_rows_build):
    counts = ledger(bad_rows_build)
    assert counts[("population", "input", None)] == len(BAD_POPULATION)
    assert counts[("population", "used", None)] == 2
    assert counts[("claims", "input", None)] == len(BAD_CLAIMS)
    assert counts[("claims", "used", None)] == 2
    with duckdb.connect(str(bad_rows_build.db_path), read_only=True) as connection:
        belgium = connection.execute(
            "select year, numerator, denominator, value from stat_013_001_at where geo_level = 'country'"
        ).fetchall()
    assert belgium == [(2016, 1, 2, 50.0)]
