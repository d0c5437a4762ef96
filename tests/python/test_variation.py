"""Variation statistics, funnel limits, EB smoothing and standardised ratios on examples worked by hand.

Each test's docstring shows its arithmetic. Rates are in %, as in the published layer.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from imaging_atlas.variation import (
    additive_tau2,
    binomial_control_limit,
    coefficient_of_variation,
    coefficient_of_variation_weighted,
    empirical_bayes_statistic,
    expected_counts,
    extremal_quotient,
    extremal_quotient_5_95,
    funnel_plot_data,
    marshall_global_eb,
    percent_cells,
    poisson_lognormal_loglik,
    poisson_ratio_interval,
    read_percent_cells,
    smoothed_rates,
    standardised_ratios,
    systematic_component_of_variation,
    variation_statistics,
    winsorised_overdispersion,
)

INDICATOR = "stat_013_001_at"
REGISTRY = pd.DataFrame({"indicator_code": [INDICATOR, "stat_013_002_at"], "measure": ["patients", "exams"]})


def published_frame(rows: list[tuple]) -> pd.DataFrame:
    """Published cells (level, code, numerator, denominator) of INDICATOR in 2020; None = masked."""
    records = []
    for level, code, numerator, denominator in rows:
        masked = numerator is None
        records.append(
            {
                "indicator_code": INDICATOR,
                "year": 2020,
                "geo_level": level,
                "geo_code": code,
                "geo_name_fr": f"fr {code}",
                "geo_name_nl": f"nl {code}",
                "numerator": pd.NA if masked else numerator,
                "denominator": pd.NA if masked else denominator,
                "value": np.nan if masked or denominator == 0 else numerator / (denominator / 100),
                "suppressed": masked,
            }
        )
    frame = pd.DataFrame(records).astype({"numerator": "Int64", "denominator": "Int64"})
    volume = frame.assign(indicator_code="stat_013_002_at")
    return pd.concat([frame, volume], ignore_index=True)


# --- the standard statistics ------------------------------------------------------------------------

RATES = np.array([20.0, 25.0, 40.0, 50.0])
POPULATIONS = np.array([200.0, 400.0, 100.0, 300.0])


def test_percent_cells_are_selected_in_duckdb_by_measure_and_level():
    """Of a % and its volume at Belgium, a commune and a sector, the commune-and-sector read keeps the %
    at the commune (shown: 3 of 10) and the sector (masked), and neither the volume nor Belgium."""
    frame = published_frame(
        [("country", "01000", 30, 100), ("commune", "21004", 3, 10), ("sector", "21004A", None, None)]
    )
    published = duckdb.from_df(frame)
    cells = read_percent_cells(published, REGISTRY, ("commune", "sector")).sort_values("geo_level")
    assert cells[["indicator_code", "geo_level", "geo_code"]].values.tolist() == [
        [INDICATOR, "commune", "21004"],
        [INDICATOR, "sector", "21004A"],
    ]
    assert cells["shown"].tolist() == [True, False]
    assert cells["suppressed"].tolist() == [False, True]


def test_extremal_quotients():
    """EQ = 50 / 20 = 2.5. Percentiles by linear interpolation over the 4 sorted rates:
    P5 at position 3 x 0.05 = 0.15: 20 + 0.15 x 5 = 20.75; P95 at 2.85: 40 + 0.85 x 10 = 48.5;
    EQ5-95 = 48.5 / 20.75 = 2.3373494."""
    assert extremal_quotient(RATES) == pytest.approx(2.5)
    assert extremal_quotient_5_95(RATES) == pytest.approx(48.5 / 20.75)


def test_an_extremal_quotient_over_a_zero_rate_is_null():
    """A unit at 0% makes max / min infinite: no figure, rather than inf."""
    assert math.isnan(extremal_quotient(np.array([0.0, 10.0, 20.0])))
    assert math.isnan(extremal_quotient_5_95(np.array([0.0, 0.0, 10.0])))


def test_coefficient_of_variation_plain():
    """mean 33.75; deviations -13.75, -8.75, 6.25, 16.25; squares 189.0625 + 76.5625 + 39.0625 + 264.0625
    = 568.75; / (4 - 1) = 189.58333; sd 13.768926; CV = 13.768926 / 33.75 = 0.4079682."""
    assert coefficient_of_variation(RATES) == pytest.approx(0.4079682, rel=1e-6)


def test_coefficient_of_variation_weighted_by_population():
    """Weights 0.2, 0.4, 0.1, 0.3: mean 4 + 10 + 4 + 15 = 33; squared deviations 169, 64, 49, 289,
    weighted 33.8 + 25.6 + 4.9 + 86.7 = 151; CVw = sqrt(151) / 33 = 12.288206 / 33 = 0.3723699."""
    assert coefficient_of_variation_weighted(RATES, POPULATIONS) == pytest.approx(0.3723699, rel=1e-6)


def test_systematic_component_of_variation():
    """O = 40, 100, 40, 150; E = 50, 100, 40, 120. ((O - E) / E)^2 = 0.04, 0, 0, 0.0625 (sum 0.1025);
    sum 1 / E = 0.02 + 0.01 + 0.025 + 0.0083333 = 0.0633333; SCV = (0.1025 - 0.0633333) / 4 = 0.0097917."""
    observed = np.array([40.0, 100.0, 40.0, 150.0])
    expected = np.array([50.0, 100.0, 40.0, 120.0])
    assert systematic_component_of_variation(observed, expected) == pytest.approx(0.0391667 / 4, rel=1e-5)


def test_poisson_lognormal_likelihood_without_variance_is_poisson():
    """sigma2 -> 0: the marginal likelihood of O = 2, E = 1, mu = 0 is Poisson(2 | 1) = e^-1 / 2,
    log = -1 - ln 2 = -1.6931472."""
    assert poisson_lognormal_loglik(np.array([2.0]), np.array([1.0]), 0.0, 1e-9) == pytest.approx(
        -1 - math.log(2), abs=1e-6
    )


def test_poisson_lognormal_likelihood_matches_a_direct_integral():
    """O = 3, E = 2, mu = 0.1, sigma2 = 0.5: the quadrature equals scipy's adaptive integral of
    Poisson(3 | 2 e^(0.1 + u)) N(u; 0, 0.5) over u."""
    integrand = lambda u: stats.poisson.pmf(3, 2 * math.exp(0.1 + u)) * stats.norm.pdf(u, 0, math.sqrt(0.5))  # noqa: E731
    direct = math.log(integrate.quad(integrand, -15, 15)[0])
    assert poisson_lognormal_loglik(np.array([3.0]), np.array([2.0]), 0.1, 0.5) == pytest.approx(
        direct, abs=1e-8
    )


def test_empirical_bayes_statistic_is_the_variance_of_log_relative_risks():
    """Four units of E = 1,000,000 with O = 1,221,403 (e^0.2 E) twice and 818,731 (e^-0.2 E) twice.
    With counts this large log(O / E) is normal with variance sigma2 + 1 / O (about 1e-6), so the ML
    sigma2 is the mean squared deviation of the logs (0.2^2 = 0.04) less about 1e-6.
    Profile interval of t = sigma2 + 1e-6 for 4 normal values with the mean estimated, S = 4 x 0.04:
    2 (l_max - l(t)) = 4 (ln(t / 0.04) + 0.04 / t - 1) = 3.8415, i.e. ln x + 1 / x - 1 = 0.960365 with
    x = t / 0.04: x = 0.32390 (t = 0.012956) and x = 6.0124 (t = 0.24050)."""
    observed = np.array([1_221_403.0, 1_221_403.0, 818_731.0, 818_731.0])
    expected = np.full(4, 1_000_000.0)
    estimate, low, high = empirical_bayes_statistic(observed, expected)
    assert estimate == pytest.approx(0.04, abs=2e-5)
    assert low == pytest.approx(0.012956, rel=2e-3)
    assert high == pytest.approx(0.24050, rel=2e-3)


def test_empirical_bayes_statistic_of_homogeneous_units_is_zero():
    """O = E = 1000 in three units: the data are less dispersed than Poisson, the ML sigma2 is on the
    boundary 0, and so is the lower bound; the upper bound is positive but small."""
    estimate, low, high = empirical_bayes_statistic(np.full(3, 1000.0), np.full(3, 1000.0))
    assert estimate == 0
    assert low == 0
    assert 0 < high < 0.01


# --- expected counts and standardised ratios --------------------------------------------------------


def strata_frame() -> pd.DataFrame:
    """Belgium F 00-04 30 of 100 (0.3), M 00-04 20 of 100 (0.2), split over BIM status for M.
    Commune A: F 10 beneficiaries, M 40, 12 patients; commune B: F 50 (15 patients), M 0;
    commune C (masked in the published layer): F 5, M 5, 3 patients."""
    columns = [
        "indicator_code",
        "year",
        "geo_level",
        "geo_code",
        "sex",
        "age_band",
        "bim_status",
        "patients",
        "beneficiaries",
    ]
    rows = [
        (INDICATOR, 2020, "country", "01000", "F", "00-04", "bim", 30, 100),
        (INDICATOR, 2020, "country", "01000", "M", "00-04", "bim", 5, 40),
        (INDICATOR, 2020, "country", "01000", "M", "00-04", "non_bim", 15, 60),
        (INDICATOR, 2020, "commune", "A", "F", "00-04", "bim", 2, 10),
        (INDICATOR, 2020, "commune", "A", "M", "00-04", "non_bim", 10, 40),
        (INDICATOR, 2020, "commune", "B", "F", "00-04", "bim", 15, 50),
        (INDICATOR, 2020, "commune", "C", "F", "00-04", "bim", 2, 5),
        (INDICATOR, 2020, "commune", "C", "M", "00-04", "bim", 1, 5),
    ]
    return pd.DataFrame(rows, columns=columns)


def test_expected_counts_apply_the_national_rates_of_each_stratum():
    """A: 10 x 0.3 + 40 x (20 / 100) = 3 + 8 = 11; B: 50 x 0.3 = 15; Belgium: 30 + 20 = 50 = observed."""
    expected = expected_counts(strata_frame()).set_index("geo_code")
    assert expected.loc["A", "expected"] == pytest.approx(11.0)
    assert expected.loc["A", "observed"] == 12
    assert expected.loc["B", "expected"] == pytest.approx(15.0)
    assert expected.loc["01000", "expected"] == pytest.approx(expected.loc["01000", "observed"])


def test_poisson_interval_of_the_ratio():
    """Garwood: O = 0, E = 2: low 0, high chi2(0.975, 2) / 2 / 2 = -ln(0.025) / 2 = 1.8444397.
    O = 1, E = 1: low chi2(0.025, 2) / 2 = -ln(0.975) = 0.0253178, high chi2(0.975, 4) / 2 = 11.143287 / 2
    = 5.5716434."""
    low, high = poisson_ratio_interval(np.array([0.0, 1.0]), np.array([2.0, 1.0]))
    assert low == pytest.approx([0.0, -math.log(0.975)])
    assert high == pytest.approx([-math.log(0.025) / 2, 5.5716434], rel=1e-6)


def test_standardised_ratio_only_where_the_cell_is_shown():
    """A shown: 12 / 11 = 1.0909091; B shown with 0 patients published: ratio 0, interval [0, -ln(0.025) / 15
    = 0.2459253]; C masked: row kept, no figures."""
    published = published_frame(
        [
            ("country", "01000", 50, 200),
            ("commune", "A", 12, 50),
            ("commune", "B", 0, 50),
            ("commune", "C", None, None),
        ]
    )
    cells = percent_cells(published, REGISTRY)
    ratios = standardised_ratios(cells, expected_counts(strata_frame())).set_index("geo_code")
    assert list(ratios.index) == ["A", "B", "C"]
    assert ratios.loc["A", "ratio"] == pytest.approx(12 / 11)
    assert ratios.loc["B", "ratio"] == 0
    assert ratios.loc["B", "ratio_ci_low"] == 0
    assert ratios.loc["B", "ratio_ci_high"] == pytest.approx(-math.log(0.025) / 15)
    masked = ratios.loc["C"]
    assert masked["suppressed"]
    assert pd.isna(masked["observed"]) and pd.isna(masked["expected"]) and pd.isna(masked["ratio"])


# --- variation_statistics over the published layer --------------------------------------------------


def test_statistics_leave_masked_units_out_and_count_them():
    """Communes A (20 of 200), B (100 of 400), C (40 of 100), D (150 of 300): the rates 20, 25, 40, 50 of
    the tests above; E masked, F shown with 0 beneficiaries (neither shown nor masked). With O = numerators
    and E = 50, 100, 40, 120 the SCV is the 0.0097917 above. EQ 2.5, CV 0.4079682, CVw 0.3723699."""
    published = published_frame(
        [
            ("country", "01000", 400, 1200),
            ("commune", "A", 40, 200),
            ("commune", "B", 100, 400),
            ("commune", "C", 40, 100),
            ("commune", "D", 150, 300),
            ("commune", "E", None, None),
            ("commune", "F", 0, 0),
        ]
    )
    cells = percent_cells(published, REGISTRY)
    ratios = pd.DataFrame(
        {
            "indicator_code": INDICATOR,
            "year": 2020,
            "geo_level": "commune",
            "geo_code": ["A", "B", "C", "D"],
            "observed": [40, 100, 40, 150],
            "expected": [50.0, 100.0, 40.0, 120.0],
        }
    )
    row = variation_statistics(cells, ratios).iloc[0]
    assert (row["geo_level"], row["units_shown"], row["units_masked"]) == ("commune", 4, 1)
    assert row["national_value"] == pytest.approx(100 / 3)
    assert row["extremal_quotient"] == pytest.approx(2.5)
    assert row["coefficient_of_variation"] == pytest.approx(0.4079682, rel=1e-6)
    assert row["coefficient_of_variation_weighted"] == pytest.approx(0.3723699, rel=1e-6)
    assert row["systematic_component_of_variation"] == pytest.approx(0.0391667 / 4, rel=1e-5)
    assert row["empirical_bayes_statistic_ci_low"] <= row["empirical_bayes_statistic"]
    assert row["empirical_bayes_statistic"] <= row["empirical_bayes_statistic_ci_high"]


def test_one_shown_unit_gives_no_statistic():
    """One province shown, one masked: a dispersion needs two units, so every statistic is null."""
    published = published_frame(
        [("country", "01000", 50, 100), ("province", "10000", 30, 60), ("province", "20001", None, None)]
    )
    row = variation_statistics(
        percent_cells(published, REGISTRY),
        pd.DataFrame(columns=["indicator_code", "year", "geo_level", "geo_code", "observed", "expected"]),
    ).iloc[0]
    assert (row["units_shown"], row["units_masked"]) == (1, 1)
    assert pd.isna(row["extremal_quotient"]) and pd.isna(row["coefficient_of_variation"])
    assert pd.isna(row["empirical_bayes_statistic"])


# --- funnel plots -----------------------------------------------------------------------------------


def test_exact_binomial_limits_interpolate_the_quantile():
    """Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024. p = 0.025: r = 2, a = (56 - 25.6) / 45
    = 0.6755556, limit (2 - 0.6755556) / 10 = 0.1324444. p = 0.975: F(7) = 968/1024, F(8) = 1013/1024,
    r = 8, a = (1013 - 998.4) / 45 = 0.3244444, limit (8 - 0.3244444) / 10 = 0.7675556."""
    limits = binomial_control_limit(0.5, np.array([10.0, 10.0]), np.array([0.025, 0.975]))
    assert limits == pytest.approx([0.1324444, 0.7675556], rel=1e-6)


def test_additive_overdispersion_from_winsorised_z_scores():
    """p0 = 0.5, n = 100 everywhere (s^2 = 0.0025, w = 400); rates 0.4, 0.5, 0.5, 0.6, 0.7: z = -2, 0, 0,
    2, 4. 10% quantile at position 0.4: -2 + 0.4 x 2 = -1.2; 90% at 3.6: 2 + 0.6 x 2 = 3.2. Winsorised:
    -1.2, 0, 0, 2, 3.2; phi = (1.44 + 4 + 10.24) / 5 = 3.136. I phi - (I - 1) = 15.68 - 4 = 11.68;
    sum w - sum w^2 / sum w = 2000 - 400 = 1600; tau2 = 11.68 / 1600 = 0.0073."""
    z = np.array([-2.0, 0.0, 0.0, 2.0, 4.0])
    assert winsorised_overdispersion(z) == pytest.approx(3.136)
    assert additive_tau2(z, np.full(5, 0.0025)) == pytest.approx(0.0073)


def test_no_overdispersion_gives_tau2_zero():
    """z = -1, 0, 1: winsorised -0.8, 0, 0.8 (quantiles at positions 0.2 and 1.8); phi = 1.28 / 3;
    I phi = 1.28 <= I - 1 = 2: tau2 = 0."""
    assert additive_tau2(np.array([-1.0, 0.0, 1.0]), np.full(3, 0.01)) == 0


def test_funnel_points_limits_and_flags():
    """Belgium 50%; communes of 100 beneficiaries at 40, 50, 50, 60, 70% (tau2 = 0.0073 above, 73 in %^2)
    and F masked. Overdispersed 99.8% limits at n = 100: 50 +- 3.0902323 x sqrt(0.0025 + 0.0073)
    = 50 +- 30.5918 -> 19.4082 / 80.5918; 95%: 50 +- 1.9599640 x 0.0989949 -> 30.5974 / 69.4026.
    E (70%) is above the exact 99.8% limit (about 65.4%) but within the overdispersed one."""
    published = published_frame(
        [
            ("country", "01000", 300, 600),
            ("commune", "A", 40, 100),
            ("commune", "B", 50, 100),
            ("commune", "C", 50, 100),
            ("commune", "D", 60, 100),
            ("commune", "E", 70, 100),
            ("commune", "F", None, None),
        ]
    )
    funnel = funnel_plot_data(percent_cells(published, REGISTRY)).set_index("geo_code")
    assert list(funnel.index) == ["A", "B", "C", "D", "E", "F"]
    unit = funnel.loc["E"]
    assert unit["overdispersion_estimate"] == pytest.approx(73.0)
    assert unit["od_limit_998_low"] == pytest.approx(19.4082, abs=1e-3)
    assert unit["od_limit_998_high"] == pytest.approx(80.5918, abs=1e-3)
    assert unit["od_limit_95_high"] == pytest.approx(69.4026, abs=1e-3)
    exact_high = 100 * binomial_control_limit(0.5, np.array([100.0]), np.array([0.999]))[0]
    assert unit["limit_998_high"] == pytest.approx(exact_high)
    assert 64 < exact_high < 67
    assert (unit["flag"], unit["od_flag"]) == ("above", "within")
    assert (funnel.loc["B", "flag"], funnel.loc["A", "flag"]) == ("within", "within")
    masked = funnel.loc["F"]
    assert (masked["flag"], masked["od_flag"]) == ("masked", "masked")
    assert pd.isna(masked["value"]) and pd.isna(masked["limit_95_low"])
    assert masked["national_value"] == 50


def test_a_unit_with_no_patients_sits_below_the_funnel():
    """Belgium 50%, A 0 of 20: the exact 99.8% lower limit at n = 20 is above 0 (Binomial(20, 0.5):
    F(3) = 1351/1048576 = 0.0012884 >= 0.001, so r = 3, a = (1351 - 1048.576) / 1140 = 0.2653,
    limit (3 - 0.2653) / 20 = 13.67%): A is below; B 10 of 20 within."""
    published = published_frame(
        [("country", "01000", 20, 40), ("province", "A", 0, 20), ("province", "B", 10, 20)]
    )
    funnel = funnel_plot_data(percent_cells(published, REGISTRY)).set_index("geo_code")
    assert funnel.loc["A", "limit_998_low"] == pytest.approx(100 * (3 - 302.424 / 1140) / 20, rel=1e-4)
    assert funnel.loc["A", "flag"] == "below"
    assert funnel.loc["B", "flag"] == "within"


def test_a_lone_shown_unit_has_exact_limits_but_no_overdispersion():
    """Belgium 50%; province A 10 of 20 shown, B masked: A's exact limits exist (target 50%, n = 20), but
    tau2 needs two shown units: no estimate, no od limits, od_flag null; B stays masked."""
    published = published_frame(
        [("country", "01000", 20, 40), ("province", "A", 10, 20), ("province", "B", None, None)]
    )
    funnel = funnel_plot_data(percent_cells(published, REGISTRY)).set_index("geo_code")
    lone = funnel.loc["A"]
    assert lone["flag"] == "within"
    assert lone["limit_998_low"] == pytest.approx(100 * (3 - 302.424 / 1140) / 20, rel=1e-4)
    assert pd.isna(lone["overdispersion_estimate"]) and pd.isna(lone["od_limit_95_low"])
    assert pd.isna(lone["od_flag"])
    assert funnel.loc["B", "od_flag"] == "masked"


# --- smoothing --------------------------------------------------------------------------------------


def test_marshall_global_empirical_bayes():
    """e = 10, 20, 70 of n = 20, 80, 400: m = 100 / 500 = 0.2; r = 0.5, 0.25, 0.175;
    s2 = (20 x 0.09 + 80 x 0.0025 + 400 x 0.000625) / 500 = 2.25 / 500 = 0.0045; a = s2 - m / mean n
    = 0.0045 - 0.2 / 166.667 = 0.0033; shrink weights a / (a + m / n) = 0.0033 / 0.0133, 0.0033 / 0.0058,
    0.0033 / 0.0038; smoothed = 0.2 + 0.2481203 x 0.3, 0.2 + 0.5689655 x 0.05, 0.2 - 0.8684211 x 0.025
    = 0.2744361, 0.2284483, 0.1782895."""
    smoothed = marshall_global_eb(np.array([10, 20, 70]), np.array([20, 80, 400]))
    assert smoothed == pytest.approx([0.2744361, 0.2284483, 0.1782895], rel=1e-6)


def test_equal_rates_are_not_moved_by_smoothing():
    """e = 2, 4 of n = 10, 20: both 0.2, s2 = 0 < m / mean n, so a = 0 and every unit gets m = 0.2."""
    assert marshall_global_eb(np.array([2, 4]), np.array([10, 20])) == pytest.approx([0.2, 0.2])


def test_smoothed_rates_keep_masked_cells_and_standardise_communes_only():
    """Communes A, B, C of the Marshall example (50%, 25%, 17.5%) plus D masked; sector S1 shown alone
    (one unit: nothing to pool, no smoothed value). Standardised values come from standardised_rates."""
    published = published_frame(
        [
            ("country", "01000", 100, 500),
            ("commune", "A", 10, 20),
            ("commune", "B", 20, 80),
            ("commune", "C", 70, 400),
            ("commune", "D", None, None),
            ("sector", "S1", 10, 20),
        ]
    )
    standardised = pd.DataFrame(
        {
            "indicator_code": INDICATOR,
            "year": 2020,
            "geo_level": "commune",
            "geo_code": ["A", "B", "C", "D"],
            "standardised_value": [45.0, 26.0, 18.0, 30.0],
        }
    )
    rates = smoothed_rates(percent_cells(published, REGISTRY), standardised).set_index("geo_code")
    assert rates.loc[["A", "B", "C"], "eb_smoothed_value"].tolist() == pytest.approx(
        [27.44361, 22.84483, 17.82895]
    )
    assert rates.loc["A", "crude_value"] == 50
    assert rates.loc["A", "standardised_value"] == 45
    masked = rates.loc["D"]
    assert (
        masked["suppressed"]
        and pd.isna(masked["standardised_value"])
        and pd.isna(masked["eb_smoothed_value"])
    )
    assert pd.isna(rates.loc["S1", "eb_smoothed_value"]) and pd.isna(rates.loc["S1", "standardised_value"])
    assert set(rates["indicator_code"]) == {INDICATOR}


# --- the dbt models on the hand-made extract ----------------------------------------------------------


@pytest.mark.dbt
def test_variation_models_build_on_the_hand_made_extract(hand_made_build):
    """The hand-made extract (see test_end_to_end): every published % cell from province to commune is in
    funnel_plot_data (masked ones flagged masked) unless shown with 0 beneficiaries; standardised_ratios
    keeps one row per such cell; Belgium's observed = expected, so the ratios of shown cells exist."""
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        published = connection.execute(
            """
            select
                count(*) filter (where suppressed),
                count(*) filter (where not suppressed and denominator > 0),
                count(*)
            from published_indicators
            where geo_level in ('province', 'arrondissement', 'commune') and measure = 'patients'
            """
        ).fetchone()
        funnel = connection.execute(
            "select count(*) filter (where flag = 'masked'), count(*) filter (where flag <> 'masked') "
            "from funnel_plot_data"
        ).fetchone()
        ratio_rows = connection.execute("select count(*) from standardised_ratios").fetchone()[0]
        statistics = connection.execute("select count(*) from variation_statistics").fetchone()[0]
        smoothed = connection.execute("select count(*) from smoothed_rates").fetchone()[0]
    assert funnel == (published[0], published[1])
    assert ratio_rows == published[2]
    assert statistics > 0 and smoothed > 0
