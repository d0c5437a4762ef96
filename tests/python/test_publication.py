"""The publication layer: IMA's secrecy rule, complementary suppression, Wilson intervals, the files.

Pure-function cases on a toy Belgium worked out by hand, a property test that tries to recover masked
cells by linear algebra on random toy data, and checks of the real layer built by dbt on the hand-made
extract (no cell under the threshold, subtraction recovers nothing, files as promised).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imaging_atlas.publication import (
    NO_DOMICILE,
    parent_units,
    primary_suppression,
    publish_from_database,
    publish_indicators,
    suppression_masks,
    wilson_interval,
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


def toy_geo_units(with_sectors: bool) -> pd.DataFrame:
    rows = [("country", "01000", None, None, None, None, None)]
    rows += [("region", region, None, None, None, None, region) for region in ("02000", "03000", "04000")]
    rows += [("province", "10000", None, None, None, "10000", "02000")]
    rows += [("province", "50000", None, None, None, "50000", "03000")]
    arrondissements = {(arr, prov, reg) for arr, prov, reg in TOY_COMMUNES.values()}
    rows += [
        ("arrondissement", arr, None, None, arr, prov, reg) for arr, prov, reg in sorted(arrondissements)
    ]
    rows += [("commune", nis, None, nis, *TOY_COMMUNES[nis]) for nis in TOY_COMMUNES]
    if with_sectors:
        rows += [("sector", code, code, nis, *TOY_COMMUNES[nis]) for code, nis in TOY_SECTORS.items()]
    columns = ["geo_level", "geo_code", "sector_code", "commune_nis", "arrondissement_nis", "province_nis"]
    return pd.DataFrame(rows, columns=[*columns, "region_nis"])


def toy_mart(leaf_counts: dict[str, tuple[int, int]], no_domicile: tuple[int, int], year: int = 2020):
    """A mart rolled up from (numerator, denominator) per leaf unit (communes, or sectors when given)."""
    with_sectors = any(code in TOY_SECTORS for code in leaf_counts)
    geo = toy_geo_units(with_sectors)
    leaves = geo[geo["geo_code"].isin(leaf_counts)].copy()
    leaves[["numerator", "denominator"]] = [leaf_counts[code] for code in leaves["geo_code"]]
    rows = []
    for _, unit in geo.iterrows():
        column = {
            "sector": "sector_code",
            "commune": "commune_nis",
            "arrondissement": "arrondissement_nis",
        }.get(unit["geo_level"], f"{unit['geo_level']}_nis")
        if unit["geo_level"] == "country":
            inside = leaves
            extra = no_domicile
        else:
            inside = leaves[leaves[column] == unit["geo_code"]]
            extra = (0, 0)
        numerator = int(inside["numerator"].sum()) + extra[0]
        denominator = int(inside["denominator"].sum()) + extra[1]
        rows.append((year, unit["geo_level"], unit["geo_code"], numerator, denominator))
    mart = pd.DataFrame(rows, columns=["year", "geo_level", "geo_code", "numerator", "denominator"])
    mart["value"] = mart["numerator"] / (mart["denominator"].where(mart["denominator"] > 0) / 100)
    mart["geo_name_fr"] = mart["geo_code"]
    mart["geo_name_nl"] = mart["geo_code"]
    return mart, geo


def masked_codes(marts: dict[str, pd.DataFrame], geo: pd.DataFrame, indicator: str = "a") -> set[str]:
    cells = suppression_masks(marts, geo)
    chosen = cells[(cells["indicator_code"] == indicator) & cells["masked"] & ~cells["never_published"]]
    return set(chosen["geo_code"])


BALANCED = {"11001": (20, 40), "11002": (25, 50), "12001": (20, 40), "21001": (15, 30), "21002": (10, 20)}


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


def test_a_small_commune_is_protected_by_its_only_sibling():
    # 11001 holds 3 beneficiaries (primary). Arrondissement 11000 = 11001 + 11002: with 11001 alone
    # masked it is 11000 - 11002, so 11002 is masked too; nothing else needs to go.
    counts = {**BALANCED, "11001": (1, 3), "51001": (30, 60)}
    mart, geo = toy_mart(counts, no_domicile=(5, 10))
    assert masked_codes({"a": mart}, geo) == {"11001", "11002"}


def test_few_persons_without_domicile_mask_a_region_and_its_brussels_chain():
    # 3 persons without domicile: Belgium - regions would show them, so the smallest region goes
    # (Brussels, 50), then its only child arrondissement 21000 (equal to it), then the smaller of the
    # arrondissement's communes (21002, 20) so that 21000 is not their difference.
    counts = {**BALANCED, "51001": (30, 60)}
    mart, geo = toy_mart(counts, no_domicile=(1, 3))
    assert masked_codes({"a": mart}, geo) == {"04000", "21000", "21002"}


def test_enough_persons_without_domicile_need_no_protection():
    counts = {**BALANCED, "51001": (30, 60)}
    mart, geo = toy_mart(counts, no_domicile=(5, 10))
    assert masked_codes({"a": mart}, geo) == set()


def test_a_masked_commune_is_not_the_sum_of_its_sectors():
    # Sector 21002A has 2 patients of 12 (primary): its sibling 21002B goes too; then commune 21002 is
    # fine (two unknown children) and nothing above is touched.
    counts = {
        **{code: value for code, value in BALANCED.items() if code != "21002"},
        "21002A": (2, 12),
        "21002B": (10, 20),
        "11001A": (10, 20),
        "11001B": (10, 20),
        "51001": (30, 60),
    }
    counts.pop("11001")
    mart, geo = toy_mart(counts, no_domicile=(5, 10))
    assert masked_codes({"a": mart}, geo) == {"21002A", "21002B"}


def test_a_denominator_hidden_in_one_indicator_is_hidden_in_all():
    # Indicator a masks 11001 (3 beneficiaries) and 11002; indicator b would show both (its numerators
    # differ) if it did not share the denominators: the primary mask on a denominator must hold in b.
    counts_a = {**BALANCED, "11001": (1, 3), "51001": (30, 60)}
    counts_b = {code: (0, den) for code, (_, den) in counts_a.items()}
    mart_a, geo = toy_mart(counts_a, no_domicile=(5, 10))
    mart_b, _ = toy_mart(counts_b, no_domicile=(0, 10))
    assert masked_codes({"a": mart_a, "b": mart_b}, geo, indicator="b") >= {"11001"}
    published = publish_indicators({"a": mart_a, "b": mart_b}, geo)
    shown = published[~published["suppressed"]]
    assert not (shown["geo_code"] == "11001").any()


def equations(geo: pd.DataFrame) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    parents = parent_units(geo)
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in parents.dropna(subset=["parent_level"]).itertuples():
        children.setdefault((row.parent_level, row.parent_code), []).append((row.geo_level, row.geo_code))
    return list(children.items())


def recoverable_by_linear_algebra(geo: pd.DataFrame, unknown: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Unknown cells that some combination of the equations parent = sum(children) isolates."""
    unknown_cells = sorted(unknown)
    position = {cell: i for i, cell in enumerate(unknown_cells)}
    rows = []
    for parent, kids in equations(geo):
        row = np.zeros(len(unknown_cells))
        for cell, sign in [(parent, 1.0)] + [(kid, -1.0) for kid in kids]:
            if cell in position:
                row[position[cell]] += sign
        rows.append(row)
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    recovered = set()
    for cell, i in position.items():
        unit_vector = np.zeros(len(unknown_cells))
        unit_vector[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit_vector])) == rank:
            recovered.add(cell)
    return recovered


