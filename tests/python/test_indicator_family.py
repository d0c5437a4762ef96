"""The imaging family, the cubes, the standardised rates and the catalog on the hand-made extract.

Exams of 2016 (see test_end_to_end.py): P01 CT (radiologist), P02 therapeutic interventional (provider
unknown), P03 MRI (radiologist, no domicile), P06 one RX (radiologist; 2 billed, 1 corrected away),
P08 one dental panoramic (dentist): one exam each. 8 beneficiaries; Flanders P01, P02, P07, P08.
The list of indicators is the registry seed's, never a list or count kept here.
2015: P10 therapeutic interventional, 2 beneficiaries.
Ages 2016 (year - birth year): P01 F 66, P02 M 76 BIM, P03 F 26, P04 U 16, P05 F 46, P06 M 31, P07 F 56,
P08 M 6: seven known strata, each with one person.
"""

from __future__ import annotations

import duckdb
import pytest

from imaging_atlas.registry import merged_metas, read_registry

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def database(hand_made_build):
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        yield connection


def one_row(connection, sql: str, parameters: list) -> tuple:
    rows = connection.execute(sql, parameters).fetchall()
    assert len(rows) == 1, f"{sql} {parameters}: {len(rows)} rows"
    return rows[0]


@pytest.mark.parametrize(
    ("mart", "year", "level", "code", "expected"),
    [
        # All imaging volume: 5 exams (P01, P02, P03, P06, P08) / (8 / 100) = 62.5; Flanders P01, P02, P08 of
        # 4 beneficiaries = 75; 2015: P10's exam of 2 beneficiaries = 50.
        ("stat_013_002_at", 2016, "country", "01000", (5, 8, 62.5)),
        ("stat_013_002_at", 2016, "region", "02000", (3, 4, 75.0)),
        ("stat_013_002_at", 2015, "country", "01000", (1, 2, 50.0)),
        ("stat_013_003_at", 2016, "country", "01000", (3, 8, 37.5)),  # P01, P03, P06 by radiologists
        ("stat_013_004_at", 2016, "country", "01000", (3, 8, 37.5)),
        ("stat_013_004_at", 2016, "region", "04000", (1, 2, 50.0)),  # P06's net RX in Brussels
        ("stat_013_005_at", 2016, "country", "01000", (1, 8, 12.5)),  # P08 by a dentist
        ("stat_013_007_at", 2016, "country", "01000", (0, 8, 0.0)),  # P05's echography cancelled
        ("stat_013_009_at", 2016, "country", "01000", (1, 8, 12.5)),
        ("stat_013_010_at", 2016, "sector", "21004A001", (1, 1, 100.0)),
        ("stat_013_011_at", 2016, "sector", "11001ZZZZ", (1, 1, 100.0)),  # P08's bucket
        ("stat_013_013_at", 2016, "commune", "11001", (1, 2, 50.0)),  # P01 of P01, P08
        ("stat_013_015_at", 2016, "country", "01000", (1, 8, 12.5)),  # P03, national only
        ("stat_013_015_at", 2016, "region", "02000", (0, 4, 0.0)),
        ("stat_013_017_at", 2016, "country", "01000", (0, 8, 0.0)),
        ("stat_013_021_at", 2016, "country", "01000", (0, 8, 0.0)),
        ("stat_013_022_at", 2016, "country", "01000", (0, 8, 0.0)),
        ("stat_013_024_at", 2016, "commune", "44083", (1, 1, 100.0)),  # P02 in Deinze
        ("stat_013_024_at", 2015, "country", "01000", (1, 2, 50.0)),  # P10
    ],
)
def test_family_figures_match_hand_calculation(database, mart, year, level, code, expected):
    assert (
        one_row(
            database,
            f"select numerator, denominator, value from {mart}"
            " where year = ? and geo_level = ? and geo_code = ?",
            [year, level, code],
        )
        == expected
    )


def test_therapeutic_volume_has_no_sector_rows_before_2016(database):
    years = database.execute(
        "select distinct year from stat_013_024_at where geo_level = 'sector'"
    ).fetchall()
    assert years == [(2016,)]


