"""The whole product after a Spark build: `make publish explore TARGET=spark` against the DuckDB build.

On each extract of test_spark_parity.py (the same builds, fixture parity_build), the layer of
models/python is built by DuckDB from the Spark warehouse's files (imaging_atlas/spark_warehouse.py,
through `make`), then `make publish` and `make explore` run on both engines' builds. They must agree:
- the published rows built from the Spark warehouse equal, row for row and type for type, those of the
  DuckDB build (EXCEPT ALL both ways);
- the publish/ CSV and JSON files are identical byte for byte, the Parquet files hold the same rows;
- the variation statistics and standardised rates agree to 1e-9 (pandas' assert_frame_equal, relative
  and absolute tolerance 1e-9; every other column exactly);
- only figures that passed the secrecy audit leave: the layer's data tests ran and passed on the
  figures from Spark, the published files hold exactly the rows of published_indicators, and no shown
  cell has a count of individuals of 1 to 4 (checked here from the files, apart from the layer's code);
- nothing is written into the Spark warehouse.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import math
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from spark_session import ParityBuild, needs_spark_session

from imaging_atlas.project import PROJECT_DIR
from imaging_atlas.spark_warehouse import warehouse_dir

pytestmark = [pytest.mark.dbt, needs_spark_session]

PUBLISHED = "published_indicators"
GRAIN = ["indicator_code", "year", "geo_level", "geo_code"]
TOLERANCE = 1e-9
THRESHOLD = 5  # IMA's rule (docs/statistical_secrecy.md): no shown count of individuals of 1 to 4


@dataclass(frozen=True)
class Outputs:
    """What `make publish explore` wrote from one build."""

    db_path: Path
    publish_dir: Path
    page: Path
    seconds: float


@dataclass(frozen=True)
class SparkProduct:
    build: ParityBuild
    duckdb: Outputs
    spark: Outputs
    layer_target_path: Path
    warehouse_before: dict[str, tuple[int, int]]

    def layer_models(self) -> set[str]:
        """The models the layer built (those of models/python), from its dbt run's manifest."""
        nodes = json.loads((self.layer_target_path / "manifest.json").read_text())["nodes"].values()
        return {
            node["name"]
            for node in nodes
            if node["resource_type"] == "model" and node["original_file_path"].startswith("models/python/")
        }

    def statistics(self) -> list[str]:
        """The layer's models other than the published layer: standardised rates, variation statistics."""
        return sorted(self.layer_models() - {PUBLISHED})


