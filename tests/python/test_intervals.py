"""The intervals and control limits of imaging_atlas.intervals, worked by hand and checked against
statsmodels and scipy's exact quantiles on the same numbers. Each docstring shows its arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from imaging_atlas.intervals import (
    additive_tau2,
    arcsine_scale,
    bh_q_values,
    binomial_limit,
    clopper_pearson_interval,
    from_arcsine_scale,
    from_root_scale,
    garwood_interval,
    poisson_limit,
    ratio_interval,
    winsorised_overdispersion,
)


def test_garwood_interval_scaled_by_the_dispersion():
    """k = 10, phi = 2: k / phi = 5 is treated as Poisson, bounds chi2(0.025, 10) / 2 and chi2(0.975, 12) / 2
    times 2, i.e. the chi2 quantiles themselves: 3.24697 and 23.3367. With phi = 1, k = 0: [0, -ln 0.025]."""
    low, high = garwood_interval(np.array([10.0, 0.0]), dispersion=np.array([2.0, 1.0]))
    assert low == pytest.approx([3.246973, 0.0], rel=1e-6)
    assert high == pytest.approx([23.336664, -math.log(0.025)], rel=1e-6)


def test_clopper_pearson_matches_statsmodels_and_the_closed_ends():
    """k = 0 of 10: upper 1 - 0.025^(1/10) = 0.3084971; k = 10 of 10: lower 0.025^(1/10) = 0.6915029;
    k = 12 of 50 as statsmodels' proportion_confint(method='beta')."""
    low, high = clopper_pearson_interval(np.array([0.0, 10.0, 12.0]), np.array([10.0, 10.0, 50.0]))
    assert low[:2] == pytest.approx([0.0, 0.025**0.1])
    assert high[:2] == pytest.approx([1 - 0.025**0.1, 1.0])
    reference = proportion_confint(12, 50, alpha=0.05, method="beta")
    assert (low[2], high[2]) == pytest.approx(reference, rel=1e-9)


def test_ratio_interval_follows_the_measure():
    """A %: O = 12 of n = 50, E = 11: Clopper-Pearson x 50 / 11. A volume: O = 10, E = 8, phi = 2: the
    scaled Garwood bounds 3.24697 / 8 and 23.3367 / 8."""
    low, high = ratio_interval(np.array([12.0]), np.array([11.0]), trials=np.array([50.0]))
    cp_low, cp_high = proportion_confint(12, 50, alpha=0.05, method="beta")
    assert (low[0], high[0]) == pytest.approx((cp_low * 50 / 11, cp_high * 50 / 11), rel=1e-9)
    low, high = ratio_interval(np.array([10.0]), np.array([8.0]), dispersion=2.0)
    assert (low[0], high[0]) == pytest.approx((3.246973 / 8, 23.336664 / 8), rel=1e-6)


def test_exact_binomial_limits_interpolate_the_quantile():
    """Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024. p = 0.025: r = 2, a = (56 - 25.6) / 45
    = 0.6755556, limit 2 - 0.6755556 = 1.3244444 events. p = 0.975: F(7) = 968/1024, F(8) = 1013/1024,
    r = 8, a = (1013 - 998.4) / 45 = 0.3244444, limit 7.6755556."""
    assert binomial_limit(0.5, np.array([10.0]), 0.025) == pytest.approx([1.3244444], rel=1e-6)
    assert binomial_limit(0.5, np.array([10.0]), 0.975) == pytest.approx([7.6755556], rel=1e-6)


def test_an_exact_limit_at_a_zero_quantile_is_zero_not_negative():
    """Binomial(5, 0.1): F(0) = 0.9^5 = 0.59049 >= 0.025, so r = 0; the interpolation would give
    0 - (0.59049 - 0.025) / 0.59049 = -0.958 events (-19%): the limit is 0."""
    assert binomial_limit(0.1, np.array([5.0]), 0.025) == pytest.approx([0.0])
    assert poisson_limit(np.array([0.1]), 0.025) == pytest.approx([0.0])


