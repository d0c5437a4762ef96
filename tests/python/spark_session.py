"""What the tests that run dbt on a local Spark session share: the run with its own metastore and
warehouse, the extracts built on both engines (the fixture parity_build in conftest.py builds each once
for every test module of `make test-spark`), and the mark that skips them unless `make test-spark`
asked for them (a JVM, minutes)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hand_made_extract import write_hand_made_extract

from imaging_atlas.project import DbtRun, run_dbt
from imaging_atlas.spark_warehouse import warehouse_dir
from imaging_atlas.synthetic import generate

needs_spark_session = pytest.mark.skipif(
    os.environ.get("IMAGING_SPARK_PARITY") != "1",
    reason="needs a local Spark session: run `make test-spark`",
)


@dataclass(frozen=True)
class SparkDbtRun(DbtRun):
    """A dbt run on the spark target, with its private metastore and warehouse."""

    target: str = "spark"
    spark_dir: Path = Path("data/spark")

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "IMAGING_SPARK_DIR": str(self.spark_dir)}

    def table_dir(self, table: str) -> Path:
        """Where Spark keeps a managed table of the schema: <warehouse>/<schema>.db/<table>."""
        return warehouse_dir(self.spark_dir) / table


@dataclass(frozen=True)
class ParityBuild:
    name: str
    duckdb: DbtRun
    spark: SparkDbtRun
    seconds: dict[str, float]


def write_synthetic_extract(raw_dir: Path) -> None:
    generate(raw_dir, scale=0.001, years=[2015, 2016], seed=7, progress=False)


@dataclass(frozen=True)
class Extract:
    """How an extract is written, and the dbt command that builds it on Spark."""

    write: Callable[[Path], None]
    spark_command: tuple[str, ...]


# The data and unit tests run on Spark once, on the hand-made extract: its nulls, rejects and unknown
# domiciles are where a test's SQL could behave differently on another engine. On the synthetic extract
# they would take two more minutes of Spark and show nothing that its identical tables do not.
EXTRACTS = {
    "hand_made": Extract(write_hand_made_extract, ("build",)),
    "synthetic": Extract(
        write_synthetic_extract,
        ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"),
    ),
}


def timed_build(run: DbtRun, command: tuple[str, ...] = ("build",)) -> float:
    start = time.perf_counter()
    run_dbt(run, *command)
    return time.perf_counter() - start
