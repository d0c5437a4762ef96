"""Age-and-sex standardised rates by the direct method, with Fay-Feuer gamma confidence intervals.

The Atlas publishes crude rates only. A directly standardised rate answers: what would the unit's % be if
its beneficiaries had the age and sex structure of a standard population?

    rate = 100 * sum_s w_s * d_s / n_s           w_s = N_s / sum N (standard weights)
    v    = 100^2 * sum_s w_s^2 * d_s / n_s^2     (Poisson variance of the weighted sum)

d_s patients and n_s beneficiaries of the unit in stratum s. The 95% interval is Fay and Feuer's
(imaging_atlas.intervals.fay_feuer_interval), capped at 100%.

- **The standard** is fixed: the population of Belgium on 1 January 2022 by sex and 5-year age band
  (85+), from Statbel (int_standard_population). It does not move when a year is added, so a published
  standardised rate never changes afterwards; it is the country's own structure, so Belgium's
  standardised rate stays close to its crude one; and it is an official count, not the beneficiaries of
  one of the years being compared.
- **Strata a unit lacks.** A stratum without beneficiaries has no rate: counting it as 0% (its weight
  left in the sum) pulls the unit down by the weight it misses. A unit with beneficiaries in all 36
  strata (sex x 5-year band) is standardised on them; otherwise the strata are collapsed to sex x 15-year
  bands (00-14, 15-29, 30-44, 45-59, 60-74, 75+: 12 strata), whose weights are the sums of theirs; when
  a broad stratum is still empty the rate is withheld (`empty_broad_stratum`).
- **Few events.** With fewer than 10 patients the rate is withheld (`fewer_than_10_events`), as public
  health agencies do for directly standardised rates: the indirectly standardised ratio O / E
  (standardised_ratios) is the comparison for such small units.

Beneficiaries of unknown sex or age are in the crude rate but in no stratum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from imaging_atlas.intervals import fay_feuer_interval

if TYPE_CHECKING:
    import duckdb

STRATUM = ["sex", "age_band"]
UNIT = ["indicator_code", "year", "geo_level", "geo_code"]
KNOWN_SEXES = ("M", "F")
STANDARD_POPULATION_YEAR = 2022
"""The standard population is Belgium's on 1 January of this year (seed population_belgium_sex_age_2022)."""
BROAD_BAND_YEARS = 15
OLDEST_BROAD_BAND = 75
MINIMUM_EVENTS = 10
FINE_STRATA, BROAD_STRATA = "sex_age_5y", "sex_age_15y"
WITHHELD_EMPTY_STRATUM, WITHHELD_FEW_EVENTS = "empty_broad_stratum", "fewer_than_10_events"


