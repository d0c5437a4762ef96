"""The publication layer: IMA-AIM's statistical-secrecy rule over every published indicator at once.

IMA publishes no cell of a full-population output built on fewer than 5 individuals. A cell of a %
indicator shows three counts of individuals - its patients (numerator), the beneficiaries
(denominator) and the beneficiaries without an exam (their difference); a cell of a volume indicator
shows a count of exams and the beneficiaries, and its individuals are the patients of its group (the
paired % indicator's numerator) and the beneficiaries. A cell is *primarily* suppressed when one of
its counts of individuals is 1 to 4 (0 is nobody and is published).

The attacker combines every published table. The facts shared by the tables are:
- every level adds up to its parent (country > region > province > arrondissement > commune > sector,
  Brussels' arrondissement 21000 straight under its region), and Belgium is its regions plus the
  persons without a known domicile (a cell that is never published);
- one denominator (beneficiaries) is shared by every indicator;
- each group's patients are imaging patients: patients of a group <= those of all imaging <= beneficiaries;
- a volume counts at least one exam per patient of its group: exams >= patients of the group.

The design, per year:
1. One suppression pattern per group: the % cell and the volume cell of a group at a unit are masked
   together, so exams never bound a masked patient count from a shown cell.
2. Complementary suppression per group: no masked cell may be the only unknown of an equation
   parent = sum(children); a masked cell whose value other tables pin anyway (its unit shows 0 imaging
   patients or 0 beneficiaries) does not count as unknown.
3. The shared denominator: a unit's beneficiaries are hidden only where every group masks the unit;
   those hidden denominators are protected the same way, and a unit masked for them is masked in every
   group.
4. The audit: the attacker itself - interval propagation to a fixpoint over the hierarchy and every
   relation above, across all tables - runs on the result; a unit whose patient, beneficiary or
   non-patient count it pins to 1..4 is masked in every group (then its parent, when that is not
   enough), and steps 2-4 repeat until the attack pins nothing.

A count pinned to 0 is not a disclosure (0 is nobody): a published zero above (a parent, the unit's
all-imaging patients or its beneficiaries) implies zeros below, and those are consistent with the rule.

Every shown % carries its Wilson score 95% interval; every shown volume the exact (Garwood) Poisson
95% interval of its exams, on the same per-100-beneficiaries scale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from imaging_atlas.intervals import poisson_interval, wilson_interval

THRESHOLD = 5
COUNTRY = ("country", "01000")
LEVELS = ["country", "region", "province", "arrondissement", "commune", "sector"]
NO_DOMICILE = ("no_domicile", "01000")
"""The persons without a known domicile: Belgium minus the sum of its regions, never published."""
ALL_IMAGING_GROUP = "all_imaging"
"""The registry group whose patients bound every other group's patients (stat_013_001_at)."""
UNBOUNDED = 2**40
"""The attacker's upper bound of a count it knows nothing about: more than any count of Belgians, and
small enough that sums over every unit of a year stay exact in int64."""
MAX_ROUNDS = 50
"""Rounds of complementary suppression and audit per year before giving up (a few are enough)."""

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


def under_threshold(count: pd.Series | np.ndarray, threshold: int = THRESHOLD) -> pd.Series | np.ndarray:
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
    """The tree of int_geo_units: every unit and its parent, Belgium at the root."""
    parents = parent_units(geo_units).reset_index(drop=True)
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


@dataclass(frozen=True)
class Groups:
    """The indicator groups of the registry: per group its % indicator, its volume and what is published."""

    names: list[str]
    patients_code: list[str]
    volume_code: list[str | None]
    patients_published: np.ndarray
    volume_published: np.ndarray

    @property
    def all_imaging(self) -> int:
        return self.names.index(ALL_IMAGING_GROUP)

    @property
    def published(self) -> np.ndarray:
        return self.patients_published | self.volume_published

    def indicator_columns(self) -> pd.DataFrame:
        """indicator_code -> (group column, measure, published)."""
        rows = [
            (code, g, "patients", self.patients_published[g]) for g, code in enumerate(self.patients_code)
        ]
        rows += [
            (code, g, "exams", self.volume_published[g])
            for g, code in enumerate(self.volume_code)
            if code is not None
        ]
        return pd.DataFrame(rows, columns=["indicator_code", "group", "measure", "published"])