leaf_count = st.integers(min_value=0, max_value=40)
pair = st.tuples(leaf_count, leaf_count).map(lambda counts: (min(counts), max(counts)))


@settings(max_examples=60, deadline=None)
@given(
    leaves=st.fixed_dictionaries({code: pair for code in [*TOY_SECTORS, "11002", "12001", "21001", "51001"]}),
    no_domicile=pair,
)
def test_no_masked_cell_can_be_recovered_from_the_published_ones(leaves, no_domicile):
    mart, geo = toy_mart(leaves, no_domicile)
    published = publish_indicators({"a": mart}, geo)
    unknown = {(row.geo_level, row.geo_code) for row in published[published["suppressed"]].itertuples()}
    unknown.add(NO_DOMICILE)
    recovered = recoverable_by_linear_algebra(geo, unknown)
    sensitive_no_domicile = primary_suppression(pd.Series([no_domicile[0]]), pd.Series([no_domicile[1]]))[0]
    assert recovered <= ({NO_DOMICILE} if not sensitive_no_domicile else set())
    shown = published[~published["suppressed"]]
    assert primary_suppression(shown["numerator"], shown["denominator"]).sum() == 0


def published_layer(run) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], pd.DataFrame]:
    with duckdb.connect(str(run.db_path), read_only=True) as connection:
        published = connection.execute("select * from published_indicators").df()
        marts = {
            code: connection.execute(f"select * from {code}").df()
            for code in sorted(published["indicator_code"].unique())
        }
        geo = connection.execute("select * from int_geo_units").df()
    return published, marts, geo


