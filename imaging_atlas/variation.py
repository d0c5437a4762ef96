"""Variation statistics of the % indicators, computed from secrecy-protected figures only.

Everything here reads the publication layer (`published_indicators`): a masked cell has null figures and
is left out of every statistic, counted (`units_masked`) and marked `masked` / `suppressed` in the
unit-level outputs, never read as 0. Units shown with 0 beneficiaries have no rate and enter nothing.

- Standard statistics per indicator, year and level (Ibanez et al., BMC Health Serv Res 2009;9:60):
  extremal quotients, coefficients of variation, McPherson's systematic component of variation (SCV) and
  the Empirical Bayes (EB) statistic, the last two on age-sex expected counts.
- Funnel plots (Spiegelhalter, Stat Med 2005;24:1185-1202): exact binomial control limits around the
  national rate, and limits widened by an additive random-effects tau^2 (Spiegelhalter, Qual Saf Health
  Care 2005;14:347-351).
- Global Empirical-Bayes smoothed rates (Marshall, Appl Stat 1991;40:283-294).
- Indirectly standardised ratios observed / expected with an exact (Garwood) Poisson interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

if TYPE_CHECKING:
    import duckdb

UNIT = ["indicator_code", "year", "geo_level", "geo_code"]
GROUP = ["indicator_code", "year", "geo_level"]
STRATUM = ["sex", "age_band"]
STATISTIC_LEVELS = ("province", "arrondissement", "commune")
STATISTIC_AND_NATIONAL_LEVELS = ("country", *STATISTIC_LEVELS)
"""What a statistic or funnel reads: its levels, and Belgium's value it is set against."""
SMOOTHING_LEVELS = ("commune", "sector")
MINIMUM_UNITS = 2
"""A statistic of variation needs at least two units with a rate; below that every statistic is null."""

OVERDISPERSION_METHOD = "additive random effects, tau2 (DerSimonian-Laird) from z-scores winsorised at 10%"
WINSORISED_SHARE = 0.10
FLAG_LIMIT = "998"
"""Units are flagged against the 99.8% limits (about 3 standard errors): Spiegelhalter's alarm level."""

GAUSS_HERMITE_NODES = 20
NEWTON_STEPS = 50
NEWTON_TOLERANCE = 1e-9
PROFILE_MU_TOLERANCE = 1e-7
"""A step of mu this small changes the log-likelihood by about information x step^2 / 2: nothing."""
LOG_SIGMA2_BOUNDS = (np.log(1e-10), np.log(10.0))
PROFILE_CHI2_95 = float(stats.chi2.ppf(0.95, df=1))
BOUNDARY_TOLERANCE = 1e-6
"""sigma2 is 0 when the profile deviance at sigma2 -> 0 is within this of the maximum."""


# --- inputs -----------------------------------------------------------------------------------------


def percent_cells(published: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """The published cells of the % indicators (registry measure `patients`), with their visibility.

    `shown`: the cell is published and has beneficiaries, so it has a rate. `suppressed` cells are the
    masked ones; shown cells with 0 beneficiaries are neither.
    """
    percent_codes = registry.loc[registry["measure"] == "patients", "indicator_code"]
    cells = published[published["indicator_code"].isin(percent_codes)].copy()
    cells["suppressed"] = cells["suppressed"].astype(bool)
    cells["shown"] = ~cells["suppressed"] & (cells["denominator"].fillna(0) > 0)
    return cells


def read_percent_cells(
    published: duckdb.DuckDBPyRelation, registry: pd.DataFrame, levels: Sequence[str]
) -> pd.DataFrame:
    """percent_cells of the published layer at `levels` only, selected in DuckDB: a history's published
    layer is millions of cells with their names, and a statistic needs a few of its levels."""
    percent_codes = registry.loc[registry["measure"] == "patients", "indicator_code"]
    selected = published.filter(
        f"indicator_code in ({quoted(percent_codes)}) and geo_level in ({quoted(levels)})"
    )
    return percent_cells(selected.df(), registry)


def quoted(values: Iterable[str]) -> str:
    """SQL string literals of `values`, for an `in (...)` list."""
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)