def warehouse_state(spark_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file of the Spark warehouse: its size and modification time in nanoseconds."""
    folder = spark_dir / "warehouse"
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def make_publish_explore(environment: dict[str, str], out_dir: Path, *variables: str) -> float:
    """`make publish explore` into out_dir, as a user runs it; returns its seconds."""
    command = ["make", "-s", "publish", "explore", f"PUBLISH_DIR={out_dir / 'publish'}"]
    command += [f"ATLAS_PAGE={out_dir / 'atlas' / 'index.html'}", *variables]
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


@pytest.fixture(scope="session")
def spark_product(parity_build: ParityBuild, tmp_path_factory: pytest.TempPathFactory) -> SparkProduct:
    """`make publish explore` after each engine's build: on Spark's (TARGET=spark), then on DuckDB's."""
    workdir = tmp_path_factory.mktemp(f"product_{parity_build.name}")
    spark_run, duckdb_run = parity_build.spark, parity_build.duckdb
    before = warehouse_state(spark_run.spark_dir)
    layer_db = spark_run.spark_dir / "imaging_atlas.duckdb"  # the Makefile's default, beside the warehouse
    layer_target = workdir / "target_from_spark"
    spark_seconds = make_publish_explore(
        {**spark_run.environment(), "DBT_TARGET_PATH": str(layer_target), "DBT_LOG_PATH": str(layer_target)},
        workdir / "spark",
        "TARGET=spark",
        f"IMAGING_SPARK_DIR={spark_run.spark_dir}",
    )
    duckdb_seconds = make_publish_explore(duckdb_run.environment(), workdir / "duckdb")
    print(
        f"\n{parity_build.name}: make publish explore {duckdb_seconds:.0f} s after the DuckDB build,"
        f" {spark_seconds:.0f} s with TARGET=spark (the layer built from the Spark warehouse included)"
    )
    outputs = {
        engine: Outputs(db, workdir / engine / "publish", workdir / engine / "atlas" / "index.html", seconds)
        for engine, db, seconds in [
            ("duckdb", duckdb_run.db_path, duckdb_seconds),
            ("spark", layer_db, spark_seconds),
        ]
    }
    return SparkProduct(parity_build, outputs["duckdb"], outputs["spark"], layer_target, before)


def read_both(product: SparkProduct, query: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The query's rows on the DuckDB build and on the layer built from Spark."""
    frames = []
    for db_path in (product.duckdb.db_path, product.spark.db_path):
        with duckdb.connect(str(db_path), read_only=True) as connection:
            frames.append(connection.execute(query).df())
    return frames[0], frames[1]


def column_types(db_path: Path, table: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'main' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()


def test_the_layers_inputs_are_read_from_the_spark_warehouse(spark_product: SparkProduct) -> None:
    """The layer's file holds views over the warehouse's Parquet files, not copies, and its tables are
    the models of models/python only."""
    spark_run = spark_product.build.spark
    with duckdb.connect(str(spark_product.spark.db_path), read_only=True) as connection:
        views = dict(
            connection.execute(
                "select view_name, sql from duckdb_views() where schema_name = 'main' and not internal"
            ).fetchall()
        )
        tables = {name for (name,) in connection.execute("select table_name from duckdb_tables()").fetchall()}
    for name in ("int_indicator_figures", "int_indicator_strata", "int_geo_units", "indicator_registry"):
        assert str(warehouse_dir(spark_run.spark_dir).resolve() / name) in views[name]
    assert tables == spark_product.layer_models()
    assert {PUBLISHED, "standardised_rates"} < tables


def test_nothing_is_written_into_the_spark_warehouse(spark_product: SparkProduct) -> None:
    after = warehouse_state(spark_product.build.spark.spark_dir)
    assert len(after) > 50
    assert after == spark_product.warehouse_before


def test_the_published_rows_equal_those_of_duckdb_row_for_row(spark_product: SparkProduct) -> None:
    duckdb_db, spark_db = spark_product.duckdb.db_path, spark_product.spark.db_path
    assert column_types(spark_db, PUBLISHED) == column_types(duckdb_db, PUBLISHED)
    with duckdb.connect(str(spark_db), read_only=True) as connection:
        connection.execute(f"attach '{duckdb_db}' as from_duckdb (read_only)")
        rows, shown, only_spark, only_duckdb = connection.execute(
            f"select (select count(*) from {PUBLISHED}),"
            f" (select count(*) from {PUBLISHED} where not suppressed),"
            f" (select count(*) from (from {PUBLISHED} except all from from_duckdb.{PUBLISHED})),"
            f" (select count(*) from (from from_duckdb.{PUBLISHED} except all from {PUBLISHED}))"
        ).fetchone()
    print(
        f"\n{spark_product.build.name}: {rows:,} published rows ({shown:,} shown),"
        f" {only_spark} only from Spark, {only_duckdb} only from DuckDB"
    )
    assert (only_spark, only_duckdb) == (0, 0)
    assert 0 < shown < rows  # secrecy masked some cells and showed others: the comparison is not vacuous


def test_the_variation_statistics_agree_to_1e_9(spark_product: SparkProduct) -> None:
    statistics = spark_product.statistics()
    assert len(statistics) >= 5
    for table in statistics:
        types = column_types(spark_product.duckdb.db_path, table)
        assert column_types(spark_product.spark.db_path, table) == types
        on_duckdb, from_spark = read_both(spark_product, f"select * from {table} order by all")
        assert len(on_duckdb) > 0, table
        pd.testing.assert_frame_equal(
            from_spark, on_duckdb, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE
        )
        floats = on_duckdb.select_dtypes("float").columns
        largest = max(
            (
                abs(a - b)
                for column in floats
                for a, b in zip(on_duckdb[column], from_spark[column], strict=True)
                if not (math.isnan(a) or math.isnan(b))
            ),
            default=0.0,
        )
        print(
            f"{spark_product.build.name} {table}: {len(on_duckdb):,} rows, largest difference {largest:.1e}"
        )


def test_the_published_files_are_identical(spark_product: SparkProduct) -> None:
    duckdb_files = sorted(path.name for path in spark_product.duckdb.publish_dir.iterdir())
    assert duckdb_files == sorted(path.name for path in spark_product.spark.publish_dir.iterdir())
    indicators, _ = read_both(spark_product, f"select distinct indicator_code from {PUBLISHED}")
    assert duckdb_files == sorted(
        f"{code}.{ext}" for code in indicators["indicator_code"] for ext in ("csv", "json", "parquet")
    )
    for name in duckdb_files:
        on_duckdb, from_spark = (
            spark_product.duckdb.publish_dir / name,
            spark_product.spark.publish_dir / name,
        )
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(from_spark), pd.read_parquet(on_duckdb))
        else:
            assert from_spark.read_bytes() == on_duckdb.read_bytes(), name


def test_only_cells_that_passed_the_audit_leave(spark_product: SparkProduct) -> None:
    """The layer's data tests ran on the figures from Spark; the files are the layer's rows, nothing more;
    no shown cell counts 1 to 4 individuals (a volume's own: its beneficiaries)."""
    results = json.loads((spark_product.layer_target_path / "run_results.json").read_text())["results"]
    manifest = json.loads((spark_product.layer_target_path / "manifest.json").read_text())["nodes"]
    layer_tests = [
        result
        for result in results
        if result["unique_id"].startswith("test.")
        and f"model.imaging_atlas.{PUBLISHED}" in manifest[result["unique_id"]]["depends_on"]["nodes"]
    ]
    assert len(layer_tests) >= 3 and {result["status"] for result in layer_tests} == {"pass"}
    assert any("no_cell_under_the_threshold" in result["unique_id"] for result in layer_tests)

    with duckdb.connect(str(spark_product.spark.db_path), read_only=True) as connection:
        layer = connection.execute(f"select * from {PUBLISHED}").df()
    files = pd.concat(
        pd.read_csv(path, dtype={"geo_code": str}).assign(indicator_code=path.stem)
        for path in sorted(spark_product.spark.publish_dir.glob("*.csv"))
    )
    assert len(files) == len(layer)
    keys = files[GRAIN].merge(layer[GRAIN], how="outer", indicator=True)
    assert (keys["_merge"] == "both").all()
    shown = files[~files["suppressed"]]
    masked = files[files["suppressed"]]
    assert masked[["numerator", "denominator", "value", "ci_low", "ci_high"]].isna().all().all()
    percent = shown[shown["measure"] == "patients"]
    individuals = pd.concat(
        [shown["denominator"], percent["numerator"], percent["denominator"] - percent["numerator"]]
    )
    assert not individuals.between(1, THRESHOLD - 1).any()
    assert len(shown) > 0 and len(masked) > 0


def embedded_content(page: Path) -> str:
    """The page with each embedded base64 block that holds gzip-compressed JSON replaced by that JSON,
    keys sorted: the same figures read in another row order give the same content."""

    def canonical(block: re.Match[str]) -> str:
        try:
            data = json.loads(gzip.decompress(base64.b64decode(block.group(0), validate=True)))
        except (binascii.Error, OSError, ValueError):
            return block.group(0)
        return json.dumps(data, sort_keys=True)

    return re.sub(r"[A-Za-z0-9+/=]{200,}", canonical, page.read_text(encoding="utf-8"))


def test_the_explorer_shows_the_same_atlas(spark_product: SparkProduct) -> None:
    """The explorer page from Spark's build holds the same figures, metadata and statistics as DuckDB's."""
    assert spark_product.spark.page.stat().st_size > 100_000
    assert embedded_content(spark_product.spark.page) == embedded_content(spark_product.duckdb.page)


def test_an_unknown_target_is_refused() -> None:
    result = subprocess.run(
        ["make", "-s", "publish", "TARGET=postgres"],
        cwd=PROJECT_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "TARGET=postgres" in result.stderr
