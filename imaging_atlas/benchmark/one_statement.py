"""The headline path's own SQL as one statement, without dbt: the project's work apart from dbt.

The reference query computes two indicators; the headline marts come from the indicator layer, which
computes the 24 indicators and their strata in one pass. To tell that extra work from what dbt adds
(start-up, seeds, unit tests, the tables written between models), the models that read persons are
inlined, as dbt compiled them for the build just measured, as CTEs of `int_indicator_figures`. The
statement runs in the built database (seeds and small tables are there), in a process of its own with the
profile's memory limit and 2 threads, and its figures must equal the built `int_indicator_figures`.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from imaging_atlas.benchmark.engine import engine_config

# Dependency order: each model may read the ones before it.
INLINED_MODELS = (
    "int_population_checked",
    "int_beneficiaries_domiciled",
    "int_claim_lines_checked",
    "int_imaging_services_netted",
    "int_beneficiaries_counted_by_unit",
    "int_exams_by_indicator_group",
)
FIGURES_MODEL = "int_indicator_figures"


def compiled_models(manifest_file: Path) -> dict[str, tuple[str, str]]:
    """Relation name and compiled SQL of the inlined models and the figures, from dbt's manifest of the
    build (a model's compiled code there is the select of that run: its years, its sources). A yearly
    model's code is that of its batch, which dbt writes beside the manifest: the build of one year has
    one."""
    nodes = json.loads(manifest_file.read_text())["nodes"]
    models = {}
    for name in (*INLINED_MODELS, FIGURES_MODEL):
        node = nodes[f"model.imaging_atlas.{name}"]
        code = node.get("compiled_code")
        if not code:
            folder = manifest_file.parent / "compiled" / "imaging_atlas" / node["original_file_path"]
            batches = sorted(folder.with_suffix("").glob(f"{name}_*.sql"))
            if len(batches) != 1:
                raise ValueError(f"{manifest_file}: {name} has no compiled code of one batch; build first")
            code = batches[0].read_text()
        models[name] = (node["relation_name"], code)
    return models


def one_statement(models: dict[str, tuple[str, str]]) -> str:
    """The figures' select with every read of an inlined model replaced by a CTE of its compiled SQL."""

    def inline(sql: str) -> str:
        for name in INLINED_MODELS:
            sql = sql.replace(models[name][0], name)
        return sql

    ctes = ",\n".join(f"{name} as (\n{inline(models[name][1])}\n)" for name in INLINED_MODELS)
    return f"with\n{ctes}\nselect * from (\n{inline(models[FIGURES_MODEL][1])}\n) as figures"


def differing_rows(db_path: Path, figures_file: Path) -> int:
    """Rows in one of the statement's figures and the built int_indicator_figures but not the other."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        query = f"""
            with statement as (select * from read_parquet('{figures_file}')),
            built as (select * from {FIGURES_MODEL})
            select count(*) from (
                (select * from statement except all select * from built)
                union all
                (select * from built except all select * from statement)
            )
        """
        return connection.execute(query).fetchall()[0][0]


def write_one_statement(
    db_path: Path,
    manifest: Path,
    out: Path,
    memory_limit: str,
    threads: int = 2,
    temp_dir: Path | None = None,
) -> None:
    """`imaging-atlas one-statement`: the statement's figures, computed in the built database (as the
    build's own connection is set in profiles.yml) and written to a Parquet file."""
    query = one_statement(compiled_models(manifest))
    config = engine_config(memory_limit, threads, temp_dir)
    config["preserve_insertion_order"] = False
    with duckdb.connect(str(db_path), read_only=True, config=config) as connection:
        connection.execute("set enable_progress_bar = false")
        # As the exams' model does (macro build_joins_as_written): the hash joins built as written.
        connection.execute("set disabled_optimizers = 'build_side_probe_side'")
        connection.sql(query).write_parquet(str(out))
