"""A text written into SQL by the project (macro string_literal: the catalog's metadata texts, the table
comments on Spark) reads back unchanged on every engine.

DuckDB and PostgreSQL take a backslash in a string literal as itself; Spark takes it as an escape, so a
text escaped the standard way only would lose its backslashes on Spark, or end its literal early. The
Spark case starts a local Spark session: `make test-spark` runs it (IMAGING_SPARK_PARITY=1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imaging_atlas.project import DbtRun, show_inline

TEXT_WITH_ESCAPES = "l'imagerie \\ C:\\temp\\new 'RX' 100%"

on_spark = pytest.mark.skipif(
    os.environ.get("IMAGING_SPARK_PARITY") != "1", reason="needs a local Spark session: run `make test-spark`"
)


def engine_run(target: str, workdir: Path) -> DbtRun:
    """A dbt run on the target that builds nothing: an empty database, an empty Spark warehouse."""
    (workdir / "raw").mkdir()
    return DbtRun(
        raw_dir=workdir / "raw",
        db_path=workdir / "atlas.duckdb",
        target_path=workdir / "target",
        target=target,
    )


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["duckdb", pytest.param("spark", marks=on_spark)])
def test_text_reads_back_unchanged(target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGING_SPARK_DIR", str(tmp_path / "spark"))
    rows = show_inline(
        engine_run(target, tmp_path),
        "select {{ string_literal(var('text')) }} as text",
        {"text": TEXT_WITH_ESCAPES},
    )
    assert rows == [{"text": TEXT_WITH_ESCAPES}]
