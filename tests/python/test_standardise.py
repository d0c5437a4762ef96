"""Direct standardisation and Fay-Feuer intervals on an example small enough to work out by hand.

Standard population: F 00-04 = 600, M 00-04 = 400 beneficiaries -> weights 0.6 and 0.4.
Unit A: F 10 patients of 100, M 30 of 100 (and 1 of 1 of unknown sex, in the crude rate only).
    crude = 41 / (201 / 100) = 20.398...; standardised = 0.6 * 0.10 + 0.4 * 0.30 = 0.18 -> 18%.
    v = 0.6^2 * 10 / 100^2 + 0.4^2 * 30 / 100^2 = 0.00084; w_M = max(0.6 / 100, 0.4 / 100) = 0.006.
    lower = v / (2y) * chi2_0.025(df = 2y^2 / v = 77.142857) = 0.0023333 * 54.744... = 12.7735%
    upper = (v + w_M^2) / (2 (y + w_M)) * chi2_0.975(df = 2 (y + w_M)^2 / (v + w_M^2)) = 24.8334%
Unit B: nobody of 50 F and 100 M: standardised 0; w_M = max(0.6 / 50, 0.4 / 100) = 0.012; the upper bound
    is a gamma of shape 1 (an exponential): 0.012 * ln(1 / 0.025) = 0.012 * 3.688879 = 4.4267%.
Unit C: only M, 5 of 10: standardised 0.4 * 0.5 = 20%, covering 40% of the standard population.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from imaging_atlas.standardise import standard_population, standard_population_year, standardise

COLUMNS = ["indicator_code", "year", "geo_level", "geo_code", "sex", "age_band", "patients", "beneficiaries"]


def counts_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


@pytest.fixture
def example() -> pd.DataFrame:
    return counts_frame(
        [
            ("stat_013_001_at", 2020, "country", "01000", "F", "00-04", 70, 600),
            ("stat_013_001_at", 2020, "country", "01000", "M", "00-04", 90, 400),
            ("stat_013_001_at", 2020, "country", "01000", "U", "00-04", 1, 3),
            ("stat_013_001_at", 2020, "commune", "A", "F", "00-04", 10, 100),
            ("stat_013_001_at", 2020, "commune", "A", "M", "00-04", 30, 100),
            ("stat_013_001_at", 2020, "commune", "A", "U", "00-04", 1, 1),
            ("stat_013_001_at", 2020, "commune", "B", "F", "00-04", 0, 50),
            ("stat_013_001_at", 2020, "commune", "B", "M", "00-04", 0, 100),
            ("stat_013_001_at", 2020, "commune", "C", "M", "00-04", 5, 10),
        ]
    )


def unit_row(result: pd.DataFrame, code: str) -> pd.Series:
    rows = result[result["geo_code"] == code]
    assert len(rows) == 1
    return rows.iloc[0]


def test_standard_population_weights_known_strata_of_belgium(example):
    standard = standard_population(example, 2020).set_index(["sex", "age_band"])
    assert standard.loc[("F", "00-04"), "standard_population"] == 600
    assert standard.loc[("F", "00-04"), "weight"] == pytest.approx(0.6)
    assert standard.loc[("M", "00-04"), "weight"] == pytest.approx(0.4)
    assert ("U", "00-04") not in standard.index


def test_standard_population_of_a_missing_year_names_the_years_present(example):
    with pytest.raises(ValueError, match=r"in 2019; years in the data: \[2020\]"):
        standard_population(example, 2019)


def test_direct_standardisation_matches_the_hand_calculation(example):
    result = standardise(example, standard_population(example, 2020))
    unit_a = unit_row(result, "A")
    assert unit_a["crude_value"] == pytest.approx(41 / 2.01)
    assert unit_a["standardised_value"] == pytest.approx(18.0)
    assert unit_a["ci_lower"] == pytest.approx(12.7735, abs=1e-4)
    assert unit_a["ci_upper"] == pytest.approx(24.8334, abs=1e-4)
    assert unit_a["standard_weight_covered"] == pytest.approx(1.0)


def test_a_unit_without_patients_has_a_zero_lower_bound_and_an_exponential_upper_bound(example):
    unit_b = unit_row(standardise(example, standard_population(example, 2020)), "B")
    assert unit_b["standardised_value"] == 0
    assert unit_b["ci_lower"] == 0
    assert unit_b["ci_upper"] == pytest.approx(100 * 0.012 * math.log(40))


def test_a_unit_missing_a_stratum_reports_the_weight_it_covers(example):
    unit_c = unit_row(standardise(example, standard_population(example, 2020)), "C")
    assert unit_c["standardised_value"] == pytest.approx(20.0)
    assert unit_c["standard_weight_covered"] == pytest.approx(0.4)
    assert unit_c["crude_value"] == pytest.approx(50.0)


def test_the_upper_bound_of_a_percentage_stops_at_100():
    tiny = counts_frame([("x", 2020, "country", "01000", "F", "00-04", 1, 1)])
    row = standardise(tiny, standard_population(tiny, 2020)).iloc[0]
    assert row["standardised_value"] == 100
    assert row["ci_upper"] == 100
    assert 0 < row["ci_lower"] < 100


@pytest.mark.parametrize(
    ("configured", "expected"), [("latest", 2021), (None, 2021), ("None", 2021), ("2020", 2020)]
)
def test_standard_population_year_defaults_to_the_latest_year(configured, expected):
    assert standard_population_year(configured, [2020, 2021]) == expected
