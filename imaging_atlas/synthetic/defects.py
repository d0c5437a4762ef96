"""The defects of real extracts, each at the rate set in parameters.py.

Errors are added as *extra* rows wherever possible (copies of real lines with a broken field, pairs
that cancel out, lines of persons who are not beneficiaries), so that the calibrated figures are what
a correct pipeline measures. The domicile defects (unknown sector, invalid commune) only move persons
between geographic buckets, never out of the national denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pyarrow as pa

from imaging_atlas.raw_contract import POPULATION_SCHEMA
from imaging_atlas.synthetic import arrow_io as aio
from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.claims import ClaimLines
from imaging_atlas.synthetic.population import UNKNOWN_SECTOR, YearPopulation, days_in_year
from imaging_atlas.synthetic.reference import CodeList, Geography, epoch_day

NOT_IN_REFERENCE_SUFFIX = "W999"
"""`<pre-2019 commune>W999`: a well-formed sector code that the sector reference does not hold."""


class DomicileDefect(IntEnum):
    NONE = 0
    SECTOR_NULL = 1
    SECTOR_UNKNOWN_CODE = 2
    SECTOR_NOT_IN_REFERENCE = 3
    SECTOR_OF_OTHER_COMMUNE = 4
    INVALID_COMMUNE = 5


SECTOR_DEFECT_RULES = (
    (DomicileDefect.SECTOR_NULL, "sector_null"),
    (DomicileDefect.SECTOR_UNKNOWN_CODE, "sector_unknown_code"),
    (DomicileDefect.SECTOR_NOT_IN_REFERENCE, "sector_not_in_reference"),
    (DomicileDefect.SECTOR_OF_OTHER_COMMUNE, "sector_of_other_commune"),
)


def defect_count(rule: par.DefectRate, eligible: int, rng: np.random.Generator) -> int:
    """Poisson around rate x eligible rows, at least the rule's minimum, at most the eligible rows."""
    if eligible == 0:
        return 0
    return int(min(eligible, max(rule.minimum, rng.poisson(rule.rate * eligible))))


def pick_rows(candidates: np.ndarray, rule: par.DefectRate, rng: np.random.Generator) -> np.ndarray:
    """Distinct rows among the candidates, as many as `defect_count` says, in ascending order."""
    n = defect_count(rule, len(candidates), rng)
    return np.sort(candidates[rng.choice(len(candidates), size=n, replace=False)])


# --- population -----------------------------------------------------------------------------------


