"""Variation statistics, funnels, EB smoothing and standardised ratios on examples worked by hand, and
each method against a well-kept implementation on the same data (statsmodels GLMs, scipy's integrals and
distributions, a beta-binomial maximum-likelihood fit written here with scipy.optimize).

Each test's docstring shows its arithmetic. Rates are in %, as in the published layer. Several tests
exist to fail if a % were modelled as a Poisson count again.
"""

from __future__ import annotations

import math
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import integrate, optimize, special, stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import DomainWarning

from imaging_atlas.intervals import Z_998
from imaging_atlas.variation import (
    _profile_loglik,
    beta_binomial_prior,
    binomial_data,
    coefficient_of_variation,
    coefficient_of_variation_weighted,
    empirical_bayes_statistic,
    expected_counts,
    extremal_quotient,
    extremal_quotient_5_95,
    funnel_plot_data,
    gamma_poisson_prior,
    logistic_normal_loglik,
    poisson_data,
    poisson_lognormal_loglik,
    published_cells,
    read_cells,
    smoothed_rates,
    standardised_ratios,
    systematic_component_of_variation,
    variation_statistics,
    volume_dispersion,
    with_brussels_as_province,
)

PERCENT = "stat_013_001_at"
VOLUME = "stat_013_002_at"
REGISTRY = pd.DataFrame(
    {
        "indicator_code": [PERCENT, VOLUME],
        "measure": ["patients", "exams"],
        "paired_code": [VOLUME, PERCENT],
    }
)
UNIT = ["indicator_code", "year", "geo_level", "geo_code"]


def published_frame(rows: list[tuple], code: str = PERCENT) -> pd.DataFrame:
    """Published cells (level, code, numerator, denominator) of one indicator in 2020; None = masked."""
    measure = REGISTRY.set_index("indicator_code").loc[code, "measure"]
    records = []
    for level, unit, numerator, denominator in rows:
        masked = numerator is None
        records.append(
            {
                "indicator_code": code,
                "year": 2020,
                "geo_level": level,
                "geo_code": unit,
                "geo_name_fr": f"fr {unit}",
                "geo_name_nl": f"nl {unit}",
                "measure": measure,
                "numerator": pd.NA if masked else numerator,
                "denominator": pd.NA if masked else denominator,
                "value": np.nan if masked or denominator == 0 else numerator / (denominator / 100),
                "suppressed": masked,
            }
        )
    return pd.DataFrame(records).astype({"numerator": "Int64", "denominator": "Int64"})


def ratios_frame(units: list[tuple], code: str = PERCENT, level: str = "commune") -> pd.DataFrame:
    """standardised_ratios rows (unit, observed, expected, chance variance, phi) of one indicator in 2020."""
    frame = pd.DataFrame(units, columns=["geo_code", "observed", "expected", "chance_variance", "dispersion"])
    measure = REGISTRY.set_index("indicator_code").loc[code, "measure"]
    return frame.assign(
        indicator_code=code,
        year=2020,
        geo_level=level,
        measure=measure,
        model="binomial" if measure == "patients" else "quasi_poisson",
    )


# --- inputs -----------------------------------------------------------------------------------------


def test_cells_are_selected_in_duckdb_by_level_for_every_measure():
    """Of a % and its volume at Belgium, a commune and a sector, the commune-and-sector read keeps both
    measures at the commune (shown: 3 of 10) and the sector (masked), not Belgium."""
    frame = pd.concat(
        [
            published_frame(
                [
                    ("country", "01000", 30, 100),
                    ("commune", "21004", 3, 10),
                    ("sector", "21004A", None, None),
                ],
                code,
            )
            for code in (PERCENT, VOLUME)
        ]
    )
    cells = read_cells(duckdb.from_df(frame), ("commune", "sector")).sort_values(
        ["indicator_code", "geo_level"]
    )
    assert cells[["indicator_code", "geo_level"]].values.tolist() == [
        [PERCENT, "commune"],
        [PERCENT, "sector"],
        [VOLUME, "commune"],
        [VOLUME, "sector"],
    ]
    assert cells["shown"].tolist() == [True, False, True, False]


def test_brussels_is_a_unit_of_the_province_level():
    """The region 04000 row is repeated at the province level; Flanders (02000) is not."""
    frame = published_frame(
        [("region", "04000", 10, 20), ("region", "02000", 30, 60), ("province", "10000", 1, 2)]
    )
    provinces = with_brussels_as_province(frame).query("geo_level == 'province'")
    assert sorted(provinces["geo_code"]) == ["04000", "10000"]


# --- the standard statistics ------------------------------------------------------------------------

RATES = np.array([20.0, 25.0, 40.0, 50.0])
POPULATIONS = np.array([200.0, 400.0, 100.0, 300.0])
OBSERVED = np.array([40.0, 100.0, 40.0, 150.0])
EXPECTED = np.array([50.0, 100.0, 40.0, 120.0])
TRIALS = np.array([100.0, 200.0, 80.0, 300.0])


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


def test_coefficients_of_variation():
    """mean 33.75; squared deviations 189.0625 + 76.5625 + 39.0625 + 264.0625 = 568.75; / 3 = 189.58333;
    CV = 13.768926 / 33.75 = 0.4079682. Weights 0.2, 0.4, 0.1, 0.3: mean 33; squared deviations 169, 64,
    49, 289 weighted 151; CVw = sqrt(151) / 33 = 0.3723699."""
    assert coefficient_of_variation(RATES) == pytest.approx(0.4079682, rel=1e-6)
    assert coefficient_of_variation_weighted(RATES, POPULATIONS) == pytest.approx(0.3723699, rel=1e-6)


