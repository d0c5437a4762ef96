"""Clean claim lines: imaging exams drawn person by person from the calibrated model, and the
non-imaging care that makes up most lines of a real extract.

Lines are numeric arrays (`ClaimLines`): person as a row index of the year's population, dates as
epoch days, codes as integers. Strings are only built when a chunk is written (see arrow_io).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.calibration import (
    CategoryModel,
    YearCalibration,
    cell_index,
    fixed_logit_by_cell,
)
from imaging_atlas.synthetic.population import YearPopulation, days_in_year, sigmoid
from imaging_atlas.synthetic.reference import CodeList, epoch_day


@dataclass(frozen=True)
class ClaimLines:
    """Billed service lines of beneficiaries, as parallel arrays."""

    person: np.ndarray  # int32 row of the YearPopulation
    day: np.ndarray  # int32 epoch day of the service
    code: np.ndarray  # int32 nomenclature code
    quantity: np.ndarray  # int16, negative for corrections
    cents: np.ndarray  # int64 reimbursed amount in euro cents, follows the sign of the quantity

    def __len__(self) -> int:
        return len(self.person)

    def take(self, rows: np.ndarray) -> ClaimLines:
        return ClaimLines(
            self.person[rows], self.day[rows], self.code[rows], self.quantity[rows], self.cents[rows]
        )

    @staticmethod
    def empty() -> ClaimLines:
        return ClaimLines(
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0, np.int16),
            np.zeros(0, np.int64),
        )

    @staticmethod
    def concat(parts: list[ClaimLines]) -> ClaimLines:
        return ClaimLines(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("person", "day", "code", "quantity", "cents")
            )
        )


def activity_by_day(year: int) -> np.ndarray:
    """Relative care activity per day of the year: flat, except the 2020 lockdown."""
    activity = np.ones(days_in_year(year))
    if year == par.COVID_YEAR:
        first, last = (epoch_day(d) - epoch_day(f"{year}-01-01") for d in par.COVID_LOCKDOWN)
        activity[first : last + 1] = par.COVID_LOCKDOWN_ACTIVITY
    return activity


def sample_service_days(
    first_day: np.ndarray, last_day: np.ndarray, year: int, rng: np.random.Generator
) -> np.ndarray:
    """Epoch days drawn within each person's insured period, following the daily activity: uniform
    in a normal year, otherwise the inverse of the cumulative activity restricted to the period."""
    activity = activity_by_day(year)
    first = first_day.astype(np.int32)
    span = last_day.astype(np.int32) - first + 1
    if np.all(activity == activity[0]):
        day = first + (rng.random(len(first), dtype=np.float32) * span).astype(np.int32)
        day = np.minimum(day, first + span - 1)
    else:
        cumulative = np.concatenate([[0.0], np.cumsum(activity)])
        low, high = cumulative[first], cumulative[first + span]
        position = low + rng.random(len(first)) * (high - low)
        day = np.clip(np.searchsorted(cumulative, position, side="right") - 1, first, first + span - 1)
    return (day + epoch_day(f"{year}-01-01")).astype(np.int32)


def pick_codes(
    category: int, day: np.ndarray, hospitalised: np.ndarray, codes: CodeList, rng: np.random.Generator
) -> np.ndarray:
    """A code of the category valid on each line's date, of the line's setting where the list has one.

    The dates of a year fall into a few validity regimes (intervals where the same codes are valid);
    codes are drawn per regime and setting, with the list's weights.
    """
    in_category = np.flatnonzero(codes.category == category)
    valid_from = codes.valid_from[in_category].astype(np.int64)
    valid_to = codes.valid_to[in_category].astype(np.int64)
    bounds = np.unique(np.concatenate([valid_from, valid_to + 1]))
    regime = np.searchsorted(bounds, day, side="right")
    setting = codes.setting[in_category]
    result = np.empty(len(day), dtype=np.int32)
    for key in np.unique(regime * 2 + hospitalised):
        rows = np.flatnonzero(regime * 2 + hospitalised == key)
        on_day = int(day[rows[0]])
        valid = (valid_from <= on_day) & (valid_to >= on_day)
        if not valid.any():
            raise ValueError(f"no code of category {par.CATEGORIES[category]} is valid on epoch day {on_day}")
        wanted = "hospitalised" if key % 2 else "ambulatory"
        fit = np.where(
            setting == wanted, 1.0, np.where(setting == "unknown", par.UNKNOWN_SETTING_CODE_WEIGHT, 0.0)
        )
        weight = codes.weight[in_category] * valid * fit
        if weight.sum() == 0:
            weight = codes.weight[in_category] * valid
        result[rows] = codes.code[in_category][
            rng.choice(len(in_category), size=len(rows), p=weight / weight.sum())
        ]
    return result


def amounts_cents(
    median_eur: float, log_sd: float, quantity: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Amounts per line in cents: a lognormal unit price times the quantity."""
    unit = median_eur * np.exp(log_sd * rng.standard_normal(len(quantity), dtype=np.float32))
    return np.rint(unit * 100).astype(np.int64) * quantity