def test_exact_poisson_limits_with_and_without_dispersion():
    """Poisson(2) at 0.975: F(4) = 0.9473470, F(5) = 0.9834364: r = 5, a = (0.9834364 - 0.975) / 0.0360894
    = 0.2337638, limit 4.7662362. With phi = 2: Poisson(1), F(2) = 0.9196986, F(3) = 0.9810118: r = 3,
    a = (0.9810118 - 0.975) / 0.0613132 = 0.0980517, limit (3 - 0.0980517) x 2 = 5.8038966."""
    assert poisson_limit(np.array([2.0]), 0.975) == pytest.approx([4.7662362], rel=1e-6)
    assert poisson_limit(np.array([2.0]), 0.975, 2.0) == pytest.approx([5.8038966], rel=1e-6)


def test_exact_limits_lie_between_scipy_quantiles():
    """For any n and p, the interpolated limit lies in [r_p - 1, r_p], r_p scipy's exact quantile, and
    within [0, n]."""
    rng = np.random.default_rng(5)
    n = rng.integers(1, 2000, 200).astype(float)
    p = rng.uniform(0.001, 0.999, 200)
    for tail in (0.001, 0.025, 0.975, 0.999):
        limit = binomial_limit(p, n, tail)
        quantile = stats.binom.ppf(tail, n, p)
        assert np.all((limit <= quantile + 1e-12) & (limit >= quantile - 1 - 1e-12))
        assert np.all((limit >= 0) & (limit <= n))
        mean = n * p
        limit = poisson_limit(mean, tail)
        quantile = stats.poisson.ppf(tail, mean)
        assert np.all((limit <= quantile + 1e-12) & (limit >= np.maximum(quantile - 1, 0) - 1e-12))


def test_additive_overdispersion_from_winsorised_z_scores():
    """s^2 = 0.0025 everywhere (w = 400); z = -2, 0, 0, 2, 4. 10% quantile at position 0.4: -2 + 0.4 x 2
    = -1.2; 90% at 3.6: 2 + 0.6 x 2 = 3.2. Winsorised: -1.2, 0, 0, 2, 3.2; phi = (1.44 + 4 + 10.24) / 5
    = 3.136. I phi - (I - 1) = 15.68 - 4 = 11.68; sum w - sum w^2 / sum w = 2000 - 400 = 1600;
    tau2 = 11.68 / 1600 = 0.0073."""
    z = np.array([-2.0, 0.0, 0.0, 2.0, 4.0])
    assert winsorised_overdispersion(z) == pytest.approx(3.136)
    assert additive_tau2(z, np.full(5, 0.0025)) == pytest.approx(0.0073)


def test_no_overdispersion_gives_tau2_zero():
    """z = -1, 0, 1: winsorised -0.8, 0, 0.8; phi = 1.28 / 3; I phi = 1.28 <= I - 1 = 2: tau2 = 0."""
    assert additive_tau2(np.array([-1.0, 0.0, 1.0]), np.full(3, 0.01)) == 0


def test_variance_stabilising_scales_go_back_within_their_bounds():
    """asin(sqrt(0.25)) = pi / 6 and back; an angle beyond [0, pi/2] is the bound; a negative root is 0."""
    assert arcsine_scale(np.array([0.25])) == pytest.approx([math.pi / 6])
    assert from_arcsine_scale(np.array([math.pi / 6, -0.1, 2.0])) == pytest.approx([0.25, 0.0, 1.0])
    assert from_root_scale(np.array([-0.5, 1.5])) == pytest.approx([0.0, 2.25])


def test_benjamini_hochberg_by_hand_and_as_statsmodels():
    """p = 0.01, 0.04, 0.03, 0.5 (m = 4): sorted 0.01, 0.03, 0.04, 0.5; p m / rank = 0.04, 0.06, 0.0533,
    0.5; minimum from the top: 0.04, 0.0533, 0.0533, 0.5. A null p-value stays null and is not counted."""
    q = bh_q_values(np.array([0.01, 0.04, np.nan, 0.03, 0.5]))
    assert q[[0, 1, 3, 4]] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert math.isnan(q[2])
    assert q[[0, 1, 3, 4]] == pytest.approx(multipletests([0.01, 0.04, 0.03, 0.5], method="fdr_bh")[1])