def test_scv_of_a_percent_takes_out_the_binomial_variance_not_the_poisson_one():
    """O = 40, 100, 40, 150; E = 50, 100, 40, 120 of n = 100, 200, 80, 300. ((O - E) / E)^2 = 0.04, 0, 0,
    0.0625 (sum 0.1025). Binomial V = E (1 - E / n) = 25, 50, 20, 72; V / E^2 = 0.01, 0.005, 0.0125, 0.005
    (sum 0.0325): SCV = (0.1025 - 0.0325) / 4 = 0.0175. McPherson's Poisson 1 / E (sum 0.0633333) gives
    0.0097917: a % read as Poisson loses almost half its systematic variation here."""
    variance = EXPECTED * (1 - EXPECTED / TRIALS)
    assert systematic_component_of_variation(OBSERVED, EXPECTED, variance) == pytest.approx(0.0175)
    assert systematic_component_of_variation(OBSERVED, EXPECTED) == pytest.approx(0.0391667 / 4, rel=1e-5)


def test_scv_of_a_volume_takes_out_its_dispersion():
    """Same O and E as volumes with phi = 2: V = 2 E, V / E^2 = 2 / E (sum 0.1266667):
    SCV = (0.1025 - 0.1266667) / 4 = -0.0060417."""
    assert systematic_component_of_variation(OBSERVED, EXPECTED, 2 * EXPECTED) == pytest.approx(
        -0.0241667 / 4, rel=1e-5
    )


def test_poisson_lognormal_likelihood_without_variance_is_poisson():
    """sigma2 -> 0: O = 2, E = 1, mu = 0: Poisson(2 | 1) = e^-1 / 2, log = -1 - ln 2 = -1.6931472."""
    assert poisson_lognormal_loglik(np.array([2.0]), np.array([1.0]), 0.0, 1e-9) == pytest.approx(
        -1 - math.log(2), abs=1e-6
    )


def test_poisson_lognormal_likelihood_matches_a_direct_integral():
    """O = 3, E = 2, mu = 0.1, sigma2 = 0.5: scipy's adaptive integral of
    Poisson(3 | 2 e^(0.1 + u)) N(u; 0, 0.5) over u."""

    def integrand(u: float) -> float:
        return stats.poisson.pmf(3, 2 * math.exp(0.1 + u)) * stats.norm.pdf(u, 0, math.sqrt(0.5))

    direct = math.log(integrate.quad(integrand, -15, 15)[0])
    assert poisson_lognormal_loglik(np.array([3.0]), np.array([2.0]), 0.1, 0.5) == pytest.approx(
        direct, abs=1e-8
    )


def test_logistic_normal_likelihood_matches_a_direct_integral():
    """O = 3 of n = 10, E = 4 (offset logit 0.4), mu = 0.1, sigma2 = 0.5: scipy's adaptive integral of
    Binomial(3 | 10, expit(logit 0.4 + 0.1 + u)) N(u; 0, 0.5); and O = 990 of 1000, E = 900, where the
    quadrature must follow a narrow integrand far from 0."""
    for observed, trials, expected in ((3, 10, 4.0), (990, 1000, 900.0)):

        def integrand(u: float, observed=observed, trials=trials, expected=expected) -> float:
            probability = special.expit(special.logit(expected / trials) + 0.1 + u)
            return stats.binom.pmf(observed, trials, probability) * stats.norm.pdf(u, 0, math.sqrt(0.5))

        direct = math.log(integrate.quad(integrand, -15, 15, points=[2.0, 2.5], limit=200)[0])
        computed = logistic_normal_loglik(
            np.array([float(observed)]), np.array([expected]), np.array([float(trials)]), 0.1, 0.5
        )
        assert computed == pytest.approx(direct, abs=1e-7)


def test_at_no_between_unit_variance_the_models_are_statsmodels_glms():
    """With sigma2 -> 0 the random-effects models are GLMs with an offset: the profile mu and
    log-likelihood equal statsmodels' Binomial GLM (offset logit(E / n)) and Poisson GLM (offset log E)."""
    binomial = binomial_data(OBSERVED, EXPECTED, TRIALS)
    loglik, mu = _profile_loglik(binomial, math.log(1e-12), 0.0)
    glm = sm.GLM(
        np.column_stack([OBSERVED, TRIALS - OBSERVED]),
        np.ones((4, 1)),
        family=sm.families.Binomial(),
        offset=special.logit(EXPECTED / TRIALS),
    ).fit()
    assert mu == pytest.approx(glm.params[0], abs=1e-6)
    assert loglik == pytest.approx(glm.llf, abs=1e-4)
    loglik, mu = _profile_loglik(poisson_data(OBSERVED, EXPECTED), math.log(1e-12), 0.0)
    glm = sm.GLM(OBSERVED, np.ones((4, 1)), family=sm.families.Poisson(), offset=np.log(EXPECTED)).fit()
    assert mu == pytest.approx(glm.params[0], abs=1e-6)
    assert loglik == pytest.approx(glm.llf, abs=1e-4)


