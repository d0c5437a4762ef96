"""Every confidence interval and control limit of the project, in one place.

The publication layer (Wilson and Garwood intervals of each cell), the variation models (ratio intervals,
funnel limits, p-values) and the explorer (its fallback limits) all take them from here, so one formula
has one home. Proportions are fractions and rates are per person unless a function says `%` or `per 100`.

- Wilson score interval of a proportion; exact Clopper-Pearson interval of a binomial count.
- Exact Poisson (Garwood) interval of a count, and its quasi-Poisson form: the count divided by its
  dispersion phi is treated as Poisson (McCullagh and Nelder 1989, section 6.2), then scaled back.
- Fay and Feuer's gamma interval of a directly standardised rate (Stat Med 1997;16:791-801).
- Funnel plots (Spiegelhalter, Stat Med 2005;24:1185-1202): exact control limits from interpolated
  binomial or Poisson quantiles, never outside the scale; overdispersion (Spiegelhalter, Qual Saf Health
  Care 2005;14:347-351, and J R Stat Soc A 2012;175:1-47): z-scores on a variance-stabilising scale
  (arcsine square root of a proportion, square root of a ratio or rate), winsorised, an additive
  random-effects tau^2 (DerSimonian-Laird form), limits back-transformed and never narrower than the exact
  ones; two-sided p-values and Benjamini-Hochberg q-values (statsmodels multipletests).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

Z_95 = float(stats.norm.ppf(0.975))
Z_998 = float(stats.norm.ppf(0.999))
"""Two-sided normal quantiles of the 95% and 99.8% limits (about 2 and 3 standard errors)."""
FUNNEL_TAILS = {"95": 0.025, "998": 0.001}
"""The one-sided tail of each funnel limit, by the label of its columns."""
WINSORISED_SHARE = 0.10
"""z-scores are winsorised at their 10th and 90th percentiles before tau^2 (Spiegelhalter 2005)."""
FDR_LEVEL = 0.05
"""A unit is flagged after the false-discovery-rate adjustment when its q-value is below 5%."""


# --- intervals of one unit ---------------------------------------------------------------------------


def wilson_interval(
    numerator: pd.Series, denominator: pd.Series, z: float = Z_95
) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval of numerator / denominator, in % (null where the denominator is 0)."""
    n = denominator.astype("float64").where(denominator > 0)
    p = numerator.astype("float64") / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half_width = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At p = 0 and p = 1 the bound is exactly 0 or 1; rounding would leave it a hair inside.
    low = (centre - half_width).mask(p == 0, 0.0).clip(lower=0)
    high = (centre + half_width).mask(p == 1, 1.0).clip(upper=1)
    return 100 * low, 100 * high


