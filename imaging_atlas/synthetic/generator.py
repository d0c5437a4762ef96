"""`generate`: simulate the population from the base year on and write the requested years.

The loop carries only the residents of 1 January from one year to the next, plus last year's decedents
(for one defect) and last year's calibration (a warm start). Each requested year is drawn and written
before the next begins.
Every year and purpose has its own random stream, seeded by (seed, year, purpose), so a year's data
do not depend on which other years are written.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from tqdm import tqdm

from imaging_atlas.raw_contract import CLAIMS_SCHEMA
from imaging_atlas.synthetic import arrow_io as aio
from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.calibration import (
    CategoryModel,
    YearCalibration,
    calibrate_year,
    category_model,
    population_cells,
)
from imaging_atlas.synthetic.claims import imaging_lines, other_care_chunks
from imaging_atlas.synthetic.defects import claim_defects, code_styles, population_table
from imaging_atlas.synthetic.population import (
    Residents,
    YearPopulation,
    calibrate_bim,
    initial_residents,
    simulate_year,
)
from imaging_atlas.synthetic.reference import (
    CodeList,
    Geography,
    default_seeds_dir,
    load_code_list,
    load_geography,
)

TABLES = ("population", "claims")


@dataclass(frozen=True)
class YearSummary:
    """What was written for one year, and the calibration it was drawn from."""

    year: int
    population_rows: int
    claims_rows: int
    beneficiaries: int
    imaging_lines: int
    other_lines: int
    seconds: float
    calibration: YearCalibration


@dataclass
class GenerationSummary:
    """Rows written per table and year."""

    out_dir: Path
    scale: float
    seed: int
    years: dict[int, YearSummary] = field(default_factory=dict)

    @property
    def population_rows(self) -> dict[int, int]:
        return {year: s.population_rows for year, s in self.years.items()}

    @property
    def claims_rows(self) -> dict[int, int]:
        return {year: s.claims_rows for year, s in self.years.items()}


@dataclass(frozen=True)
class _Context:
    """Everything a year needs besides its population."""

    out_dir: Path
    seed: int
    geo: Geography
    codes: CodeList
    model: CategoryModel
    other_lines_per_imaging_line: float


def stream(seed: int, year: int, purpose: int) -> np.random.Generator:
    """An independent random generator per (seed, year, purpose)."""
    return np.random.default_rng([seed, year, purpose])


def validate_years(years: Iterable[int]) -> list[int]:
    """Sorted distinct years, each within the simulated period."""
    chosen = sorted({int(y) for y in years})
    if not chosen:
        raise ValueError("no year to generate")
    if chosen[0] < par.BASE_YEAR or chosen[-1] > par.LAST_SUPPORTED_YEAR:
        raise ValueError(f"years must lie within {par.BASE_YEAR}-{par.LAST_SUPPORTED_YEAR}")
    return chosen


def prepare_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse a non-empty output folder unless forced; when forced, remove the tables written before."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise FileExistsError(f"{out_dir} is not empty (use force=True / --force to overwrite)")
        for table in TABLES:
            shutil.rmtree(out_dir / table, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _write_population(context: _Context, population: YearPopulation) -> int:
    table = population_table(
        population, context.geo, stream(context.seed, population.year, par.STREAM_POPULATION_DEFECTS)
    )
    pq.write_table(table, aio.year_file(context.out_dir, "population", population.year))
    return table.num_rows


def _write_claims(
    context: _Context,
    population: YearPopulation,
    calibration: YearCalibration,
    previous_decedents: np.ndarray,
) -> tuple[int, int, int]:
    """Imaging lines, their defects, then the non-imaging lines (drawn only once the imaging lines are
    written, to bound memory), all into one file. Returns (rows, imaging lines, other lines)."""
    year, seed, chunk = population.year, context.seed, par.CLAIMS_CHUNK_ROWS
    person_ids = aio.format_person_ids(population.person_number)
    imaging = imaging_lines(
        population, calibration, context.model, context.codes, stream(seed, year, par.STREAM_IMAGING)
    )
    defects = claim_defects(
        population, imaging, context.codes, previous_decedents, stream(seed, year, par.STREAM_CLAIM_DEFECTS)
    )
    path = aio.year_file(context.out_dir, "claims", year)
    rows = 0
    with pq.ParquetWriter(path, CLAIMS_SCHEMA) as writer:
        clean_style = np.zeros(len(defects.corrections), np.int8)
        for table in chain(
            aio.claim_lines_tables(imaging, defects.imaging_style, person_ids, chunk),
            aio.claim_lines_tables(defects.corrections, clean_style, person_ids, chunk),
            defects.extra_tables,
        ):
            writer.write_table(table)
            rows += table.num_rows
        n_imaging = len(imaging)
        del imaging, defects
        other_rng = stream(seed, year, par.STREAM_OTHER_CARE)
        n_other = 0
        expected_other = context.other_lines_per_imaging_line * n_imaging
        for other in other_care_chunks(population, expected_other, chunk, other_rng):
            for table in aio.claim_lines_tables(other, code_styles(other, other_rng), person_ids, chunk):
                writer.write_table(table)
            rows += len(other)
            n_other += len(other)
    return rows, n_imaging, n_other


def _write_year(
    context: _Context,
    population: YearPopulation,
    calibration: YearCalibration,
    previous_decedents: np.ndarray,
) -> YearSummary:
    started = time.perf_counter()
    population_rows = _write_population(context, population)
    claims_rows, n_imaging, n_other = _write_claims(context, population, calibration, previous_decedents)
    return YearSummary(
        year=population.year,
        population_rows=population_rows,
        claims_rows=claims_rows,
        beneficiaries=len(population),
        imaging_lines=n_imaging,
        other_lines=n_other,
        seconds=time.perf_counter() - started,
        calibration=calibration,
    )


def generate(
    out_dir: Path,
    scale: float,
    years: Iterable[int],
    seed: int,
    *,
    other_lines_per_imaging_line: float = par.DEFAULT_OTHER_LINES_PER_IMAGING_LINE,
    seeds_dir: Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> GenerationSummary:
    """Write the raw extract (population and claims, one Parquet file per table and year) to `out_dir`.

    `scale` 1.0 is Belgium (about 11.5 million beneficiaries a year). `years` may be any set of years
    from 2006 on: the population is always simulated from 2006, and only the requested years are drawn
    and written. The same seed, scale and years give identical data.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if other_lines_per_imaging_line < 0:
        raise ValueError("other_lines_per_imaging_line must not be negative")
    wanted = validate_years(years)
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, force)
    seeds = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    geo, codes, model = load_geography(seeds), load_code_list(seeds), category_model()

    residents: Residents = initial_residents(
        geo, scale, stream(seed, par.BASE_YEAR, par.STREAM_INITIAL_POPULATION)
    )
    bim_model = calibrate_bim(residents, geo, stream(seed, 0, par.STREAM_COMMUNE_DEPRIVATION))
    context = _Context(out_dir, seed, geo, codes, model, other_lines_per_imaging_line)
    summary = GenerationSummary(out_dir=out_dir, scale=scale, seed=seed)
    previous_decedents = np.zeros(0, dtype=np.int64)
    calibration: YearCalibration | None = None
    with tqdm(total=len(wanted), desc="generating", unit="year", disable=None if progress else True) as bar:
        for year in range(par.BASE_YEAR, wanted[-1] + 1):
            population, residents = simulate_year(
                residents, year, geo, bim_model, stream(seed, year, par.STREAM_DEMOGRAPHY)
            )
            # Every simulated year is calibrated, written or not: its solution is the next year's
            # starting point, and a year's data must not depend on which years are written.
            cells = population_cells(population.age, population.is_female, population.region, population.bim)
            calibration = calibrate_year(year, cells, model, calibration)
            if year in wanted:
                bar.set_postfix_str(str(year))
                summary.years[year] = _write_year(context, population, calibration, previous_decedents)
                bar.update()
            previous_decedents = population.person_number[population.died]
    return summary
