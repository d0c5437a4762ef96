"""The geographic tree the counts add up in: every unit of int_geo_units and its parent, Belgium at the
root, and the persons without a known domicile as Belgium's last child (never published)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COUNTRY = ("country", "01000")
LEVELS = ["country", "region", "province", "arrondissement", "commune", "sector"]
NO_DOMICILE = ("no_domicile", "01000")
"""The persons without a known domicile: Belgium minus the sum of its regions, never published."""


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


@dataclass(frozen=True)
class Tree:
    """The units of one year (the no-domicile cell included) as arrays: each unit's parent position and
    the children grouped by parent, so that sums over children are one `np.add.reduceat`."""

    geo_level: np.ndarray
    geo_code: np.ndarray
    parent: np.ndarray
    child_order: np.ndarray
    segment_start: np.ndarray
    segment_parent: np.ndarray

    @property
    def size(self) -> int:
        return len(self.parent)

    @property
    def no_domicile(self) -> int:
        return int(np.flatnonzero(self.geo_level == NO_DOMICILE[0])[0])

    @property
    def country(self) -> int:
        return int(np.flatnonzero(self.geo_level == COUNTRY[0])[0])

    @property
    def is_sector(self) -> np.ndarray:
        return self.geo_level == "sector"

    def children_sum(self, values: np.ndarray) -> np.ndarray:
        """Per unit, the sum of its children's rows of `values` (units x columns); 0 for a leaf."""
        out = np.zeros_like(values)
        out[self.segment_parent] = np.add.reduceat(values[self.child_order], self.segment_start, axis=0)
        return out

    def positions(self, geo_level: pd.Series, geo_code: pd.Series) -> np.ndarray:
        """Position of each (level, code) in the tree; raises on a unit the tree does not hold.

        Millions of rows name some 20,000 units: the pairs are factorised first and only the distinct
        ones looked up."""
        level_id, levels = pd.factorize(geo_level)
        code_id, codes = pd.factorize(geo_code)
        pair_id, pairs = pd.factorize(level_id.astype(np.int64) * len(codes) + code_id)
        index = pd.MultiIndex.from_arrays([self.geo_level, self.geo_code])
        found = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [np.asarray(levels)[pairs // len(codes)], np.asarray(codes)[pairs % len(codes)]]
            )
        )
        if (found < 0).any():
            missing = [
                (str(levels[pair // len(codes)]), str(codes[pair % len(codes)]))
                for pair in pairs[found < 0][:5]
            ]
            raise ValueError(f"{int((found < 0).sum())} units are not units of int_geo_units, e.g. {missing}")
        return found[pair_id]


def build_tree(geo_units: pd.DataFrame) -> Tree:
    """The tree of int_geo_units: every unit and its parent, Belgium at the root. The units are put in
    one order (level, code) whatever order the engine returns them in: positions break ties and order
    the programmes' columns, so the same units must give the same pattern (a Spark build's rows come
    in another order)."""
    ordered = geo_units.sort_values(["geo_level", "geo_code"], kind="stable")
    parents = parent_units(ordered).reset_index(drop=True)
    index = pd.MultiIndex.from_frame(parents[["geo_level", "geo_code"]].astype(str))
    parent = index.get_indexer(
        pd.MultiIndex.from_arrays([parents["parent_level"].astype(str), parents["parent_code"].astype(str)])
    )
    orphans = (parent < 0) & (parents["geo_level"] != COUNTRY[0]).to_numpy()
    if orphans.any():
        raise ValueError(f"units without their parent in int_geo_units: {parents[orphans].head(5)}")
    with_parent = np.flatnonzero(parent >= 0)
    child_order = with_parent[np.argsort(parent[with_parent], kind="stable")]
    sorted_parent = parent[child_order]
    segment_start = np.flatnonzero(np.r_[True, sorted_parent[1:] != sorted_parent[:-1]])
    return Tree(
        geo_level=parents["geo_level"].astype(str).to_numpy(),
        geo_code=parents["geo_code"].astype(str).to_numpy(),
        parent=parent,
        child_order=child_order,
        segment_start=segment_start,
        segment_parent=sorted_parent[segment_start],
    )