def registry_groups(registry: pd.DataFrame) -> Groups:
    """One group per % indicator of the registry, with its paired volume when there is one."""
    published = registry["published"].astype(str).str.lower().isin(["true", "1"])
    flags = dict(zip(registry["indicator_code"], published, strict=True))
    patients = registry[registry["measure"] == "patients"].sort_values("indicator_code")
    volumes = registry[registry["measure"] == "exams"]
    volume_of = dict(zip(volumes["paired_code"], volumes["indicator_code"], strict=True))
    orphan_volumes = set(volumes["paired_code"]) - set(patients["indicator_code"])
    if orphan_volumes:
        raise ValueError(f"volumes paired with no % indicator of the registry: {sorted(orphan_volumes)}")
    names = patients["indicator_group"].tolist()
    if ALL_IMAGING_GROUP not in names:
        raise ValueError(f"the registry has no % indicator of group {ALL_IMAGING_GROUP}")
    codes = patients["indicator_code"].tolist()
    volume_codes = [volume_of.get(code) for code in codes]
    return Groups(
        names=names,
        patients_code=codes,
        volume_code=volume_codes,
        patients_published=np.array([flags[code] for code in codes], dtype=bool),
        volume_published=np.array([code is not None and flags[code] for code in volume_codes], dtype=bool),
    )


@dataclass(frozen=True)
class YearCounts:
    """One year's counts on the tree: beneficiaries (units), patients and exams (units x groups).

    A group is absent at a unit when its tables have no row there (therapeutic interventional imaging
    below the commune before 2016); absent counts are 0 here and unknown to the attacker."""

    beneficiaries: np.ndarray
    patients: np.ndarray
    exams: np.ndarray
    present: np.ndarray


def year_counts(figures: pd.DataFrame, unit: np.ndarray, tree: Tree, groups: Groups) -> YearCounts:
    """Counts of one year's rows of int_indicator_figures (`unit`: their positions in the tree), the
    no-domicile cell computed as Belgium minus its regions."""
    columns = groups.indicator_columns().set_index("indicator_code")
    group = figures["indicator_code"].map(columns["group"]).to_numpy()
    is_patients = (figures["indicator_code"].map(columns["measure"]) == "patients").to_numpy()
    shape = (tree.size, len(groups.names))
    patients = np.zeros(shape, dtype=np.int64)
    exams = np.zeros(shape, dtype=np.int64)
    present = np.zeros(shape, dtype=bool)
    numerator = figures["numerator"].to_numpy(dtype=np.int64)
    patients[unit[is_patients], group[is_patients]] = numerator[is_patients]
    exams[unit[~is_patients], group[~is_patients]] = numerator[~is_patients]
    present[unit, group] = True
    denominator = figures["denominator"].to_numpy(dtype=np.int64)
    beneficiaries = np.zeros(tree.size, dtype=np.int64)
    beneficiaries[unit] = denominator
    if (beneficiaries[unit] != denominator).any():
        raise ValueError("the indicators disagree on the beneficiaries of a unit: one denominator is shared")
    counts = np.column_stack([beneficiaries, patients, exams])
    no_domicile, country = tree.no_domicile, tree.country
    counts[no_domicile] = counts[country] - tree.children_sum(counts)[country]
    if (counts[no_domicile] < 0).any():
        raise ValueError("the regions hold more persons than Belgium: the figures do not add up")
    present[no_domicile] = present[country]
    g = len(groups.names)
    return YearCounts(
        beneficiaries=counts[:, 0], patients=counts[:, 1 : 1 + g], exams=counts[:, 1 + g :], present=present
    )


