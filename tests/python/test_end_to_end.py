"""The whole pipeline on the hand-made extract: every figure below was worked out by hand.

Valid beneficiaries 2016: P01..P08 = 8 (P09's two rows and the row without id are rejected).
Domiciles 2016 (2025 geography):
    P01 11001 Aartselaar, sector 11001A00-            (31/12)
    P02 44083 Deinze via Nevele 44049, sector 44049A001 (30/06 fallback)
    P03 none, P04 none (99999 is no commune)            -> Belgian row only
    P05 21004 Bruxelles, bucket 21004ZZZZ (its sector belongs to Aartselaar)
    P06 21004 Bruxelles, sector 21004A001
    P07 46030 Beveren-Kruibeke-Zwijndrecht via Zwijndrecht 11056, bucket 46030ZZZZ
    P08 11001 Aartselaar, bucket 11001ZZZZ (31/12 wins over 30/06 Brussels)
Imaging patients 2016 (stat_013_001): P01 CT, P02 interventional, P03 MRI, P06 RX (2 - 1 = 1),
    P08 dental; not P05 (echo cancelled), not P07 (code not yet valid), not P09/P10 (rejected).
    Belgium 5 / (8 / 100) = 62.5; Flanders {P01,P02,P08} of {P01,P02,P07,P08} = 3 / (4 / 100) = 75;
    Brussels {P06} of {P05,P06} = 50; Wallonia 0 of 0 = null; province 40000 (P02, P07) = 1 / 2 = 50.
Therapeutic interventional 2016 (stat_013_023): P02 only: Belgium 1 / (8 / 100) = 12.5, Flanders 25,
    Deinze 100; no sector rows in 2015, sector 44049A001 = 100 in 2016.
2015: P01 and P10 in Aartselaar; P10 interventional -> both indicators 1 / (2 / 100) = 50.
"""

from __future__ import annotations

import duckdb
import pytest
from hand_made_extract import CLAIM_ROWS, POPULATION_ROWS

pytestmark = pytest.mark.dbt


def figure(connection: duckdb.DuckDBPyConnection, mart: str, year: int, level: str, code: str) -> tuple:
    rows = connection.execute(
        f"select numerator, denominator, value from {mart} where year = ? and geo_level = ? and geo_code = ?",
        [year, level, code],
    ).fetchall()
    assert len(rows) == 1, f"{mart} {year} {level} {code}: {len(rows)} rows"
    return rows[0]


@pytest.mark.parametrize(
    ("mart", "year", "level", "code", "expected"),
    [
        ("stat_013_001_at", 2016, "country", "01000", (5, 8, 62.5)),
        ("stat_013_001_at", 2016, "region", "02000", (3, 4, 75.0)),
        ("stat_013_001_at", 2016, "region", "04000", (1, 2, 50.0)),
        ("stat_013_001_at", 2016, "region", "03000", (0, 0, None)),
        ("stat_013_001_at", 2016, "province", "10000", (2, 2, 100.0)),
        ("stat_013_001_at", 2016, "province", "40000", (1, 2, 50.0)),
        ("stat_013_001_at", 2016, "arrondissement", "21000", (1, 2, 50.0)),
        ("stat_013_001_at", 2016, "arrondissement", "46000", (0, 1, 0.0)),
        ("stat_013_001_at", 2016, "commune", "44083", (1, 1, 100.0)),
        ("stat_013_001_at", 2016, "commune", "46030", (0, 1, 0.0)),
        ("stat_013_001_at", 2016, "commune", "11056", None),
        ("stat_013_001_at", 2016, "sector", "44049A001", (1, 1, 100.0)),
        ("stat_013_001_at", 2016, "sector", "21004ZZZZ", (0, 1, 0.0)),
        ("stat_013_001_at", 2016, "sector", "11001ZZZZ", (1, 1, 100.0)),
        ("stat_013_001_at", 2016, "sector", "46030ZZZZ", (0, 1, 0.0)),
        ("stat_013_001_at", 2016, "sector", "11001A01-", (0, 0, None)),
        ("stat_013_001_at", 2015, "country", "01000", (1, 2, 50.0)),
        ("stat_013_001_at", 2015, "sector", "11001A01-", (1, 1, 100.0)),
        ("stat_013_023_at", 2016, "country", "01000", (1, 8, 12.5)),
        ("stat_013_023_at", 2016, "region", "02000", (1, 4, 25.0)),
        ("stat_013_023_at", 2016, "region", "04000", (0, 2, 0.0)),
        ("stat_013_023_at", 2016, "commune", "44083", (1, 1, 100.0)),
        ("stat_013_023_at", 2016, "sector", "44049A001", (1, 1, 100.0)),
        ("stat_013_023_at", 2015, "country", "01000", (1, 2, 50.0)),
        ("stat_013_023_at", 2015, "sector", "11001A01-", None),
    ],
)
def test_mart_figures_match_hand_calculation(hand_made_build, mart, year, level, code, expected):
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        if expected is None:
            count = connection.execute(
                f"select count(*) from {mart} where year = ? and geo_level = ? and geo_code = ?",
                [year, level, code],
            ).fetchall()[0][0]
            assert count == 0
        else:
            assert figure(connection, mart, year, level, code) == expected


def test_every_unit_published_each_year(hand_made_build):
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        rows = dict(
            connection.execute(
                "select year || '/' || geo_level, count(*) from stat_013_023_at group by 1"
            ).fetchall()
        )
    # 3 regions, 10 provinces, 43 arrondissements, 565 communes, 19,814 sectors + 565 buckets.
    assert rows["2016/country"] == 1
    assert rows["2016/region"] == 3
    assert rows["2016/province"] == 10
    assert rows["2016/arrondissement"] == 43
    assert rows["2016/commune"] == 565
    assert rows["2016/sector"] == 19_814 + 565
    assert "2015/sector" not in rows


def test_rejects_keep_every_unusable_row_with_its_reason(hand_made_build):
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        claims = dict(
            connection.execute("select reject_reason, count(*) from rejects_claims group by 1").fetchall()
        )
        population = dict(
            connection.execute("select reject_reason, count(*) from rejects_population group by 1").fetchall()
        )
        used_claims = connection.execute(
            "select count(*) from int_claim_lines_checked where reject_reason is null"
        ).fetchall()[0][0]
    assert claims == {
        "person_id missing": 1,
        "service_date before 2006": 1,
        "nomenclature_code not 6 digits": 1,
        "service_date missing": 1,
        "person not a beneficiary in service year": 2,  # P09 (duplicated person-year) and P10 in 2016
    }
    assert population == {"person-year duplicated": 2, "person_id missing": 1}
    assert used_claims + sum(claims.values()) == len(CLAIM_ROWS)
    assert len(POPULATION_ROWS) - sum(population.values()) == 10  # 2 in 2015 + 8 in 2016
