"""The publication layer: IMA-AIM's statistical-secrecy rule and Wilson intervals on the indicator marts.

IMA publishes no cell of a full-population output built on fewer than 5 individuals. A % cell shows
three counts of individuals - patients (numerator), beneficiaries (denominator) and beneficiaries
without an exam (their difference) - so a cell is *primarily* suppressed when any of them is 1 to 4
(0 is no individual and is published).

Counts add up the geographic tree country > region > province > arrondissement > commune > sector
(Brussels-Capital has no province: arrondissement 21000 is the child of region 04000), and Belgium is
the sum of its regions plus the persons without a known domicile, a cell of its own that is never
published. Each parent and its children form one equation `parent = sum(children)`. A masked cell
is recomputed by subtraction as soon as it is the only unknown of an equation, so *complementary*
suppression masks more cells until every equation has no unknown or at least two. That is enough in a
tree: going down from any masked cell through masked cells always ends at a masked leaf, and going up
ends at the never-published no-domicile cell or at a masked sibling, so no combination of equations
isolates a masked cell (the no-domicile cell alone may be the one unknown of Belgium's equation when it
is not itself under the threshold).

Indicators share their denominators, so a denominator hidden in one mart but shown in another would be
known: the cells whose denominator is hidden in every mart must satisfy the same rule on their own,
and the marts are masked further until they do.

Every shown % gets its Wilson score 95% interval.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

THRESHOLD = 5
Z_95 = 1.959963984540054
COUNTRY = ("country", "01000")
LEVELS = ["country", "region", "province", "arrondissement", "commune", "sector"]
NO_DOMICILE = ("no_domicile", "01000")
"""The persons without a known domicile: Belgium minus the sum of its regions, never published."""

PUBLISHED_COLUMNS = [
    "indicator_code",
    "year",
    "geo_level",
    "geo_code",
    "geo_name_fr",
    "geo_name_nl",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
]


def under_threshold(count: pd.Series, threshold: int = THRESHOLD) -> pd.Series:
    """True where a count of individuals is 1 to threshold - 1 (a 0 count holds nobody)."""
    return (count > 0) & (count < threshold)


def primary_suppression(
    numerator: pd.Series, denominator: pd.Series, threshold: int = THRESHOLD
) -> pd.Series:
    """Cells built on fewer than `threshold` patients, beneficiaries or beneficiaries without an exam."""
    return (
        under_threshold(numerator, threshold)
        | under_threshold(denominator, threshold)
        | under_threshold(denominator - numerator, threshold)
    )


def wilson_interval(
    numerator: pd.Series, denominator: pd.Series, z: float = Z_95
) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval of numerator / denominator, in % (null where the denominator is 0)."""
    n = denominator.astype("float64").where(denominator > 0)
    p = numerator.astype("float64") / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half_width = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At p = 0 and p = 1 the bound is exactly 0 or 1; rounding would leave it a hair inside.
    low = (centre - half_width).mask(p == 0, 0.0).clip(lower=0)
    high = (centre + half_width).mask(p == 1, 1.0).clip(upper=1)
    return 100 * low, 100 * high


def parent_units(geo_units: pd.DataFrame) -> pd.DataFrame:
    """(geo_level, geo_code) -> (parent_level, parent_code) for every unit of int_geo_units."""
    units = geo_units[["geo_level", "geo_code"]].copy()
    parent_level = pd.Series(pd.NA, index=units.index, dtype="object")
    parent_code = pd.Series(pd.NA, index=units.index, dtype="object")
    level = geo_units["geo_level"]
    has_province = geo_units["province_nis"].notna()
    rules = [
        (level == "sector", "commune", geo_units["commune_nis"]),
        (level == "commune", "arrondissement", geo_units["arrondissement_nis"]),
        ((level == "arrondissement") & has_province, "province", geo_units["province_nis"]),
        ((level == "arrondissement") & ~has_province, "region", geo_units["region_nis"]),
        (level == "province", "region", geo_units["region_nis"]),
        (level == "region", COUNTRY[0], pd.Series(COUNTRY[1], index=units.index)),
    ]
    for condition, parent, code in rules:
        parent_level = parent_level.mask(condition, parent)
        parent_code = parent_code.mask(condition, code)
    units["parent_level"] = parent_level
    units["parent_code"] = parent_code
    no_domicile = pd.DataFrame(
        [
            {
                "geo_level": NO_DOMICILE[0],
                "geo_code": NO_DOMICILE[1],
                "parent_level": COUNTRY[0],
                "parent_code": COUNTRY[1],
            }
        ]
    )
    return pd.concat([units, no_domicile], ignore_index=True)