def protect(
    tree: Tree,
    masked: np.ndarray,
    present: np.ndarray,
    may_stand_alone: np.ndarray,
    known_anyway: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """Complementary suppression on one year, every layer (column) at once: mask more cells until no
    equation parent = sum(children) has exactly one unknown.

    Arrays are units x layers. A masked cell that `known_anyway` (other tables pin it) is no unknown;
    a cell that `may_stand_alone` (the no-domicile cell when it is not under the threshold) may be the
    one unknown. An exposed equation masks its child of lowest `priority` (ties: tree order), else its
    parent, whose own equation above then protects it in a later pass.
    """
    masked = masked.copy()
    n_layers = masked.shape[1]
    has_equation = present & (tree.children_sum(present.astype(np.int64)) > 0)
    child = tree.child_order
    parent_of_child = tree.parent[child]
    while True:
        unknown = masked & present & ~known_anyway
        exposing = unknown & ~may_stand_alone
        n_unknown = tree.children_sum(unknown.astype(np.int64)) + unknown
        n_exposing = tree.children_sum(exposing.astype(np.int64)) + exposing
        exposed = has_equation & (n_unknown == 1) & (n_exposing == 1)
        if not exposed.any():
            return masked
        candidate = exposed[parent_of_child] & present[child] & ~masked[child] & ~known_anyway[child]
        row, layer = np.nonzero(candidate)
        equation = parent_of_child[row] * n_layers + layer
        order = np.lexsort((row, priority[child[row], layer], equation))
        first = order[np.r_[True, equation[order][1:] != equation[order][:-1]]] if len(order) else order
        newly = np.zeros_like(masked)
        newly[child[row[first]], layer[first]] = True
        served = np.zeros_like(masked)
        served[parent_of_child[row[first]], layer[first]] = True
        newly |= exposed & ~served & ~masked
        if not newly.any():
            return masked
        masked |= newly


@dataclass(frozen=True)
class Shown:
    """What the published tables show of one year: per unit and group, the % cell and the volume cell."""

    patients: np.ndarray
    exams: np.ndarray

    @property
    def beneficiaries(self) -> np.ndarray:
        """A unit's beneficiaries are known as soon as one published cell of the unit shows them."""
        return (self.patients | self.exams).any(axis=1)


def shown_cells(masked: np.ndarray, counts: YearCounts, groups: Groups) -> Shown:
    visible = counts.present & ~masked
    return Shown(patients=visible & groups.patients_published, exams=visible & groups.volume_published)


def interval_attack(
    tree: Tree, counts: YearCounts, shown: Shown, all_imaging: int
) -> tuple[np.ndarray, np.ndarray]:
    """The attacker: bounds of every count of one year from every published table at once.

    Columns: beneficiaries, then per group patients, beneficiaries without an exam of the group, exams.
    Published counts are exact; the others start in [0, UNBOUNDED]. Rules, applied until nothing moves:
    parent = sum(children) both ways, beneficiaries = patients + non-patients of each group, patients
    of a group <= patients of all imaging (so non-patients >= those of all imaging), exams >= patients.
    Returns (low, high), units x (1 + 3 groups).
    """
    g = counts.patients.shape[1]
    beneficiaries = counts.beneficiaries[:, None]
    truth = np.column_stack([beneficiaries, counts.patients, beneficiaries - counts.patients, counts.exams])
    known = np.column_stack(
        [
            shown.beneficiaries[:, None],
            shown.patients,
            shown.patients & shown.beneficiaries[:, None],
            shown.exams,
        ]
    )
    low = np.where(known, truth, 0)
    high = np.where(known, truth, UNBOUNDED)
    child = tree.child_order
    parent_of_child = tree.parent[child]
    is_parent = np.zeros(tree.size, dtype=bool)
    is_parent[tree.segment_parent] = True
    b, p, n, e = slice(0, 1), slice(1, 1 + g), slice(1 + g, 1 + 2 * g), slice(1 + 2 * g, 1 + 3 * g)
    while True:
        before = (low.copy(), high.copy())
        sum_low, sum_high = tree.children_sum(low), tree.children_sum(high)
        low[is_parent] = np.maximum(low[is_parent], sum_low[is_parent])
        high[is_parent] = np.minimum(high[is_parent], sum_high[is_parent])
        others_high = sum_high[parent_of_child] - high[child]
        others_low = sum_low[parent_of_child] - low[child]
        low[child] = np.maximum(low[child], low[parent_of_child] - others_high)
        high[child] = np.minimum(high[child], high[parent_of_child] - others_low)
        low[:, p] = np.maximum(low[:, p], low[:, b] - high[:, n])
        high[:, p] = np.minimum(high[:, p], high[:, b] - low[:, n])
        low[:, n] = np.maximum(low[:, n], low[:, b] - high[:, p])
        high[:, n] = np.minimum(high[:, n], high[:, b] - low[:, p])
        low[:, 0] = np.maximum(low[:, 0], (low[:, p] + low[:, n]).max(axis=1))
        high[:, 0] = np.minimum(high[:, 0], (high[:, p] + high[:, n]).min(axis=1))
        high[:, p] = np.minimum(high[:, p], high[:, [1 + all_imaging]])
        low[:, 1 + all_imaging] = np.maximum(low[:, 1 + all_imaging], low[:, p].max(axis=1))
        low[:, n] = np.maximum(low[:, n], low[:, [1 + g + all_imaging]])
        high[:, 1 + g + all_imaging] = np.minimum(high[:, 1 + g + all_imaging], high[:, n].min(axis=1))
        low[:, e] = np.maximum(low[:, e], low[:, p])
        high[:, p] = np.minimum(high[:, p], high[:, e])
        np.maximum(low, 0, out=low)
        if np.array_equal(before[0], low) and np.array_equal(before[1], high):
            return low, high


def disclosed_units(tree: Tree, counts: YearCounts, shown: Shown, all_imaging: int) -> np.ndarray:
    """Units where the attack pins a hidden count of individuals (beneficiaries, patients or
    non-patients of a group) to 1..4. A count pinned to 0 holds nobody and is no disclosure."""
    low, high = interval_attack(tree, counts, shown, all_imaging)
    g = counts.patients.shape[1]
    hidden = np.column_stack(
        [~shown.beneficiaries[:, None], ~shown.patients, ~(shown.patients & shown.beneficiaries[:, None])]
    )
    low, high = low[:, : 1 + 2 * g], high[:, : 1 + 2 * g]
    pinned = hidden & (low == high) & under_threshold(low)
    return pinned.any(axis=1)


def year_masks(tree: Tree, counts: YearCounts, groups: Groups) -> np.ndarray:
    """The masks of one year (units x groups): primary, complementary per group and for the shared
    denominator, then audited by the attack and repaired until it pins nothing."""
    b = counts.beneficiaries
    p = counts.patients
    present = counts.present
    all_imaging = groups.all_imaging
    no_domicile = np.zeros(tree.size, dtype=bool)
    no_domicile[tree.no_domicile] = True
    few_beneficiaries = under_threshold(b)
    sensitive = present & (under_threshold(p) | under_threshold(b[:, None] - p) | few_beneficiaries[:, None])
    # A masked count that other tables pin anyway: its unit shows 0 imaging patients or 0 beneficiaries,
    # or (all imaging) some group's patients equal the beneficiaries.
    others = np.delete(p, all_imaging, axis=1)
    known_anyway = np.repeat(((p[:, all_imaging] == 0) | (b == 0))[:, None], p.shape[1], axis=1)
    known_anyway[:, all_imaging] = (b == 0) | (others.max(axis=1, initial=0) == b)
    known_anyway &= ~sensitive & ~no_domicile[:, None]
    priority = np.repeat(((b == 0) * 1e12 + b)[:, None], p.shape[1], axis=1).astype("float64")
    may_stand_alone = no_domicile[:, None] & ~sensitive
    masked = sensitive | (no_domicile[:, None] & present)
    published = groups.published
    for _ in range(MAX_ROUNDS):
        masked = protect(tree, masked, present, may_stand_alone, known_anyway, priority)
        shown = shown_cells(masked, counts, groups)
        hidden_b = ~shown.beneficiaries
        shown_in = (present & ~masked)[:, published].sum(axis=1)
        b_masked = protect(
            tree,
            hidden_b[:, None],
            np.ones((tree.size, 1), dtype=bool),
            (no_domicile & ~few_beneficiaries)[:, None],
            np.zeros((tree.size, 1), dtype=bool),
            (shown_in * 1e13 + (b == 0) * 1e12 + b)[:, None].astype("float64"),
        )[:, 0]
        newly = b_masked & ~hidden_b
        if newly.any():
            masked |= newly[:, None] & present
            continue
        leaks = disclosed_units(tree, counts, shown, all_imaging)
        if not leaks.any():
            return masked & ~no_domicile[:, None]
        masked = repair(tree, masked, present, leaks, b)
    raise RuntimeError(f"no safe suppression pattern after {MAX_ROUNDS} rounds")


def repair(
    tree: Tree, masked: np.ndarray, present: np.ndarray, leaks: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Mask every group at the units the attack read. Where that was done already, mask in every group
    the smallest sibling some group still shows (one more unknown in the equation), going up to the
    parent's siblings when there is none; with nothing left to mask above, mask the whole year."""
    masked = masked.copy()
    whole = (masked | ~present).all(axis=1)
    first_time = leaks & ~whole
    masked[first_time] |= present[first_time]
    for unit in np.flatnonzero(leaks & whole):
        chosen = -1
        while unit >= 0 and chosen < 0:
            siblings = np.flatnonzero((tree.parent == tree.parent[unit]) & ~whole)
            if tree.parent[unit] >= 0 and len(siblings):
                chosen = siblings[np.argmin(b[siblings])]
            unit = tree.parent[unit]
        if chosen < 0:
            return masked | present
        masked[chosen] |= present[chosen]
        whole[chosen] = True
    return masked


def suppression_masks(figures: pd.DataFrame, registry: pd.DataFrame, geo_units: pd.DataFrame) -> pd.DataFrame:
    """Every row of int_indicator_figures of a published indicator, with its final `masked` flag and
    its unit's position in the tree (`unit`)."""
    tree = build_tree(geo_units)
    groups = registry_groups(registry)
    columns = groups.indicator_columns()
    published_codes = columns.loc[columns["published"], "indicator_code"]
    group_of = columns.set_index("indicator_code")["group"]
    figures = figures[figures["indicator_code"].isin(columns["indicator_code"])]
    figures = figures.assign(unit=tree.positions(figures["geo_level"], figures["geo_code"]))
    frames = []
    for _, rows in figures.groupby("year", sort=True):
        masks = year_masks(tree, year_counts(rows, rows["unit"].to_numpy(), tree, groups), groups)
        rows = rows[rows["indicator_code"].isin(published_codes)]
        group = rows["indicator_code"].map(group_of).to_numpy()
        frames.append(rows.assign(masked=masks[rows["unit"].to_numpy(), group]))
    return pd.concat(frames, ignore_index=True) if frames else figures.assign(masked=False)


def publish_indicators(
    figures: pd.DataFrame, registry: pd.DataFrame, geo_units: pd.DataFrame
) -> pd.DataFrame:
    """The published table: every published indicator of the registry under statistical secrecy, with
    the Wilson 95% interval of a % and the exact Poisson 95% interval of a volume. The units' names
    come from int_geo_units."""
    published = suppression_masks(figures, registry, geo_units)
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
                "published indicator, so that interval reasoning over all published tables at once (the "
                "geographic sums, Belgium = regions + persons without a known domicile, the shared "
                "denominator, patients of a group <= imaging patients, exams >= patients) pins no "
                "masked count of individuals to 1..4"
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