def test_cube_breaks_the_indicator_down_by_sex_age_and_bim(database):
    sql = (
        "select patients, beneficiaries from cube_013_001"
        " where year = 2016 and geo_level = ? and geo_code = ?"
        " and sex = ? and age_band = ? and bim_status = ?"
    )
    assert one_row(database, sql, ["country", "01000", "M", "75-79", "bim"]) == (1, 1)  # P02
    assert one_row(database, sql, ["country", "01000", "U", "15-19", "non_bim"]) == (0, 1)  # P04
    assert one_row(database, sql, ["region", "02000", "M", "05-09", "non_bim"]) == (1, 1)  # P08
    assert one_row(database, sql, ["region", "02000", "U", "15-19", "non_bim"]) == (0, 0)  # on the grid
    # 8 strata present in 2016, on every unit down to the commune.
    counts = dict(
        database.execute(
            "select geo_level, count(*) from cube_013_001 where year = 2016 group by 1"
        ).fetchall()
    )
    assert counts == {"country": 8, "region": 24, "province": 80, "arrondissement": 344, "commune": 4520}


def test_standardised_rates_withhold_what_seven_persons_cannot_carry(database):
    """Belgium 2016 has 7 of the 36 strata of the standard (one person each) and 5 patients: its broad
    strata are not all present either, so the standardised rate is withheld, with the reason, rather than
    counting 29 empty strata as 0%. The crude value stays."""
    sql = (
        "select patients, beneficiaries, crude_value, standardised_value, strata, withheld_reason,"
        " standard_population_year from standardised_rates"
        " where indicator_code = 'stat_013_001_at' and year = 2016 and geo_level = ? and geo_code = ?"
    )
    belgium = one_row(database, sql, ["country", "01000"])
    assert belgium == (5, 8, 62.5, None, None, "empty_broad_stratum", 2022)


def test_the_standard_population_is_belgium_on_1_january_2022(database):
    """int_standard_population: 2 sexes x 18 bands (00-04 ... 80-84, 85+) summing to the seed's
    11,584,008 inhabitants, 5,875,106 of them women."""
    rows = database.execute(
        "select count(*), sum(standard_population), sum(standard_population) filter (where sex = 'F'),"
        " count(*) filter (where age_band = '85+') from int_standard_population"
    ).fetchone()
    assert rows == (36, 11_584_008, 5_875_106, 2)


def test_every_registry_indicator_has_its_mart_on_the_same_grid(database):
    """Each indicator of the registry is a table with one Belgian row per year of the extract (2015, 2016)
    and, in 2016, the same 3 regions as every other indicator."""
    for code in read_registry()["indicator_code"]:
        rows = database.execute(
            f"select year, count(*) filter (where geo_level = 'region') from {code}"
            " where geo_level in ('country', 'region') group by year order by year"
        ).fetchall()
        assert rows == [(2015, 3), (2016, 3)], code


def test_catalog_has_the_registry_facts_and_the_meta_texts_of_every_indicator(database):
    registry = read_registry().set_index("indicator_code")
    metas = merged_metas()
    rows = database.execute(
        "select indicator_code, atlas_code, measure, paired_code, sector_level_since, code_status, published,"
        " cube_code, name_fr, calculation_method_nl, remarks_fr from indicator_catalog order by 1"
    ).fetchall()
    assert [row[0] for row in rows] == sorted(registry.index)
    for code, atlas, measure, paired, since, status, published, cube, name_fr, method_nl, remarks_fr in rows:
        fact = registry.loc[code]
        assert (atlas, measure, paired, since, status) == (
            fact["atlas_code"],
            fact["measure"],
            fact["paired_code"],
            fact["sector_level_since"],
            fact["code_status"],
        ), code
        assert published is (fact["published"] == "true"), code
        assert (cube or "") == fact["cube_code"], code
        assert name_fr == metas[code]["FR · Nom"], code
        assert method_nl == metas[code]["NL · Berekeningswijze"], code
        assert remarks_fr == metas[code]["FR · Remarques"], code


def test_catalog_code_list_completeness_follows_the_gaps_by_hand(database):
    """The gaps touch RX, RX_thorax, MRI, interventional_diagnostic, dental_imaging and specialist art. 17ter
    codes: complete are only CT (013/014), ultrasound (017/018), scintigraphy (019/020) and therapeutic
    interventional imaging (023/024)."""
    complete = database.execute(
        "select indicator_code from indicator_catalog where code_list_complete order by 1"
    ).fetchall()
    assert [row[0] for row in complete] == [f"stat_013_{n:03d}_at" for n in (13, 14, 17, 18, 19, 20, 23, 24)]
    statuses = dict(database.execute("select indicator_code, code_status from indicator_catalog").fetchall())
    assert statuses["stat_013_002_at"] == statuses["stat_013_003_at"] == "inferred"
    assert statuses["stat_013_023_at"] == statuses["stat_013_024_at"] == "sourced"
