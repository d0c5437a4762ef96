"""The publication layer: IMA's secrecy rule across every published table, its attacker, the files.

Pure-function cases on a toy Belgium worked out by hand; an attacker written here independently of the
layer (interval propagation to a fixpoint over one sparse system of every published table: the
hierarchy, the shared denominator, patients of a group <= imaging patients, exams >= patients), which
must pin no hidden count of individuals to 1..4 on random extracts (Hypothesis) and on the layer built
by dbt; a planted leak it must find; the files of `make publish`.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from imaging_atlas.project import DbtRun, run_dbt
from imaging_atlas.publication import (
    NO_DOMICILE,
    build_tree,
    disclosed_units,
    parent_units,
    poisson_interval,
    primary_suppression,
    publish_from_database,
    publish_indicators,
    registry_groups,
    repair,
    shown_cells,
    suppression_masks,
    wilson_interval,
    year_counts,
)

# A toy Belgium: Flanders with one province of two arrondissements, Brussels (no province), Wallonia.
TOY_COMMUNES = {
    # commune: (arrondissement, province, region)
    "11001": ("11000", "10000", "02000"),
    "11002": ("11000", "10000", "02000"),
    "12001": ("12000", "10000", "02000"),
    "21001": ("21000", None, "04000"),
    "21002": ("21000", None, "04000"),
    "51001": ("51000", "50000", "03000"),
}
TOY_SECTORS = {"11001A": "11001", "11001B": "11001", "21002A": "21002", "21002B": "21002"}
TOY_LEAVES = [*TOY_SECTORS, "11002", "12001", "21001", "51001"]

# Three groups: all imaging, one group published at sector level from every year, one from 2016.
TOY_REGISTRY = pd.DataFrame(
    [
        ("stat_013_001_at", "all_imaging", "patients", "stat_013_002_at", 2006),
        ("stat_013_002_at", "all_imaging", "exams", "stat_013_001_at", 2006),
        ("stat_013_003_at", "radiologists", "patients", "stat_013_004_at", 2006),
        ("stat_013_004_at", "radiologists", "exams", "stat_013_003_at", 2006),
        ("stat_013_023_at", "interventional_therapeutic", "patients", "stat_013_024_at", 2016),
        ("stat_013_024_at", "interventional_therapeutic", "exams", "stat_013_023_at", 2016),
    ],
    columns=["indicator_code", "indicator_group", "measure", "paired_code", "sector_level_since"],
).assign(published=True)
EXAM_COLUMNS = {"radiologists": "radiology_exams", "interventional_therapeutic": "therapy_exams"}


def toy_geo_units() -> pd.DataFrame:
    rows = [("country", "01000", None, None, None, None, None)]
    rows += [("region", region, None, None, None, None, region) for region in ("02000", "03000", "04000")]
    rows += [("province", "10000", None, None, None, "10000", "02000")]
    rows += [("province", "50000", None, None, None, "50000", "03000")]
    arrondissements = {(arr, prov, reg) for arr, prov, reg in TOY_COMMUNES.values()}
    rows += [
        ("arrondissement", arr, None, None, arr, prov, reg) for arr, prov, reg in sorted(arrondissements)
    ]
    rows += [("commune", nis, None, nis, *TOY_COMMUNES[nis]) for nis in TOY_COMMUNES]
    rows += [("sector", code, code, nis, *TOY_COMMUNES[nis]) for code, nis in TOY_SECTORS.items()]
    columns = ["geo_level", "geo_code", "sector_code", "commune_nis", "arrondissement_nis", "province_nis"]
    geo = pd.DataFrame(rows, columns=[*columns, "region_nis"])
    return geo.assign(name_fr="fr " + geo["geo_code"], name_nl="nl " + geo["geo_code"])


def toy_figures(persons: pd.DataFrame, year: int = 2020) -> pd.DataFrame:
    """int_indicator_figures of a toy extract: one row per person with `leaf` (a leaf unit, or None
    for no known domicile), `radiology_exams`, `therapy_exams` and `other_exams`; every unit of the
    complete grid, sector rows of interventional therapy only from 2016."""
    geo = toy_geo_units()
    exams = {
        "all_imaging": persons["radiology_exams"] + persons["therapy_exams"] + persons["other_exams"],
        **{group: persons[column] for group, column in EXAM_COLUMNS.items()},
    }
    leaf_level = np.where(persons["leaf"].isin(list(TOY_SECTORS)), "sector", "commune")
    placed = pd.DataFrame({"geo_level": leaf_level, "leaf": persons["leaf"]}).merge(
        geo, left_on=["geo_level", "leaf"], right_on=["geo_level", "geo_code"], how="left"
    )
    placed["country"] = "01000"
    numerators = pd.DataFrame(
        {
            code: (exams[group] > 0).astype("int64") if measure == "patients" else exams[group]
            for code, group, measure in TOY_REGISTRY[
                ["indicator_code", "indicator_group", "measure"]
            ].to_numpy()
        }
    ).assign(denominator=1)
    ancestor = {"sector": "sector_code", "country": "country"}
    frames = []
    for level in ["country", "region", "province", "arrondissement", "commune", "sector"]:
        sums = numerators.groupby(placed[ancestor.get(level, f"{level}_nis")].to_numpy()).sum()
        units = geo.loc[geo["geo_level"] == level, ["geo_level", "geo_code"]]
        wide = units.merge(sums, left_on="geo_code", right_index=True, how="left").fillna(0)
        long = wide.melt(
            id_vars=["geo_level", "geo_code", "denominator"],
            var_name="indicator_code",
            value_name="numerator",
        )
        since = long["indicator_code"].map(TOY_REGISTRY.set_index("indicator_code")["sector_level_since"])
        frames.append(long[(level != "sector") | (since <= year)].assign(year=year))
    figures = pd.concat(frames, ignore_index=True)
    figures[["numerator", "denominator"]] = figures[["numerator", "denominator"]].astype("int64")
    figures["value"] = figures["numerator"] / (figures["denominator"].where(figures["denominator"] > 0) / 100)
    figures["geo_name_fr"] = figures["geo_code"]
    figures["geo_name_nl"] = figures["geo_code"]
    return figures


def toy_persons(counts: dict[str, list[tuple[int, int, int]]]) -> pd.DataFrame:
    """Persons from {leaf: [(radiology exams, therapy exams, other exams), ...]}."""
    rows = [(leaf, *exams) for leaf, people in counts.items() for exams in people]
    return pd.DataFrame(rows, columns=["leaf", "radiology_exams", "therapy_exams", "other_exams"])


def crowd(size: int, radiology: int = 0, therapy: int = 0, other: int = 0) -> list[tuple[int, int, int]]:
    """`size` persons, the first `radiology` with one radiology exam, the next `therapy` with one
    therapy exam, the next `other` with one other exam, the rest without an exam."""
    people = [(1, 0, 0)] * radiology + [(0, 1, 0)] * therapy + [(0, 0, 1)] * other
    return people + [(0, 0, 0)] * (size - len(people))


def masked_units(published: pd.DataFrame, indicator: str) -> set[str]:
    rows = published[(published["indicator_code"] == indicator) & published["suppressed"]]
    return set(rows["geo_code"])


# --- The attacker, independent of the layer: one sparse system per year, bounds to a fixpoint. ---

UNKNOWN_HIGH = float(2**32)
"""The attacker's upper bound of an unknown count (exact in float64 sums, above any Belgian count)."""


