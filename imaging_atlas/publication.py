"""The publication layer: the published indicators under statistical secrecy, their intervals, and the
files that leave IMA-AIM.

The secrecy itself (which cells are masked, and the audit that proves the pattern safe) is the package
`imaging_atlas.secrecy`; this module adds the 95% intervals of the shown figures and writes the files.
Every shown % carries its Wilson score 95% interval; every shown volume the exact (Garwood) Poisson 95%
interval of its exams, on the same per-100-beneficiaries scale.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from imaging_atlas.intervals import poisson_interval, wilson_interval
from imaging_atlas.secrecy import THRESHOLD, build_tree, suppression_masks
from imaging_atlas.secrecy.tree import LEVELS

PUBLISHED_COLUMNS = [
    "indicator_code",
    "year",
    "geo_level",
    "geo_code",
    "geo_name_fr",
    "geo_name_nl",
    "measure",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
]


def publish_indicators(
    figures: pd.DataFrame,
    registry: pd.DataFrame,
    geo_units: pd.DataFrame,
    exam_scope: pd.DataFrame,
    codes: pd.DataFrame,
    reports: list | None = None,
) -> pd.DataFrame:
    """The published table: every published indicator of the registry under statistical secrecy, with
    the Wilson 95% interval of a % and the exact Poisson 95% interval of a volume. The units' names
    come from int_geo_units; `exam_scope` (the seed indicator_exam_scope) and `codes` (the code list's
    category and provider) tell the attacker's definitional relations. `reports` collects what the
    audit of each year did."""
    published = suppression_masks(figures, registry, geo_units, exam_scope, codes, reports)
    measure = published["indicator_code"].map(registry.set_index("indicator_code")["measure"])
    published["measure"] = measure.astype(str)
    suppressed = published["masked"].astype(bool)
    is_volume = measure == "exams"
    published["ci_low"] = np.nan
    published["ci_high"] = np.nan
    for rows, interval in [(~is_volume, wilson_interval), (is_volume, poisson_interval)]:
        low, high = interval(published.loc[rows, "numerator"], published.loc[rows, "denominator"])
        published.loc[rows, "ci_low"] = low
        published.loc[rows, "ci_high"] = high
    published["suppressed"] = suppressed
    for column in ["numerator", "denominator"]:
        published[column] = published[column].astype("Int64").mask(suppressed)
    for column in ["value", "ci_low", "ci_high"]:
        published[column] = published[column].astype("float64").mask(suppressed)
    published["year"] = published["year"].astype("int32")
    tree = build_tree(geo_units)
    names = geo_units.set_index(["geo_level", "geo_code"])[["name_fr", "name_nl"]].reindex(
        pd.MultiIndex.from_arrays([tree.geo_level, tree.geo_code])
    )
    unit = published["unit"].to_numpy()
    published["geo_name_fr"] = names["name_fr"].to_numpy()[unit]
    published["geo_name_nl"] = names["name_nl"].to_numpy()[unit]
    order = np.lexsort(
        (
            published["unit"].to_numpy(),
            published["year"].to_numpy(),
            pd.factorize(published["indicator_code"], sort=True)[0],
        )
    )
    return published[PUBLISHED_COLUMNS].iloc[order].reset_index(drop=True)


def suppression_shares(published: pd.DataFrame) -> pd.DataFrame:
    """Share of published cells suppressed per indicator and geographic level."""
    shares = published.groupby(["indicator_code", "geo_level"])["suppressed"].agg(["sum", "size"])
    shares["share"] = shares["sum"] / shares["size"]
    return shares.reset_index().rename(columns={"sum": "suppressed_cells", "size": "cells"})


def indicator_metadata(indicator_code: str, rows: pd.DataFrame, manifest: dict | None) -> dict:
    """The JSON sidecar of one published indicator: what it is, how it was protected, what it holds."""
    nodes = (manifest or {}).get("nodes", {})
    mart = next((node for node in nodes.values() if node.get("name") == indicator_code), {})
    layer = next((node for node in nodes.values() if node.get("name") == "published_indicators"), {})
    shares = suppression_shares(rows)
    return {
        "indicator_code": indicator_code,
        "description": mart.get("description", ""),
        "meta": mart.get("config", {}).get("meta", {}),
        "source": "published_indicators (the publication layer), never the marts or person-level tables",
        "years": sorted(int(year) for year in rows["year"].unique()),
        "rows": len(rows),
        "statistical_secrecy": {
            "rule": (
                f"no cell built on fewer than {THRESHOLD} individuals (patients, beneficiaries or "
                "beneficiaries without an exam; a volume's individuals are the patients of its group and "
                "the beneficiaries; 0 is published), with complementary suppression across every "
                "published indicator, audited exactly by linear programming over all published tables of "
                "a year at once (the geographic sums, Belgium = regions + persons without a known "
                "domicile, the shared denominator, exams >= patients, and the relations between the "
                "indicators' exam scopes): the exact interval of every masked count of individuals v "
                "from 1 to 4 covers [v - 1, v + 1] and does not lie inside [1, 4] (tau-ARGUS's "
                "protection interval)"
            ),
            "threshold": THRESHOLD,
            "suppressed_cells_by_level": {
                row.geo_level: {"suppressed": int(row.suppressed_cells), "cells": int(row.cells)}
                for row in shares.itertuples()
            },
        },
        "confidence_interval": (
            "exact (Garwood) Poisson 95% interval of the exams, per 100 beneficiaries like value"
            if set(rows.get("measure", pd.Series(dtype=str))) == {"exams"}
            else "Wilson score interval, 95% (z = 1.96), in % like value"
        ),
        "columns": {
            name: column.get("description", "")
            for name, column in layer.get("columns", {}).items()
            if name != "indicator_code"
        },
    }


def write_publication(published: pd.DataFrame, out_dir: Path, manifest: dict | None = None) -> list[Path]:
    """One CSV, one Parquet and one JSON metadata file per indicator of the publication layer."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for indicator_code, rows in published.groupby("indicator_code", sort=True):
        level_rank = rows["geo_level"].map({level: rank for rank, level in enumerate(LEVELS)})
        rows = (
            rows.assign(level_rank=level_rank)
            .sort_values(["year", "level_rank", "geo_code"])
            .drop(columns=["indicator_code", "level_rank"])
            .reset_index(drop=True)
        )
        csv_path, parquet_path, json_path = (
            out_dir / f"{indicator_code}.{ext}" for ext in ("csv", "parquet", "json")
        )
        rows.to_csv(csv_path, index=False)
        rows.to_parquet(parquet_path, index=False)
        metadata = indicator_metadata(
            str(indicator_code), rows.assign(indicator_code=indicator_code), manifest
        )
        json_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written += [csv_path, parquet_path, json_path]
    return written