def test_logistic_normal_eb_statistic_is_the_variance_of_the_logits():
    """Four units of n = 1,000,000 expected at 50%, observed expit(+-0.2) x n = 549,834 and 450,166 twice
    each. With counts this large the logit of O / n is normal with variance sigma2 + 1 / (n p (1 - p))
    (about 4e-6), so the ML sigma2 is the mean squared deviation of the logits (0.2^2 = 0.04). Profile
    interval of t = sigma2 + 4e-6 for 4 normal values with the mean estimated, S = 4 x 0.04:
    4 (ln(t / 0.04) + 0.04 / t - 1) = 3.8415, i.e. ln x + 1 / x - 1 = 0.960365 with x = t / 0.04:
    x = 0.32390 (t = 0.012956) and x = 6.0124 (t = 0.24050)."""
    observed = np.array([549_834.0, 549_834.0, 450_166.0, 450_166.0])
    estimate, low, high = empirical_bayes_statistic(observed, np.full(4, 500_000.0), np.full(4, 1e6))
    assert estimate == pytest.approx(0.04, abs=2e-5)
    assert low == pytest.approx(0.012956, rel=2e-3)
    assert high == pytest.approx(0.24050, rel=2e-3)


def test_a_percent_as_poisson_would_hide_its_variation():
    """Units of n = 400 near 80%: expected 320 each, observed 300, 310, 330, 340 (and again). The binomial
    variance is 64 per unit, the Poisson one 320: the logistic-normal model sees variation beyond chance
    (sigma2 > 0), the Poisson log-normal read of the same counts sees none (0)."""
    observed = np.array([300.0, 310.0, 330.0, 340.0] * 2)
    expected = np.full(8, 320.0)
    binomial = empirical_bayes_statistic(observed, expected, np.full(8, 400.0))
    poisson = empirical_bayes_statistic(observed, expected)
    assert binomial[0] > 0.01 and binomial[1] > 0
    assert poisson[0] == 0


def test_a_volume_eb_statistic_reads_the_counts_scaled_by_the_dispersion():
    """Quasi-likelihood: the volume's EB statistic with phi = 2 is the Poisson one of O / 2 and E / 2."""
    scaled = empirical_bayes_statistic(OBSERVED / 2, EXPECTED / 2)
    assert empirical_bayes_statistic(OBSERVED, EXPECTED, dispersion=2.0) == pytest.approx(scaled)


def test_eb_statistic_of_homogeneous_units_is_zero():
    """O = E = 1000 in three units: less dispersed than Poisson, the ML sigma2 and its lower bound are 0."""
    estimate, low, high = empirical_bayes_statistic(np.full(3, 1000.0), np.full(3, 1000.0))
    assert (estimate, low) == (0, 0)
    assert 0 < high < 0.01


# --- the dispersion of a volume -----------------------------------------------------------------------


