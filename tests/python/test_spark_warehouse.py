"""The views over a Spark warehouse (imaging_atlas/spark_warehouse.py) on folders laid out as Spark lays
them out: no JVM, so `make test` runs these; `make test-spark` builds the layer on a real Spark build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from imaging_atlas.cli import main
from imaging_atlas.spark_warehouse import create_views, warehouse_dir


def write_parquet(path: Path, query: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"copy ({query}) to '{path}' (format parquet)")


@pytest.fixture
def spark_dir(tmp_path: Path) -> Path:
    """A warehouse as Spark writes it: a yearly table in `year=` folders with Spark's hidden checksum
    files, a plain table, and a partitioned table without any row (a folder without a file)."""
    folder = warehouse_dir(tmp_path / "spark")
    for year, rows in [(2015, 2), (2016, 3)]:
        part = folder / "int_indicator_figures" / f"year={year}" / "part-00000-a.c000.snappy.parquet"
        write_parquet(
            part, f"select 'stat_013_001_at' as indicator_code, range as numerator from range({rows})"
        )
        (part.parent / ".part-00000-a.c000.snappy.parquet.crc").write_bytes(b"crc")
    write_parquet(
        folder / "indicator_registry" / "part-00000-b.snappy.parquet", "select 'x' as indicator_code"
    )
    (folder / "int_cube_figures").mkdir()
    return tmp_path / "spark"


def test_one_view_per_table_with_the_years_as_integers(spark_dir: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "layer.duckdb")) as connection:
        tables = create_views(connection, spark_dir)
        assert tables == {
            "viewed": ["indicator_registry", "int_indicator_figures"],
            "without_files": ["int_cube_figures"],
        }
        figures = connection.sql(
            "select year, count(*) from int_indicator_figures group by year order by year"
        )
        assert figures.fetchall() == [(2015, 2), (2016, 3)]
        types = dict(connection.execute("describe int_indicator_figures").fetchall()[i][:2] for i in range(3))
        assert types == {"indicator_code": "VARCHAR", "numerator": "BIGINT", "year": "INTEGER"}
        assert connection.sql("select * from indicator_registry").fetchall() == [("x",)]


def test_views_are_made_again_and_those_of_a_vanished_table_dropped(spark_dir: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "layer.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        create_views(connection, spark_dir)
        connection.execute("create table published_indicators as select 1 as a")
    for path in (warehouse_dir(spark_dir) / "indicator_registry").iterdir():
        path.unlink()
    (warehouse_dir(spark_dir) / "indicator_registry").rmdir()
    with duckdb.connect(str(db_path)) as connection:
        create_views(connection, spark_dir)
        names = {
            name
            for (name,) in connection.execute("select table_name from information_schema.tables").fetchall()
        }
    assert names == {"int_indicator_figures", "published_indicators"}


def test_a_table_of_another_file_is_never_replaced(spark_dir: Path, tmp_path: Path) -> None:
    """Pointed at a DuckDB build by mistake, the step stops before it touches anything."""
    with duckdb.connect(str(tmp_path / "atlas.duckdb")) as connection:
        connection.execute("create table int_indicator_figures as select 1 as year")
        with pytest.raises(ValueError, match="int_indicator_figures exists in the DuckDB file as a table"):
            create_views(connection, spark_dir)
        assert connection.execute("select count(*) from duckdb_views() where not internal").fetchone() == (0,)


def test_a_delta_table_is_refused_with_its_folder(spark_dir: Path, tmp_path: Path) -> None:
    delta = warehouse_dir(spark_dir) / "int_geo_units"
    (delta / "_delta_log").mkdir(parents=True)
    with duckdb.connect() as connection, pytest.raises(ValueError, match=f"{delta}: a Delta table"):
        create_views(connection, spark_dir)


def test_a_partition_column_of_unknown_type_is_refused(spark_dir: Path) -> None:
    table = warehouse_dir(spark_dir) / "int_geo_units"
    write_parquet(table / "geo_level=commune" / "part-0.parquet", "select 1 as geo_code")
    with (
        duckdb.connect() as connection,
        pytest.raises(ValueError, match=r"1 Parquet files partitioned by \['geo_level'\]"),
    ):
        create_views(connection, spark_dir)


def test_no_warehouse_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["from-spark", "--spark-dir", str(tmp_path / "nothing")]) == 1
    error = capsys.readouterr().err
    assert f"no Spark warehouse at {tmp_path / 'nothing'}" in error and "dbt build --target spark" in error