def system_of(
    published: pd.DataFrame, registry: pd.DataFrame, geo: pd.DataFrame, year: int
) -> tuple[sparse.coo_matrix, np.ndarray, np.ndarray, pd.DataFrame]:
    """Variables (per unit: beneficiaries b; per group patients p, non-patients n, exams e; slacks
    of the inequalities), equations A x = 0 with coefficients +-1, and the bounds the published table
    gives (exact where shown, [0, UNKNOWN_HIGH] elsewhere)."""
    parents = parent_units(geo).reset_index(drop=True)
    n_units = len(parents)
    unit_index = pd.MultiIndex.from_frame(parents[["geo_level", "geo_code"]])
    parent = unit_index.get_indexer(pd.MultiIndex.from_frame(parents[["parent_level", "parent_code"]]))
    groups = registry[registry["measure"] == "patients"].sort_values("indicator_code")
    volumes = registry[registry["measure"] == "exams"].set_index("paired_code")["indicator_code"]
    group_names = groups["indicator_group"].tolist()
    with_volume = [
        group for group, code in zip(group_names, groups["indicator_code"], strict=True) if code in volumes
    ]
    quantities = [("b", ""), *[("p", g) for g in group_names], *[("n", g) for g in group_names]]
    quantities += [("e", g) for g in with_volume]
    slot = {quantity: k for k, quantity in enumerate(quantities)}
    n_vars = len(quantities) * n_units
    units = np.arange(n_units)
    rows, columns, signs = [], [], []
    next_row = 0

    def add(equation_of: np.ndarray, variables: np.ndarray, sign: float) -> None:
        rows.append(equation_of)
        columns.append(variables)
        signs.append(np.full(len(variables), sign))

    children = np.flatnonzero(parent >= 0)
    parent_ids, parent_row = np.unique(parent[children], return_inverse=True)
    for k in range(len(quantities)):
        add(next_row + np.arange(len(parent_ids)), k * n_units + parent_ids, 1.0)
        add(next_row + parent_row, k * n_units + children, -1.0)
        next_row += len(parent_ids)
    slack = n_vars

    def inequality(larger: np.ndarray, smaller: np.ndarray) -> None:
        """larger - smaller - slack = 0 with slack >= 0, one equation per unit."""
        nonlocal next_row, slack
        equation = next_row + units
        add(equation, larger, 1.0)
        add(equation, smaller, -1.0)
        add(equation, slack + units, -1.0)
        next_row += n_units
        slack += n_units

    def var(quantity: str, group: str) -> np.ndarray:
        return slot[(quantity, group)] * n_units + units

    for group in group_names:
        equation = next_row + units
        add(equation, var("b", ""), 1.0)
        add(equation, var("p", group), -1.0)
        add(equation, var("n", group), -1.0)
        next_row += n_units
        inequality(var("p", "all_imaging"), var("p", group))
        inequality(var("n", group), var("n", "all_imaging"))
        if group in with_volume:
            inequality(var("e", group), var("p", group))
    matrix = sparse.coo_matrix(
        (np.concatenate(signs), (np.concatenate(rows), np.concatenate(columns))), shape=(next_row, slack)
    )
    low = np.zeros(slack)
    high = np.full(slack, UNKNOWN_HIGH)
    shown = published[(published["year"] == year) & ~published["suppressed"]]
    meta = registry.set_index("indicator_code").loc[shown["indicator_code"]]
    quantity = np.where(meta["measure"].to_numpy() == "patients", "p", "e")
    position = unit_index.get_indexer(pd.MultiIndex.from_frame(shown[["geo_level", "geo_code"]]))
    numerator_var = (
        np.array(
            [slot[(q, g)] for q, g in zip(quantity, meta["indicator_group"], strict=True)], dtype=np.int64
        )
        * n_units
        + position
    )
    for variables, values in [(numerator_var, shown["numerator"]), (position, shown["denominator"])]:
        low[variables] = high[variables] = values.to_numpy(dtype="float64")
    names = pd.DataFrame(
        {
            "quantity": np.repeat([q for q, _ in quantities], n_units),
            "group": np.repeat([g for _, g in quantities], n_units),
            "geo_level": np.tile(parents["geo_level"].to_numpy(), len(quantities)),
            "geo_code": np.tile(parents["geo_code"].to_numpy(), len(quantities)),
        }
    )
    slacks = pd.DataFrame(
        {"quantity": "slack", "group": "", "geo_level": "", "geo_code": ""}, index=range(slack - n_vars)
    )
    return matrix, low, high, pd.concat([names, slacks], ignore_index=True)