def simulated_volumes(phi: float, tau2: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """300 units of expected counts 20 to 5,000; relative risks Gamma(mean 1, variance tau2); counts phi
    times a Poisson of mean E RR / phi (variance phi E RR: exams clustered phi-fold)."""
    rng = np.random.default_rng(seed)
    expected = np.exp(rng.uniform(np.log(20), np.log(5000), 300))
    risk = rng.gamma(1 / tau2, tau2, 300)
    return phi * rng.poisson(expected * risk / phi), expected


def test_volume_dispersion_is_a_gamma_glm_of_the_squared_residuals():
    """The method of moments is statsmodels' Gamma GLM with identity link of (O - m E)^2 on m E and
    (m E)^2 (same IRLS), and recovers phi = 2 and tau2 = 0.01 from simulated counts."""
    observed, expected = simulated_volumes(2.0, 0.01)
    phi, tau2 = volume_dispersion(observed, expected)
    mean = expected * observed.sum() / expected.sum()
    with warnings.catch_warnings():
        # statsmodels warns that an identity link may leave a gamma's domain; the fit stays positive here.
        warnings.simplefilter("ignore", DomainWarning)
        glm = sm.GLM(
            (observed - mean) ** 2,
            np.column_stack([mean, mean**2]),
            family=sm.families.Gamma(link=sm.families.links.Identity()),
        ).fit(start_params=[1.0, 0.001])
    assert (phi, tau2) == pytest.approx(tuple(glm.params), rel=1e-4)
    assert phi == pytest.approx(2.0, abs=0.4)
    assert tau2 == pytest.approx(0.01, abs=0.003)


def test_volume_dispersion_is_never_negative():
    """Counts exactly at their expectation: no variance at all; tau2 0 and phi falls back to 1."""
    phi, tau2 = volume_dispersion(np.full(6, 100.0), np.full(6, 100.0))
    assert (phi, tau2) == (1.0, 0.0)


# --- expected counts and standardised ratios --------------------------------------------------------


def strata_frame() -> pd.DataFrame:
    """Belgium F 00-04: 30 patients of 100 (0.3) with 60 exams (0.6 a person); M 00-04: 20 of 100 (0.2)
    with 50 exams (0.5), split over BIM status. Commune A: F 10, M 40 beneficiaries, 12 patients, 30
    exams; commune B: F 50 (15 patients, 40 exams); commune C: F 5, M 5 (3 patients)."""
    columns = [*UNIT, "sex", "age_band", "patients", "exams", "beneficiaries"]
    rows = [
        (PERCENT, 2020, "country", "01000", "F", "00-04", 30, 60, 100),
        (PERCENT, 2020, "country", "01000", "M", "00-04", 5, 10, 40),
        (PERCENT, 2020, "country", "01000", "M", "00-04", 15, 40, 60),
        (PERCENT, 2020, "commune", "A", "F", "00-04", 2, 5, 10),
        (PERCENT, 2020, "commune", "A", "M", "00-04", 10, 25, 40),
        (PERCENT, 2020, "commune", "B", "F", "00-04", 15, 40, 50),
        (PERCENT, 2020, "commune", "C", "F", "00-04", 2, 3, 5),
        (PERCENT, 2020, "commune", "C", "M", "00-04", 1, 1, 5),
    ]
    return pd.DataFrame(rows, columns=columns)


def test_expected_counts_of_a_percent_and_its_volume():
    """A: patients 10 x 0.3 + 40 x 0.2 = 11, binomial variance 10 x 0.3 x 0.7 + 40 x 0.2 x 0.8 = 2.1 + 6.4
    = 8.5; exams 10 x 0.6 + 40 x 0.5 = 26 (observed 30). Belgium's expected equals its observed."""
    expected = expected_counts(strata_frame(), REGISTRY).set_index(["indicator_code", "geo_code"])
    assert expected.loc[
        (PERCENT, "A"), ["observed", "expected", "chance_variance"]
    ].tolist() == pytest.approx([12, 11.0, 8.5])
    assert expected.loc[(VOLUME, "A"), ["observed", "expected"]].tolist() == pytest.approx([30, 26.0])
    for code in (PERCENT, VOLUME):
        assert expected.loc[(code, "01000"), "expected"] == pytest.approx(
            expected.loc[(code, "01000"), "observed"]
        )


def test_standardised_ratios_follow_the_measure_and_hide_masked_cells():
    """A (%): 12 of 50, E = 11, ratio 1.0909091 with the Clopper-Pearson interval of 12 / 50 x 50 / 11;
    A (volume): 30 exams, E = 26, phi 1 (fewer than 5 communes to estimate it): Garwood / 26; B shown with
    0 patients: ratio 0; C masked: row kept, no figures."""
    published = pd.concat(
        [
            published_frame(
                [
                    ("country", "01000", 50, 200),
                    ("commune", "A", 12, 50),
                    ("commune", "B", 0, 50),
                    ("commune", "C", None, None),
                ]
            ),
            published_frame([("country", "01000", 110, 200), ("commune", "A", 30, 50)], VOLUME),
        ]
    )
    ratios = standardised_ratios(published_cells(published), expected_counts(strata_frame(), REGISTRY))
    ratios = ratios.set_index(["indicator_code", "geo_code"])
    unit = ratios.loc[(PERCENT, "A")]
    low, high = stats.beta.ppf(0.025, 12, 39), stats.beta.ppf(0.975, 13, 38)
    assert (unit["model"], unit["dispersion"]) == ("binomial", 1.0)
    assert unit["ratio"] == pytest.approx(12 / 11)
    assert (unit["ratio_ci_low"], unit["ratio_ci_high"]) == pytest.approx((low * 50 / 11, high * 50 / 11))
    assert unit["chance_variance"] == pytest.approx(8.5)
    volume = ratios.loc[(VOLUME, "A")]
    assert volume["model"] == "quasi_poisson"
    assert volume["ratio"] == pytest.approx(30 / 26)
    assert volume["ratio_ci_high"] == pytest.approx(stats.chi2.ppf(0.975, 62) / 2 / 26)
    assert ratios.loc[(PERCENT, "B"), "ratio"] == 0
    masked = ratios.loc[(PERCENT, "C")]
    assert masked["suppressed"] and pd.isna(masked["observed"]) and pd.isna(masked["expected"])


# --- variation_statistics ---------------------------------------------------------------------------


def commune_cells(rows: list[tuple], code: str = PERCENT) -> pd.DataFrame:
    return published_cells(published_frame([("country", "01000", 400, 1200), *rows], code))


def test_statistics_of_a_percent_are_binomial():
    """Communes A-D of the SCV example (rates 40, 50, 50, 50% of 100, 200, 80, 300) and E shown as A,
    F masked. 5 of 6 shown (83%): computed. SCV with the binomial variance sum n p (1 - p) of the strata
    (here E (1 - E / n)); E's O = 40, E = 50 adds 0.04 - 0.01 to the sum: (0.0175 x 4 + 0.03) / 5 = 0.02."""
    rows = [
        ("commune", "A", 40, 100),
        ("commune", "B", 100, 200),
        ("commune", "C", 40, 80),
        ("commune", "D", 150, 300),
        ("commune", "E", 40, 100),
        ("commune", "F", None, None),
    ]
    expected = [*EXPECTED, 50.0]
    trials = [*TRIALS, 100.0]
    ratios = ratios_frame(
        [
            (code, observed, e, e * (1 - e / n), 1.0)
            for code, observed, e, n in zip("ABCDE", [*OBSERVED, 40.0], expected, trials, strict=True)
        ]
    )
    row = variation_statistics(commune_cells(rows), ratios).iloc[0]
    assert (row["measure"], row["model"], row["units_shown"], row["units_masked"]) == (
        "patients",
        "binomial",
        5,
        1,
    )
    assert row["systematic_component_of_variation"] == pytest.approx(0.02)
    observed, expected = np.array([*OBSERVED, 40.0]), np.array(expected)
    logistic_normal = empirical_bayes_statistic(observed, expected, np.array(trials))
    assert row["empirical_bayes_statistic"] == pytest.approx(logistic_normal[0])
    assert row["empirical_bayes_statistic"] != pytest.approx(empirical_bayes_statistic(observed, expected)[0])
    assert row["empirical_bayes_statistic_ci_low"] <= row["empirical_bayes_statistic"]
    assert row["between_unit_variance_zero"] == (row["empirical_bayes_statistic"] == 0)
    assert pd.isna(row["withheld_reason"]) and pd.isna(row["crude_withheld_reason"])
    assert row["extremal_quotient"] == pytest.approx(50 / 40)


def test_statistics_are_withheld_below_five_units_or_when_masking_took_a_fifth():
    """Four shown communes: fewer_than_5_units. Five shown and two masked (71%): under_80pct_shown. Every
    statistic is then null."""
    four = [("commune", code, 10, 20) for code in "ABCD"]
    five_and_two = [
        *four,
        ("commune", "E", 10, 20),
        ("commune", "F", None, None),
        ("commune", "G", None, None),
    ]
    ratios = ratios_frame([(code, 10, 10.0, 5.0, 1.0) for code in "ABCDE"])
    for rows, reason in ((four, "fewer_than_5_units"), (five_and_two, "under_80pct_shown")):
        row = variation_statistics(commune_cells(rows), ratios).iloc[0]
        assert row["withheld_reason"] == reason
        assert pd.isna(row["systematic_component_of_variation"]) and pd.isna(row["empirical_bayes_statistic"])
        assert pd.isna(row["extremal_quotient"])


def test_crude_statistics_leave_out_units_expected_fewer_than_ten():
    """Six communes; one (25 beneficiaries) is expected 8 events and sits at 80%: EQ reads the five others
    (50% to 60%: EQ 1.2), while SCV and EB read all six. With only four large units the crude statistics
    are withheld."""
    rows = [("commune", "S", 20, 25)] + [
        ("commune", code, rate, 100) for code, rate in zip("ABCDE", [50, 52, 55, 58, 60], strict=True)
    ]
    units = [("S", 20, 8.0, 6.0, 1.0)] + [
        (code, rate, 55.0, 25.0, 1.0) for code, rate in zip("ABCDE", [50, 52, 55, 58, 60], strict=True)
    ]
    row = variation_statistics(commune_cells(rows), ratios_frame(units)).iloc[0]
    assert row["units_below_minimum_expected"] == 1
    assert row["extremal_quotient"] == pytest.approx(1.2)
    assert not pd.isna(row["systematic_component_of_variation"])
    small = [(code, rate, 8.0, 6.0, 1.0) for code, rate in zip("SA", [20, 50], strict=True)] + units[2:]
    row = variation_statistics(commune_cells(rows), ratios_frame(small)).iloc[0]
    assert row["crude_withheld_reason"] == "fewer_than_5_units_above_minimum_expected"
    assert pd.isna(row["extremal_quotient"]) and not pd.isna(row["empirical_bayes_statistic"])


def test_statistics_of_a_volume_use_its_dispersion():
    """The volume of the SCV example with phi = 2: quasi-Poisson, SCV -0.0060417 (see above)."""
    rows = [("commune", code, int(o), 100) for code, o in zip("ABCDE", [*OBSERVED, 50.0], strict=True)]
    ratios = ratios_frame(
        [
            (code, o, e, 2 * e, 2.0)
            for code, o, e in zip("ABCDE", [*OBSERVED, 50.0], [*EXPECTED, 50.0], strict=True)
        ],
        VOLUME,
    )
    row = variation_statistics(commune_cells(rows, VOLUME), ratios).iloc[0]
    assert (row["model"], row["dispersion"]) == ("quasi_poisson", 2.0)
    assert row["systematic_component_of_variation"] == pytest.approx((-0.0241667 - 0.04) / 5, rel=1e-5)


# --- funnel plots -----------------------------------------------------------------------------------


def funnel_of(
    rows: list[tuple], expected: list[float], code: str = PERCENT, phi: float = 1.0
) -> pd.DataFrame:
    """funnel_plot_data of commune rows (code, numerator, denominator) with their expected counts."""
    cells = published_cells(published_frame([("country", "01000", 300, 600), *rows], code))
    shown = [row for row in rows if row[2] is not None]
    ratios = ratios_frame([(row[1], row[2], e, e, phi) for row, e in zip(shown, expected, strict=True)], code)
    return funnel_plot_data(cells, ratios).set_index(["funnel", "geo_code"])


FUNNEL_ROWS = [
    ("commune", "A", 40, 100),
    ("commune", "B", 50, 100),
    ("commune", "C", 50, 100),
    ("commune", "D", 60, 100),
    ("commune", "E", 70, 100),
    ("commune", "F", None, None),
]


def test_crude_funnel_of_a_percent_on_the_arcsine_scale():
    """Belgium 50%; communes of 100 at 40, 50, 50, 60, 70%, F masked. asin sqrt: 0.6847192, 0.7853982 (x2),
    0.8860771, 0.9911566; s = 1 / sqrt(400) = 0.05; z = -2.0135792, 0, 0, 2.0135792, 4.1151685.
    Winsorised at positions 0.4 and 3.6: -1.2081475 and 3.2745328; phi = 3.2473373;
    tau2 = (5 phi - 4) / (2000 - 400) = 0.0076479. 99.8% limits: 0.7853982 -+ 3.0902323 x
    sqrt(0.0025 + 0.0076479) = -+ 0.3113005, sin^2: 20.8425% and 79.1575%. E (70%) is above the exact
    99.8% limit (64.88%) but within the overdispersed one."""
    funnel = funnel_of(FUNNEL_ROWS, [50.0] * 5).loc["crude"]
    unit = funnel.loc["E"]
    assert unit["overdispersion_tau2"] == pytest.approx(0.0076479, rel=1e-4)
    assert (unit["od_limit_998_low"], unit["od_limit_998_high"]) == pytest.approx(
        (20.8425, 79.1575), abs=1e-3
    )
    assert unit["limit_998_high"] == pytest.approx(64.87841, abs=1e-4)
    assert (unit["flag"], unit["od_flag"]) == ("above", "within")
    assert funnel.loc["F", ["flag", "od_flag", "fdr_flag", "od_fdr_flag"]].tolist() == ["masked"] * 4
    assert pd.isna(funnel.loc["F", "value"]) and pd.isna(funnel.loc["F", "limit_95_low"])


def test_overdispersed_limits_are_never_narrower_than_the_exact_ones():
    """Where tau2 = 0 the normal approximation on the arcsine scale can fall inside the exact limits;
    the od limits are then the exact ones. Five communes exactly at 50%: tau2 = 0."""
    rows = [("commune", code, 5, 10) for code in "ABCDE"]
    funnel = funnel_of(rows, [5.0] * 5).loc["crude"]
    assert (funnel["overdispersion_tau2"] == 0).all()
    assert (funnel["od_limit_998_low"] <= funnel["limit_998_low"]).all()
    assert (funnel["od_limit_998_high"] >= funnel["limit_998_high"]).all()
    assert (funnel["od_limit_95_low"] <= funnel["limit_95_low"]).all()


def test_exact_limits_of_a_percent_stay_within_0_and_100():
    """Belgium 50%, communes of 1 to 5 beneficiaries: the lower limits would be below 0 by interpolation
    at a zero quantile; they are 0, and no upper limit exceeds 100%."""
    rows = [("commune", code, 0, n) for code, n in zip("ABCDE", [1, 2, 3, 4, 5], strict=True)]
    funnel = funnel_of(rows, [0.5, 1.0, 1.5, 2.0, 2.5]).loc["crude"]
    assert (funnel["limit_998_low"] >= 0).all() and (funnel["limit_998_high"] <= 100).all()
    assert (funnel["od_limit_998_low"] >= 0).all() and (funnel["od_limit_998_high"] <= 100).all()


def test_limits_hold_the_target_when_almost_nothing_is_expected():
    """A volume expected 0.05 exams: Poisson(0.05) has F(0) = 0.9512294 < 0.975 <= F(1) = 0.9987909, so
    the 97.5% quantile is 1 and its limit 1 - (0.9987909 - 0.975) / 0.0475615 = 0.5000 exams (ratio 10.0).
    Expected 0.01: F(0) = 0.9900498 >= 0.975, the 97.5% quantile is 0, below the target 0.01: the limit is
    the target itself (ratio 1), so the limits still hold the funnel's centre."""
    rows = [("commune", code, 0, 100) for code in "ABCDE"]
    funnel = funnel_of(rows, [0.01, 0.05, 0.01, 0.05, 0.01], VOLUME).loc["ratio"]
    assert funnel.loc["A", "limit_95_high"] == pytest.approx(1.0)
    assert funnel.loc["B", "limit_95_high"] == pytest.approx(
        (1 - (0.9987909 - 0.975) / 0.0475615) / 0.05, rel=1e-5
    )
    assert (funnel["limit_95_low"] <= 1).all() and (funnel["limit_998_high"] >= funnel["limit_95_high"]).all()


def test_ratio_funnel_is_the_default_and_sets_o_over_e_against_e():
    """The ratio funnel: x = E, y = O / E, target 1; its exact limits are binomial counts of n at E / n over
    E. Unit A: 40 of 100, E = 50: y = 0.8, limits of Binomial(100, 0.5) / 50."""
    funnel = funnel_of(FUNNEL_ROWS, [50.0] * 5).loc["ratio"]
    unit = funnel.loc["A"]
    assert (unit["x_value"], unit["y_value"], unit["target_value"]) == pytest.approx((50.0, 0.8, 1.0))
    assert unit["limit_998_low"] == pytest.approx(0.6824318, rel=1e-6)


def test_fdr_flags_follow_benjamini_hochberg():
    """Exact two-sided p-values of the five communes against Binomial(100, 0.5), adjusted by
    Benjamini-Hochberg: a unit is flagged when q < 0.05, on the side of its value."""
    funnel = funnel_of(FUNNEL_ROWS, [50.0] * 5).loc["crude"].drop(index="F")
    p = [2 * min(stats.binom.cdf(o, 100, 0.5), stats.binom.sf(o - 1, 100, 0.5)) for o in (40, 50, 50, 60, 70)]
    p = np.minimum(p, 1)
    q = multipletests(p, method="fdr_bh")[1]
    assert funnel["p_value"].tolist() == pytest.approx(list(p))
    assert funnel["q_value"].tolist() == pytest.approx(list(q))
    assert funnel["fdr_flag"].tolist() == ["within", "within", "within", "within", "above"]


def test_a_volume_funnel_widens_by_its_dispersion():
    """A volume with phi = 2: the exact limits are those of Poisson(E / 2) x 2. E = 100 exams: the 99.8%
    upper limit of Poisson(50) x 2 / 100 on the ratio scale, wider than plain Poisson(100) / 100."""
    rows = [("commune", code, 100, 50) for code in "ABCDE"]
    funnel = funnel_of(rows, [100.0] * 5, VOLUME, phi=2.0).loc["ratio"]
    scaled = stats.poisson.ppf(0.999, 50) * 2 / 100
    plain = stats.poisson.ppf(0.999, 100) / 100
    assert scaled - 0.02 <= funnel.loc["A", "limit_998_high"] <= scaled
    assert funnel.loc["A", "limit_998_high"] > plain
    assert (funnel["model"] == "quasi_poisson").all()


def test_a_level_of_fewer_than_five_units_gets_exact_limits_only():
    """Three communes: exact limits and flags, no tau2 and no od figures, with the reason."""
    funnel = funnel_of(FUNNEL_ROWS[:3], [50.0] * 3).loc["crude"]
    assert funnel["limit_998_low"].notna().all()
    assert funnel["od_limit_998_low"].isna().all() and funnel["od_flag"].isna().all()
    assert (funnel["od_withheld_reason"] == "fewer_than_5_units").all()


def test_brussels_has_a_point_in_the_province_funnel():
    """A region-level row of Brussels becomes a province-level point of its own."""
    cells = published_cells(
        published_frame(
            [("country", "01000", 300, 600), ("region", "04000", 30, 60), ("province", "10000", 50, 100)]
        )
    )
    ratios = ratios_frame([("04000", 30, 30.0, 15.0, 1.0), ("10000", 50, 50.0, 25.0, 1.0)], level="province")
    funnel = funnel_plot_data(cells, ratios)
    provinces = funnel[(funnel["geo_level"] == "province") & (funnel["funnel"] == "crude")]
    assert sorted(provinces["geo_code"]) == ["04000", "10000"]
    assert pytest.approx(stats.norm.ppf(0.999)) == Z_998


# --- smoothing --------------------------------------------------------------------------------------


def beta_binomial_reference(events: np.ndarray, trials: np.ndarray) -> tuple[float, float]:
    """An independent beta-binomial ML fit: scipy.stats.betabinom on (log a, log b), BFGS."""

    def negative_loglik(theta: np.ndarray) -> float:
        a, b = np.exp(theta)
        return -float(np.sum(stats.betabinom.logpmf(events, trials, a, b)))

    fit = optimize.minimize(negative_loglik, x0=[0.0, 0.0], method="BFGS", options={"gtol": 1e-9})
    a, b = np.exp(fit.x)
    return a / (a + b), a + b


def test_beta_binomial_prior_matches_an_independent_ml_fit():
    """Twelve units drawn from a beta-binomial: the mean and precision of the prior equal those of a fit
    of scipy.stats.betabinom on another parametrisation."""
    rng = np.random.default_rng(11)
    trials = rng.integers(20, 400, 12).astype(float)
    events = stats.betabinom.rvs(trials.astype(int), 6, 14, random_state=rng).astype(float)
    prior = beta_binomial_prior(events, trials)
    mean, precision = beta_binomial_reference(events, trials)
    assert prior.mean == pytest.approx(mean, rel=1e-4)
    assert prior.precision == pytest.approx(precision, rel=1e-3)


def test_gamma_poisson_prior_is_statsmodels_negative_binomial():
    """Twelve units: the gamma prior's mean is exp(const) and its shape 1 / alpha of statsmodels'
    NegativeBinomial (NB2) with the exposures."""
    rng = np.random.default_rng(12)
    exposure = rng.integers(50, 2000, 12).astype(float)
    events = rng.poisson(exposure * rng.gamma(8, 1.5 / 8, 12)).astype(float)
    prior = gamma_poisson_prior(events, exposure)
    fit = NegativeBinomial(events, np.ones(12), exposure=exposure).fit(disp=0, maxiter=500)
    assert prior.mean == pytest.approx(math.exp(fit.params[0]), rel=1e-4)
    assert prior.precision == pytest.approx(1 / fit.params[1], rel=1e-3)


def test_units_varying_no_more_than_chance_have_no_prior_variance():
    """2 of 10 and 4 of 20, 6 of 30...: every unit at the pooled 20%, Tarone's score is negative: the
    between-unit variance is 0 (no precision), and so for a gamma prior of equal rates."""
    assert beta_binomial_prior(np.array([2.0, 4.0, 6.0]), np.array([10.0, 20.0, 30.0])).precision is None
    assert gamma_poisson_prior(np.array([2.0, 4.0, 6.0]), np.array([10.0, 20.0, 30.0])).precision is None


def smoothing_cells(rows: list[tuple], code: str = PERCENT) -> pd.DataFrame:
    return published_cells(published_frame([("country", "01000", 100, 500), *rows], code))


def test_smoothed_rates_are_beta_binomial_posteriors():
    """The smoothed % is the posterior mean (a + O) / (a + b + n) of the fitted prior, its interval the
    beta posterior's 2.5% and 97.5% quantiles, its shrinkage (a + b) / (a + b + n); D masked keeps its row."""
    counts = [(10, 20), (20, 80), (70, 400), (30, 60), (5, 100), (45, 90)]
    rows = [("commune", code, o, n) for code, (o, n) in zip("ABCEFG", counts, strict=True)] + [
        ("commune", "D", None, None)
    ]
    standardised = pd.DataFrame(
        {
            "indicator_code": PERCENT,
            "year": 2020,
            "geo_level": "commune",
            "geo_code": list("ABCDEFG"),
            "standardised_value": [45.0, 26.0, 18.0, 30.0, 40.0, 6.0, 50.0],
            "ci_lower": [40.0, 20.0, 15.0, 25.0, 35.0, 3.0, 45.0],
            "ci_upper": [50.0, 30.0, 21.0, 35.0, 45.0, 9.0, 55.0],
        }
    )
    ratios = ratios_frame([], PERCENT)
    rates = smoothed_rates(smoothing_cells(rows), ratios, standardised).set_index("geo_code")
    events = np.array([o for o, _ in counts], dtype=float)
    trials = np.array([n for _, n in counts], dtype=float)
    mean, precision = beta_binomial_reference(events, trials)
    a, b = mean * precision, (1 - mean) * precision
    unit = rates.loc["A"]
    assert unit["eb_smoothed_value"] == pytest.approx(100 * (a + 10) / (a + b + 20), rel=1e-3)
    assert unit["shrinkage"] == pytest.approx(precision / (precision + 20), rel=1e-3)
    assert unit["eb_smoothed_ci_high"] == pytest.approx(100 * stats.beta.ppf(0.975, a + 10, b + 10), rel=1e-3)
    assert (unit["model"], unit["standardised_value"], unit["standardised_ci_low"]) == (
        "beta_binomial",
        45,
        40,
    )
    masked = rates.loc["D"]
    assert (
        masked["suppressed"]
        and pd.isna(masked["eb_smoothed_value"])
        and pd.isna(masked["standardised_value"])
    )


def test_smoothing_is_withheld_when_there_is_no_variance_to_borrow():
    """Five communes all at 20%: the prior variance is 0; rather than a flat map at 20%, the smoothed
    value is null with its reason."""
    rows = [("commune", code, 2 * k, 10 * k) for code, k in zip("ABCDE", [1, 2, 3, 4, 5], strict=True)]
    rates = smoothed_rates(
        smoothing_cells(rows),
        ratios_frame([], PERCENT),
        pd.DataFrame(columns=[*UNIT, "standardised_value", "ci_lower", "ci_upper"]),
    )
    assert rates["eb_smoothed_value"].isna().all()
    assert (rates["smoothing_withheld_reason"] == "no_between_unit_variance").all()
    assert (rates["between_unit_variance"] == 0).all()


def test_smoothing_of_a_volume_scales_the_counts_by_its_dispersion():
    """A volume with phi = 2 is smoothed as the gamma-Poisson of O / 2 exams over n / 2 persons: its prior
    is the one fitted to the scaled counts."""
    counts = [(30, 20), (100, 80), (500, 400), (90, 60), (40, 100)]
    rows = [("commune", code, o, n) for code, (o, n) in zip("ABCDE", counts, strict=True)]
    ratios = ratios_frame(
        [(code, o, float(n), float(n), 2.0) for code, (o, n) in zip("ABCDE", counts, strict=True)], VOLUME
    )
    rates = smoothed_rates(
        smoothing_cells(rows, VOLUME),
        ratios,
        pd.DataFrame(columns=[*UNIT, "standardised_value", "ci_lower", "ci_upper"]),
    ).set_index("geo_code")
    events = np.array([o for o, _ in counts], dtype=float) / 2
    exposure = np.array([n for _, n in counts], dtype=float) / 2
    prior = gamma_poisson_prior(events, exposure)
    rate = prior.precision / prior.mean
    assert rates.loc["A", "model"] == "gamma_poisson"
    assert rates.loc["A", "eb_smoothed_value"] == pytest.approx(100 * (prior.precision + 15) / (rate + 10))


# --- the dbt models on the hand-made extract ----------------------------------------------------------


@pytest.mark.dbt
def test_variation_models_build_on_the_hand_made_extract(hand_made_build):
    """The hand-made extract (see test_end_to_end): every published cell from region to commune, and
    Brussels at the province level, is in funnel_plot_data twice (ratio and crude; masked ones flagged
    masked) unless shown with 0 beneficiaries; standardised_ratios keeps one row per such cell."""
    with duckdb.connect(str(hand_made_build.db_path), read_only=True) as connection:
        published = connection.execute(
            """
            select
                count(*) filter (where suppressed),
                count(*) filter (where not suppressed and denominator > 0),
                count(*)
            from published_indicators
            where geo_level in ('region', 'province', 'arrondissement', 'commune')
            """
        ).fetchone()
        brussels = connection.execute(
            "select count(*) filter (where suppressed),"
            " count(*) filter (where not suppressed and denominator > 0), count(*)"
            " from published_indicators where geo_level = 'region' and geo_code = '04000'"
        ).fetchone()
        funnel = connection.execute(
            "select count(*) filter (where flag = 'masked'),"
            " count(*) filter (where flag <> 'masked' or flag is null) from funnel_plot_data"
        ).fetchone()
        ratio_rows = connection.execute("select count(*) from standardised_ratios").fetchone()[0]
        statistics = connection.execute("select count(*) from variation_statistics").fetchone()[0]
        smoothed = connection.execute("select count(*) from smoothed_rates").fetchone()[0]
    assert funnel == (2 * (published[0] + brussels[0]), 2 * (published[1] + brussels[1]))
    assert ratio_rows == published[2] + brussels[2]
    assert statistics > 0 and smoothed > 0