def assign_domicile_defects(
    sector_jun30: np.ndarray, sector_dec31: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Defect kind per row and date: invalid commune codes on both dates for a few persons, then the
    four kinds of unknown sector among the remaining known domiciles of each date."""
    defect_jun30 = np.zeros(len(sector_jun30), dtype=np.int8)
    defect_dec31 = np.zeros(len(sector_dec31), dtype=np.int8)
    both_known = np.flatnonzero((sector_jun30 >= 0) & (sector_dec31 >= 0))
    invalid = pick_rows(both_known, par.POPULATION_DEFECTS["invalid_commune_both_dates"], rng)
    defect_jun30[invalid] = defect_dec31[invalid] = DomicileDefect.INVALID_COMMUNE
    for sector, defect in ((sector_jun30, defect_jun30), (sector_dec31, defect_dec31)):
        for kind, name in SECTOR_DEFECT_RULES:
            candidates = np.flatnonzero((sector >= 0) & (defect == DomicileDefect.NONE))
            defect[pick_rows(candidates, par.POPULATION_DEFECTS[name], rng)] = kind
    return defect_jun30, defect_dec31


def domicile_indices(
    sector: np.ndarray, defect: np.ndarray, geo: Geography, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the commune and sector dictionaries of `domicile_dictionaries` (-1 = null)."""
    n_sectors = geo.n_sectors
    commune = sector.astype(np.int64)
    invalid = np.flatnonzero(defect == DomicileDefect.INVALID_COMMUNE)
    commune[invalid] = n_sectors + rng.integers(0, len(par.INVALID_COMMUNE_CODES), len(invalid))

    shown = sector.astype(np.int64)
    shown[(defect == DomicileDefect.SECTOR_NULL) | (defect == DomicileDefect.INVALID_COMMUNE)] = (
        UNKNOWN_SECTOR
    )
    unknown_code = defect == DomicileDefect.SECTOR_UNKNOWN_CODE
    shown[unknown_code] = geo.sector_unknown_code[sector[unknown_code]]
    not_in_reference = defect == DomicileDefect.SECTOR_NOT_IN_REFERENCE
    shown[not_in_reference] = n_sectors + sector[not_in_reference]
    other = np.flatnonzero(defect == DomicileDefect.SECTOR_OF_OTHER_COMMUNE)
    elsewhere = (sector[other] + rng.integers(1, n_sectors, len(other))) % n_sectors
    same_commune = geo.sector_commune[elsewhere] == geo.sector_commune[sector[other]]
    shown[other] = np.where(same_commune, (elsewhere + n_sectors // 2) % n_sectors, elsewhere)
    return commune, shown


def domicile_dictionaries(geo: Geography, year: int) -> tuple[pa.Array, pa.Array]:
    """Commune codes as valid in `year` per sector (plus the invalid codes), and the sector codes
    (plus one code per sector that is not in the reference)."""
    communes = np.concatenate([geo.commune_codes_in_year(year), np.array(par.INVALID_COMMUNE_CODES)])
    not_in_reference = np.char.add(geo.sector_commune_pre2019, NOT_IN_REFERENCE_SUFFIX)
    return pa.array(communes, pa.string()), pa.array(np.concatenate([geo.sector_codes, not_in_reference]))


def population_table(population: YearPopulation, geo: Geography, rng: np.random.Generator) -> pa.Table:
    """The year's population extract: one row per beneficiary with the domicile codes valid that year
    and their defects, plus duplicated person-years and rows without person id."""
    defect_jun30, defect_dec31 = assign_domicile_defects(
        population.sector_jun30, population.sector_dec31, rng
    )
    commune_dictionary, sector_dictionary = domicile_dictionaries(geo, population.year)
    commune_jun30, sector_jun30 = domicile_indices(population.sector_jun30, defect_jun30, geo, rng)
    commune_dec31, sector_dec31 = domicile_indices(population.sector_dec31, defect_dec31, geo, rng)
    n = len(population)
    table = pa.Table.from_arrays(
        [
            aio.format_person_ids(population.person_number),
            pa.array(np.full(n, population.year, dtype=np.int32)),
            pa.array(population.birth_year.astype(np.int32)),
            pa.array(np.array(["M", "F"])).take(pa.array(population.is_female.astype(np.int8))),
            pa.array(population.bim),
            aio.take_with_nulls(commune_dictionary, commune_dec31),
            aio.take_with_nulls(sector_dictionary, sector_dec31),
            aio.take_with_nulls(commune_dictionary, commune_jun30),
            aio.take_with_nulls(sector_dictionary, sector_jun30),
        ],
        schema=POPULATION_SCHEMA,
    )
    every_row = np.arange(n)
    duplicates = table.take(pick_rows(every_row, par.POPULATION_DEFECTS["duplicate_person_year"], rng))
    without_id = table.take(pick_rows(every_row, par.POPULATION_DEFECTS["null_person_id"], rng))
    without_id = without_id.set_column(0, "person_id", pa.nulls(without_id.num_rows, pa.string()))
    return pa.concat_tables([table, duplicates, without_id])


# --- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimDefects:
    """The claim defects of a year: how the imaging lines are written, and extra lines."""

    imaging_style: np.ndarray  # CodeStyle per imaging line
    corrections: ClaimLines  # partial corrections and cancelled services, of beneficiaries
    extra_tables: list[pa.Table]  # lines with broken fields or of non-beneficiaries


def code_styles(lines: ClaimLines, rng: np.random.Generator) -> np.ndarray:
    """Surrounding spaces on a few lines; lost leading zeros on codes that start with 0."""
    style = np.full(len(lines), aio.CodeStyle.PADDED, dtype=np.int8)
    style[pick_rows(np.arange(len(lines)), par.CLAIM_DEFECTS["code_with_spaces"], rng)] = aio.CodeStyle.SPACED
    leading_zero = np.flatnonzero((lines.code < 100_000) & (style == aio.CodeStyle.PADDED))
    style[pick_rows(leading_zero, par.CLAIM_DEFECTS["leading_zero_lost"], rng)] = aio.CodeStyle.UNPADDED
    return style


def partial_corrections(imaging: ClaimLines, rng: np.random.Generator) -> ClaimLines:
    """A -1 line (half the amount, negative) after some lines billed with quantity 2: net 1 remains."""
    rows = pick_rows(np.flatnonzero(imaging.quantity == 2), par.CLAIM_DEFECTS["partial_correction"], rng)
    corrected = imaging.take(rows)
    return ClaimLines(
        corrected.person,
        corrected.day,
        corrected.code,
        -np.ones(len(rows), np.int16),
        -(corrected.cents // 2),
    )


def cancelled_services(imaging: ClaimLines, n_persons: int, rng: np.random.Generator) -> ClaimLines:
    """Services billed and then cancelled (+1 and -1, same person, code and date): an exam's code and
    date given to another beneficiary, so the pair nets to zero and never counts."""
    n = defect_count(par.CLAIM_DEFECTS["cancelled_service"], len(imaging), rng)
    template = imaging.take(rng.integers(0, len(imaging), n))
    person = rng.integers(0, n_persons, n).astype(np.int32)
    unit_cents = template.cents // template.quantity
    return ClaimLines(
        np.tile(person, 2),
        np.tile(template.day, 2),
        np.tile(template.code, 2),
        np.repeat(np.array([1, -1], np.int16), n),
        np.concatenate([unit_cents, -unit_cents]),
    )


def _copies_table(
    population: YearPopulation,
    template: ClaimLines,
    person_id: pa.Array | None = None,
    code: pa.Array | None = None,
    day: np.ndarray | None = None,
    day_missing: np.ndarray | None = None,
) -> pa.Table:
    """Copies of imaging lines with one field replaced."""
    return aio.claims_table(
        aio.format_person_ids(population.person_number[template.person]) if person_id is None else person_id,
        template.day if day is None else day,
        aio.format_codes(template.code, np.zeros(len(template), np.int8)) if code is None else code,
        template.quantity,
        template.cents,
        day_missing,
    )


def outside_validity_lines(
    population: YearPopulation, codes: CodeList, n: int, rng: np.random.Generator
) -> ClaimLines:
    """Imaging codes billed on dates outside their validity window (e.g. a 2019 code in 2018)."""
    first = epoch_day(f"{population.year}-01-01")
    day = first + np.arange(days_in_year(population.year))
    outside = (day[None, :] < codes.valid_from[:, None]) | (day[None, :] > codes.valid_to[:, None])
    code_index, day_index = np.nonzero(outside)
    if len(code_index) == 0:
        return ClaimLines.empty()
    chosen = rng.integers(0, len(code_index), n)
    quantity = np.ones(n, np.int16)
    return ClaimLines(
        rng.integers(0, len(population), n).astype(np.int32),
        day[day_index[chosen]].astype(np.int32),
        codes.code[code_index[chosen]],
        quantity,
        np.rint(50 * 100 * np.exp(rng.normal(0, 0.3, n))).astype(np.int64),
    )


def claim_defects(
    population: YearPopulation,
    imaging: ClaimLines,
    codes: CodeList,
    previous_decedents: np.ndarray,
    rng: np.random.Generator,
) -> ClaimDefects:
    """The defects of a year's imaging lines and the extra lines, in a fixed order (determinism).
    The non-imaging lines get their code styles when they are drawn (`code_styles`)."""
    rules = par.CLAIM_DEFECTS
    imaging_style = code_styles(imaging, rng)
    corrections = ClaimLines.concat(
        [partial_corrections(imaging, rng), cancelled_services(imaging, len(population), rng)]
    )
    n_imaging = len(imaging)

    def templates(name: str) -> ClaimLines:
        return imaging.take(rng.integers(0, n_imaging, defect_count(rules[name], n_imaging, rng)))

    unparsable = templates("unparsable_code")
    unparsable_code = pa.array(par.UNPARSABLE_CODES, pa.string()).take(
        pa.array(np.arange(len(unparsable)) % len(par.UNPARSABLE_CODES))
    )
    outside = outside_validity_lines(
        population, codes, defect_count(rules["code_outside_validity"], n_imaging, rng), rng
    )
    unknown = templates("unknown_person")
    unknown_number = par.UNKNOWN_PERSON_FIRST_NUMBER + rng.integers(0, 10**9, len(unknown))
    deceased = templates("deceased_last_year")
    if len(previous_decedents) == 0:
        deceased = deceased.take(np.arange(0))
    deceased_number = previous_decedents[rng.integers(0, max(len(previous_decedents), 1), len(deceased))]
    without_person = templates("null_person_id")
    without_date = templates("null_service_date")
    before_2006 = templates("service_date_before_2006")
    first_2005 = epoch_day(f"{par.YEAR_BEFORE_DATA}-01-01")
    extra_tables = [
        _copies_table(population, unparsable, code=unparsable_code),
        aio.claims_table(
            aio.format_person_ids(population.person_number[outside.person]),
            outside.day,
            aio.format_codes(outside.code, np.zeros(len(outside), np.int8)),
            outside.quantity,
            outside.cents,
        ),
        _copies_table(population, unknown, person_id=aio.format_person_ids(unknown_number)),
        _copies_table(population, deceased, person_id=aio.format_person_ids(deceased_number)),
        _copies_table(population, without_person, person_id=pa.nulls(len(without_person), pa.string())),
        _copies_table(population, without_date, day_missing=np.ones(len(without_date), bool)),
        _copies_table(
            population,
            before_2006,
            day=(first_2005 + rng.integers(0, days_in_year(par.YEAR_BEFORE_DATA), len(before_2006))).astype(
                np.int32
            ),
        ),
    ]
    return ClaimDefects(imaging_style, corrections, extra_tables)
