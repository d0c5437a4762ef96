"""A text written into SQL by the project (macro string_literal: the catalog's metadata texts, the table
comments on Spark) reads back unchanged on every engine.

DuckDB and PostgreSQL take a backslash in a string literal as itself; Spark takes it as an escape, so a
text escaped the standard way only would lose its backslashes on Spark, or end its literal early. The
Spark case starts a local Spark session: `make test-spark` runs it (IMAGING_SPARK_PARITY=1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spark_session import SparkDbtRun, needs_spark_session

from imaging_atlas.project import DbtRun, show_inline

TEXT_WITH_ESCAPES = "l'imagerie \\ C:\\temp\\new 'RX' 100%"


def engine_run(target: str, workdir: Path) -> DbtRun:
    """A dbt run on the target that builds nothing: an empty database, an empty Spark warehouse."""
    (workdir / "raw").mkdir()
    paths = {
        "raw_dir": workdir / "raw",
        "db_path": workdir / "atlas.duckdb",
        "target_path": workdir / "target",
    }
    return SparkDbtRun(**paths, spark_dir=workdir / "spark") if target == "spark" else DbtRun(**paths)


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["duckdb", pytest.param("spark", marks=needs_spark_session)])
def test_text_reads_back_unchanged(target: str, tmp_path: Path) -> None:
    rows = show_inline(
        engine_run(target, tmp_path),
        "select {{ string_literal(var('text')) }} as text",
        {"text": TEXT_WITH_ESCAPES},
    )
    assert rows == [{"text": TEXT_WITH_ESCAPES}]
