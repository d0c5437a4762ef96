"""Variation statistics of the published indicators, with the model that follows each measure.

A % of persons (registry measure `patients`) is binomial: a person counts once, so its chance variance
is n p (1 - p). A volume (measure `exams`) counts events, several per person: Poisson with a dispersion
phi (quasi-Poisson), estimated per indicator and year at the commune level, where the units' sizes are
spread enough to tell the within-unit dispersion (phi E) from the between-unit variance (tau^2 E^2).

Everything here reads the publication layer (`published_indicators`): a masked cell is left out of every
statistic, counted and marked `masked` / `suppressed`, never read as 0; units shown with 0 beneficiaries
have no rate. At the province level the Brussels-Capital Region (04000, its region's published cell) is
a unit, as Belgian statistics by province count it: 11 units cover Belgium.

- Standardised ratios O / E with age-sex expected counts and an exact interval (Clopper-Pearson or the
  quasi-Poisson Garwood).
- Standard statistics per indicator, year and level (Ibanez et al., BMC Health Serv Res 2009;9:60):
  extremal quotients and CVs over units large enough to carry a crude rate, the systematic component of
  variation with the model's chance variance, the EB statistic of a logistic-normal (a %) or log-normal
  Poisson (a volume) random-effects model by maximum marginal likelihood with a profile interval.
- Funnel plots (Spiegelhalter 2005, 2012) of the standardised ratio (default) and of the crude value, with
  false-discovery-rate flags. Every limit comes from imaging_atlas.intervals.
- Empirical-Bayes smoothing: beta-binomial (a %) and gamma-Poisson (a volume), priors by maximum
  likelihood, withheld when the between-unit variance is estimated at 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from imaging_atlas import intervals

if TYPE_CHECKING:
    import duckdb

UNIT = ["indicator_code", "year", "geo_level", "geo_code"]
GROUP = ["indicator_code", "year", "geo_level"]
STRATUM = ["sex", "age_band"]
STATISTIC_LEVELS = ("region", "province", "arrondissement", "commune")
STATISTIC_AND_NATIONAL_LEVELS = ("country", *STATISTIC_LEVELS)
"""What a statistic or funnel reads: its levels, and Belgium's value it is set against."""
SMOOTHING_LEVELS = ("commune", "sector")
BRUSSELS = ("region", "04000")
"""The Brussels-Capital Region belongs to no province: at the province level it is a unit of its own."""
DISPERSION_LEVEL = "commune"
"""The level whose units give a volume's dispersion phi: the most units and the widest range of sizes."""

PERCENT, VOLUME = "patients", "exams"
MODEL_OF_MEASURE = {PERCENT: "binomial", VOLUME: "quasi_poisson"}
SMOOTHING_MODEL_OF_MEASURE = {PERCENT: "beta_binomial", VOLUME: "gamma_poisson"}

MINIMUM_UNITS = 5
"""A variance between units needs at least 5 shown units; below that the statistic is withheld."""
MINIMUM_SHOWN_SHARE = 0.8
"""Below 80% of a level's units shown, the shown units are no longer the level (masking is not random)."""
MINIMUM_EXPECTED = 10.0
"""A unit expected fewer than 10 events has a crude rate mostly made of chance (Poisson CV above 30%):
it is left out of EQ, EQ5-95 and the CVs, which take no account of chance."""
WITHHELD_FEW_UNITS = "fewer_than_5_units"
WITHHELD_MASKED = "under_80pct_shown"
WITHHELD_SMALL_UNITS = "fewer_than_5_units_above_minimum_expected"
WITHHELD_NO_VARIANCE = "no_between_unit_variance"

FLAG_LIMIT = "998"
"""Units are flagged against the 99.8% limits (about 3 standard errors): Spiegelhalter's alarm level."""
OVERDISPERSION_METHOD = {
    PERCENT: "additive random effects on the arcsine square-root scale, tau2 (DerSimonian-Laird) from "
    "z-scores winsorised at 10%; never narrower than the exact binomial limits",
    VOLUME: "additive random effects on the square-root scale of O / E, quasi-Poisson phi within units, tau2 "
    "(DerSimonian-Laird) from z-scores winsorised at 10%; never narrower than the exact limits",
}

GAUSS_HERMITE_NODES, GAUSS_HERMITE_WEIGHTS = np.polynomial.hermite.hermgauss(20)
NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-9
PROFILE_MU_TOLERANCE = 1e-7
"""A step of mu this small changes the log-likelihood by about information x step^2 / 2: nothing."""
LOG_SIGMA2_BOUNDS = (np.log(1e-10), np.log(10.0))
PROFILE_CHI2_95 = float(stats.chi2.ppf(0.95, df=1))
BOUNDARY_TOLERANCE = 1e-6
"""sigma2 is 0 when the profile deviance at sigma2 -> 0 is within this of the maximum."""
PRIOR_PRECISION_BOUNDS = (np.log(1e-3), np.log(1e12))
"""Search range of the log prior precision (a + b of a beta prior, the shape of a gamma prior)."""
PRIOR_SEARCH = {"xatol": 1e-7, "fatol": 1e-9, "maxiter": 2000}
"""Nelder-Mead on two parameters: no gradient to approximate, as exact as L-BFGS-B here."""
DISPERSION_ITERATIONS = 30


# --- inputs -----------------------------------------------------------------------------------------


def published_cells(published: pd.DataFrame) -> pd.DataFrame:
    """The published cells with their visibility: `shown` when published with beneficiaries (a rate),
    `suppressed` when masked; shown cells with 0 beneficiaries are neither. Sorted by unit, so that every
    sum and fit sees its rows in one order whatever order the engine returned them in (bit-identical
    statistics from DuckDB and from a Spark warehouse)."""
    cells = published.sort_values(UNIT, ignore_index=True)
    cells["suppressed"] = cells["suppressed"].astype(bool)
    cells["shown"] = ~cells["suppressed"] & (cells["denominator"].fillna(0) > 0)
    return cells


def read_cells(published: duckdb.DuckDBPyRelation, levels: Sequence[str]) -> pd.DataFrame:
    """published_cells of the publication layer at `levels` only, selected in DuckDB: a history's
    published layer is millions of cells with their names, and a statistic needs a few of its levels."""
    return published_cells(published.filter(f"geo_level in ({quoted(levels)})").df())


def quoted(values: Iterable[str]) -> str:
    """SQL string literals of `values`, for an `in (...)` list."""
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)


