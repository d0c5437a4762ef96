"""Direct standardisation on a fixed standard, collapsed strata and Fay-Feuer intervals, on examples small
enough to work out by hand.

The standard of these tests has two sexes and two 5-year bands of the same 15-year band (00-04, 05-09):
F 00-04 = 300, F 05-09 = 300, M 00-04 = 200, M 05-09 = 200 -> weights 0.3, 0.3, 0.2, 0.2.
Unit A, every stratum present: F 00-04 5 of 50, F 05-09 5 of 50, M 00-04 15 of 50, M 05-09 15 of 50
(and 1 of 1 of unknown sex, in the crude rate only).
    crude = 41 / (201 / 100) = 20.398...; standardised = 0.3 x 0.1 x 2 + 0.2 x 0.3 x 2 = 0.18 -> 18%.
    v = 2 x 0.3^2 x 5 / 50^2 + 2 x 0.2^2 x 15 / 50^2 = 0.00084; w_M = 0.3 / 50 = 0.006.
    lower = v / (2y) x chi2_0.025(df = 2y^2 / v = 77.142857) = 12.7735%; upper = 24.8334% (Fay-Feuer).
Unit C, no one in M 05-09: collapsed to the 15-year band 00-14: F 10 of 100 (weight 0.6), M 15 of 50
(weight 0.4): 0.6 x 0.1 + 0.4 x 0.3 = 0.18 -> 18%, as A. Counting the empty stratum as 0% would give
0.3 x 0.1 x 2 + 0.2 x 0.3 = 12%.
Unit D: only women: a broad stratum is empty: withheld. Unit E: every stratum, 8 patients: withheld.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging_atlas.intervals import fay_feuer_interval
from imaging_atlas.standardise import broad_band, standard_weights, standardise

COLUMNS = ["indicator_code", "year", "geo_level", "geo_code", "sex", "age_band", "patients", "beneficiaries"]
STANDARD = pd.DataFrame(
    {
        "sex": ["F", "F", "M", "M"],
        "age_band": ["00-04", "05-09", "00-04", "05-09"],
        "standard_population": [300, 300, 200, 200],
    }
)


def counts_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([("stat_013_001_at", 2020, "commune", *row) for row in rows], columns=COLUMNS)


@pytest.fixture
def rates() -> pd.DataFrame:
    counts = counts_frame(
        [
            ("A", "F", "00-04", 5, 50),
            ("A", "F", "05-09", 5, 50),
            ("A", "M", "00-04", 15, 50),
            ("A", "M", "05-09", 15, 50),
            ("A", "U", "00-04", 1, 1),
            ("C", "F", "00-04", 5, 50),
            ("C", "F", "05-09", 5, 50),
            ("C", "M", "00-04", 15, 50),
            ("D", "F", "00-04", 20, 50),
            ("D", "F", "05-09", 20, 50),
            ("E", "F", "00-04", 2, 10),
            ("E", "F", "05-09", 2, 10),
            ("E", "M", "00-04", 2, 10),
            ("E", "M", "05-09", 2, 10),
        ]
    )
    return standardise(counts, standard_weights(STANDARD)).set_index("geo_code")


def test_standard_weights_sum_to_one_and_refuse_an_empty_stratum():
    weights = standard_weights(STANDARD)
    assert weights["weight"].tolist() == pytest.approx([0.3, 0.3, 0.2, 0.2])
    empty = STANDARD.assign(standard_population=[300, 0, 200, 200])
    with pytest.raises(
        ValueError, match=r"population_belgium_sex_age_2022\): 4 strata, 1 without population"
    ):
        standard_weights(empty)


def test_broad_bands_of_fifteen_years():
    bands = pd.Series(["00-04", "10-14", "15-19", "70-74", "75-79", "85+"])
    assert broad_band(bands).tolist() == ["00-14", "00-14", "15-29", "60-74", "75+", "75+"]


def test_direct_standardisation_matches_the_hand_calculation(rates):
    unit = rates.loc["A"]
    assert unit["crude_value"] == pytest.approx(41 / 2.01)
    assert unit["standardised_value"] == pytest.approx(18.0)
    assert unit["ci_lower"] == pytest.approx(12.7735, abs=1e-4)
    assert unit["ci_upper"] == pytest.approx(24.8334, abs=1e-4)
    assert (unit["strata"], unit["standard_weight_covered"]) == ("sex_age_5y", pytest.approx(1.0))
    assert unit["standard_population_year"] == 2022


def test_a_missing_stratum_is_collapsed_not_counted_as_zero(rates):
    unit = rates.loc["C"]
    assert unit["standardised_value"] == pytest.approx(18.0)
    assert unit["strata"] == "sex_age_15y"
    assert unit["standard_weight_covered"] == pytest.approx(0.8)
    assert pd.isna(unit["withheld_reason"])


def test_an_empty_broad_stratum_or_few_events_withhold_the_rate(rates):
    assert rates.loc["D", "withheld_reason"] == "empty_broad_stratum"
    assert rates.loc["E", "withheld_reason"] == "fewer_than_10_events"
    for code in ("D", "E"):
        assert pd.isna(rates.loc[code, "standardised_value"]) and pd.isna(rates.loc[code, "strata"])
        assert pd.isna(rates.loc[code, "ci_lower"])
    assert rates.loc["E", "crude_value"] == pytest.approx(20.0)


def test_a_zero_rate_has_a_zero_lower_bound_and_an_exponential_upper_bound():
    """A rate of 0 (withheld in a unit for its few events, but the interval must hold it): Fay and Feuer's
    upper bound is a gamma of shape 1, w_M ln(1 / 0.025) with w_M = 0.3 / 50 = 0.006: 2.2133%."""
    lower, upper = fay_feuer_interval(np.array([0.0]), np.array([0.0]), np.array([0.006]))
    assert lower == 0
    assert upper == pytest.approx(0.006 * math.log(40))


def test_the_upper_bound_of_a_percentage_stops_at_100():
    """Every one of 10 persons in each stratum is a patient: 100%, the gamma bound above 100 is capped."""
    counts = counts_frame([("A", sex, band, 10, 10) for sex in "FM" for band in ("00-04", "05-09")])
    row = standardise(counts, standard_weights(STANDARD)).iloc[0]
    assert row["standardised_value"] == 100
    assert row["ci_upper"] == 100
    assert 0 < row["ci_lower"] < 100
