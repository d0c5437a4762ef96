"""The person model: a persistent population that ages, moves, is born, dies and migrates year by year.

Only the residents of 1 January (`Residents`) are carried from one year to the next; everything a
year needs (who is a beneficiary, where they live on 30 June and 31 December, how long they were
insured) is derived from them in `simulate_year`. All operations are vectorised over persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.reference import Geography

UNKNOWN_SECTOR = -1


@dataclass(frozen=True)
class Residents:
    """Persons living in Belgium on 1 January, sorted by person number."""

    person_number: np.ndarray  # int64, stable across years
    birth_year: np.ndarray  # int16
    is_female: np.ndarray  # bool
    sector: np.ndarray  # int32 index of the true (2025-geography) statistical sector
    bim_draw: np.ndarray  # float32 uniform: BIM when below the person's BIM probability
    propensity: np.ndarray  # float32 N(0, 1): the persistent part of the imaging propensity
    next_person_number: int

    def __len__(self) -> int:
        return len(self.person_number)


@dataclass(frozen=True)
class BimModel:
    """BIM probability: logit = intercept + age + region + commune deprivation (stronger for children)."""

    intercept: float
    commune_deprivation: np.ndarray  # float64 logit per 2025 commune


@dataclass(frozen=True)
class YearPopulation:
    """The beneficiaries of one year: residents of 1 January still insured on 30 June or 31 December,
    plus the year's births and immigrants. Days are day-of-year indices (0 = 1 January)."""

    year: int
    person_number: np.ndarray  # int64
    birth_year: np.ndarray  # int16
    is_female: np.ndarray  # bool
    bim: np.ndarray  # bool
    region: np.ndarray  # int8 index into par.REGIONS (of the last domicile of the year)
    propensity: np.ndarray  # float32
    first_day: np.ndarray  # int16: insured from (birth or arrival, else 0)
    last_day: np.ndarray  # int16: insured until (death or emigration, else the last day)
    died: np.ndarray  # bool
    sector_jun30: np.ndarray  # int32, UNKNOWN_SECTOR when not living in Belgium on 30 June
    sector_dec31: np.ndarray  # int32, UNKNOWN_SECTOR when not living in Belgium on 31 December

    def __len__(self) -> int:
        return len(self.person_number)

    @property
    def age(self) -> np.ndarray:
        """Age reached during the year, as the Atlas counts it (year minus birth year)."""
        return (self.year - self.birth_year).astype(np.int16)


def days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