def with_no_domicile_cells(mart: pd.DataFrame) -> pd.DataFrame:
    """The mart plus, per year, the cell of the persons without a known domicile: Belgium - regions."""
    country = mart[mart["geo_level"] == COUNTRY[0]].set_index("year")[["numerator", "denominator"]]
    regions = mart[mart["geo_level"] == "region"].groupby("year")[["numerator", "denominator"]].sum()
    gap = (country - regions.reindex(country.index, fill_value=0)).reset_index()
    if (gap[["numerator", "denominator"]] < 0).any().any():
        raise ValueError("the regions hold more persons than Belgium: the mart does not add up")
    gap["geo_level"], gap["geo_code"] = NO_DOMICILE
    return pd.concat([mart, gap], ignore_index=True)


def protect(cells: pd.DataFrame, layer: list[str]) -> pd.Series:
    """Complementary suppression: mask more cells until no masked cell is the only unknown of an equation.

    `cells` holds one row per cell with the columns of `layer` (the independent tables, e.g. indicator
    and year), geo_level, geo_code, parent_level, parent_code, numerator, denominator, `masked` (the
    cells masked so far), `sensitive` (under the threshold), `never_published` and `cost` (to spend
    when masking it). Returns the final mask. A cell is masked to protect an equation in this order:
    a child before the parent (masking upwards cascades), the cheapest, a populated one before an empty
    one (an empty cell protects little), the smallest, then by code (deterministic).
    """
    cells = cells.reset_index(drop=True)
    unit_key = ["geo_level", "geo_code"]
    as_child = cells[[*layer, "parent_level", "parent_code"]].rename(
        columns={"parent_level": "equation_level", "parent_code": "equation_code"}
    )
    as_child["role"] = 0
    as_parent = cells[layer + unit_key].rename(
        columns={"geo_level": "equation_level", "geo_code": "equation_code"}
    )
    as_parent["role"] = 1
    members = pd.concat([as_child, as_parent]).dropna(subset=["equation_level"])
    members["cell"] = members.index
    equation_key = [*layer, "equation_level", "equation_code"]
    with_children = members.loc[members["role"] == 0, equation_key].drop_duplicates()
    members = members.merge(with_children, on=equation_key)
    members["equation"] = members.groupby(equation_key, sort=False).ngroup()
    members = members[["equation", "cell", "role"]]
    members = members.assign(
        cost=cells["cost"].to_numpy()[members["cell"]],
        empty=(cells["denominator"].to_numpy()[members["cell"]] == 0),
        size=cells["denominator"].to_numpy()[members["cell"]],
        code=cells["geo_code"].to_numpy()[members["cell"]],
    ).sort_values(["equation", "role", "cost", "empty", "size", "code"], kind="stable")

    masked = cells["masked"].to_numpy(dtype=bool).copy() | cells["never_published"].to_numpy(dtype=bool)
    may_stand_alone = cells["never_published"].to_numpy(dtype=bool) & ~cells["sensitive"].to_numpy(dtype=bool)
    while True:
        member_masked = masked[members["cell"].to_numpy()]
        unknowns = pd.Series(member_masked).groupby(members["equation"].to_numpy()).sum()
        alone = members.loc[member_masked & (members["equation"].map(unknowns).to_numpy() == 1)]
        exposed = alone.loc[~may_stand_alone[alone["cell"].to_numpy()], "equation"]
        if exposed.empty:
            return pd.Series(masked & ~cells["never_published"].to_numpy(dtype=bool), index=cells.index)
        candidates = members[members["equation"].isin(exposed) & ~member_masked]
        masked[candidates.groupby("equation")["cell"].first().to_numpy()] = True


