"""What the tests that run dbt on a local Spark session share: the run with its own metastore and
warehouse, and the mark that skips them unless `make test-spark` asked for them (a JVM, minutes)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from imaging_atlas.project import DbtRun

SPARK_SCHEMA = "imaging_atlas"  # the schema of the spark output in profiles.yml

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
        return self.spark_dir / "warehouse" / f"{SPARK_SCHEMA}.db" / table