def national_values(cells: pd.DataFrame) -> pd.DataFrame:
    """Belgium's published % per indicator and year: the target of the funnel plots."""
    country = cells[cells["geo_level"] == "country"]
    return country[["indicator_code", "year", "value"]].rename(columns={"value": "national_value"})


def expected_counts(strata: pd.DataFrame) -> pd.DataFrame:
    """Observed patients and age-sex expected patients of every unit (indirect standardisation).

    expected_i = sum_s beneficiaries_is * patients_Bs / beneficiaries_Bs, with B Belgium the same
    indicator and year and s a sex x age band stratum (unknown sex or age are strata of their own, so
    every beneficiary is expected something and Belgium's expected equals its observed). Rows may split a
    stratum further (e.g. by BIM status): the national rate is per stratum, the sums run over all rows.
    """
    national = ["indicator_code", "year", *STRATUM]
    belgium = (
        strata[strata["geo_level"] == "country"]
        .groupby(national, as_index=False)[["patients", "beneficiaries"]]
        .sum()
    )
    national_rate = belgium.assign(national_rate=belgium["patients"] / belgium["beneficiaries"])
    with_rate = strata.merge(national_rate[[*national, "national_rate"]], on=national, how="left")
    with_rate["expected"] = with_rate["beneficiaries"] * with_rate["national_rate"].fillna(0.0)
    return with_rate.groupby(UNIT, as_index=False, sort=False).agg(
        observed=("patients", "sum"), expected=("expected", "sum")
    )


# --- indirectly standardised ratios -------------------------------------------------------------------


