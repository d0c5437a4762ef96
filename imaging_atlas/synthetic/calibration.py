"""The imaging propensity model and its calibration to the published shares.

For person i, category c and year y the probability of at least one exam is

    p = sigmoid(a[c, y] + age_sex[c](age, sex) + bim[c] * BIM + region[c, r] + mu[r] + s[y] * z)

with z ~ N(0, 1) a latent propensity shared by all categories of the person-year (partly persistent
across years). Correlating the categories through z is what brings the share with *any* exam down to
the published level: with independent categories it would be about 10 points too high.

Calibration solves parameters, never totals: on the year's population cells (age x sex x region x
BIM) and Gauss-Hermite nodes for z, the intercepts a[c, y] are solved (Newton) so that each
category's expected national share is its target, and the latent scale s[y] (root finding) so that
the expected share with any exam is the target. The region shifts mu[r] are solved once, so that the
regions' shares keep the published 2015 gaps. The data are then drawn person by person from p.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from imaging_atlas.synthetic import parameters as par

MAX_MODEL_AGE = 120


@dataclass(frozen=True)
class CategoryModel:
    """The fixed part of the linear predictor, as lookup tables over categories."""

    age_sex: np.ndarray  # [category, age 0..MAX_MODEL_AGE, sex (0 men, 1 women)] logit
    bim: np.ndarray  # [category] logit
    region: np.ndarray  # [category, region] logit


@dataclass(frozen=True)
class Cells:
    """Population counts by age, sex, region and BIM status: what calibration integrates over."""

    age: np.ndarray
    is_female: np.ndarray
    region: np.ndarray
    bim: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class YearCalibration:
    """Solved parameters of one year."""

    year: int
    intercept: np.ndarray  # [category]
    latent_scale: float
    region_shift: np.ndarray  # [region]


def category_model() -> CategoryModel:
    """Tabulate the age-sex profiles, BIM and region effects of parameters.py."""
    ages = np.arange(MAX_MODEL_AGE + 1)
    age_sex = np.stack(
        [
            np.stack([np.interp(ages, par.AGE_KNOTS, values) for values in par.AGE_SEX_LOGIT[c]], axis=1)
            for c in par.CATEGORIES
        ]
    )
    region = np.array([par.REGION_CATEGORY_LOGIT.get(c, (0.0, 0.0, 0.0)) for c in par.CATEGORIES])
    return CategoryModel(age_sex, np.array([par.BIM_LOGIT[c] for c in par.CATEGORIES]), region)


def target_share(curve: Mapping[int, float], year: int) -> float:
    """A published-figure curve at `year` as a fraction: linear between knots, flat outside."""
    years = sorted(curve)
    return float(np.interp(year, years, [curve[y] for y in years])) / 100


def category_targets(year: int) -> np.ndarray:
    return np.array([target_share(par.CATEGORY_TARGET[c], year) for c in par.CATEGORIES])


N_CELLS = (MAX_MODEL_AGE + 1) * 2 * len(par.REGIONS) * 2


def cell_index(age: np.ndarray, is_female: np.ndarray, region: np.ndarray, bim: np.ndarray) -> np.ndarray:
    """The (age, sex, region, BIM) cell of each person, as one integer."""
    age = np.minimum(age, MAX_MODEL_AGE).astype(np.int32)
    return ((age * 2 + is_female) * len(par.REGIONS) + region) * 2 + bim


def all_cells() -> Cells:
    """Every cell, in `cell_index` order, with count 1."""
    index = np.arange(N_CELLS)
    bim, rest = index % 2, index // 2
    region, rest = rest % len(par.REGIONS), rest // len(par.REGIONS)
    return Cells(rest // 2, (rest % 2).astype(bool), region, bim.astype(bool), np.ones(N_CELLS))


def population_cells(age: np.ndarray, is_female: np.ndarray, region: np.ndarray, bim: np.ndarray) -> Cells:
    """Count persons per (age, sex, region, BIM) cell, dropping empty cells."""
    count = np.bincount(cell_index(age, is_female, region, bim), minlength=N_CELLS)
    present = np.flatnonzero(count)
    cells = all_cells()
    return Cells(
        cells.age[present],
        cells.is_female[present],
        cells.region[present],
        cells.bim[present],
        count[present].astype(float),
    )


def fixed_logit_by_cell(model: CategoryModel, calibration: YearCalibration) -> np.ndarray:
    """[category, cell] logit without the latent term, in `cell_index` order (float32 for speed)."""
    predictor = fixed_predictor(all_cells(), model, calibration.region_shift)
    return (predictor + calibration.intercept[:, None]).astype(np.float32)


def fixed_predictor(cells: Cells, model: CategoryModel, region_shift: np.ndarray) -> np.ndarray:
    """[category, cell] logit without the intercept and the latent term."""
    return (
        model.age_sex[:, cells.age, cells.is_female.astype(int)]
        + model.bim[:, None] * cells.bim
        + model.region[:, cells.region]
        + region_shift[cells.region]
    )


@cache
def _latent_nodes() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for the expectation over z ~ N(0, 1)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(par.GAUSS_HERMITE_NODES)
    return nodes, weights / weights.sum()


def _probabilities(
    predictor: np.ndarray, intercept: np.ndarray, scale: float, nodes: np.ndarray
) -> np.ndarray:
    """[category, cell, node] probabilities of at least one exam."""
    return 1.0 / (1.0 + np.exp(-(predictor[:, :, None] + intercept[:, None, None] + scale * nodes)))


def _solve_intercepts(
    predictor: np.ndarray,
    weight: np.ndarray,
    targets: np.ndarray,
    scale: float,
    start: np.ndarray,
) -> np.ndarray:
    """Newton iterations on every category at once: each expected share is increasing in its
    intercept, with derivative E[p (1 - p)]."""
    nodes, node_weight = _latent_nodes()
    joint = weight[:, None] * node_weight[None, :]
    intercept = start.copy()
    for _ in range(60):
        p = _probabilities(predictor, intercept, scale, nodes)
        gap = np.einsum("ckn,kn->c", p, joint) - targets
        if np.max(np.abs(gap)) < 1e-9:
            break
        slope = np.einsum("ckn,kn->c", p * (1 - p), joint)
        intercept -= np.clip(gap / slope, -2.0, 2.0)
    return intercept


def _any_share_by_group(
    predictor: np.ndarray, intercept: np.ndarray, scale: float, weight: np.ndarray, group: np.ndarray
) -> np.ndarray:
    """Expected share with an exam of any category, per group of cells (weights sum to 1 per group)."""
    nodes, node_weight = _latent_nodes()
    none = np.prod(1 - _probabilities(predictor, intercept, scale, nodes), axis=0) @ node_weight
    numerator = np.bincount(group, weights=weight * (1 - none))
    return numerator / np.bincount(group, weights=weight)


def _decreasing_root(
    function: Callable[[float], float], low: float, high: float, value_low: float, value_high: float
) -> float:
    """Root of a decreasing function bracketed by [low, high] (with its values there): Illinois
    variant of false position."""
    side, middle = 0, low
    for _ in range(100):
        middle = (low * value_high - high * value_low) / (value_high - value_low)
        value = function(middle)
        if abs(value) < 1e-7 or high - low < 1e-10:
            break
        if value > 0:
            low, value_low = middle, value
            value_high = value_high / 2 if side == 1 else value_high
            side = 1
        else:
            high, value_high = middle, value
            value_low = value_low / 2 if side == -1 else value_low
            side = -1
    return middle


def solve_year(
    year: int,
    cells: Cells,
    model: CategoryModel,
    targets: np.ndarray,
    target_any: float,
    region_shift: np.ndarray,
    start: YearCalibration | None = None,
) -> YearCalibration:
    """Solve a year's intercepts and latent scale so that the expected national category shares and
    the expected any-imaging share equal their targets.

    At a fixed latent scale the intercepts are solved exactly; the any-share then falls as the scale
    (the correlation between categories) grows, so the scale is a root of a decreasing function. It
    is searched near the `start` solution (a warm start: the parameters move little from one solve to
    the next), else in [0, 8]. Raises when the target cannot be met with positive correlation.
    """
    predictor = fixed_predictor(cells, model, region_shift)
    weight = cells.count / cells.count.sum()
    national = np.zeros(len(weight), dtype=np.int64)
    intercept = np.zeros(len(targets)) if start is None else start.intercept.copy()

    def solved(scale: float) -> np.ndarray:
        nonlocal intercept
        intercept = _solve_intercepts(predictor, weight, targets, scale, intercept)
        return intercept

    def any_gap(scale: float) -> float:
        any_share = _any_share_by_group(predictor, solved(scale), scale, weight, national)[0]
        return float(any_share) - target_any

    brackets = [(0.0, 8.0)]
    if start is not None:
        brackets.insert(0, (max(start.latent_scale - 0.05, 0.0), start.latent_scale + 0.05))
    for low, high in brackets:
        value_low, value_high = any_gap(low), any_gap(high)
        if value_low >= 0 >= value_high:
            break
    else:
        raise ValueError(f"any-imaging target {target_any:.3f} is out of reach of the category targets")
    scale = _decreasing_root(any_gap, low, high, value_low, value_high)
    return YearCalibration(year=year, intercept=solved(scale), latent_scale=scale, region_shift=region_shift)


def region_any_shares(cells: Cells, model: CategoryModel, calibration: YearCalibration) -> np.ndarray:
    """Expected any-imaging share per region (order of par.REGIONS)."""
    predictor = fixed_predictor(cells, model, calibration.region_shift)
    return _any_share_by_group(
        predictor, calibration.intercept, calibration.latent_scale, cells.count, cells.region.astype(np.int64)
    )


def region_targets(cells: Cells, year: int) -> np.ndarray:
    """The regions' any-imaging targets of a year: the national target plus the published 2015 gaps.

    The published 2015 regional figures average 1.1 points below the national one (by population);
    keeping their gaps around the national target keeps both the national level and the ranking.
    """
    published = np.array(par.REGION_ANY_IMAGING_TARGET) / 100
    population = np.bincount(cells.region, weights=cells.count, minlength=len(par.REGIONS))
    national = target_share(par.ANY_IMAGING_TARGET, year)
    return published + national - published @ population / population.sum()


def calibrate_year(
    year: int, cells: Cells, model: CategoryModel, previous: YearCalibration | None = None
) -> YearCalibration:
    """The year's parameters against the interpolated published figures.

    The region shifts are iterated from the previous year's (so one or two solves usually suffice)
    until each region's expected any-imaging share meets `region_targets`: a fixed-point step on the
    logit scale, re-centred on the population, while each solve keeps the national level. Solving
    them every year stops the regions drifting apart as the synthetic population ages differently by
    region.
    """
    targets = region_targets(cells, year)
    population = np.bincount(cells.region, weights=cells.count, minlength=len(par.REGIONS))
    shift = np.zeros(len(par.REGIONS)) if previous is None else previous.region_shift.copy()
    calibration = previous
    for _ in range(50):
        calibration = solve_year(
            year,
            cells,
            model,
            category_targets(year),
            target_share(par.ANY_IMAGING_TARGET, year),
            shift,
            calibration,
        )
        shares = region_any_shares(cells, model, calibration)
        if np.max(np.abs(shares - targets)) < 1e-4:
            break
        shift = shift + 1.5 * (np.log(targets / (1 - targets)) - np.log(shares / (1 - shares)))
        shift -= shift @ population / population.sum()
    return calibration