def with_brussels_as_province(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the Brussels-Capital Region repeated at the province level, so that the provinces
    cover Belgium (10 provinces and Brussels, 04000, as Statbel counts them)."""
    region, code = BRUSSELS
    brussels = frame[(frame["geo_level"] == region) & (frame["geo_code"] == code)]
    return pd.concat([frame, brussels.assign(geo_level="province")], ignore_index=True)


def national_values(cells: pd.DataFrame) -> pd.DataFrame:
    """Belgium's published value per indicator and year: the target of the crude funnel."""
    country = cells[cells["geo_level"] == "country"]
    return country[["indicator_code", "year", "value"]].rename(columns={"value": "national_value"})


def measure_codes(registry: pd.DataFrame) -> pd.DataFrame:
    """Each % indicator with its paired volume (registry paired_code), the pair whose strata are counted
    together in int_indicator_strata (the patients of the %, their exams the volume's numerator)."""
    percent = registry[registry["measure"] == PERCENT]
    volumes = set(registry.loc[registry["measure"] == VOLUME, "indicator_code"])
    pairs = percent[["indicator_code", "paired_code"]].rename(columns={"paired_code": "volume_code"})
    return pairs.assign(volume_code=pairs["volume_code"].where(pairs["volume_code"].isin(volumes)))


def expected_counts(strata: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Observed and age-sex expected counts of every unit, for each % and its paired volume.

    expected_i = sum_s n_is r_Bs, r_Bs the Belgian rate of the same indicator and year in stratum s
    (sex x 5-year age band; unknown sex or age are strata of their own, so Belgium's expected equals its
    observed). For a % the chance variance sum_s n_is p_Bs (1 - p_Bs) comes with it (binomial; the
    volume's is phi E, phi estimated later). Rows may split a stratum further (BIM status): the national
    rate is per stratum, the sums run over all rows.
    """
    national = ["indicator_code", "year", *STRATUM]
    belgium = (
        strata[strata["geo_level"] == "country"]
        .groupby(national, as_index=False)[["patients", "exams", "beneficiaries"]]
        .sum()
    )
    persons = belgium["beneficiaries"].astype("float64")
    rates = belgium[national].assign(
        patient_rate=belgium["patients"] / persons, exam_rate=belgium["exams"] / persons
    )
    joined = strata.merge(rates, on=national, how="left")
    n = joined["beneficiaries"].astype("float64")
    patient_rate = joined["patient_rate"].fillna(0.0)
    joined = joined.assign(
        expected_patients=n * patient_rate,
        patient_variance=n * patient_rate * (1 - patient_rate),
        expected_exams=n * joined["exam_rate"].fillna(0.0),
    )
    sums = joined.groupby(UNIT, as_index=False, sort=False).agg(
        patients=("patients", "sum"),
        exams=("exams", "sum"),
        expected_patients=("expected_patients", "sum"),
        patient_variance=("patient_variance", "sum"),
        expected_exams=("expected_exams", "sum"),
    )
    percent = sums.rename(
        columns={
            "patients": "observed",
            "expected_patients": "expected",
            "patient_variance": "chance_variance",
        }
    )[[*UNIT, "observed", "expected", "chance_variance"]]
    pairs = measure_codes(registry).dropna(subset=["volume_code"])
    volume = sums.merge(pairs, on="indicator_code")
    volume = volume.assign(
        indicator_code=volume["volume_code"],
        observed=volume["exams"],
        expected=volume["expected_exams"],
        chance_variance=volume["expected_exams"],
    )[[*UNIT, "observed", "expected", "chance_variance"]]
    return pd.concat([percent, volume], ignore_index=True)


# --- the dispersion of a volume -----------------------------------------------------------------------


def volume_dispersion(observed: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """phi and tau2 of Var(O_i) = phi mu_i + tau2 mu_i^2, mu_i = m E_i, by the method of moments.

    The squared residuals (O - mu)^2 have that mean; they are fitted by iteratively reweighted,
    non-negative least squares with weights 1 / fitted^2 (a gamma GLM with identity link on the squared
    residuals, Davidian and Carroll, JASA 1987;82:1079-1091), so phi and tau2 are never negative. phi is
    the variance of a unit's count over its mean once the units' true differences (tau2, the variance of
    their relative risks) are taken out: the clustering of exams in persons. Units of many sizes are
    needed to separate the two. Returns (phi, tau2); phi is at least 1, and 1 below MINIMUM_UNITS units.
    """
    observed = np.asarray(observed, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    keep = expected > 0
    observed, expected = observed[keep], expected[keep]
    if len(observed) < MINIMUM_UNITS or observed.sum() == 0:
        return 1.0, 0.0
    mean = expected * observed.sum() / expected.sum()
    squared = (observed - mean) ** 2
    design = np.column_stack([mean, mean**2])
    weights = 1 / mean**2
    coefficients = np.array([1.0, 0.0])
    for _ in range(DISPERSION_ITERATIONS):
        root = np.sqrt(weights)
        coefficients = optimize.nnls(design * root[:, None], squared * root)[0]
        fitted = np.maximum(design @ coefficients, 1e-9 * mean)
        weights = 1 / fitted**2
    phi, tau2 = (float(value) for value in coefficients)
    # Every patient has at least one exam, so phi >= E(K) (1 - p) (K the exams of a patient, p the share of
    # patients), which is above 1 for every volume here; below 1 an estimate reads sparse or masked
    # communes, and the plain Poisson (phi = 1) is kept.
    return max(phi, 1.0), tau2


def dispersions(ratios: pd.DataFrame) -> pd.DataFrame:
    """phi per indicator and year: 1 for a %, volume_dispersion of the communes' O and E for a volume."""
    rows = []
    for (code, year, measure), group in ratios.groupby(["indicator_code", "year", "measure"], sort=True):
        phi = 1.0
        if measure == VOLUME:
            communes = group[(group["geo_level"] == DISPERSION_LEVEL) & group["observed"].notna()]
            phi = volume_dispersion(communes["observed"].to_numpy(), communes["expected"].to_numpy())[0]
        rows.append({"indicator_code": code, "year": year, "dispersion": phi})
    return pd.DataFrame(rows, columns=["indicator_code", "year", "dispersion"])


# --- indirectly standardised ratios -------------------------------------------------------------------

RATIO_COLUMNS = [
    *UNIT,
    "measure",
    "model",
    "observed",
    "expected",
    "chance_variance",
    "dispersion",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "suppressed",
]


def standardised_ratios(cells: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Observed / age-sex expected counts per unit, region to commune (Brussels also at the province
    level), only where the cell is shown, with the exact interval of its measure's model.

    The observed count is the published numerator; a masked cell keeps its row with null figures (its
    expected count would tell about its beneficiaries).
    """
    units = with_brussels_as_province(cells[cells["geo_level"].isin(STATISTIC_LEVELS)])
    joined = units[[*UNIT, "measure", "numerator", "denominator", "suppressed"]].merge(
        with_brussels_as_province(expected)[[*UNIT, "expected", "chance_variance"]], on=UNIT, how="left"
    )
    shown = ~joined["suppressed"]
    joined = joined.assign(
        model=joined["measure"].map(MODEL_OF_MEASURE),
        observed=joined["numerator"].astype("float64").where(shown),
        expected=joined["expected"].where(shown),
    )
    joined = joined.merge(dispersions(joined), on=["indicator_code", "year"], how="left")
    is_volume = (joined["measure"] == VOLUME).to_numpy()
    joined["chance_variance"] = (
        joined["chance_variance"]
        .where(~is_volume, joined["chance_variance"] * joined["dispersion"])
        .where(shown)
    )
    observed = joined["observed"].to_numpy()
    expected_count = joined["expected"].to_numpy()
    binomial_low, binomial_high = intervals.ratio_interval(
        observed, expected_count, trials=joined["denominator"].astype("float64").to_numpy()
    )
    poisson_low, poisson_high = intervals.ratio_interval(
        observed, expected_count, dispersion=joined["dispersion"].to_numpy()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected_count > 0, observed / expected_count, np.nan)
    result = joined.assign(
        observed=joined["observed"].astype("Int64"),
        ratio=ratio,
        ratio_ci_low=np.where(is_volume, poisson_low, binomial_low),
        ratio_ci_high=np.where(is_volume, poisson_high, binomial_high),
    )
    return result[RATIO_COLUMNS].sort_values(UNIT, ignore_index=True)


# --- standard statistics ----------------------------------------------------------------------------


def extremal_quotient(rates: np.ndarray) -> float:
    """Highest rate / lowest rate; null when the lowest is 0 (the quotient is infinite)."""
    lowest = rates.min()
    return float(rates.max() / lowest) if lowest > 0 else np.nan


def extremal_quotient_5_95(rates: np.ndarray) -> float:
    """95th / 5th percentile of the rates (linear interpolation between order statistics)."""
    low, high = np.percentile(rates, [5, 95])
    return float(high / low) if low > 0 else np.nan


def coefficient_of_variation(rates: np.ndarray) -> float:
    """Sample standard deviation (n - 1) of the unit rates over their unweighted mean."""
    mean = rates.mean()
    return float(rates.std(ddof=1) / mean) if mean > 0 else np.nan


def coefficient_of_variation_weighted(rates: np.ndarray, populations: np.ndarray) -> float:
    """Population-weighted SD of the rates over their population-weighted mean (the pooled rate)."""
    mean = np.average(rates, weights=populations)
    if mean <= 0:
        return np.nan
    return float(np.sqrt(np.average((rates - mean) ** 2, weights=populations)) / mean)


def systematic_component_of_variation(
    observed: np.ndarray, expected: np.ndarray, chance_variance: np.ndarray | None = None
) -> float:
    """McPherson's SCV (N Engl J Med 1982;307:1310-1314) with the chance variance of the measure's model:

    SCV = (1/k) sum [((O - E) / E)^2 - V / E^2], V the variance of O if the unit had the national rates:
    E for a Poisson count (McPherson's 1 / E), sum n_s p_s (1 - p_s) for a binomial % (about E (1 - p)),
    phi E for an overdispersed volume. The variance of the relative risks once chance is taken out, on the
    raw scale (x 100 for the `SCV x 100` of the literature); negative when units vary less than chance.
    """
    observed = np.asarray(observed, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    variance = expected if chance_variance is None else np.asarray(chance_variance, dtype="float64")
    return float(np.mean(((observed - expected) / expected) ** 2 - variance / expected**2))


@dataclass(frozen=True)
class RandomEffectsData:
    """The units of a random-effects fit: counts, the offset of the linear predictor (log E for a
    Poisson count, logit(E / n) for a binomial one) and, for a binomial count, the number of trials."""

    observed: np.ndarray
    offset: np.ndarray
    trials: np.ndarray | None

    @property
    def binomial(self) -> bool:
        return self.trials is not None


def poisson_data(observed: np.ndarray, expected: np.ndarray) -> RandomEffectsData:
    """O_i ~ Poisson(E_i exp(mu + u_i))."""
    return RandomEffectsData(
        np.asarray(observed, dtype="float64"), np.log(np.asarray(expected, dtype="float64")), None
    )


def binomial_data(observed: np.ndarray, expected: np.ndarray, trials: np.ndarray) -> RandomEffectsData:
    """O_i ~ Binomial(n_i, expit(logit(E_i / n_i) + mu + u_i)): the age-sex expected proportion as offset."""
    trials = np.asarray(trials, dtype="float64")
    expected_share = np.clip(np.asarray(expected, dtype="float64") / trials, 1e-12, 1 - 1e-12)
    return RandomEffectsData(np.asarray(observed, dtype="float64"), special.logit(expected_share), trials)


def _mean_and_variance(data: RandomEffectsData, linear: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The count's mean and variance at the linear predictor (any shape broadcasting with the units)."""
    if data.binomial:
        trials = data.trials if linear.ndim == 1 else data.trials[:, None]
        probability = special.expit(linear)
        return trials * probability, trials * probability * (1 - probability)
    mean = np.exp(linear)
    return mean, mean


def _log_density(data: RandomEffectsData, linear: np.ndarray) -> np.ndarray:
    """log P(O | linear predictor), the units on the first axis."""
    observed = data.observed[:, None]
    if data.binomial:
        trials = data.trials[:, None]
        return (
            observed * linear
            - trials * np.logaddexp(0, linear)
            + special.gammaln(trials + 1)
            - special.gammaln(observed + 1)
            - special.gammaln(trials - observed + 1)
        )
    return observed * linear - np.exp(linear) - special.gammaln(observed + 1)


def _marginal_terms(
    data: RandomEffectsData, mu: float, sigma2: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: log of integral P(O | offset + mu + u) N(u; 0, sigma2) du, and the posterior mean and
    variance of the count's mean and the posterior mean of its variance (score and information of mu),
    by adaptive Gauss-Hermite quadrature.

    The integrand is centred at its mode (Newton steps) and scaled by its curvature, so the same nodes
    stay accurate for counts of a few and of a million.
    """
    base = data.offset + mu
    mode = np.zeros_like(base)
    for _ in range(NEWTON_STEPS):
        mean, variance = _mean_and_variance(data, base + mode)
        step = np.clip((data.observed - mean - mode / sigma2) / (variance + 1 / sigma2), -5.0, 5.0)
        mode = mode + step
        if np.max(np.abs(step)) < NEWTON_TOLERANCE:
            break
    scale = 1 / np.sqrt(_mean_and_variance(data, base + mode)[1] + 1 / sigma2)
    nodes, weights = GAUSS_HERMITE_NODES, GAUSS_HERMITE_WEIGHTS
    u = mode[:, None] + np.sqrt(2) * scale[:, None] * nodes[None, :]
    linear = base[:, None] + u
    log_terms = _log_density(data, linear) - u**2 / (2 * sigma2) + nodes[None, :] ** 2 + np.log(weights)
    largest = log_terms.max(axis=1, keepdims=True)
    exponentials = np.exp(log_terms - largest)
    total = exponentials.sum(axis=1)
    log_integral = np.log(total) + largest[:, 0]
    posterior = exponentials / total[:, None]
    mean, variance = _mean_and_variance(data, linear)
    mean_mean = np.sum(posterior * mean, axis=1)
    mean_variance = np.sum(posterior * (mean - mean_mean[:, None]) ** 2, axis=1)
    variance_mean = np.sum(posterior * variance, axis=1)
    loglik = log_integral + np.log(np.sqrt(2) * scale) - 0.5 * np.log(2 * np.pi * sigma2)
    return loglik, mean_mean, mean_variance, variance_mean


def marginal_loglik(data: RandomEffectsData, mu: float, sigma2: float) -> float:
    """Marginal log-likelihood of the random-effects model at (mu, sigma2)."""
    return float(_marginal_terms(data, mu, sigma2)[0].sum())


def poisson_lognormal_loglik(observed: np.ndarray, expected: np.ndarray, mu: float, sigma2: float) -> float:
    """Marginal log-likelihood of O_i ~ Poisson(E_i exp(mu + u_i)), u_i ~ N(0, sigma2)."""
    return marginal_loglik(poisson_data(observed, expected), mu, sigma2)


def logistic_normal_loglik(
    observed: np.ndarray, expected: np.ndarray, trials: np.ndarray, mu: float, sigma2: float
) -> float:
    """Marginal log-likelihood of O_i ~ Binomial(n_i, expit(logit(E_i / n_i) + mu + u_i)), u_i ~ N(0, s2)."""
    return marginal_loglik(binomial_data(observed, expected, trials), mu, sigma2)


def _profile_loglik(data: RandomEffectsData, log_sigma2: float, mu: float) -> tuple[float, float]:
    """max over mu of the marginal log-likelihood at a fixed sigma2 (the profile likelihood), and that mu.

    Newton steps on mu from `mu`: score sum (O - posterior mean of the count's mean), information sum
    (posterior mean of the variance - posterior variance of the mean), positive because the likelihood is
    log-concave in mu.
    """
    sigma2 = float(np.exp(log_sigma2))
    for _ in range(NEWTON_STEPS):
        loglik, mean_mean, mean_variance, variance_mean = _marginal_terms(data, mu, sigma2)
        information = float(np.sum(variance_mean - mean_variance))
        step = float(np.clip(np.sum(data.observed - mean_mean) / information, -1.0, 1.0))
        if abs(step) < PROFILE_MU_TOLERANCE:
            break
        mu += step
    return float(loglik.sum()), mu


def random_effects_variance(data: RandomEffectsData) -> tuple[float, float, float]:
    """sigma2 of the units' random effects by maximum marginal likelihood, with its 95% profile interval.

    The interval holds the sigma2 whose profile log-likelihood is within chi2_1(0.95) / 2 of the maximum;
    its lower bound is 0 when even sigma2 -> 0 is within, and the estimate is 0 when the profile at
    sigma2 -> 0 is the maximum (no variation beyond chance).
    """
    lower_bound, upper_bound = LOG_SIGMA2_BOUNDS
    last_mu = [0.0]

    def profile(log_sigma2: float) -> float:
        # Each search step starts mu where the previous one ended: nearby sigma2 have nearby mu.
        loglik, last_mu[0] = _profile_loglik(data, log_sigma2, last_mu[0])
        return loglik

    fit = optimize.minimize_scalar(
        lambda log_sigma2: -profile(log_sigma2),
        bounds=LOG_SIGMA2_BOUNDS,
        method="bounded",
        options={"xatol": 1e-3},
    )
    log_sigma2_hat, best = float(fit.x), -float(fit.fun)
    at_boundary = 2 * (best - profile(lower_bound)) < BOUNDARY_TOLERANCE

    def excess(log_sigma2: float) -> float:
        return 2 * (best - profile(log_sigma2)) - PROFILE_CHI2_95

    low = 0.0
    if not at_boundary and excess(lower_bound) > 0:
        low = float(np.exp(optimize.brentq(excess, lower_bound, log_sigma2_hat, xtol=1e-4)))
    high = np.nan
    if excess(upper_bound) > 0:
        high = float(np.exp(optimize.brentq(excess, log_sigma2_hat, upper_bound, xtol=1e-4)))
    estimate = 0.0 if at_boundary else float(np.exp(log_sigma2_hat))
    return estimate, low, high


def empirical_bayes_statistic(
    observed: np.ndarray,
    expected: np.ndarray,
    trials: np.ndarray | None = None,
    dispersion: float = 1.0,
) -> tuple[float, float, float]:
    """The EB statistic of Ibanez et al. 2009 in the measure's model, with its 95% profile interval.

    With `trials` (a %): logistic-normal, sigma2 on the logit scale. Without (a volume): log-normal
    Poisson on the counts and expected counts divided by phi (the quasi-likelihood of an overdispersed
    count), sigma2 on the log scale. Unlike the SCV it cannot be negative.
    """
    if trials is not None:
        return random_effects_variance(binomial_data(observed, expected, trials))
    observed = np.asarray(observed, dtype="float64") / dispersion
    return random_effects_variance(poisson_data(observed, np.asarray(expected, dtype="float64") / dispersion))


STATISTIC_COLUMNS = [
    "extremal_quotient",
    "extremal_quotient_5_95",
    "coefficient_of_variation",
    "coefficient_of_variation_weighted",
    "systematic_component_of_variation",
    "empirical_bayes_statistic",
    "empirical_bayes_statistic_ci_low",
    "empirical_bayes_statistic_ci_high",
]
VARIATION_COLUMNS = [
    *GROUP,
    "measure",
    "model",
    "units_shown",
    "units_masked",
    "units_below_minimum_expected",
    "national_value",
    "dispersion",
    *STATISTIC_COLUMNS,
    "between_unit_variance_zero",
    "overdispersion_tau2",
    "withheld_reason",
    "crude_withheld_reason",
]


def withheld_reason(shown: int, masked: int) -> str | None:
    """Why a level's units cannot carry a statistic of variation, or None when they can."""
    if shown < MINIMUM_UNITS:
        return WITHHELD_FEW_UNITS
    if shown < MINIMUM_SHOWN_SHARE * (shown + masked):
        return WITHHELD_MASKED
    return None


def group_statistics(group: pd.DataFrame) -> dict[str, object]:
    """Every statistic of one indicator, year and level over its shown units (value, O, E, V, n, phi)."""
    measure = group["measure"].iloc[0]
    shown = group[group["shown"] & (group["expected"] > 0)]
    masked = int(group["suppressed"].sum())
    large = shown[shown["expected"] >= MINIMUM_EXPECTED]
    result: dict[str, object] = dict.fromkeys(STATISTIC_COLUMNS, np.nan)
    result.update(
        units_shown=int(group["shown"].sum()),
        units_masked=masked,
        units_below_minimum_expected=int(len(shown) - len(large)),
        between_unit_variance_zero=None,
        withheld_reason=withheld_reason(len(shown), masked),
        crude_withheld_reason=None,
    )
    if result["withheld_reason"] is not None:
        return result
    observed = shown["observed"].to_numpy(dtype="float64")
    expected = shown["expected"].to_numpy(dtype="float64")
    phi = float(shown["dispersion"].iloc[0])
    trials = shown["denominator"].to_numpy(dtype="float64") if measure == PERCENT else None
    eb, eb_low, eb_high = empirical_bayes_statistic(observed, expected, trials, phi)
    result.update(
        systematic_component_of_variation=systematic_component_of_variation(
            observed, expected, shown["chance_variance"].to_numpy(dtype="float64")
        ),
        empirical_bayes_statistic=eb,
        empirical_bayes_statistic_ci_low=eb_low,
        empirical_bayes_statistic_ci_high=eb_high,
        between_unit_variance_zero=bool(eb == 0),
    )
    if len(large) < MINIMUM_UNITS:
        result["crude_withheld_reason"] = WITHHELD_SMALL_UNITS
        return result
    rates = large["value"].to_numpy(dtype="float64")
    result.update(
        extremal_quotient=extremal_quotient(rates),
        extremal_quotient_5_95=extremal_quotient_5_95(rates),
        coefficient_of_variation=coefficient_of_variation(rates),
        coefficient_of_variation_weighted=coefficient_of_variation_weighted(
            rates, large["denominator"].to_numpy(dtype="float64")
        ),
    )
    return result


def variation_statistics(
    cells: pd.DataFrame, ratios: pd.DataFrame, funnel: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per indicator, year and level (region, province with Brussels, arrondissement, commune).

    cells: from published_cells; ratios: from standardised_ratios (O, E, chance variance and phi of the
    shown cells); funnel: from funnel_plot_data, for the tau2 of each level's ratio funnel.
    """
    figures = [*UNIT, "measure", "denominator", "value", "suppressed", "shown"]
    units = with_brussels_as_province(cells.loc[cells["geo_level"].isin(STATISTIC_LEVELS), figures])
    units = units[units["shown"] | units["suppressed"]].merge(
        ratios[[*UNIT, "model", "observed", "expected", "chance_variance", "dispersion"]], on=UNIT, how="left"
    )
    units["dispersion"] = units.groupby(["indicator_code", "year"])["dispersion"].transform("max")
    rows = [
        {
            **dict(zip(GROUP, key, strict=True)),
            "measure": group["measure"].iloc[0],
            "model": MODEL_OF_MEASURE[group["measure"].iloc[0]],
            "dispersion": group["dispersion"].max(),
            **group_statistics(group),
        }
        for key, group in units.groupby(GROUP, sort=True)
    ]
    merged_later = ("national_value", "overdispersion_tau2")
    result = pd.DataFrame(
        rows, columns=[column for column in VARIATION_COLUMNS if column not in merged_later]
    )
    result = result.merge(national_values(cells), on=["indicator_code", "year"], how="left")
    tau2 = pd.DataFrame(columns=[*GROUP, "overdispersion_tau2"])
    if funnel is not None and len(funnel):
        ratio_funnel = funnel[funnel["funnel"] == "ratio"]
        tau2 = ratio_funnel.groupby(GROUP, as_index=False)["overdispersion_tau2"].max()
    result = result.merge(tau2, on=GROUP, how="left")
    result = result.astype(
        {"units_shown": "int64", "units_masked": "int64", "units_below_minimum_expected": "int64"}
    )
    result["between_unit_variance_zero"] = result["between_unit_variance_zero"].astype("boolean")
    return result[VARIATION_COLUMNS].sort_values(GROUP, ignore_index=True)


# --- funnel plots ------------------------------------------------------------------------------------

FUNNEL_LIMIT_COLUMNS = [
    "limit_95_low",
    "limit_95_high",
    "limit_998_low",
    "limit_998_high",
    "od_limit_95_low",
    "od_limit_95_high",
    "od_limit_998_low",
    "od_limit_998_high",
]
"""The funnel's exact and overdispersed limits, as funnel_plot_data and the explorer name them."""
FUNNELS = ("ratio", "crude")
"""The standardised ratio against its expected count (the default), the crude value against n."""

FUNNEL_COLUMNS = [
    *UNIT,
    "geo_name_fr",
    "geo_name_nl",
    "measure",
    "funnel",
    "model",
    "numerator",
    "denominator",
    "value",
    "observed",
    "expected",
    "national_value",
    "x_value",
    "y_value",
    "target_value",
    "dispersion",
    *FUNNEL_LIMIT_COLUMNS,
    "overdispersion_method",
    "overdispersion_tau2",
    "p_value",
    "od_p_value",
    "q_value",
    "od_q_value",
    "flag",
    "od_flag",
    "fdr_flag",
    "od_fdr_flag",
    "od_withheld_reason",
]


@dataclass(frozen=True)
class FunnelPoints:
    """Points of funnels: each count, its mean under the target, its trials (used for a %), the scale that
    turns a count into the plotted y (n / 100 for a crude value, E for a ratio), whether it is binomial
    (a %) and its dispersion phi (1 for a %). Arrays of one length; points of many funnels may mix."""

    observed: np.ndarray
    mean: np.ndarray
    trials: np.ndarray
    scale: np.ndarray
    binomial: np.ndarray
    dispersion: np.ndarray


def exact_limits(points: FunnelPoints, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits on the y scale: binomial quantiles (a %), Poisson of the counts over phi (a volume).

    When the expected count is so small that a quantile is 0 on the wrong side of the target (the 97.5%
    quantile of a count expected 0.01 is 0), the limit is the target itself: a funnel's limits hold its
    centre."""
    share = np.where(points.binomial, points.mean / points.trials, 0.5)
    trials = np.where(points.binomial, points.trials, 1.0)
    low = np.where(
        points.binomial,
        intervals.binomial_limit(share, trials, tail),
        intervals.poisson_limit(points.mean, tail, points.dispersion),
    )
    high = np.where(
        points.binomial,
        intervals.binomial_limit(share, trials, 1 - tail),
        intervals.poisson_limit(points.mean, 1 - tail, points.dispersion),
    )
    target = points.mean / points.scale
    return np.minimum(low / points.scale, target), np.maximum(high / points.scale, target)


def exact_p_values(points: FunnelPoints) -> np.ndarray:
    """Two-sided exact p-value of each count against its mean (binomial, or Poisson of the counts divided
    by phi, through the gamma form of its distribution so that a scaled count need not be whole)."""
    share = np.where(points.binomial, points.mean / points.trials, 0.5)
    binomial_lower = stats.binom.cdf(points.observed, points.trials, share)
    binomial_upper = stats.binom.sf(points.observed - 1, points.trials, share)
    count = points.observed / points.dispersion
    mean = points.mean / points.dispersion
    poisson_lower = stats.gamma.sf(mean, count + 1)
    poisson_upper = np.where(count > 0, stats.gamma.cdf(mean, np.maximum(count, 1e-12)), 1.0)
    return intervals.exact_two_sided_p(
        np.where(points.binomial, binomial_lower, poisson_lower),
        np.where(points.binomial, binomial_upper, poisson_upper),
    )


def stabilised(points: FunnelPoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point on the variance-stabilising scale: (value, centre, within-unit variance).

    A %: asin sqrt(O / n) around asin sqrt(mean / n), variance 1 / (4 n). A volume: sqrt(O / mean) around
    1, variance phi / (4 mean) (Spiegelhalter 2012, section 3.3.2)."""
    binomial = points.binomial
    return (
        np.where(
            binomial,
            intervals.arcsine_scale(points.observed / points.trials),
            np.sqrt(points.observed / points.mean),
        ),
        np.where(binomial, intervals.arcsine_scale(points.mean / points.trials), 1.0),
        np.where(binomial, 1 / (4 * points.trials), points.dispersion / (4 * points.mean)),
    )


def from_stabilised(points: FunnelPoints, value: np.ndarray) -> np.ndarray:
    """A value of the stabilised scale back on the y scale."""
    binomial = intervals.from_arcsine_scale(value) * points.trials
    poisson = intervals.from_root_scale(value) * points.mean
    return np.where(points.binomial, binomial, poisson) / points.scale


def funnel_flag(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """above / below the limits, within them, or null without limits."""
    no_limits = np.isnan(low) | np.isnan(high) | np.isnan(value)
    return np.select([no_limits, value > high, value < low], [None, "above", "below"], default="within")


def fdr_flag(value: np.ndarray, target: np.ndarray, q_values: np.ndarray) -> np.ndarray:
    """above / below when the q-value is under the FDR level, within otherwise, null without a q-value."""
    significant = q_values < intervals.FDR_LEVEL
    return np.select(
        [np.isnan(q_values), significant & (value > target), significant & (value < target)],
        [None, "above", "below"],
        default="within",
    )


def per_funnel(keys: np.ndarray, values: np.ndarray, function) -> np.ndarray:
    """`function` applied to the values of each funnel (rows sharing a key), back in the rows' order."""
    result = np.full(len(values), np.nan)
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    for rows in np.split(order, bounds):
        if len(rows):
            result[rows] = function(rows)
    return result


def funnel_figures(points: FunnelPoints, target: np.ndarray, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Limits, p- and q-values and flags of the points of many funnels, `keys` telling each point's funnel.

    tau2 and the q-values are per funnel; a funnel of fewer than MINIMUM_UNITS points has no od figures.
    """
    y = points.observed / points.scale
    figures: dict[str, np.ndarray] = {}
    for label, tail in intervals.FUNNEL_TAILS.items():
        figures[f"limit_{label}_low"], figures[f"limit_{label}_high"] = exact_limits(points, tail)
    p_values = exact_p_values(points)
    value, centre, within = stabilised(points)
    z_scores = (value - centre) / np.sqrt(within)
    sizes = per_funnel(keys, keys, len)
    enough = sizes >= MINIMUM_UNITS
    tau2 = per_funnel(
        keys,
        z_scores,
        lambda rows: (
            intervals.additive_tau2(z_scores[rows], within[rows]) if len(rows) >= MINIMUM_UNITS else np.nan
        ),
    )
    spread = np.sqrt(within + tau2)
    for label, tail in intervals.FUNNEL_TAILS.items():
        z = float(stats.norm.ppf(1 - tail))
        low = np.minimum(from_stabilised(points, centre - z * spread), figures[f"limit_{label}_low"])
        high = np.maximum(from_stabilised(points, centre + z * spread), figures[f"limit_{label}_high"])
        figures[f"od_limit_{label}_low"] = np.where(enough, low, np.nan)
        figures[f"od_limit_{label}_high"] = np.where(enough, high, np.nan)
    # The overdispersed test is never stricter than the exact one, as its limits are never narrower.
    od_p_values = np.where(
        enough, np.maximum(2 * stats.norm.sf(np.abs(value - centre) / spread), p_values), np.nan
    )
    q_values = per_funnel(keys, p_values, lambda rows: intervals.bh_q_values(p_values[rows]))
    od_q_values = per_funnel(keys, od_p_values, lambda rows: intervals.bh_q_values(od_p_values[rows]))
    figures.update(
        p_value=p_values,
        q_value=q_values,
        od_p_value=od_p_values,
        od_q_value=od_q_values,
        overdispersion_tau2=tau2,
        flag=funnel_flag(y, figures[f"limit_{FLAG_LIMIT}_low"], figures[f"limit_{FLAG_LIMIT}_high"]),
        od_flag=funnel_flag(y, figures[f"od_limit_{FLAG_LIMIT}_low"], figures[f"od_limit_{FLAG_LIMIT}_high"]),
        fdr_flag=fdr_flag(y, target, q_values),
        od_fdr_flag=fdr_flag(y, target, od_q_values),
        od_withheld_reason=np.where(enough, None, WITHHELD_FEW_UNITS),
    )
    return figures


def funnel_rows(units: pd.DataFrame, funnel: str) -> pd.DataFrame:
    """The rows of one kind of funnel for every unit: its axes, target and the counts of its points."""
    is_ratio = funnel == "ratio"
    n = units["denominator"].astype("float64")
    mean = units["expected"] if is_ratio else n * units["national_value"] / 100
    scale = units["expected"] if is_ratio else n / 100
    shown = units["shown"]
    rows = units.assign(
        funnel=funnel,
        model=units["measure"].map(MODEL_OF_MEASURE),
        observed=units["numerator"],
        point_mean=mean,
        point_scale=scale,
        x_value=(units["expected"] if is_ratio else n).where(shown),
        target_value=1.0 if is_ratio else units["national_value"],
        overdispersion_method=units["measure"].map(OVERDISPERSION_METHOD),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["y_value"] = (units["numerator"].astype("float64") / scale).where(shown & (mean > 0) & (n > 0))
    return rows


def funnel_plot_data(cells: pd.DataFrame, ratios: pd.DataFrame) -> pd.DataFrame:
    """Two funnels (ratio O / E against E, crude value against n) per indicator, year and level, region to
    commune with Brussels at the province level: a row per unit and funnel.

    Masked units keep their rows (flags `masked`, no figures or limits: a limit would reveal the
    denominator); units shown with 0 beneficiaries have no point and are left out.
    """
    units = with_brussels_as_province(cells[cells["geo_level"].isin(STATISTIC_LEVELS)])
    units = (
        units[units["shown"] | units["suppressed"]]
        .merge(ratios[[*UNIT, "expected", "dispersion"]], on=UNIT, how="left")
        .merge(national_values(cells), on=["indicator_code", "year"], how="left")
    )
    units["dispersion"] = units.groupby(["indicator_code", "year"])["dispersion"].transform("max").fillna(1.0)
    rows = pd.concat([funnel_rows(units, funnel) for funnel in FUNNELS], ignore_index=True)
    point = rows["y_value"].notna().to_numpy()
    figure_columns = [
        *FUNNEL_LIMIT_COLUMNS,
        "p_value",
        "od_p_value",
        "q_value",
        "od_q_value",
        "overdispersion_tau2",
    ]
    for column in figure_columns:
        rows[column] = np.nan
    for column in ("flag", "od_flag", "fdr_flag", "od_fdr_flag"):
        rows[column] = np.where(rows["suppressed"], "masked", None).astype(object)
    rows["od_withheld_reason"] = None
    with_points = rows[point]
    points = FunnelPoints(
        observed=with_points["numerator"].to_numpy(dtype="float64"),
        mean=with_points["point_mean"].to_numpy(dtype="float64"),
        trials=with_points["denominator"].to_numpy(dtype="float64"),
        scale=with_points["point_scale"].to_numpy(dtype="float64"),
        binomial=(with_points["measure"] == PERCENT).to_numpy(),
        dispersion=with_points["dispersion"].to_numpy(dtype="float64"),
    )
    keys = with_points.groupby([*GROUP, "funnel"], sort=False).ngroup().to_numpy()
    figures = funnel_figures(points, with_points["target_value"].to_numpy(dtype="float64"), keys)
    for column, values in figures.items():
        rows.loc[point, column] = values
    # A funnel's tau2 and why its od figures are missing hold for its masked rows too.
    funnel_key = [*GROUP, "funnel"]
    rows["overdispersion_tau2"] = rows.groupby(funnel_key)["overdispersion_tau2"].transform("max")
    reason = rows.groupby(funnel_key)["overdispersion_tau2"].transform("count") == 0
    rows["od_withheld_reason"] = np.where(reason, WITHHELD_FEW_UNITS, None)
    return rows[FUNNEL_COLUMNS].sort_values([*UNIT, "funnel"], ignore_index=True)


# --- smoothed rates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """A fitted Empirical-Bayes prior: its mean (a proportion or a rate per person) and its precision
    (a + b of a beta prior, the shape of a gamma prior); precision None when the between-unit variance
    is estimated at 0."""

    mean: float
    precision: float | None


def beta_binomial_loglik(events: np.ndarray, trials: np.ndarray, mean: float, precision: float) -> float:
    """sum log BetaBinomial(O | n, a = m M, b = (1 - m) M), without the binomial coefficients."""
    a, b = mean * precision, (1 - mean) * precision
    return float(np.sum(special.betaln(events + a, trials - events + b) - special.betaln(a, b)))


def beta_binomial_prior(events: np.ndarray, trials: np.ndarray) -> Prior:
    """The beta prior of the units' proportions by maximum likelihood (scipy.optimize, on logit m and
    log M). Tarone's score for extra-binomial variation decides the boundary first: when the units vary
    no more than binomial chance around the pooled proportion, the maximum is at M = infinity (no variance
    between units) and the precision is None."""
    events = np.asarray(events, dtype="float64")
    trials = np.asarray(trials, dtype="float64")
    pooled = events.sum() / trials.sum()
    if pooled <= 0 or pooled >= 1:
        return Prior(pooled, None)
    score = np.sum((events - trials * pooled) ** 2 - trials * pooled * (1 - pooled))
    if score <= 0:
        return Prior(pooled, None)
    rates = events / trials
    spread = max(
        np.average((rates - pooled) ** 2, weights=trials) - pooled * (1 - pooled) / trials.mean(), 1e-8
    )
    start_precision = np.clip(pooled * (1 - pooled) / spread - 1, 1.0, 1e8)
    fit = optimize.minimize(
        lambda theta: -beta_binomial_loglik(events, trials, special.expit(theta[0]), np.exp(theta[1])),
        x0=[special.logit(pooled), np.log(start_precision)],
        method="Nelder-Mead",
        bounds=[(-30, 30), PRIOR_PRECISION_BOUNDS],
        options=PRIOR_SEARCH,
    )
    precision = float(np.exp(fit.x[1]))
    if fit.x[1] >= PRIOR_PRECISION_BOUNDS[1] - 1e-3:
        return Prior(float(special.expit(fit.x[0])), None)
    return Prior(float(special.expit(fit.x[0])), precision)


def negative_binomial_loglik(events: np.ndarray, exposure: np.ndarray, mean: float, shape: float) -> float:
    """sum log NegativeBinomial(O | mean t l, shape a), the gamma-Poisson marginal, without 1 / O!."""
    mu = exposure * mean
    return float(
        np.sum(
            special.gammaln(events + shape)
            - special.gammaln(shape)
            + shape * np.log(shape / (shape + mu))
            + events * np.log(mu / (shape + mu))
        )
    )


def gamma_poisson_prior(events: np.ndarray, exposure: np.ndarray) -> Prior:
    """The gamma prior of the units' rates per person by maximum likelihood (scipy.optimize, on log l
    and log a): the negative binomial NB2 fit of the counts with the exposures as offset. Dean's score
    for extra-Poisson variation decides the boundary first (shape None: no variance between units)."""
    events = np.asarray(events, dtype="float64")
    exposure = np.asarray(exposure, dtype="float64")
    pooled = events.sum() / exposure.sum()
    if pooled <= 0:
        return Prior(pooled, None)
    score = np.sum((events - exposure * pooled) ** 2 - events)
    if score <= 0:
        return Prior(pooled, None)
    rates = events / exposure
    spread = max(np.average((rates - pooled) ** 2, weights=exposure) - pooled / exposure.mean(), 1e-12)
    start_shape = np.clip(pooled**2 / spread, 1e-2, 1e8)
    fit = optimize.minimize(
        lambda theta: -negative_binomial_loglik(events, exposure, np.exp(theta[0]), np.exp(theta[1])),
        x0=[np.log(pooled), np.log(start_shape)],
        method="Nelder-Mead",
        bounds=[(-50, 50), PRIOR_PRECISION_BOUNDS],
        options=PRIOR_SEARCH,
    )
    if fit.x[1] >= PRIOR_PRECISION_BOUNDS[1] - 1e-3:
        return Prior(float(np.exp(fit.x[0])), None)
    return Prior(float(np.exp(fit.x[0])), float(np.exp(fit.x[1])))


SMOOTHED_COLUMNS = [
    *UNIT,
    "measure",
    "model",
    "numerator",
    "denominator",
    "crude_value",
    "eb_smoothed_value",
    "eb_smoothed_ci_low",
    "eb_smoothed_ci_high",
    "shrinkage",
    "prior_mean",
    "between_unit_variance",
    "smoothing_withheld_reason",
    "standardised_value",
    "standardised_ci_low",
    "standardised_ci_high",
    "suppressed",
]


def smooth_group(
    measure: str, events: np.ndarray, trials: np.ndarray, masked: int, dispersion: float
) -> dict[str, np.ndarray | float | str | None]:
    """Posterior mean, 95% interval and shrinkage of the shown units (counts, beneficiaries) of one
    indicator, year and level, in the published value's unit (% or per 100 beneficiaries). Withheld as a
    statistic is: a prior fitted to too few units, or to the shown ones when masking has removed a fifth
    of them, would not be the level's."""
    count = len(events)
    empty = np.full(count, np.nan)
    figures: dict[str, np.ndarray | float | str | None] = {
        "eb_smoothed_value": empty,
        "eb_smoothed_ci_low": empty,
        "eb_smoothed_ci_high": empty,
        "shrinkage": empty,
        "prior_mean": np.nan,
        "between_unit_variance": np.nan,
        "smoothing_withheld_reason": None,
    }
    figures["smoothing_withheld_reason"] = withheld_reason(count, masked)
    if figures["smoothing_withheld_reason"] is not None:
        return figures
    if measure == PERCENT:
        prior = beta_binomial_prior(events, trials)
        figures["prior_mean"] = 100 * prior.mean
        if prior.precision is None:
            figures.update(between_unit_variance=0.0, smoothing_withheld_reason=WITHHELD_NO_VARIANCE)
            return figures
        a, b = prior.mean * prior.precision, (1 - prior.mean) * prior.precision
        posterior = stats.beta(a + events, b + trials - events)
        shrinkage = prior.precision / (prior.precision + trials)
        variance = prior.mean * (1 - prior.mean) / (prior.precision + 1)
    else:
        events, trials = events / dispersion, trials / dispersion
        prior = gamma_poisson_prior(events, trials)
        figures["prior_mean"] = 100 * prior.mean
        if prior.precision is None:
            figures.update(between_unit_variance=0.0, smoothing_withheld_reason=WITHHELD_NO_VARIANCE)
            return figures
        rate = prior.precision / prior.mean
        posterior = stats.gamma(prior.precision + events, scale=1 / (rate + trials))
        shrinkage = rate / (rate + trials)
        variance = prior.mean**2 / prior.precision
    figures.update(
        eb_smoothed_value=100 * posterior.mean(),
        eb_smoothed_ci_low=100 * posterior.ppf(0.025),
        eb_smoothed_ci_high=100 * posterior.ppf(0.975),
        shrinkage=shrinkage,
        between_unit_variance=100**2 * variance,
    )
    return figures


def smoothed_rates(cells: pd.DataFrame, ratios: pd.DataFrame, standardised: pd.DataFrame) -> pd.DataFrame:
    """Crude, Empirical-Bayes smoothed and (communes, %) directly standardised values of communes and
    sectors. A prior per indicator, year and level, fitted to its shown units; masked units keep their row
    with null figures. `ratios` (standardised_ratios) gives a volume's phi; `standardised` the rows of
    standardised_rates. The units are sliced by position, not as frames: a year holds half a million."""
    kept = [*UNIT, "measure", "numerator", "denominator", "value", "suppressed", "shown"]
    units = cells.loc[
        cells["geo_level"].isin(SMOOTHING_LEVELS) & (cells["shown"] | cells["suppressed"]), kept
    ].reset_index(drop=True)
    phi_of = ratios.groupby(["indicator_code", "year"])["dispersion"].max()
    phi = phi_of.reindex(pd.MultiIndex.from_frame(units[["indicator_code", "year"]])).fillna(1.0).to_numpy()
    shown = units["shown"].to_numpy()
    suppressed = units["suppressed"].to_numpy()
    events = units["numerator"].astype("float64").to_numpy(na_value=np.nan)
    trials = units["denominator"].astype("float64").to_numpy(na_value=np.nan)
    measure = units["measure"].to_numpy()
    figure_columns = SMOOTHED_COLUMNS[SMOOTHED_COLUMNS.index("eb_smoothed_value") : -4]
    columns = {column: np.full(len(units), np.nan, dtype=object) for column in figure_columns}
    keys = units.groupby(GROUP, sort=False).ngroup().to_numpy()
    order = np.argsort(keys, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(keys[order])) + 1):
        if not len(rows):
            continue
        visible = rows[shown[rows]]
        figures = smooth_group(
            measure[rows[0]],
            events[visible],
            trials[visible],
            int(suppressed[rows].sum()),
            float(phi[rows[0]]),
        )
        for column, values in figures.items():
            columns[column][visible] = values
    result = units.assign(**columns)
    for column in figure_columns:
        if column != "smoothing_withheld_reason":
            result[column] = result[column].astype("float64")
    result["smoothing_withheld_reason"] = result["smoothing_withheld_reason"].where(
        result["smoothing_withheld_reason"].notna(), None
    )
    result["model"] = result["measure"].map(SMOOTHING_MODEL_OF_MEASURE)
    standard = standardised.rename(
        columns={"ci_lower": "standardised_ci_low", "ci_upper": "standardised_ci_high"}
    )[[*UNIT, "standardised_value", "standardised_ci_low", "standardised_ci_high"]]
    result = result.merge(standard, on=UNIT, how="left")
    hidden = result["suppressed"] | (result["geo_level"] != "commune")
    for column in ("standardised_value", "standardised_ci_low", "standardised_ci_high"):
        result[column] = result[column].where(~hidden)
    result = result.rename(columns={"value": "crude_value"})
    return result[SMOOTHED_COLUMNS].sort_values(UNIT, ignore_index=True)