def poisson_ratio_interval(
    observed: np.ndarray, expected: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of observed / expected, observed a Poisson count.

    low = chi2_{a/2}(2 O) / (2 E), high = chi2_{1-a/2}(2 O + 2) / (2 E); the lower bound is 0 when O = 0.
    """
    alpha = 1 - confidence
    observed = np.asarray(observed, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(observed > 0, stats.chi2.ppf(alpha / 2, 2 * observed) / 2, 0.0) / expected
        high = stats.chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2 / expected
    valid = expected > 0
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def standardised_ratios(cells: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Observed / age-sex expected patients per unit, province to commune, only where the cell is shown.

    The observed count is the published numerator; a masked cell keeps its row with null figures (its
    expected count would tell about its beneficiaries).
    """
    units = cells[cells["geo_level"].isin(STATISTIC_LEVELS)]
    joined = units[[*UNIT, "numerator", "suppressed"]].merge(
        expected[[*UNIT, "expected"]], on=UNIT, how="left"
    )
    shown = ~joined["suppressed"]
    observed = joined["numerator"].astype("float64").where(shown)
    expected_shown = joined["expected"].where(shown)
    ratio = observed / expected_shown.where(expected_shown > 0)
    low, high = poisson_ratio_interval(observed.to_numpy(), expected_shown.to_numpy())
    result = joined[UNIT].assign(
        observed=observed.astype("Int64"),
        expected=expected_shown,
        ratio=ratio,
        ratio_ci_low=np.where(shown, low, np.nan),
        ratio_ci_high=np.where(shown, high, np.nan),
        suppressed=joined["suppressed"],
    )
    return result.sort_values(UNIT, ignore_index=True)


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


def systematic_component_of_variation(observed: np.ndarray, expected: np.ndarray) -> float:
    """McPherson et al. (N Engl J Med 1982;307:1310-1314): SCV = (sum ((O-E)/E)^2 - sum 1/E) / k.

    The variance of the units' relative risks once the Poisson part (1/E) is taken out; on the raw scale
    (multiply by 100 for the `SCV x 100` of the literature).
    """
    return float(np.mean(((observed - expected) / expected) ** 2 - 1 / expected))


def _poisson_lognormal_terms(
    observed: np.ndarray, expected: np.ndarray, mu: float, sigma2: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: log of integral Poisson(O | E exp(mu + u)) N(u; 0, sigma2) du, and the posterior mean and
    variance of the unit's rate E exp(mu + u) (the score and information of mu), by adaptive Gauss-Hermite.

    The integrand is centred at its mode (Newton steps) and scaled by its curvature, so the same nodes
    stay accurate for counts of a few and of a million.
    """
    log_mean = np.log(expected) + mu
    mode = (
        np.clip(np.log((observed + 0.5) / expected) - mu, -10.0, 10.0)
        * sigma2
        / (sigma2 + 1 / (observed + 1))
    )
    for _ in range(NEWTON_STEPS):
        rate = np.exp(log_mean + mode)
        step = (observed - rate - mode / sigma2) / (rate + 1 / sigma2)
        mode = mode + step
        if np.max(np.abs(step)) < NEWTON_TOLERANCE:
            break
    scale = 1 / np.sqrt(np.exp(log_mean + mode) + 1 / sigma2)
    nodes, weights = np.polynomial.hermite.hermgauss(GAUSS_HERMITE_NODES)
    u = mode[:, None] + np.sqrt(2) * scale[:, None] * nodes[None, :]
    rates = np.exp(log_mean[:, None] + u)
    log_terms = observed[:, None] * (log_mean[:, None] + u) - rates - u**2 / (2 * sigma2)
    log_terms = log_terms + nodes[None, :] ** 2 + np.log(weights)[None, :]
    log_integral = special.logsumexp(log_terms, axis=1)
    posterior = np.exp(log_terms - log_integral[:, None])
    rate_mean = np.sum(posterior * rates, axis=1)
    rate_variance = np.sum(posterior * (rates - rate_mean[:, None]) ** 2, axis=1)
    loglik = (
        log_integral
        + np.log(np.sqrt(2) * scale)
        - special.gammaln(observed + 1)
        - 0.5 * np.log(2 * np.pi * sigma2)
    )
    return loglik, rate_mean, rate_variance


def poisson_lognormal_loglik(observed: np.ndarray, expected: np.ndarray, mu: float, sigma2: float) -> float:
    """Marginal log-likelihood of O_i ~ Poisson(E_i exp(mu + u_i)), u_i ~ N(0, sigma2)."""
    return float(_poisson_lognormal_terms(observed, expected, mu, sigma2)[0].sum())


def _profile_loglik(observed: np.ndarray, expected: np.ndarray, log_sigma2: float, mu_start: float) -> float:
    """max over mu of the marginal log-likelihood at a fixed sigma2 (the profile likelihood).

    Newton steps on mu: score sum (O - posterior mean rate), information sum (posterior mean - posterior
    variance of the rate), which is positive because the marginal likelihood is log-concave in mu.
    """
    sigma2 = float(np.exp(log_sigma2))
    mu = mu_start
    for _ in range(NEWTON_STEPS):
        loglik, rate_mean, rate_variance = _poisson_lognormal_terms(observed, expected, mu, sigma2)
        information = float(np.sum(rate_mean - rate_variance))
        step = float(np.clip(np.sum(observed - rate_mean) / information, -1.0, 1.0))
        if abs(step) < PROFILE_MU_TOLERANCE:
            break
        mu += step
    return float(loglik.sum())


def empirical_bayes_statistic(observed: np.ndarray, expected: np.ndarray) -> tuple[float, float, float]:
    """The EB statistic of Ibanez et al. 2009 with its 95% profile-likelihood interval.

    sigma2, the variance of the units' log relative risks in the random-effects Poisson model
    O_i ~ Poisson(E_i exp(mu + u_i)), u_i ~ N(0, sigma2) (expected counts E_i from the age-sex strata),
    estimated by maximum marginal likelihood. Unlike the SCV it cannot be negative, and it weighs each
    unit by its information. The interval holds the sigma2 whose profile log-likelihood is within
    chi2_1(0.95) / 2 of the maximum; its lower bound is 0 when even sigma2 -> 0 is within.
    """
    observed = np.asarray(observed, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    mu_start = float(np.log(observed.sum() / expected.sum())) if observed.sum() > 0 else -5.0
    lower_bound, upper_bound = LOG_SIGMA2_BOUNDS

    def profile(log_sigma2: float) -> float:
        return _profile_loglik(observed, expected, log_sigma2, mu_start)

    fit = optimize.minimize_scalar(
        lambda log_sigma2: -profile(log_sigma2),
        bounds=LOG_SIGMA2_BOUNDS,
        method="bounded",
        options={"xatol": 1e-4},
    )
    log_sigma2_hat, best = float(fit.x), -float(fit.fun)
    at_boundary = 2 * (best - profile(lower_bound)) < BOUNDARY_TOLERANCE

    def excess(log_sigma2: float) -> float:
        return 2 * (best - profile(log_sigma2)) - PROFILE_CHI2_95

    low = 0.0
    if not at_boundary and excess(lower_bound) > 0:
        low = float(np.exp(optimize.brentq(excess, lower_bound, log_sigma2_hat, xtol=1e-5)))
    high = np.nan
    if excess(upper_bound) > 0:
        high = float(np.exp(optimize.brentq(excess, log_sigma2_hat, upper_bound, xtol=1e-5)))
    estimate = 0.0 if at_boundary else float(np.exp(log_sigma2_hat))
    return estimate, low, high


def group_statistics(group: pd.DataFrame) -> dict[str, float]:
    """Every statistic of one indicator, year and level, over its shown units (rate in %, O, E)."""
    rates = group["value"].to_numpy(dtype="float64")
    populations = group["denominator"].to_numpy(dtype="float64")
    with_expected = group[group["expected"] > 0]
    observed = with_expected["observed"].to_numpy(dtype="float64")
    expected = with_expected["expected"].to_numpy(dtype="float64")
    eb, eb_low, eb_high = (
        empirical_bayes_statistic(observed, expected) if len(expected) >= MINIMUM_UNITS else (np.nan,) * 3
    )
    return {
        "extremal_quotient": extremal_quotient(rates),
        "extremal_quotient_5_95": extremal_quotient_5_95(rates),
        "coefficient_of_variation": coefficient_of_variation(rates),
        "coefficient_of_variation_weighted": coefficient_of_variation_weighted(rates, populations),
        "systematic_component_of_variation": (
            systematic_component_of_variation(observed, expected)
            if len(expected) >= MINIMUM_UNITS
            else np.nan
        ),
        "empirical_bayes_statistic": eb,
        "empirical_bayes_statistic_ci_low": eb_low,
        "empirical_bayes_statistic_ci_high": eb_high,
    }


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


def variation_statistics(cells: pd.DataFrame, ratios: pd.DataFrame) -> pd.DataFrame:
    """One row per % indicator, year and level (province, arrondissement, commune).

    cells: from percent_cells; ratios: from standardised_ratios (observed and expected of shown cells).
    Units counted: shown (a rate) and masked; statistics over the shown units, null below two of them.
    """
    units = cells[cells["geo_level"].isin(STATISTIC_LEVELS)].merge(
        ratios[[*UNIT, "observed", "expected"]], on=UNIT, how="left"
    )
    counts = units.groupby(GROUP, as_index=False).agg(
        units_shown=("shown", "sum"), units_masked=("suppressed", "sum")
    )
    shown = units[units["shown"]]
    rows = [
        {**dict(zip(GROUP, key, strict=True)), **group_statistics(group)}
        for key, group in shown.groupby(GROUP, sort=True)
        if len(group) >= MINIMUM_UNITS
    ]
    statistics = pd.DataFrame(rows, columns=[*GROUP, *STATISTIC_COLUMNS])
    result = (
        counts.merge(national_values(cells), on=["indicator_code", "year"], how="left")
        .merge(statistics, on=GROUP, how="left")
        .astype({"units_shown": "int64", "units_masked": "int64"})
    )
    return result.sort_values(GROUP, ignore_index=True)


# --- funnel plots ------------------------------------------------------------------------------------


def binomial_control_limit(target: np.ndarray, denominator: np.ndarray, probability: float) -> np.ndarray:
    """Exact binomial control limit as a proportion, interpolated (Spiegelhalter 2005, appendix A.1.1).

    r_p is the p-quantile of Binomial(n, target) (smallest r with F(r) >= p); the limit is (r_p - a) / n
    with a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), which makes the limit continuous in n and p.
    """
    quantile = stats.binom.ppf(probability, denominator, target)
    at_quantile = stats.binom.cdf(quantile, denominator, target)
    below_quantile = stats.binom.cdf(quantile - 1, denominator, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = at_quantile - below_quantile
        interpolation = np.where(step > 0, (at_quantile - probability) / step, 0.0)
        return (quantile - interpolation) / denominator


def winsorised_overdispersion(z_scores: np.ndarray, share: float = WINSORISED_SHARE) -> float:
    """phi = mean of the squared z-scores after winsorising at the `share` and 1 - `share` quantiles."""
    low, high = np.percentile(z_scores, [100 * share, 100 * (1 - share)])
    return float(np.mean(np.clip(z_scores, low, high) ** 2))


def additive_tau2(z_scores: np.ndarray, within_variance: np.ndarray) -> float:
    """Spiegelhalter's additive random-effects variance (DerSimonian-Laird form), on the proportion scale.

    tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2, and 0 when I phi <= I - 1
    (no evidence of overdispersion: the limits stay the plain ones).
    """
    count = len(z_scores)
    phi = winsorised_overdispersion(z_scores)
    weights = 1 / within_variance
    excess = count * phi - (count - 1)
    if excess <= 0:
        return 0.0
    return float(excess / (weights.sum() - (weights**2).sum() / weights.sum()))


def funnel_group(group: pd.DataFrame, target: float) -> pd.DataFrame:
    """Control limits and flags for the units of one indicator, year and level (rates in %)."""
    shown = group["shown"].to_numpy()
    denominator = group["denominator"].to_numpy(dtype="float64")
    proportion = group["value"].to_numpy(dtype="float64") / 100
    n = np.where(shown, denominator, np.nan)
    p0 = target / 100
    within_variance = p0 * (1 - p0) / n
    tau2 = np.nan
    if shown.sum() >= MINIMUM_UNITS and 0 < p0 < 1:
        z_scores = (proportion[shown] - p0) / np.sqrt(within_variance[shown])
        tau2 = additive_tau2(z_scores, within_variance[shown])
    limits: dict[str, np.ndarray] = {}
    for label, tail in (("95", 0.025), ("998", 0.001)):
        z = stats.norm.ppf(1 - tail)
        spread = z * np.sqrt(within_variance + tau2)
        limits[f"limit_{label}_low"] = 100 * binomial_control_limit(p0, n, tail)
        limits[f"limit_{label}_high"] = 100 * binomial_control_limit(p0, n, 1 - tail)
        limits[f"od_limit_{label}_low"] = 100 * np.clip(p0 - spread, 0, 1)
        limits[f"od_limit_{label}_high"] = 100 * np.clip(p0 + spread, 0, 1)
    value = group["value"].to_numpy(dtype="float64")
    result = group.assign(
        national_value=target,
        **limits,
        overdispersion_method=OVERDISPERSION_METHOD,
        overdispersion_estimate=tau2 * 100**2,
    )
    result["flag"] = funnel_flag(
        value, shown, limits[f"limit_{FLAG_LIMIT}_low"], limits[f"limit_{FLAG_LIMIT}_high"]
    )
    result["od_flag"] = funnel_flag(
        value, shown, limits[f"od_limit_{FLAG_LIMIT}_low"], limits[f"od_limit_{FLAG_LIMIT}_high"]
    )
    return result


def funnel_flag(value: np.ndarray, shown: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """above / below the 99.8% limits, within them, masked (no figure to place), or null without limits
    (no national value, or no overdispersion estimate below two shown units)."""
    no_limits = np.isnan(low) | np.isnan(high)
    return np.select(
        [~shown, no_limits, value > high, value < low],
        ["masked", None, "above", "below"],
        default="within",
    )


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

FUNNEL_COLUMNS = [
    "indicator_code",
    "year",
    "geo_level",
    "geo_code",
    "geo_name_fr",
    "geo_name_nl",
    "numerator",
    "denominator",
    "value",
    "national_value",
    *FUNNEL_LIMIT_COLUMNS,
    "overdispersion_method",
    "overdispersion_estimate",
    "flag",
    "od_flag",
]


def funnel_plot_data(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per % indicator, year and unit, province to commune: the points and limits of a funnel.

    Masked units keep their row (flag `masked`, no figures or limits: a limit would reveal the
    denominator); units shown with 0 beneficiaries have no point and are left out. The overdispersion
    estimate is tau2 in squared percentage points.
    """
    units = cells[cells["geo_level"].isin(STATISTIC_LEVELS) & (cells["shown"] | cells["suppressed"])]
    targets = national_values(cells).set_index(["indicator_code", "year"])["national_value"]
    frames = [
        funnel_group(group, float(targets.get((key[0], key[1]), np.nan)))
        for key, group in units.groupby(GROUP, sort=True)
    ]
    if not frames:
        return pd.DataFrame(columns=FUNNEL_COLUMNS)
    result = pd.concat(frames, ignore_index=True)[FUNNEL_COLUMNS]
    return result.sort_values(UNIT, ignore_index=True)


# --- smoothed rates ----------------------------------------------------------------------------------


def marshall_global_eb(events: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Marshall's global Empirical-Bayes rates (proportions), his method-of-moments prior.

    m = sum e / sum n; s2 = sum n (r - m)^2 / sum n; a = max(s2 - m / mean n, 0), the between-unit
    variance once the Poisson part is taken out; each rate is pulled towards m by 1 - a / (a + m / n):
    the smaller the unit, the stronger the pull. Not esda's `Empirical_Bayes` (same formula, checked on
    the hand example of the tests): esda 2.9 does not truncate a at 0, so units whose rates vary less
    than chance get shrinkage weights outside [0, 1] (rates pushed away from m, even below 0), and it
    brings geopandas, pyproj, shapely and scikit-learn into every dbt run for these few lines.
    """
    events = np.asarray(events, dtype="float64")
    population = np.asarray(population, dtype="float64")
    mean_rate = events.sum() / population.sum()
    rates = events / population
    spread = np.sum(population * (rates - mean_rate) ** 2) / population.sum()
    prior_variance = max(spread - mean_rate / population.mean(), 0.0)
    if prior_variance == 0:
        return np.full_like(rates, mean_rate)
    weight = prior_variance / (prior_variance + mean_rate / population)
    return weight * rates + (1 - weight) * mean_rate


def smoothed_rates(cells: pd.DataFrame, standardised: pd.DataFrame) -> pd.DataFrame:
    """Crude, global-EB smoothed and (communes) directly standardised % of communes and sectors.

    Smoothing pools the shown units of one indicator, year and level; masked units keep their row with
    null figures. The standardised value is the one of `standardised_rates`, shown only with its cell.
    """
    units = cells[cells["geo_level"].isin(SMOOTHING_LEVELS)].copy()
    units["eb_smoothed_value"] = np.nan
    for _, group in units[units["shown"]].groupby(GROUP, sort=False):
        if len(group) >= MINIMUM_UNITS:
            units.loc[group.index, "eb_smoothed_value"] = 100 * marshall_global_eb(
                group["numerator"].to_numpy(), group["denominator"].to_numpy()
            )
    standard = standardised[[*UNIT, "standardised_value"]]
    result = units.merge(standard, on=UNIT, how="left")
    result["standardised_value"] = result["standardised_value"].where(
        ~result["suppressed"] & (result["geo_level"] == "commune")
    )
    result = result.rename(columns={"value": "crude_value"})[
        [
            *UNIT,
            "numerator",
            "denominator",
            "crude_value",
            "eb_smoothed_value",
            "standardised_value",
            "suppressed",
        ]
    ]
    return result.sort_values(UNIT, ignore_index=True)