def garwood_interval(
    count: np.ndarray, confidence: float = 0.95, dispersion: np.ndarray | float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of the mean of a Poisson count: [chi2(a/2, 2k) / 2, chi2(1 - a/2, 2k + 2) / 2].

    With a dispersion phi (quasi-Poisson) the count k / phi is treated as Poisson and the bounds are
    multiplied by phi: the interval widens by about sqrt(phi). The lower bound is 0 when k = 0.
    """
    alpha = 1 - confidence
    phi = np.asarray(dispersion, dtype="float64")
    scaled = np.asarray(count, dtype="float64") / phi
    with np.errstate(invalid="ignore"):
        low = np.where(scaled > 0, stats.chi2.ppf(alpha / 2, 2 * scaled) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * scaled + 2) / 2
    return low * phi, high * phi


def poisson_interval(
    exams: pd.Series, denominator: pd.Series, confidence: float = 0.95
) -> tuple[pd.Series, pd.Series]:
    """Exact (Garwood) Poisson interval of exams per 100 beneficiaries: a volume is no proportion
    (a person may have many exams), so the Wilson interval does not apply."""
    n = denominator.astype("float64").where(denominator > 0)
    low, high = garwood_interval(exams.astype("float64").to_numpy(), confidence)
    return pd.Series(low, index=exams.index) / (n / 100), pd.Series(high, index=exams.index) / (n / 100)


def clopper_pearson_interval(
    count: np.ndarray, trials: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval of count / trials as a proportion: beta quantiles, 0 and 1 at the ends."""
    alpha = 1 - confidence
    k = np.asarray(count, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    valid = n > 0
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def ratio_interval(
    observed: np.ndarray,
    expected: np.ndarray,
    trials: np.ndarray | None = None,
    dispersion: np.ndarray | float = 1.0,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of observed / expected: Clopper-Pearson scaled by n / E when `trials` are given
    (a % of persons: O is binomial out of n), else the quasi-Poisson Garwood interval over E."""
    expected = np.asarray(expected, dtype="float64")
    if trials is not None:
        n = np.asarray(trials, dtype="float64")
        low, high = clopper_pearson_interval(observed, n, confidence)
        low, high = low * n, high * n
    else:
        low, high = garwood_interval(observed, confidence, dispersion)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = expected > 0
        return np.where(valid, low / expected, np.nan), np.where(valid, high / expected, np.nan)


def fay_feuer_interval(
    rate: np.ndarray, variance: np.ndarray, max_weight_per_person: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Fay-Feuer gamma interval of directly standardised rates (fractions, not %).

    A gamma matched to the rate and its variance; the upper bound's gamma is widened by the largest
    weight per person w_M = max_s w_s / n_s, so that it holds with few or no events (lower bound 0 then).
    """
    alpha = 1 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(
            rate > 0,
            stats.gamma.ppf(alpha / 2, a=rate**2 / variance, scale=variance / rate),
            0.0,
        )
        widened_rate = rate + max_weight_per_person
        widened_variance = variance + max_weight_per_person**2
        upper = stats.gamma.ppf(
            1 - alpha / 2, a=widened_rate**2 / widened_variance, scale=widened_variance / widened_rate
        )
    return lower, upper


# --- funnel limits -----------------------------------------------------------------------------------


def interpolated_quantile(distribution: stats.rv_discrete, probability: float) -> np.ndarray:
    """The p-quantile of a count, made continuous as in Spiegelhalter 2005 (appendix A.1.1), never below 0.

    r_p is the smallest r with F(r) >= p; the limit is r_p - a with a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)).
    When r_p = 0 the interpolation would step below 0, which no count can: the limit is 0.
    """
    quantile = distribution.ppf(probability)
    at_quantile = distribution.cdf(quantile)
    below_quantile = distribution.cdf(quantile - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = at_quantile - below_quantile
        interpolation = np.where(step > 0, (at_quantile - probability) / step, 0.0)
    return np.where(quantile > 0, quantile - interpolation, 0.0) * np.where(np.isnan(quantile), np.nan, 1)


def binomial_limit(proportion: np.ndarray | float, trials: np.ndarray, probability: float) -> np.ndarray:
    """Exact funnel limit of a binomial count out of `trials` at the national `proportion`, as a count
    (divide by trials for a proportion, by the expected count for a ratio); within [0, trials]."""
    return interpolated_quantile(stats.binom(trials, proportion), probability)


def poisson_limit(mean: np.ndarray, probability: float, dispersion: np.ndarray | float = 1.0) -> np.ndarray:
    """Exact funnel limit of a count of mean `mean`, as a count >= 0: the quantile of Poisson(mean / phi)
    times phi (quasi-Poisson; phi = 1 is the plain Poisson)."""
    phi = np.asarray(dispersion, dtype="float64")
    return interpolated_quantile(stats.poisson(np.asarray(mean, dtype="float64") / phi), probability) * phi


def exact_two_sided_p(lower_tail: np.ndarray, upper_tail: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a count: twice the smaller of P(X <= x) and P(X >= x), at most 1."""
    return np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))


def winsorised_overdispersion(z_scores: np.ndarray, share: float = WINSORISED_SHARE) -> float:
    """phi = mean of the squared z-scores after winsorising at the `share` and 1 - `share` quantiles."""
    low, high = np.percentile(z_scores, [100 * share, 100 * (1 - share)])
    return float(np.mean(np.clip(z_scores, low, high) ** 2))


def additive_tau2(z_scores: np.ndarray, within_variance: np.ndarray) -> float:
    """Spiegelhalter's additive random-effects variance (DerSimonian-Laird form) on the z-scores' scale.

    tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2, phi the winsorised mean of z^2,
    and 0 when I phi <= I - 1 (no evidence of overdispersion: the limits stay the exact ones).
    """
    count = len(z_scores)
    phi = winsorised_overdispersion(z_scores)
    weights = 1 / within_variance
    excess = count * phi - (count - 1)
    if excess <= 0:
        return 0.0
    return float(excess / (weights.sum() - (weights**2).sum() / weights.sum()))


def arcsine_scale(proportion: np.ndarray) -> np.ndarray:
    """asin(sqrt(p)): the variance-stabilising scale of a proportion, variance 1 / (4 n)."""
    return np.arcsin(np.sqrt(np.clip(proportion, 0.0, 1.0)))


def from_arcsine_scale(angle: np.ndarray) -> np.ndarray:
    """Back from the arcsine scale, within [0, 1] (an angle beyond [0, pi/2] is the bound itself)."""
    return np.sin(np.clip(angle, 0.0, np.pi / 2)) ** 2


def from_root_scale(root: np.ndarray) -> np.ndarray:
    """Back from the square-root scale: a negative root is the bound 0."""
    return np.clip(root, 0.0, None) ** 2


def bh_q_values(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (statsmodels multipletests, fdr_bh); null p-values stay null."""
    p_values = np.asarray(p_values, dtype="float64")
    q_values = np.full_like(p_values, np.nan)
    present = ~np.isnan(p_values)
    if present.any():
        q_values[present] = multipletests(p_values[present], method="fdr_bh")[1]
    return q_values


def normal_funnel_limits(
    target: pd.Series, denominator: pd.Series, z: float, binomial: bool
) -> tuple[pd.Series, pd.Series]:
    """Normal-approximation limits around a national value in % or per 100: p0 +/- z sqrt(p0 (1 - p0) / n)
    for a % (within [0, 100]) or l0 +/- z sqrt(l0 / n) for a volume (>= 0). For a figure without rows
    in funnel_plot_data, labelled as an approximation where shown."""
    centre = target / 100
    n = denominator.astype("float64").where(denominator > 0)
    variance = centre * (1 - centre) / n if binomial else centre / n
    half_width = z * np.sqrt(variance)
    high = (centre + half_width).clip(upper=1) if binomial else centre + half_width
    return 100 * (centre - half_width).clip(lower=0), 100 * high
