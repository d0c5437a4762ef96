"""The hand-written reference query (the floor of the whole family), run by the benchmark in a process of
its own (`imaging-atlas floor`)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from imaging_atlas.benchmark.engine import DEFAULT_MEMORY_LIMIT, engine_config

QUERY_FILE = Path(__file__).with_name("reference_query.sql")


def group_scopes(seeds_dir: Path) -> dict[str, set[tuple[str, str]]]:
    """Each indicator group's exam scope, (category, provider) pairs, from the registry and scope seeds."""
    with (seeds_dir / "indicators" / "indicator_registry.csv").open(encoding="utf-8") as handle:
        group_of = {row["indicator_code"]: row["indicator_group"] for row in csv.DictReader(handle)}
    scopes: dict[str, set[tuple[str, str]]] = {group: set() for group in group_of.values()}
    with (seeds_dir / "indicators" / "indicator_exam_scope.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scopes[group_of[row["indicator_code"]]].add((row["category"], row["provider"]))
    return dict(sorted(scopes.items()))


def group_columns(scopes: dict[str, set[tuple[str, str]]]) -> dict[str, str]:
    """The query's per-group placeholders: a service is in a group's scope when its category is one of the
    scope's and the scope's provider is `any` or its own."""
    exams, counts, totals, rows = [], [], [], []
    for index, (group, scope) in enumerate(scopes.items()):
        condition = " or ".join(
            f"(category = '{category}'" + ("" if provider == "any" else f" and provider = '{provider}'") + ")"
            for category, provider in sorted(scope)
        )
        exams.append(f"sum(net_quantity) filter (where {condition}) as exams_{index}")
        counts.append(f"count(e.exams_{index}) as patients_{index}, sum(e.exams_{index}) as exams_{index}")
        totals.append(f"sum(patients_{index}) as patients_{index}, sum(exams_{index}) as exams_{index}")
        rows.append(
            f"select '{group}' as indicator_group, year, geo_level, geo_code, beneficiaries, "
            f"patients_{index} as patients, coalesce(exams_{index}, 0) as exams from totals"
        )
    totals.insert(0, "sum(beneficiaries) as beneficiaries")
    return {
        "group_exams": ", ".join(exams),
        "group_counts": ", ".join(counts),
        "group_totals": ", ".join(totals),
        "group_rows": "\n    union all\n    ".join(rows),
    }


def reference_figures(
    raw_dir: Path,
    seeds_dir: Path,
    first_year: int = 2006,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = 2,
    temp_dir: Path | None = None,
) -> duckdb.DuckDBPyRelation:
    """Every indicator of the registry at every level, computed straight from the raw files: one row per
    indicator, year and unit with beneficiaries (sectors from the indicator's first sector year)."""
    connection = duckdb.connect(config=engine_config(memory_limit, threads, temp_dir))
    query = QUERY_FILE.read_text().format(
        raw_dir=raw_dir, seeds_dir=seeds_dir, first_year=first_year, **group_columns(group_scopes(seeds_dir))
    )
    return connection.sql(query)


def write_reference_figures(
    raw_dir: Path,
    seeds_dir: Path,
    out: Path,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = 2,
    temp_dir: Path | None = None,
) -> None:
    """`imaging-atlas floor`: the reference figures of an extract, written to a Parquet file."""
    reference_figures(
        raw_dir, seeds_dir, memory_limit=memory_limit, threads=threads, temp_dir=temp_dir
    ).write_parquet(str(out))