@pytest.mark.dbt
def test_no_published_cell_under_the_threshold(hand_made_build):
    published, _, _ = published_layer(hand_made_build)
    shown = published[~published["suppressed"]]
    assert published["suppressed"].any()
    assert primary_suppression(shown["numerator"], shown["denominator"]).sum() == 0
    assert shown["denominator"].notna().all()


@pytest.mark.dbt
def test_subtraction_recovers_no_masked_cell_of_the_built_layer(hand_made_build):
    """The attack: per indicator and year, solve every equation parent = sum(children) that has one
    unknown, again and again; then the same on denominators known from any indicator."""
    published, marts, geo = published_layer(hand_made_build)
    tree = equations(geo)
    for (indicator, year), rows in published.groupby(["indicator_code", "year"]):
        mart = marts[indicator][marts[indicator]["year"] == year]
        truth = mart.set_index(["geo_level", "geo_code"])
        known = {
            (row.geo_level, row.geo_code): (row.numerator, row.denominator)
            for row in rows[~rows["suppressed"]].itertuples()
        }
        present = set(zip(rows["geo_level"], rows["geo_code"], strict=True)) | {NO_DOMICILE}
        recovered = peel(tree, known, present)
        hidden = rows[rows["suppressed"]]
        masked = set(zip(hidden["geo_level"], hidden["geo_code"], strict=True))
        assert not (recovered & masked), f"{indicator} {year}: recovered {recovered & masked}"
        if NO_DOMICILE in recovered:
            country = truth.loc[("country", "01000")]
            regions = truth.xs("region", level="geo_level")[["numerator", "denominator"]].sum()
            gap = country[["numerator", "denominator"]] - regions
            assert not primary_suppression(pd.Series([gap.iloc[0]]), pd.Series([gap.iloc[1]]))[0]
    for year, rows in published.groupby("year"):
        shown = rows[~rows["suppressed"]]
        known = {(row.geo_level, row.geo_code): (row.denominator,) for row in shown.itertuples()}
        present = set(zip(rows["geo_level"], rows["geo_code"], strict=True)) | {NO_DOMICILE}
        denominators = marts["stat_013_001_at"]
        denominators = denominators[denominators["year"] == year].set_index(["geo_level", "geo_code"])
        for cell in peel(tree, known, present) - {NO_DOMICILE}:
            assert not 0 < denominators.loc[cell, "denominator"] < 5, f"{year} {cell}: denominator recovered"


def peel(tree, known: dict, present: set) -> set:
    """Cells that repeated subtraction recovers (known holds a tuple of counts per cell)."""
    known = dict(known)
    recovered = set()
    progress = True
    while progress:
        progress = False
        for parent, kids in tree:
            members = [cell for cell in [parent, *kids] if cell in present]
            if parent not in present or len(members) < 2:
                continue
            unknown = [cell for cell in members if cell not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            kids_present = [kid for kid in kids if kid in present]
            width = len(known[next(member for member in members if member != cell)])
            if cell == parent:
                known[cell] = tuple(sum(known[kid][i] for kid in kids_present) for i in range(width))
            else:
                others = [kid for kid in kids_present if kid != cell]
                known[cell] = tuple(
                    known[parent][i] - sum(known[kid][i] for kid in others) for i in range(width)
                )
            recovered.add(cell)
            progress = True
    return recovered


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