def publish_from_database(db_path: Path, out_dir: Path, manifest_path: Path | None = None) -> list[Path]:
    """`make publish`: read the publication layer (and only its figures) from the DuckDB file and write
    the files; refuse when an indicator the registry marks as published is missing from the layer."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute("select table_name from information_schema.tables").fetchall()
        }
        if "published_indicators" not in tables:
            raise SystemExit(f"{db_path}: no table published_indicators; run `make run` (dbt build) first")
        codes = "select distinct indicator_code from published_indicators order by 1"
        indicator_codes = [code for (code,) in connection.execute(codes).fetchall()]
        promised = set()
        if "indicator_registry" in tables:
            registry = connection.execute("select indicator_code, published from indicator_registry").df()
            promised = set(registry.loc[registry["published"].astype(bool), "indicator_code"])
        missing = promised - set(indicator_codes)
        if missing:
            raise SystemExit(
                f"{db_path}: published_indicators lacks indicators the registry publishes: {sorted(missing)}"
            )
        manifest = None
        if manifest_path is not None and manifest_path.exists():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        # One indicator at a time: a history's published layer is millions of cells with their names.
        one_indicator = "select * from published_indicators where indicator_code = ?"
        return [
            path
            for code in indicator_codes
            for path in write_publication(connection.execute(one_indicator, [code]).df(), out_dir, manifest)
        ]