def strata_by_sex_and_age(strata: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """int_indicator_strata summed over BIM status in DuckDB, before pandas sees it: the standardised
    rates and ratios weight by sex and age band only, and pandas then holds a third of the rows. Ordered
    by unit and stratum, so that the sums over them run in one order whatever the engine returned."""
    keys = ", ".join(UNIT + STRATUM)
    sums = "sum(patients) as patients, sum(exams) as exams, sum(beneficiaries) as beneficiaries"
    return strata.aggregate(f"{keys}, {sums}", keys).order(keys).df()


def known_strata(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows whose sex and age band are known: the only ones a standard population can weight."""
    return counts[counts["sex"].isin(KNOWN_SEXES) & (counts["age_band"] != "unknown")]


def standard_weights(population: pd.DataFrame) -> pd.DataFrame:
    """The standard population (sex, age_band, standard_population) with its weights, summing to 1.

    A stratum without population would be one no unit can be weighted in: refused, with the file named.
    """
    empty = population[population["standard_population"] <= 0]
    if len(population) == 0 or len(empty):
        raise ValueError(
            f"int_standard_population (seed population_belgium_sex_age_2022): {len(population)} strata, "
            f"{len(empty)} without population; every sex x age band needs some"
        )
    total = population["standard_population"].sum()
    return population.assign(weight=population["standard_population"] / total)[
        [*STRATUM, "standard_population", "weight"]
    ]


def broad_band(age_band: pd.Series) -> pd.Series:
    """The 15-year band of a 5-year band label (00-04 ... 80-84, 85+): 00-14, 15-29, ..., 60-74, 75+."""
    start = age_band.str.slice(0, 2).astype(int)
    broad_start = np.minimum(start // BROAD_BAND_YEARS * BROAD_BAND_YEARS, OLDEST_BROAD_BAND)
    label = broad_start.map(lambda first: f"{first:02d}-{first + BROAD_BAND_YEARS - 1:02d}")
    return label.where(broad_start < OLDEST_BROAD_BAND, f"{OLDEST_BROAD_BAND}+")


def direct_rates(strata: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Per unit: the weighted sum of its stratum rates, its Poisson variance, the largest weight per
    person, the standard weight its strata cover and how many strata of the standard it has.

    strata: UNIT, sex, age_band, patients, beneficiaries (> 0); weights: sex, age_band, weight.
    """
    joined = strata.merge(weights[[*STRATUM, "weight"]], on=STRATUM)
    persons = joined["beneficiaries"].astype("float64")
    joined = joined.assign(
        weighted_rate=joined["weight"] * joined["patients"] / persons,
        weighted_variance=joined["weight"] ** 2 * joined["patients"] / persons**2,
        weight_per_person=joined["weight"] / persons,
    )
    return joined.groupby(UNIT, as_index=False).agg(
        rate=("weighted_rate", "sum"),
        variance=("weighted_variance", "sum"),
        max_weight_per_person=("weight_per_person", "max"),
        weight_covered=("weight", "sum"),
        strata_present=("weight", "size"),
    )


def standardise(counts: pd.DataFrame, standard: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per indicator, year and unit: crude and directly standardised % with its interval.

    counts: indicator_code, year, geo_level, geo_code, sex, age_band, patients, beneficiaries.
    standard: sex, age_band, weight (from standard_weights), the 5-year strata.
    """
    crude = counts.groupby(UNIT, as_index=False)[["patients", "beneficiaries"]].sum()
    crude = crude[crude["beneficiaries"] > 0]
    crude["crude_value"] = crude["patients"] / (crude["beneficiaries"] / 100)

    fine = known_strata(counts)
    fine = (
        fine[fine["beneficiaries"] > 0]
        .groupby([*UNIT, *STRATUM], as_index=False)[["patients", "beneficiaries"]]
        .sum()
    )
    broad = fine.assign(age_band=broad_band(fine["age_band"]))
    broad = broad.groupby([*UNIT, *STRATUM], as_index=False)[["patients", "beneficiaries"]].sum()
    broad_weights = standard.assign(age_band=broad_band(standard["age_band"]))
    broad_weights = broad_weights.groupby(STRATUM, as_index=False)["weight"].sum()

    by_fine = direct_rates(fine, standard).set_index(UNIT)
    by_broad = direct_rates(broad, broad_weights).set_index(UNIT)
    result = crude.set_index(UNIT)
    result["standard_weight_covered"] = by_fine["weight_covered"].reindex(result.index).fillna(0.0)
    complete_fine = by_fine["strata_present"].reindex(result.index).eq(len(standard))
    complete_broad = by_broad["strata_present"].reindex(result.index).eq(len(broad_weights))
    fine_rates, broad_rates = by_fine.reindex(result.index), by_broad.reindex(result.index)
    chosen = {
        column: np.where(complete_fine, fine_rates[column], broad_rates[column])
        for column in ("rate", "variance", "max_weight_per_person")
    }
    reason = np.select(
        [~complete_fine & ~complete_broad, result["patients"] < MINIMUM_EVENTS],
        [WITHHELD_EMPTY_STRATUM, WITHHELD_FEW_EVENTS],
        default="",
    )
    withheld = reason != ""
    lower, upper = fay_feuer_interval(
        chosen["rate"],
        chosen["variance"],
        chosen["max_weight_per_person"],
        confidence,
    )
    # A standardised % is a weighted mean of proportions: it cannot exceed 100%, the Poisson bound can.
    result["standardised_value"] = np.where(withheld, np.nan, 100 * chosen["rate"])
    result["ci_lower"] = np.where(withheld, np.nan, 100 * lower)
    result["ci_upper"] = np.where(withheld, np.nan, 100 * np.minimum(upper, 1.0))
    result["strata"] = np.where(withheld, None, np.where(complete_fine, FINE_STRATA, BROAD_STRATA))
    result["withheld_reason"] = np.where(withheld, reason, None)
    result["standard_population_year"] = STANDARD_POPULATION_YEAR
    return result.reset_index().sort_values(UNIT, ignore_index=True)
