"""The publication layer: its intervals, its pattern on a toy Belgium worked out by hand, the layer built
by dbt audited by the independent exact attacker (tests/python/secrecy_attacker.py), and the files of
`make publish`. The secrecy package's own parts (relations, audit, sectors, repair) are tested in
test_secrecy.py.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from secrecy_attacker import Attack, attack_layer, attack_year, built_layer
from secrecy_toy import (
    BALANCED,
    TOY_CODES,
    TOY_REGISTRY,
    TOY_SCOPE,
    crowd,
    masked_units,
    publish_toy,
    toy_figures,
    toy_geo_units,
    toy_persons,
)

from imaging_atlas.intervals import poisson_interval, wilson_interval
from imaging_atlas.project import DbtRun, run_dbt
from imaging_atlas.publication import publish_from_database
from imaging_atlas.secrecy import NO_DOMICILE, primary_suppression, suppression_masks

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
    figures = toy_figures(toy_persons(counts))
    attack = attack_year(published, figures, TOY_REGISTRY, TOY_SCOPE, TOY_CODES, toy_geo_units(), 2020)
    assert attack.unprotected().empty


def test_sector_rows_before_their_first_year_are_left_out():
    # In 2015 therapy has no sector rows; the layer publishes the rows it is given, nothing more.
    published = publish_toy({**BALANCED, None: crowd(40, 10, 10, 10)}, year=2015)
    therapy = published[published["indicator_code"] == "stat_013_023_at"]
    assert "sector" not in set(therapy["geo_level"])
    assert (published[published["indicator_code"] == "stat_013_001_at"]["geo_level"] == "sector").sum() == 4


def test_suppression_masks_cover_only_published_indicators():
    registry = TOY_REGISTRY.assign(published=TOY_REGISTRY["indicator_code"] != "stat_013_024_at")
    figures = toy_figures(toy_persons({**BALANCED, None: crowd(40, 10, 10, 10)}))
    masks = suppression_masks(figures, registry, toy_geo_units(), TOY_SCOPE, TOY_CODES)
    assert set(masks["indicator_code"]) == set(TOY_REGISTRY["indicator_code"]) - {"stat_013_024_at"}


# --- The layer built by dbt. ---


def published_layer(run: DbtRun) -> dict[str, pd.DataFrame]:
    return built_layer(run.db_path)


def unprotected(attacks: list[Attack]) -> pd.DataFrame:
    """Exact intervals short of [v - 1, v + 1] or inside [1, 4], every year."""
    return pd.concat([attack.unprotected() for attack in attacks], ignore_index=True)


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """A default-like extract (the synthetic Belgium at 0.2%, seed 42) for 2016, therapeutic
    interventional imaging's first sector year, built up to the publication layer."""
    from imaging_atlas.synthetic import generate

    workdir = tmp_path_factory.mktemp("synthetic_secrecy")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    generate(run.raw_dir, scale=0.002, years=[2016], seed=42, progress=False)
    run_dbt(run, "build", "--select", "+published_indicators", "--indirect-selection", "cautious")
    return run


@pytest.mark.dbt
def test_the_exact_attack_finds_every_count_protected_on_default_like_data(synthetic_build):
    """Every level, the sectors of 20 communes drawn at random: each hidden count of individuals 1..4
    has an exact interval covering [v - 1, v + 1], not inside [1, 4]."""
    layer = published_layer(synthetic_build)
    assert set(layer["published"]["year"]) == {2016}
    shares = layer["published"].groupby("geo_level")["suppressed"].mean()
    assert 0 < shares["sector"] < 1 and shares["country"] == 0
    attacks = attack_layer(layer, sector_sample=20, exact=False)
    found = pd.concat([attack.found for attack in attacks])
    assert {"commune", "sector"} <= set(found["geo_level"]), found["geo_level"].value_counts()
    assert unprotected(attacks).empty, unprotected(attacks).head(20)


@pytest.mark.dbt
def test_every_published_indicator_is_in_the_layer(hand_made_build):
    layer = published_layer(hand_made_build)
    published, registry = layer["published"], layer["registry"]
    expected = set(registry.loc[registry["published"].astype(bool), "indicator_code"])
    assert set(published["indicator_code"]) == expected
    assert len(expected) == 24


@pytest.mark.dbt
def test_no_published_cell_under_the_threshold(hand_made_build):
    layer = published_layer(hand_made_build)
    published, registry = layer["published"], layer["registry"]
    patients_codes = registry.loc[registry["measure"] == "patients", "indicator_code"]
    shown = published[~published["suppressed"] & published["indicator_code"].isin(patients_codes)]
    assert published["suppressed"].any()
    assert primary_suppression(shown["numerator"], shown["denominator"]).sum() == 0
    assert shown["denominator"].notna().all()


@pytest.mark.dbt
def test_the_exact_attack_finds_every_count_protected_in_the_built_layer(hand_made_build):
    attacks = attack_layer(published_layer(hand_made_build))
    assert unprotected(attacks).empty, unprotected(attacks).head(20)


@pytest.mark.dbt
def test_make_publish_writes_three_files_per_indicator_from_the_layer(hand_made_build, tmp_path):
    written = publish_from_database(
        hand_made_build.db_path, tmp_path, hand_made_build.target_path / "manifest.json"
    )
    published = published_layer(hand_made_build)["published"]
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


@pytest.mark.dbt
def test_the_pattern_does_not_depend_on_the_order_of_the_rows(synthetic_build):
    """A Spark build returns int_geo_units and the figures in another order than DuckDB: the same units
    and figures must give the same pattern (they did not: 4 cells more of 191,532 on this extract)."""
    layer = published_layer(synthetic_build)
    geo = layer["geo"].iloc[np.random.default_rng(1).permutation(len(layer["geo"]))]
    masks = suppression_masks(
        layer["figures"].sample(frac=1, random_state=2),
        layer["registry"],
        geo.reset_index(drop=True),
        layer["exam_scope"],
        layer["codes"],
    )
    grain = ["indicator_code", "year", "geo_level", "geo_code"]
    shuffled = masks.set_index(grain)["masked"].sort_index()
    built = layer["published"].set_index(grain)["suppressed"].sort_index()
    assert shuffled.index.equals(built.index)
    assert (shuffled.to_numpy() == built.to_numpy()).all()