def latent_propensity(population: YearPopulation, rng: np.random.Generator) -> np.ndarray:
    """z ~ N(0, 1) per person-year: a persistent part (the person's) and a part of this year."""
    persistent = np.float32(np.sqrt(par.PERSISTENT_PROPENSITY_SHARE))
    fresh = np.float32(np.sqrt(1 - par.PERSISTENT_PROPENSITY_SHARE))
    return persistent * population.propensity + fresh * rng.standard_normal(len(population), dtype=np.float32)


def imaging_lines(
    population: YearPopulation,
    calibration: YearCalibration,
    model: CategoryModel,
    codes: CodeList,
    rng: np.random.Generator,
) -> ClaimLines:
    """Imaging exams: per category, each person is a patient with the model probability, and a
    patient has 1 + Poisson exam lines on dates of the insured period, each with a valid code.

    The fixed part of the logit only depends on the person's (age, sex, region, BIM) cell, so it is
    tabulated per cell and category and looked up, in single precision.
    """
    cell = cell_index(population.age, population.is_female, population.region, population.bim)
    fixed = fixed_logit_by_cell(model, calibration)
    latent = np.float32(calibration.latent_scale) * latent_propensity(population, rng)
    parts = []
    for c, name in enumerate(par.CATEGORIES):
        probability = sigmoid(fixed[c][cell] + latent)
        patients = np.flatnonzero(rng.random(len(population), dtype=np.float32) < probability)
        n_lines = 1 + rng.poisson(par.EXTRA_EXAMS_MEAN[name], len(patients))
        person = np.repeat(patients, n_lines).astype(np.int32)
        day = sample_service_days(
            population.first_day[person], population.last_day[person], population.year, rng
        )
        elderly = population.age[person] >= par.ELDERLY_MIN_AGE
        p_hospital = par.HOSPITALISED_PROBABILITY[name] + par.ELDERLY_HOSPITALISED_EXTRA * elderly
        hospitalised = rng.random(len(person)) < p_hospital
        quantity = (1 + (rng.random(len(person)) < par.DOUBLE_QUANTITY_PROBABILITY)).astype(np.int16)
        code = pick_codes(c, day, hospitalised, codes, rng)
        cents = amounts_cents(par.AMOUNT_EUR[name], par.AMOUNT_LOG_SD, quantity, rng)
        parts.append(ClaimLines(person, day, code, quantity, cents))
    return ClaimLines.concat(parts)


def other_care_chunks(
    population: YearPopulation, expected_lines: float, chunk_rows: int, rng: np.random.Generator
) -> Iterator[ClaimLines]:
    """Non-imaging lines (consultations, drugs, lab, ...): Poisson per person, more for the old and
    in proportion to the time insured, with codes from ranges that hold no imaging code.

    The counts per person are drawn first; the lines are then built for consecutive groups of persons
    of about `chunk_rows` lines, so that only one chunk is in memory at a time.
    """
    n_days = days_in_year(population.year)
    insured = (population.last_day.astype(np.float64) - population.first_day + 1) / n_days
    weight = (1 + population.age / par.OTHER_CARE_AGE_SCALE) * insured
    counts = rng.poisson(expected_lines * weight / weight.sum())
    lines_before = np.concatenate([[0], np.cumsum(counts)])
    bounds = (
        np.searchsorted(lines_before, np.arange(0, lines_before[-1], max(chunk_rows, 1)), side="right") - 1
    )
    for first, last in zip(bounds, [*bounds[1:], len(population)], strict=True):
        person = np.repeat(np.arange(first, last, dtype=np.int32), counts[first:last])
        yield _other_care_lines(population, person, rng)


def _other_care_lines(population: YearPopulation, person: np.ndarray, rng: np.random.Generator) -> ClaimLines:
    """Dates, codes, quantities and amounts of the given persons' non-imaging lines."""
    n = len(person)
    day = sample_service_days(population.first_day[person], population.last_day[person], population.year, rng)
    (low_zero, high_zero), (low, high) = par.OTHER_CODE_RANGES
    code = np.where(
        rng.random(n, dtype=np.float32) < par.OTHER_LEADING_ZERO_RANGE_SHARE,
        rng.integers(low_zero, high_zero + 1, n, dtype=np.int32),
        rng.integers(low, high + 1, n, dtype=np.int32),
    )
    quantity = (
        1 + rng.choice(len(par.OTHER_QUANTITY_PROBABILITIES), n, p=par.OTHER_QUANTITY_PROBABILITIES)
    ).astype(np.int16)
    cents = amounts_cents(par.OTHER_AMOUNT_MEDIAN_EUR, par.OTHER_AMOUNT_LOG_SD, quantity, rng)
    return ClaimLines(person, day, code, quantity, cents)