def propagate(matrix: sparse.coo_matrix, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval propagation on A x = 0, x >= 0: each variable of each equation is bounded by the
    others' bounds, again and again until no bound moves."""
    by_variable = np.argsort(matrix.col, kind="stable")
    row, column, sign = matrix.row[by_variable], matrix.col[by_variable], matrix.data[by_variable]
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    variables = column[starts]
    low, high = low.copy(), high.copy()
    while True:
        term_low = np.where(sign > 0, low[column], -high[column])
        term_high = np.where(sign > 0, high[column], -low[column])
        row_low = np.bincount(row, weights=term_low, minlength=matrix.shape[0])
        row_high = np.bincount(row, weights=term_high, minlength=matrix.shape[0])
        # sign * x = -(sum of the other terms)
        others_low, others_high = row_low[row] - term_low, row_high[row] - term_high
        candidate_low = np.where(sign > 0, -others_high, others_low)
        candidate_high = np.where(sign > 0, -others_low, others_high)
        new_low, new_high = low.copy(), high.copy()
        new_low[variables] = np.maximum(low[variables], np.maximum.reduceat(candidate_low, starts))
        new_high[variables] = np.minimum(high[variables], np.minimum.reduceat(candidate_high, starts))
        new_low = np.maximum(new_low, 0)
        assert (new_low <= new_high).all(), "the published tables contradict each other"
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            return low, high
        low, high = new_low, new_high


def disclosures(published: pd.DataFrame, registry: pd.DataFrame, geo: pd.DataFrame) -> pd.DataFrame:
    """Hidden counts of individuals (beneficiaries, patients and non-patients of a group) that the
    attacker pins to 1..4, over every year. A count pinned to 0 is nobody: not a disclosure."""
    found = []
    for year in sorted(published["year"].unique()):
        matrix, low, high, variables = system_of(published, registry, geo, year)
        known = low == high
        low, high = propagate(matrix, low, high)
        variables = variables.assign(year=year, low=low, high=high, known=known)
        counts_individuals = variables["quantity"].isin(["b", "p", "n"])
        pinned = counts_individuals & (variables["low"] == variables["high"])
        found.append(variables[pinned & ~variables["known"] & variables["low"].between(1, 4)])
    return pd.concat(found, ignore_index=True)


# --- Pure functions, worked out by hand. ---


def test_wilson_interval_matches_the_textbook_values():
    # 5 of 10: centre 0.5, half-width 1.96 * sqrt(0.025 + 3.8415 / 400) / 1.38415 = 0.2634.
    # 0 of 10: upper bound z^2 / (n + z^2) = 3.8415 / 13.8415 = 27.75%.
    # 6 of 6: lower bound n / (n + z^2) = 6 / 9.8415 = 60.97%, upper exactly 100 (0 of 6: exactly 0).
    low, high = wilson_interval(pd.Series([5, 0, 0, 6, 0]), pd.Series([10, 10, 0, 6, 6]))
    assert low[0] == pytest.approx(23.66, abs=0.005)
    assert high[0] == pytest.approx(76.34, abs=0.005)
    assert low[1] == 0
    assert high[1] == pytest.approx(27.75, abs=0.005)
    assert np.isnan(low[2]) and np.isnan(high[2])
    assert low[3] == pytest.approx(60.97, abs=0.005)
    assert high[3] == 100
    assert low[4] == 0


def test_poisson_interval_matches_the_textbook_values():
    # Garwood: 0 exams -> [0, chi2(0.975; 2) / 2] = [0, 7.3778 / 2] = [0, 3.6889] exams; per 100 of
    # 50 beneficiaries: x 2 -> [0, 7.378]. 10 exams -> [chi2(0.025; 20) / 2, chi2(0.975; 22) / 2]
    # = [9.5908 / 2, 36.7807 / 2] = [4.7954, 18.3904]; per 100 of 200 beneficiaries: / 2.
    low, high = poisson_interval(pd.Series([0, 10, 3]), pd.Series([50, 200, 0]))
    assert low[0] == 0
    assert high[0] == pytest.approx(7.378, abs=0.001)
    assert low[1] == pytest.approx(2.3977, abs=0.0005)
    assert high[1] == pytest.approx(9.1952, abs=0.0005)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_primary_suppression_counts_patients_beneficiaries_and_the_others():
    numerator = pd.Series([0, 1, 4, 5, 5, 10, 0, 6])
    denominator = pd.Series([0, 100, 100, 100, 9, 14, 3, 10])
    # 1 and 4 patients; 9 - 5 = 4 without exam; 14 - 10 = 4 without exam; 3 beneficiaries; 10 - 6 = 4.
    assert primary_suppression(numerator, denominator).tolist() == [
        False,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
    ]


BALANCED = {
    "11001A": crowd(20, radiology=8, therapy=6, other=6),
    "11001B": crowd(20, radiology=8, therapy=6, other=6),
    "11002": crowd(50, radiology=20, therapy=10, other=10),
    "12001": crowd(40, radiology=15, therapy=10, other=5),
    "21001": crowd(30, radiology=10, therapy=8, other=6),
    "21002A": crowd(20, radiology=8, therapy=6, other=6),
    "21002B": crowd(20, radiology=8, therapy=6, other=6),
    "51001": crowd(60, radiology=20, therapy=15, other=10),
    None: crowd(10, radiology=3, therapy=3, other=2),
}


def publish_toy(counts: dict, year: int = 2020) -> pd.DataFrame:
    return publish_indicators(toy_figures(toy_persons(counts), year), TOY_REGISTRY, toy_geo_units())


def test_balanced_toy_publishes_everything():
    # Every unit holds >= 5 patients and >= 5 non-patients of each group, but the 10 persons without
    # a domicile hold 8 imaging patients and 10 - 8 = 2 without one: Belgium - regions would show them,
    # so the smallest region goes in every group: Wallonia (60 beneficiaries; Flanders 130, Brussels
    # 30 + 20 + 20 = 70), then its only province 50000, arrondissement 51000 and commune 51001 (each
    # the only child of a masked parent).
    published = publish_toy(BALANCED)
    for code in TOY_REGISTRY["indicator_code"]:
        assert masked_units(published, code) == {"03000", "50000", "51000", "51001"}, code


def test_a_small_commune_is_protected_by_its_sibling_in_every_table_of_its_group():
    # Commune 11002 holds 3 therapy patients of 50 (primary for the therapy group). Arrondissement
    # 11000 = 11001 + 11002, so commune 11001 (40 beneficiaries, the only other child) is masked too,
    # in the % and the volume of therapy. Then 11001 = 11001A + 11001B has one unknown: the first of
    # its two sectors of 20 in code order, 11001A, goes. Now every equation has two unknowns, and the
    # cross-table bounds leave 11002 in [0, 9] (9 = 3 + 6 therapy patients of 11000 minus the shown
    # 11001B; 11001A may hold up to its 20 imaging patients). Radiology and all imaging show all.
    counts = {**BALANCED, "11002": crowd(50, radiology=20, therapy=3, other=10), None: crowd(40, 10, 10, 10)}
    published = publish_toy(counts)
    for code in ("stat_013_023_at", "stat_013_024_at"):
        assert masked_units(published, code) == {"11002", "11001", "11001A"}, code
    for code in ("stat_013_001_at", "stat_013_002_at", "stat_013_003_at", "stat_013_004_at"):
        assert masked_units(published, code) == set(), code


def test_few_beneficiaries_hide_the_unit_and_its_denominator_in_every_table():
    # Sector 21002A holds 3 persons: beneficiaries under the threshold, so every table masks it, and its
    # denominator is hidden everywhere; 21002B is masked in every table so that 21002 - 21002B does not
    # give it back.
    counts = {**BALANCED, "21002A": crowd(3, radiology=1, therapy=1, other=1), None: crowd(40, 10, 10, 10)}
    published = publish_toy(counts)
    for code in TOY_REGISTRY["indicator_code"]:
        assert {"21002A", "21002B"} <= masked_units(published, code), code
    shown = published[~published["suppressed"]]
    assert not shown["geo_code"].isin(["21002A", "21002B"]).any()


def test_a_unit_without_imaging_patients_is_no_complement():
    # Therapy: 11002 holds 2 patients (primary). Its sibling 11001 holds 0 imaging patients, published
    # as 0 by all imaging: a masked therapy count there is pinned to 0 (<= 0 imaging patients), so
    # masking 11001 would leave 11002 = 11000 - 0. The layer goes up instead: 11000 is masked and
    # protected in the arrondissements' equation by 12001.
    counts = {
        **BALANCED,
        "11001A": crowd(20),
        "11001B": crowd(20),
        "11002": crowd(50, radiology=20, therapy=2, other=10),
        None: crowd(40, 10, 10, 10),
    }
    published = publish_toy(counts)
    masked = masked_units(published, "stat_013_023_at")
    assert {"11002", "11000", "12000", "12001"} <= masked
    assert disclosures(published, TOY_REGISTRY, toy_geo_units()).empty


def test_sector_rows_before_their_first_year_are_left_out():
    # In 2015 therapy has no sector rows; the layer publishes the rows it is given, nothing more.
    published = publish_toy({**BALANCED, None: crowd(40, 10, 10, 10)}, year=2015)
    therapy = published[published["indicator_code"] == "stat_013_023_at"]
    assert "sector" not in set(therapy["geo_level"])
    assert (published[published["indicator_code"] == "stat_013_001_at"]["geo_level"] == "sector").sum() == 4


def test_suppression_masks_cover_only_published_indicators():
    registry = TOY_REGISTRY.assign(published=TOY_REGISTRY["indicator_code"] != "stat_013_024_at")
    figures = toy_figures(toy_persons({**BALANCED, None: crowd(40, 10, 10, 10)}))
    masks = suppression_masks(figures, registry, toy_geo_units())
    assert set(masks["indicator_code"]) == set(TOY_REGISTRY["indicator_code"]) - {"stat_013_024_at"}


# --- The attacker: it finds a planted leak, and finds none in the layer. ---


def test_the_attack_finds_a_leak_planted_across_tables():
    """Therapy masks 11002 (2 patients) and 11001; all imaging shows 11001 with 0 patients, so
    therapy(11001) <= 0, therapy(11002) = therapy(11000) - 0 = 2. Hand-made masks, not the layer's."""
    counts = {
        **BALANCED,
        "11001A": crowd(20),
        "11001B": crowd(20),
        "11002": crowd(50, radiology=20, therapy=2, other=10),
        None: crowd(40, 10, 10, 10),
    }
    figures = toy_figures(toy_persons(counts))
    leaky = figures.assign(
        suppressed=figures["indicator_code"].isin(["stat_013_023_at", "stat_013_024_at"])
        & figures["geo_code"].isin(["11001", "11002", "11001A", "11001B"])
    )
    found = disclosures(leaky, TOY_REGISTRY, toy_geo_units())
    pinned = set(zip(found["quantity"], found["group"], found["geo_code"], found["low"], strict=True))
    assert ("p", "interventional_therapeutic", "11002", 2.0) in pinned
    # Hide 11001 in every table and 11002 in all imaging too: 11001's imaging patients are then
    # anywhere in [0, 20], therapy(11002) in [0, 2]: nothing pinned.
    hidden = (leaky["geo_code"].isin(["11001", "11001A", "11001B"])) | (
        leaky["indicator_code"].isin(["stat_013_001_at", "stat_013_002_at"]) & (leaky["geo_code"] == "11002")
    )
    assert disclosures(
        leaky.assign(suppressed=leaky["suppressed"] | hidden), TOY_REGISTRY, toy_geo_units()
    ).empty


ZERO_IMAGING_SIBLING = {
    **BALANCED,
    "11001A": crowd(20),
    "11001B": crowd(20),
    "11002": crowd(50, radiology=20, therapy=2, other=10),
    None: crowd(40, 10, 10, 10),
}


def toy_year(counts: dict, masked_codes: dict[str, set[str]]):
    """The layer's arrays of a toy year, with hand-made masks {indicator_group: {geo_code, ...}}."""
    geo = toy_geo_units()
    tree = build_tree(geo)
    groups = registry_groups(TOY_REGISTRY)
    figures = toy_figures(toy_persons(counts))
    counts_of_year = year_counts(
        figures, tree.positions(figures["geo_level"], figures["geo_code"]), tree, groups
    )
    masked = np.zeros_like(counts_of_year.present)
    for group, codes in masked_codes.items():
        masked[
            np.isin(tree.geo_code, list(codes)) & (tree.geo_level != NO_DOMICILE[0]),
            groups.names.index(group),
        ] = True
    masked[tree.no_domicile] = True
    return tree, groups, counts_of_year, masked


def test_the_layers_own_attack_finds_the_planted_leak():
    """The audit inside the layer sees the same cross-table leak as the test's attacker: therapy(11002)
    = therapy(11000) - therapy(11001) with therapy(11001) <= imaging patients(11001) = 0, so 2."""
    tree, groups, counts, masked = toy_year(
        ZERO_IMAGING_SIBLING, {"interventional_therapeutic": {"11001", "11002", "11001A", "11001B"}}
    )
    leaks = disclosed_units(tree, counts, shown_cells(masked, counts, groups), groups.all_imaging)
    assert set(tree.geo_code[leaks]) == {"11002"}


def test_repair_masks_the_unit_everywhere_then_its_smallest_sibling():
    """First repair at 11002: every group masks 11002. If the attack still reads it, the smallest
    sibling that some group still shows goes in every group: 11001 (40 beneficiaries; its only sibling)."""
    tree, _, counts, masked = toy_year(
        ZERO_IMAGING_SIBLING, {"interventional_therapeutic": {"11001", "11002", "11001A", "11001B"}}
    )
    units = tree.geo_level != NO_DOMICILE[0]
    leaks = tree.geo_code == "11002"
    once = repair(tree, masked, counts.present, leaks, counts.beneficiaries)
    assert set(tree.geo_code[once.all(axis=1) & units]) == {"11002"}
    twice = repair(tree, once, counts.present, leaks, counts.beneficiaries)
    assert set(tree.geo_code[twice.all(axis=1) & units]) == {"11002", "11001"}


def test_repair_masks_the_whole_year_when_nothing_above_is_left_to_mask():
    """Every unit masked in every group but sector 21002A: a leak at 11001B finds no sibling to mask
    at any level up to Belgium (11001A, 11002, 12000, no sibling of 10000, 03000, 04000 are all
    masked), so the year is masked whole rather than published with a leak."""
    tree, _, counts, _ = toy_year(ZERO_IMAGING_SIBLING, {})
    masked = counts.present & (tree.geo_code != "21002A")[:, None]
    leaks = tree.geo_code == "11001B"
    repaired = repair(tree, masked, counts.present, leaks, counts.beneficiaries)
    assert (repaired == counts.present).all()


def test_the_attack_finds_a_complement_shown_by_subtraction():
    """One table alone: sector 21002A masked (3 radiology patients), 21002B shown: 21002 - 21002B."""
    counts = {**BALANCED, "21002A": crowd(20, radiology=3, therapy=6, other=6), None: crowd(40, 10, 10, 10)}
    figures = toy_figures(toy_persons(counts))
    leaky = figures.assign(
        suppressed=figures["indicator_code"].isin(["stat_013_003_at", "stat_013_004_at"])
        & (figures["geo_code"] == "21002A")
    )
    found = disclosures(leaky, TOY_REGISTRY, toy_geo_units())
    assert ((found["geo_code"] == "21002A") & (found["quantity"] == "p") & (found["low"] == 3)).any()


person = st.tuples(
    st.sampled_from([*TOY_LEAVES, None]),
    st.sampled_from([0, 0, 0, 1, 2]),
    st.sampled_from([0, 0, 0, 0, 1, 3]),
    st.sampled_from([0, 0, 1]),
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(people=st.lists(person, max_size=160), year=st.sampled_from([2015, 2020]))
def test_the_attack_pins_no_hidden_count_on_random_extracts(people, year):
    persons = pd.DataFrame(people, columns=["leaf", "radiology_exams", "therapy_exams", "other_exams"])
    geo = toy_geo_units()
    published = publish_indicators(toy_figures(persons, year), TOY_REGISTRY, geo)
    shown = published[~published["suppressed"]]
    patients = shown["indicator_code"].isin(
        TOY_REGISTRY.loc[TOY_REGISTRY["measure"] == "patients", "indicator_code"]
    )
    assert (
        primary_suppression(shown.loc[patients, "numerator"], shown.loc[patients, "denominator"]).sum() == 0
    )
    found = disclosures(published, TOY_REGISTRY, geo)
    assert found.empty, found


# --- The layer built by dbt. ---


def published_layer(run) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with duckdb.connect(str(run.db_path), read_only=True) as connection:
        published = connection.execute("select * from published_indicators").df()
        registry = connection.execute("select * from indicator_registry").df()
        geo = connection.execute("select * from int_geo_units").df()
    return published, registry, geo


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """A default-like extract (the synthetic Belgium at 0.2%, seed 42) for 2015 and 2016, the years
    around therapeutic interventional imaging's first sector year, built up to the publication layer."""
    from imaging_atlas.synthetic import generate

    workdir = tmp_path_factory.mktemp("synthetic_secrecy")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    generate(run.raw_dir, scale=0.002, years=[2015, 2016], seed=42, progress=False)
    run_dbt(run, "build", "--select", "+published_indicators", "--indirect-selection", "cautious")
    return run


@pytest.mark.dbt
def test_the_attack_pins_nothing_on_default_like_data(synthetic_build):
    published, registry, geo = published_layer(synthetic_build)
    assert set(published["year"]) == {2015, 2016}
    shares = published.groupby("geo_level")["suppressed"].mean()
    assert 0 < shares["sector"] < 1 and shares["country"] == 0
    found = disclosures(published, registry, geo)
    assert found.empty, found.head(20)


@pytest.mark.dbt
def test_every_published_indicator_is_in_the_layer(hand_made_build):
    published, registry, _ = published_layer(hand_made_build)
    expected = set(registry.loc[registry["published"].astype(bool), "indicator_code"])
    assert set(published["indicator_code"]) == expected
    assert len(expected) == 24


@pytest.mark.dbt
def test_no_published_cell_under_the_threshold(hand_made_build):
    published, registry, _ = published_layer(hand_made_build)
    patients_codes = registry.loc[registry["measure"] == "patients", "indicator_code"]
    shown = published[~published["suppressed"] & published["indicator_code"].isin(patients_codes)]
    assert published["suppressed"].any()
    assert primary_suppression(shown["numerator"], shown["denominator"]).sum() == 0
    assert shown["denominator"].notna().all()


@pytest.mark.dbt
def test_the_attack_pins_nothing_in_the_built_layer(hand_made_build):
    published, registry, geo = published_layer(hand_made_build)
    found = disclosures(published, registry, geo)
    assert found.empty, found.head(20)


@pytest.mark.dbt
def test_make_publish_writes_three_files_per_indicator_from_the_layer(hand_made_build, tmp_path):
    written = publish_from_database(
        hand_made_build.db_path, tmp_path, hand_made_build.target_path / "manifest.json"
    )
    published, _, _ = published_layer(hand_made_build)
    indicators = sorted(published["indicator_code"].unique())
    assert sorted(path.name for path in written) == sorted(
        f"{code}.{ext}" for code in indicators for ext in ("csv", "json", "parquet")
    )
    for code in indicators:
        rows = published[published["indicator_code"] == code]
        from_parquet = pd.read_parquet(tmp_path / f"{code}.parquet")
        from_csv = pd.read_csv(tmp_path / f"{code}.csv", dtype={"geo_code": str})
        metadata = json.loads((tmp_path / f"{code}.json").read_text(encoding="utf-8"))
        assert len(from_parquet) == len(from_csv) == len(rows) == metadata["rows"]
        assert "person_id" not in from_parquet.columns and "person_id" not in from_csv.columns
        assert from_csv.loc[from_csv["suppressed"], ["numerator", "denominator", "value"]].isna().all().all()
        assert metadata["statistical_secrecy"]["threshold"] == 5
        assert metadata["indicator_code"] == code and metadata["description"]
        assert set(metadata["columns"]) == set(from_parquet.columns)
        assert from_parquet.iloc[0][["geo_level", "geo_code"]].tolist() == ["country", "01000"]
        assert from_parquet["year"].is_monotonic_increasing


@pytest.mark.dbt
def test_person_level_rows_never_reach_marts_or_the_publication_layer(hand_made_build):
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_name like 'stat_%' or table_name like 'cube_%'"
            " or table_name = 'published_indicators'"
        ).fetchall()
    tables = {table for table, _ in columns}
    assert {"stat_013_001_at", "stat_013_023_at", "published_indicators"} <= tables
    assert not [(table, column) for table, column in columns if column == "person_id"]


def test_no_domicile_is_never_a_published_unit():
    published = publish_toy(BALANCED)
    assert NO_DOMICILE[0] not in set(published["geo_level"])