def _indicator_cells(marts: dict[str, pd.DataFrame], parents: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for indicator_code, mart in marts.items():
        cells = with_no_domicile_cells(mart[["year", "geo_level", "geo_code", "numerator", "denominator"]])
        cells.insert(0, "indicator_code", indicator_code)
        frames.append(cells)
    cells = pd.concat(frames, ignore_index=True).merge(parents, on=["geo_level", "geo_code"], how="left")
    unknown_units = cells["parent_level"].isna() & (cells["geo_level"] != COUNTRY[0])
    if unknown_units.any():
        sample = (
            cells.loc[unknown_units, ["geo_level", "geo_code"]].drop_duplicates().head(5).to_dict("records")
        )
        raise ValueError(
            f"{int(unknown_units.sum())} mart rows are not units of int_geo_units, e.g. {sample}"
        )
    cells["never_published"] = cells["geo_level"] == NO_DOMICILE[0]
    cells["sensitive"] = primary_suppression(cells["numerator"], cells["denominator"])
    cells["masked"] = cells["sensitive"]
    cells["cost"] = 0
    return cells


def _denominator_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One cell per year and unit: its denominator is unknown when every mart hides it or omits the unit."""
    unit = ["year", "geo_level", "geo_code"]
    cells = cells.assign(shown=~cells["masked"] & ~cells["never_published"])
    grouped = cells.groupby(unit, sort=False)
    denominators = grouped["denominator"].agg(["min", "max"])
    if (denominators["min"] != denominators["max"]).any():
        raise ValueError("the marts disagree on the denominator of a unit: they cannot be published together")
    joint = grouped.agg(
        parent_level=("parent_level", "first"),
        parent_code=("parent_code", "first"),
        denominator=("denominator", "first"),
        shown_in=("shown", "sum"),
    ).reset_index()
    joint["numerator"] = 0
    joint["masked"] = joint["shown_in"] == 0
    joint["never_published"] = joint["geo_level"] == NO_DOMICILE[0]
    joint["sensitive"] = under_threshold(joint["denominator"])
    joint["cost"] = joint["shown_in"]
    return joint


def suppression_masks(marts: dict[str, pd.DataFrame], geo_units: pd.DataFrame) -> pd.DataFrame:
    """Every cell of every mart (plus the no-domicile cells) with its final `masked` flag."""
    cells = _indicator_cells(marts, parent_units(geo_units))
    while True:
        cells["masked"] = protect(cells, ["indicator_code", "year"])
        joint = _denominator_cells(cells)
        joint_masked = protect(joint, ["year"])
        newly_masked = joint.loc[joint_masked & ~joint["masked"], ["year", "geo_level", "geo_code"]]
        if newly_masked.empty:
            return cells
        hit = cells.merge(newly_masked.assign(hit=True), on=["year", "geo_level", "geo_code"], how="left")[
            "hit"
        ]
        cells["masked"] |= hit.fillna(False).astype(bool).to_numpy()


def publish_indicators(marts: dict[str, pd.DataFrame], geo_units: pd.DataFrame) -> pd.DataFrame:
    """The published table of the indicator marts (% indicators): secrecy applied, Wilson 95% intervals."""
    cells = suppression_masks(marts, geo_units)
    masks = cells.loc[
        ~cells["never_published"], ["indicator_code", "year", "geo_level", "geo_code", "masked"]
    ]
    frames = [mart.assign(indicator_code=indicator_code) for indicator_code, mart in marts.items()]
    published = pd.concat(frames, ignore_index=True).merge(
        masks, on=["indicator_code", "year", "geo_level", "geo_code"], how="left", validate="one_to_one"
    )
    suppressed = published["masked"].astype(bool)
    ci_low, ci_high = wilson_interval(published["numerator"], published["denominator"])
    published["ci_low"] = ci_low
    published["ci_high"] = ci_high
    published["suppressed"] = suppressed
    for column in ["numerator", "denominator"]:
        published[column] = published[column].astype("Int64").mask(suppressed)
    for column in ["value", "ci_low", "ci_high"]:
        published[column] = published[column].astype("float64").mask(suppressed)
    published["year"] = published["year"].astype("int32")
    order = ["indicator_code", "year", "geo_level", "geo_code"]
    return published[PUBLISHED_COLUMNS].sort_values(order, kind="stable").reset_index(drop=True)


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
                "beneficiaries without an exam; 0 is published), with complementary suppression so that "
                "no masked cell can be recomputed from its parent and siblings at any level"
            ),
            "threshold": THRESHOLD,
            "suppressed_cells_by_level": {
                row.geo_level: {"suppressed": int(row.suppressed_cells), "cells": int(row.cells)}
                for row in shares.itertuples()
            },
        },
        "confidence_interval": "Wilson score interval, 95% (z = 1.96), in % like value",
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
    """`make publish`: read the publication layer (and only it) from the DuckDB file and write the files."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute("select table_name from information_schema.tables").fetchall()
        }
        if "published_indicators" not in tables:
            raise SystemExit(f"{db_path}: no table published_indicators; run `make run` (dbt build) first")
        published = connection.execute("select * from published_indicators").df()
    manifest = None
    if manifest_path is not None and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return write_publication(published, out_dir, manifest)


def run_publish(args: argparse.Namespace) -> int:
    """`imaging-atlas publish`: the files of every indicator of the publication layer."""
    written = publish_from_database(args.db, args.out, args.manifest)
    for path in written:
        print(path)
    return 0


def add_publish_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="write publish/<indicator>.csv, .parquet and .json from the publication layer",
        description="Read table published_indicators (and nothing else) and write three files per indicator.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("IMAGING_DB_PATH", "data/imaging_atlas.duckdb")),
        help="the built DuckDB file (default: $IMAGING_DB_PATH)",
    )
    parser.add_argument("--out", type=Path, default=Path("publish"), help="output folder (default: publish)")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", "target")) / "manifest.json",
        help="dbt manifest for the indicators' descriptions and meta (default: target/manifest.json)",
    )
    parser.set_defaults(handler=run_publish)
