"""After a Spark build: the DuckDB-only layer (publication, variation statistics) on the Spark warehouse.

dbt-spark runs Python models on Databricks only, so `dbt build --target spark` stops at the marts: the
models of models/python are disabled off DuckDB. Their inputs are small (their size follows the
geographic units, not the persons), so DuckDB builds them from the tables Spark wrote, through dbt as
after a DuckDB build:
1. a DuckDB file (IMAGING_SPARK_DB_PATH) gets one view per table of the Spark build, named like its model
   or seed, over the Parquet files Spark wrote under `<IMAGING_SPARK_DIR>/warehouse/imaging_atlas.db/`;
2. `dbt build --target from_spark --select path:models/python` builds the layer and runs its data tests
   in that file: the refs of the models this run does not build resolve to the views, by name;
3. `make publish` and `make explore` read the file as they read the DuckDB build.
DuckDB only reads the warehouse: the views and the layer's tables live in the DuckDB file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from imaging_atlas.project import DbtRun, run_dbt

SPARK_SCHEMA = "imaging_atlas"
"""The schema of the spark output in profiles.yml: its tables are the folders `<schema>.db/<table>`."""
PARTITION_TYPES = {"year": "integer"}
"""The type of each partition column: the yearly tables are partitioned by year (macro
yearly_partition_by), an integer in every model. Spark writes a partition's value in its folder's name
(`year=2024/`), not in the files, where DuckDB would read it as a bigint."""
LAYER_SELECTION = ("--select", "path:models/python", "--exclude-resource-type", "unit_test")
"""What dbt builds on the views: the models disabled off DuckDB, with their data tests."""
VIEW_COMMENT = "Spark warehouse table: "
"""How a view made here is told from anything else in the DuckDB file (its comment starts with this)."""

_PARTITION_FOLDER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")


@dataclass(frozen=True)
class WarehouseTable:
    """One table of the Spark build: its folder, its Parquet files, the columns of its partition folders."""

    name: str
    directory: Path
    files: tuple[Path, ...]
    partition_columns: tuple[str, ...]

    def view_sql(self) -> str:
        """The query of the table's view: its files as Spark wrote them (a Spark build that rewrites the
        table removes them, so a stale view fails rather than mixing two builds), partition columns typed."""
        files = ", ".join(quoted_text(str(path.resolve())) for path in self.files)
        types = ", ".join(
            f"{quoted_text(column)}: '{PARTITION_TYPES[column]}'" for column in self.partition_columns
        )
        hive = f"hive_partitioning = true, hive_types = {{{types}}}" if types else "hive_partitioning = false"
        return f"select * from read_parquet([{files}], {hive})"


def quoted_text(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def warehouse_dir(spark_dir: Path) -> Path:
    """Where Spark keeps the managed tables of the project's schema."""
    return spark_dir / "warehouse" / f"{SPARK_SCHEMA}.db"


def data_files(directory: Path) -> tuple[Path, ...]:
    """The Parquet files of a table folder, without Spark's hidden and temporary files (`.`, `_`)."""
    return tuple(
        sorted(
            path
            for path in directory.rglob("*.parquet")
            if not any(part.startswith((".", "_")) for part in path.relative_to(directory).parts)
        )
    )


def read_table_folder(directory: Path) -> WarehouseTable:
    """One table folder; refused when it is a Delta table or has a partition column of unknown type."""
    if (directory / "_delta_log").is_dir():
        raise ValueError(
            f"{directory}: a Delta table (_delta_log). DuckDB reads Delta through its delta extension, which "
            "this project does not install: build on Spark with the default file format (Parquet)"
        )
    files = data_files(directory)
    columns = {
        match.group(1)
        for path in files
        for part in path.relative_to(directory).parts[:-1]
        if (match := _PARTITION_FOLDER.match(part))
    }
    unknown = sorted(columns - set(PARTITION_TYPES))
    if unknown:
        raise ValueError(
            f"{directory}: {len(files)} Parquet files partitioned by {unknown}, a column of no known type "
            f"(partition columns read: {sorted(PARTITION_TYPES)})"
        )
    return WarehouseTable(directory.name, directory, files, tuple(sorted(columns)))


def warehouse_tables(spark_dir: Path) -> list[WarehouseTable]:
    """Every table folder of the Spark build, by name."""
    folder = warehouse_dir(spark_dir)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no Spark warehouse at {folder}: run `dbt build --target spark` (IMAGING_SPARK_DIR={spark_dir})"
        )
    tables = [read_table_folder(path) for path in sorted(folder.iterdir()) if path.is_dir()]
    if not tables:
        raise FileNotFoundError(f"{folder} holds no table: run `dbt build --target spark` first")
    return tables


def objects_of(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """The tables and views of the main schema: name -> (kind, comment)."""
    rows = connection.execute(
        "select table_name, 'table', comment from duckdb_tables() where schema_name = 'main'"
        " union all select view_name, 'view', comment from duckdb_views()"
        " where schema_name = 'main' and not internal"
    ).fetchall()
    return {name: (kind, comment) for name, kind, comment in rows}


def create_views(connection: duckdb.DuckDBPyConnection, spark_dir: Path) -> dict[str, list[str]]:
    """One view per table of the Spark build that has data files; the views made earlier for tables no
    longer there are dropped. Returns the tables viewed and those left without a view (a partitioned
    table without rows has no file, so nothing tells its columns)."""
    tables = warehouse_tables(spark_dir)
    existing = objects_of(connection)
    for table in tables:
        kind, comment = existing.get(table.name, ("view", VIEW_COMMENT))
        if kind != "view" or not (comment or "").startswith(VIEW_COMMENT):
            raise ValueError(
                f"{table.name} exists in the DuckDB file as a {kind} not made from a Spark warehouse: "
                "give the layer built from Spark a file of its own (IMAGING_SPARK_DB_PATH)"
            )
    viewed = [table for table in tables if table.files]
    stale = [
        name
        for name, (kind, comment) in existing.items()
        if kind == "view" and (comment or "").startswith(VIEW_COMMENT)
    ]
    for name in stale:
        connection.execute(f'drop view "{name}"')
    for table in viewed:
        connection.execute(f'create view "{table.name}" as {table.view_sql()}')
        comment = quoted_text(VIEW_COMMENT + str(table.directory.resolve()))
        connection.execute(f'comment on view "{table.name}" is {comment}')
    return {
        "viewed": [table.name for table in viewed],
        "without_files": [table.name for table in tables if not table.files],
    }


@dataclass(frozen=True)
class FromSparkRun(DbtRun):
    """A dbt run on the from_spark target: the DuckDB file of the layer built from a Spark warehouse."""

    target: str = "from_spark"
    spark_dir: Path = Path("data/spark")

    def environment(self) -> dict[str, str]:
        return {
            **super().environment(),
            "IMAGING_SPARK_DIR": str(self.spark_dir),
            "IMAGING_SPARK_DB_PATH": str(self.db_path),
        }


def build_layer(run: FromSparkRun) -> dict[str, list[str]]:
    """The views over the Spark build, then `dbt build` of the layer on them (a failing model or data test
    raises). Returns what create_views returns."""
    run.db_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(run.db_path)) as connection:
        tables = create_views(connection, run.spark_dir)
    run_dbt(run, "build", *LAYER_SELECTION)
    return tables
