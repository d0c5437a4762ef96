"""Age-and-sex standardised rates by the direct method, with Fay-Feuer gamma confidence intervals.

The Atlas publishes crude rates only. A direct standardised rate answers: what would the unit's % be if
its beneficiaries had the age and sex structure of the standard population (here: the Belgian
beneficiaries of one reference year)?

    rate = 100 * sum_s w_s * d_s / n_s           w_s = N_s / sum N (standard weights)
    v    = 100^2 * sum_s w_s^2 * d_s / n_s^2     (Poisson variance of the weighted sum)

d_s patients and n_s beneficiaries of the unit in stratum s (sex M/F x 5-year age band). The 95%
interval is Fay and Feuer's (Stat Med 1997; 16:791-801): a gamma distribution matched to the rate and
its variance, widened by the largest weight per person w_M = max_s w_s / n_s for the upper bound, so that
it stays valid with few or no patients (the lower bound is 0 when there are none). With outcomes as common
as imaging (up to ~60%) the Poisson variance is larger than the binomial one: the interval is conservative;
its upper bound is capped at 100%.

Strata without beneficiaries in the unit cannot give a rate and contribute nothing; standard_weight_covered
tells which share of the standard population the unit's strata represent (1 when all are present).
Beneficiaries of unknown sex or age are in the crude rate but in no stratum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    import duckdb

STRATUM = ["sex", "age_band"]
UNIT = ["indicator_code", "year", "geo_level", "geo_code"]
KNOWN_SEXES = ("M", "F")


def strata_by_sex_and_age(strata: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """int_indicator_strata summed over BIM status in DuckDB, before pandas sees it: the standardised
    rates and ratios weight by sex and age band only, and pandas then holds a third of the rows."""
    keys = ", ".join(UNIT + STRATUM)
    sums = "sum(patients) as patients, sum(beneficiaries) as beneficiaries"
    return strata.aggregate(f"{keys}, {sums}", keys).df()


def known_strata(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows whose sex and age band are known: the only ones a standard population can weight."""
    return counts[counts["sex"].isin(KNOWN_SEXES) & (counts["age_band"] != "unknown")]


def standard_population(counts: pd.DataFrame, year: int) -> pd.DataFrame:
    """Belgian beneficiaries of `year` by sex and age band, with their weight (summing to 1).

    `counts` is the long input (indicator_code, year, geo_level, geo_code, sex, age_band, patients,
    beneficiaries); the beneficiaries are the same for every indicator, so one indicator is read.
    """
    belgium = known_strata(counts)
    belgium = belgium[(belgium["geo_level"] == "country") & (belgium["year"] == year)]
    if belgium.empty:
        years = sorted(counts["year"].unique().tolist())
        raise ValueError(
            f"standard population: no Belgian beneficiaries of known sex and age in {year}; "
            f"years in the data: {years}"
        )
    first_indicator = belgium["indicator_code"].min()
    population = (
        belgium[belgium["indicator_code"] == first_indicator]
        .groupby(STRATUM, as_index=False)["beneficiaries"]
        .sum()
        .rename(columns={"beneficiaries": "standard_population"})
    )
    population["weight"] = population["standard_population"] / population["standard_population"].sum()
    return population


def fay_feuer_interval(
    rate: np.ndarray, variance: np.ndarray, max_weight_per_person: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Fay-Feuer gamma interval of directly standardised proportions (rates as fractions, not %)."""
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
    # A standardised % is a weighted mean of proportions: it cannot exceed 100%, the Poisson bound can.
    return lower, np.minimum(upper, 1.0)


def standardise(counts: pd.DataFrame, standard: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per indicator, year and unit: crude and directly standardised % with its interval.

    counts: indicator_code, year, geo_level, geo_code, sex, age_band, patients, beneficiaries.
    standard: sex, age_band, weight (from standard_population).
    """
    crude = counts.groupby(UNIT, as_index=False)[["patients", "beneficiaries"]].sum()
    populated = crude["beneficiaries"].where(crude["beneficiaries"] > 0)
    crude["crude_value"] = crude["patients"] / (populated / 100)

    strata = known_strata(counts)
    strata = strata[strata["beneficiaries"] > 0].merge(standard[[*STRATUM, "weight"]], on=STRATUM)
    persons = strata["beneficiaries"].astype("float64")
    strata = strata.assign(
        weighted_rate=strata["weight"] * strata["patients"] / persons,
        weighted_variance=strata["weight"] ** 2 * strata["patients"] / persons**2,
        weight_per_person=strata["weight"] / persons,
    )
    by_unit = strata.groupby(UNIT, as_index=False).agg(
        rate=("weighted_rate", "sum"),
        variance=("weighted_variance", "sum"),
        max_weight_per_person=("weight_per_person", "max"),
        standard_weight_covered=("weight", "sum"),
    )
    lower, upper = fay_feuer_interval(
        by_unit["rate"].to_numpy(),
        by_unit["variance"].to_numpy(),
        by_unit["max_weight_per_person"].to_numpy(),
        confidence,
    )
    by_unit["standardised_value"] = 100 * by_unit["rate"]
    by_unit["ci_lower"] = 100 * lower
    by_unit["ci_upper"] = 100 * upper

    result = crude.merge(
        by_unit[[*UNIT, "standardised_value", "ci_lower", "ci_upper", "standard_weight_covered"]],
        on=UNIT,
        how="left",
    )
    return result.sort_values(UNIT, ignore_index=True)


def standard_population_year(configured: object, years: Sequence[int]) -> int:
    """The configured reference year, or the latest of `years` (the years in the data) when it is
    `latest` (or unset)."""
    if configured is None or str(configured).strip().lower() in ("", "none", "latest"):
        if not years:
            raise ValueError("standard population: the strata hold no year")
        return int(max(years))
    return int(str(configured))