def june_30_day(year: int) -> int:
    """Day-of-year index of 30 June (181 in a leap year)."""
    return 180 + (days_in_year(year) - 365)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_sectors(geo: Geography, commune: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sector of each given 2025 commune, drawn with the sectors' household weights."""
    target = geo.commune_weight_start[commune] + rng.random(len(commune)) * geo.commune_weight_total[commune]
    position = np.searchsorted(geo.sampling_cumulative, target, side="right")
    return geo.sampling_sectors[np.minimum(position, len(geo.sampling_sectors) - 1)]


def _ages_within_bands(geo: Geography, cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Single ages spread within each cell's 5-year band like the national single-age distribution."""
    ages = np.empty(len(cell), dtype=np.int16)
    band_key = geo.grid_age_min[cell].astype(np.int32) * 2 + geo.grid_is_female[cell]
    for key in np.unique(band_key):
        rows = np.flatnonzero(band_key == key)
        first_cell = cell[rows[0]]
        band = np.arange(geo.grid_age_min[first_cell], geo.grid_age_max[first_cell] + 1)
        weight = geo.single_age_weight[int(geo.grid_is_female[first_cell]), band]
        ages[rows] = rng.choice(band, size=len(rows), p=weight / weight.sum())
    return ages


def initial_residents(geo: Geography, scale: float, rng: np.random.Generator) -> Residents:
    """The residents of 1 January of the base year, by commune, sex and age as in the 2022 grid.

    Cell counts are scaled and rounded stochastically (floor plus a Bernoulli draw for the fraction), so
    that small scales keep every commune's expected size without forcing totals.
    """
    expected = geo.grid_population * scale * par.INITIAL_POPULATION_FACTOR
    counts = np.floor(expected).astype(np.int64) + (rng.random(len(expected)) < expected % 1)
    cell = np.repeat(np.arange(len(counts)), counts)
    age = _ages_within_bands(geo, cell, rng)
    n = len(cell)
    return Residents(
        person_number=np.arange(1, n + 1, dtype=np.int64),
        birth_year=(par.BASE_YEAR - 1 - age).astype(np.int16),
        is_female=geo.grid_is_female[cell],
        sector=draw_sectors(geo, geo.grid_commune[cell], rng),
        bim_draw=rng.random(n, dtype=np.float32),
        propensity=rng.standard_normal(n, dtype=np.float32),
        next_person_number=n + 1,
    )


def bim_probability(age: np.ndarray, region: np.ndarray, commune: np.ndarray, model: BimModel) -> np.ndarray:
    """Probability of BIM status: higher for the elderly, in Brussels and Wallonia, and for children
    of deprived communes (the area effect weighs more for them)."""
    area_weight = np.where(age <= par.CHILD_MAX_AGE, par.CHILD_DEPRIVATION_FACTOR, 1.0)
    logit = (
        model.intercept
        + np.interp(age, par.BIM_AGE_KNOTS, par.BIM_AGE_LOGIT)
        + np.asarray(par.BIM_REGION_LOGIT)[region]
        + model.commune_deprivation[commune] * area_weight
    )
    return sigmoid(logit)


def calibrate_bim(residents: Residents, geo: Geography, rng: np.random.Generator) -> BimModel:
    """Draw the communes' deprivation and solve the intercept so that the expected BIM share of the
    base-year residents is par.BIM_TARGET_SHARE (bisection: the share is monotone in the intercept).
    The expectation runs over (age, commune) cells, which hold everything the probability depends on."""
    deprivation = rng.normal(0.0, par.COMMUNE_DEPRIVATION_SD, geo.n_communes)
    age = np.minimum(par.BASE_YEAR - residents.birth_year, par.BIM_AGE_KNOTS[-1]).astype(np.int64)
    commune = geo.sector_commune[residents.sector].astype(np.int64)
    count = np.bincount(age * geo.n_communes + commune, minlength=(age.max() + 1) * geo.n_communes)
    cell = np.flatnonzero(count)
    cell_age, cell_commune = cell // geo.n_communes, cell % geo.n_communes
    cell_region = geo.commune_region[cell_commune]
    low, high = -8.0, 4.0
    for _ in range(30):
        middle = (low + high) / 2
        probability = bim_probability(cell_age, cell_region, cell_commune, BimModel(middle, deprivation))
        share = probability @ count[cell] / count[cell].sum()
        low, high = (middle, high) if share < par.BIM_TARGET_SHARE else (low, middle)
    return BimModel((low + high) / 2, deprivation)


def death_probability(age: np.ndarray, is_female: np.ndarray) -> np.ndarray:
    """Annual death probability: Gompertz above infancy, higher for men."""
    gompertz = par.GOMPERTZ_A * np.exp(par.GOMPERTZ_B * age.astype(np.float64))
    sex_factor = np.where(is_female, par.FEMALE_MORTALITY_FACTOR, par.MALE_MORTALITY_FACTOR)
    probability = np.where(age <= 1, par.INFANT_DEATH_PROBABILITY, gompertz * sex_factor)
    return np.minimum(probability, par.MAX_DEATH_PROBABILITY)


@dataclass(frozen=True)
class _Newcomers:
    """Births or immigrants of the year, before they are merged with the residents."""

    birth_year: np.ndarray
    is_female: np.ndarray
    sector: np.ndarray
    bim_draw: np.ndarray
    propensity: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    died: np.ndarray


def _births(residents: Residents, year: int, rng: np.random.Generator) -> _Newcomers:
    """Newborns take the domicile and BIM draw of a resident woman of childbearing age (so children
    of BIM households tend to be BIM); a few die in their first year, after their birth."""
    n_days = days_in_year(year)
    age = year - residents.birth_year
    low, high = par.MOTHER_AGE_RANGE
    mothers = np.flatnonzero(residents.is_female & (age >= low) & (age <= high))
    if len(mothers) == 0:  # only at absurdly small scales
        mothers = np.arange(len(residents))
    n = int(rng.poisson(par.BIRTH_RATE * len(residents)))
    mother = mothers[rng.integers(0, len(mothers), n)]
    birth_day = rng.integers(0, n_days, n)
    died = rng.random(n) < par.INFANT_DEATH_PROBABILITY
    death_day = birth_day + np.floor(rng.random(n) * (n_days - birth_day)).astype(np.int64)
    return _Newcomers(
        birth_year=np.full(n, year, dtype=np.int16),
        is_female=rng.random(n) < 0.488,
        sector=residents.sector[mother],
        bim_draw=residents.bim_draw[mother],
        propensity=rng.standard_normal(n, dtype=np.float32),
        first_day=birth_day,
        last_day=np.where(died, death_day, n_days - 1),
        died=died,
    )


def _immigrants(residents: Residents, year: int, rng: np.random.Generator) -> _Newcomers:
    """Immigrants settle where residents live (a random resident's sector) on a random day."""
    n_days = days_in_year(year)
    n = int(rng.poisson(par.IMMIGRATION_RATE * len(residents)))
    age = np.clip(np.rint(rng.normal(par.IMMIGRANT_AGE_MEAN, par.IMMIGRANT_AGE_SD, n)), 0, 90)
    return _Newcomers(
        birth_year=(year - age).astype(np.int16),
        is_female=rng.random(n) < 0.5,
        sector=residents.sector[rng.integers(0, len(residents), n)],
        bim_draw=rng.random(n, dtype=np.float32),
        propensity=rng.standard_normal(n, dtype=np.float32),
        first_day=rng.integers(0, n_days, n),
        last_day=np.full(n, n_days - 1),
        died=np.zeros(n, dtype=bool),
    )


def _moves(
    residents: Residents, stays: np.ndarray, n_days: int, geo: Geography, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who moves (only persons staying all year), on which day, and to which sector: most leave
    their commune for a random resident's sector, the others change sector within their commune."""
    n = len(residents)
    moves = stays & (rng.random(n) < par.MOVE_RATE)
    movers = np.flatnonzero(moves)
    other_commune = rng.random(len(movers)) < par.MOVE_OTHER_COMMUNE_SHARE
    elsewhere = residents.sector[rng.integers(0, n, len(movers))]
    nearby = draw_sectors(geo, geo.sector_commune[residents.sector[movers]], rng)
    destination = residents.sector.copy()
    destination[movers] = np.where(other_commune, elsewhere, nearby)
    move_day = rng.integers(1, n_days, n)
    return moves, move_day, destination


def simulate_year(
    residents: Residents, year: int, geo: Geography, bim_model: BimModel, rng: np.random.Generator
) -> tuple[YearPopulation, Residents]:
    """Live one year: deaths, emigration, moves, births and immigration.

    Returns the year's beneficiaries and the residents of 1 January of the next year. Emigrants who
    leave before 30 June are not beneficiaries of the year (not insured on either reference date).
    """
    n_days = days_in_year(year)
    jun30 = june_30_day(year)
    n = len(residents)
    age = (year - residents.birth_year).astype(np.int16)

    dies = rng.random(n) < death_probability(age, residents.is_female)
    emigrates = ~dies & (rng.random(n) < par.EMIGRATION_RATE)
    exit_day = rng.integers(0, n_days, n)
    leaves = dies | emigrates
    last_day = np.where(leaves, exit_day, n_days - 1)
    moves, move_day, destination = _moves(residents, ~leaves, n_days, geo, rng)
    sector_dec31 = np.where(leaves, UNKNOWN_SECTOR, destination)
    sector_jun30 = np.where(moves & (move_day <= jun30), destination, residents.sector)
    sector_jun30 = np.where(last_day >= jun30, sector_jun30, UNKNOWN_SECTOR)
    beneficiary = ~(emigrates & (exit_day < jun30))

    births = _births(residents, year, rng)
    immigrants = _immigrants(residents, year, rng)
    newcomers = [births, immigrants]
    n_new = sum(len(group.birth_year) for group in newcomers)
    new_numbers = np.arange(
        residents.next_person_number, residents.next_person_number + n_new, dtype=np.int64
    )

    def merged(resident_values: np.ndarray, field: str) -> np.ndarray:
        return np.concatenate([resident_values[beneficiary], *(getattr(g, field) for g in newcomers)])

    new_sector = np.concatenate([g.sector for g in newcomers])
    new_first = np.concatenate([g.first_day for g in newcomers])
    new_last = np.concatenate([g.last_day for g in newcomers])
    new_jun30 = np.where((new_first <= jun30) & (new_last >= jun30), new_sector, UNKNOWN_SECTOR)
    new_died = np.concatenate([g.died for g in newcomers])
    new_dec31 = np.where((new_last == n_days - 1) & ~new_died, new_sector, UNKNOWN_SECTOR)

    person_number = np.concatenate([residents.person_number[beneficiary], new_numbers])
    birth_year = merged(residents.birth_year, "birth_year")
    sector = merged(residents.sector, "sector")
    jun30_sector = np.concatenate([sector_jun30[beneficiary], new_jun30]).astype(np.int32)
    dec31_sector = np.concatenate([sector_dec31[beneficiary], new_dec31]).astype(np.int32)
    place = np.where(dec31_sector >= 0, dec31_sector, np.where(jun30_sector >= 0, jun30_sector, sector))
    bim_draw = merged(residents.bim_draw, "bim_draw")
    region = geo.sector_region[place]
    bim = bim_draw < bim_probability(year - birth_year, region, geo.sector_commune[place], bim_model)
    population = YearPopulation(
        year=year,
        person_number=person_number,
        birth_year=birth_year,
        is_female=merged(residents.is_female, "is_female"),
        bim=bim,
        region=region,
        propensity=merged(residents.propensity, "propensity"),
        first_day=np.concatenate([np.zeros(int(beneficiary.sum())), new_first]).astype(np.int16),
        last_day=np.concatenate([last_day[beneficiary], new_last]).astype(np.int16),
        died=merged(dies, "died"),
        sector_jun30=jun30_sector,
        sector_dec31=dec31_sector,
    )
    return population, next_residents(population, bim_draw, residents.next_person_number + n_new)


def next_residents(population: YearPopulation, bim_draw: np.ndarray, next_person_number: int) -> Residents:
    """The persons still living in Belgium on 31 December, at their 31 December domicile."""
    stays = population.sector_dec31 >= 0
    return Residents(
        person_number=population.person_number[stays],
        birth_year=population.birth_year[stays],
        is_female=population.is_female[stays],
        sector=population.sector_dec31[stays],
        bim_draw=bim_draw[stays],
        propensity=population.propensity[stays],
        next_person_number=next_person_number,
    )
