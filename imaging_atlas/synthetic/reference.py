"""Reference data (geography and imaging code list) loaded from the project's seeds as numpy arrays.

The generator works on integer indices (a person's sector is a row number of the sector table), so
every lookup during generation is an array `take`; strings are only built when a year is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from imaging_atlas.synthetic import parameters as par

EPOCH = np.datetime64("1970-01-01", "D")
OPEN_START_DAY = np.iinfo(np.int32).min
OPEN_END_DAY = np.iinfo(np.int32).max


def default_seeds_dir() -> Path:
    """The project's `seeds/` folder: the repository root is the parent of the `imaging_atlas` package."""
    return Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class Geography:
    """Statistical sectors (the true places of persons) and the initial population grid.

    Sector arrays are aligned on the rows of `statistical_sectors.csv`; commune indices refer to
    `commune_codes_2025`. The sampling arrays group sectors by 2025 commune so that a sector can be
    drawn within a commune with one `searchsorted`.
    """

    sector_codes: np.ndarray  # str, 9 characters
    sector_commune: np.ndarray  # int32 index into commune_codes_2025
    sector_commune_pre2019: np.ndarray  # str, commune code valid up to 2018
    sector_commune_2019: np.ndarray  # str, commune code valid 2019-2024
    sector_commune_2025: np.ndarray  # str, commune code valid from 2025
    sector_unknown_code: np.ndarray  # int32 index of the `...ZZZZ` sector of the sector's pre-2019 commune
    sector_region: np.ndarray  # int8 index into par.REGIONS
    commune_codes_2025: np.ndarray  # str
    commune_region: np.ndarray  # int8 index into par.REGIONS
    sampling_sectors: np.ndarray  # int32 sector indices with weight > 0, grouped by commune
    sampling_cumulative: np.ndarray  # float64 cumulative weights over sampling_sectors
    commune_weight_start: np.ndarray  # float64 cumulative weight before each commune's block
    commune_weight_total: np.ndarray  # float64 total weight of each commune's block
    grid_commune: np.ndarray  # int32 commune index of each population cell
    grid_is_female: np.ndarray  # bool
    grid_age_min: np.ndarray  # int16
    grid_age_max: np.ndarray  # int16 (95+ closed at the highest single age of the national table)
    grid_population: np.ndarray  # int64 persons on 2022-01-01
    single_age_weight: np.ndarray  # float64 [sex (0 men, 1 women), age]: national persons by single age

    @property
    def n_sectors(self) -> int:
        return len(self.sector_codes)

    @property
    def n_communes(self) -> int:
        return len(self.commune_codes_2025)

    def commune_codes_in_year(self, year: int) -> np.ndarray:
        """Per sector, the code of its commune as valid in `year` (the vintage rule of the raw contract)."""
        if year <= par.PRE_2019_LAST_YEAR:
            return self.sector_commune_pre2019
        if year <= par.PRE_2025_LAST_YEAR:
            return self.sector_commune_2019
        return self.sector_commune_2025


@dataclass(frozen=True)
class CodeList:
    """Imaging codes with their category, setting, weight and validity window as epoch days."""

    code: np.ndarray  # int32 numeric code (imaging codes never start with 0)
    category: np.ndarray  # int8 index into par.CATEGORIES, -1 for categories not generated
    setting: np.ndarray  # str: ambulatory, hospitalised, unknown
    weight: np.ndarray  # float64 relative frequency within the category
    valid_from: np.ndarray  # int32 epoch day, OPEN_START_DAY when open
    valid_to: np.ndarray  # int32 epoch day, OPEN_END_DAY when open

    def __len__(self) -> int:
        return len(self.code)


def epoch_day(iso_date: str) -> int:
    """Days since 1970-01-01 of an ISO date: the integer form of Arrow's date32."""
    return int((np.datetime64(iso_date, "D") - EPOCH).astype(np.int64))


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a seed with every column as text: codes keep their leading zeros."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _sampling_structure(
    sector_commune: np.ndarray, weight: np.ndarray, n_communes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sectors with weight grouped by commune, their global cumulative weights and commune offsets."""
    eligible = np.flatnonzero(weight > 0)
    order = eligible[np.argsort(sector_commune[eligible], kind="stable")]
    cumulative = np.cumsum(weight[order])
    block_end = np.cumsum(np.bincount(sector_commune[order], minlength=n_communes))
    if np.any(np.diff(np.concatenate([[0], block_end])) == 0):
        raise ValueError("every 2025 commune needs at least one sector with households")
    # Offsets are read off the same cumulative array the search runs on, so that rounding can never
    # send a draw into the neighbouring commune's block.
    ends = cumulative[block_end - 1]
    starts = np.concatenate([[0.0], ends[:-1]])
    return order.astype(np.int32), cumulative, starts, ends - starts


def load_geography(seeds_dir: Path) -> Geography:
    """Load sectors, communes and the 2022 population grid from `seeds/geography`."""
    geo_dir = seeds_dir / "geography"
    sectors = _read_csv(geo_dir / "statistical_sectors.csv")
    communes = _read_csv(geo_dir / "communes.csv")
    grid = _read_csv(geo_dir / "population_commune_sex_age5_2022.csv")
    national = _read_csv(geo_dir / "population_belgium_sex_age_2022.csv")

    current = communes[communes["is_current_2025"] == "True"].sort_values("commune_nis")
    commune_codes = current["commune_nis"].to_numpy(dtype=str)
    region_index = {code: i for i, code in enumerate(par.REGIONS)}
    commune_region = current["region_nis"].map(region_index).to_numpy(dtype=np.int8)
    commune_lookup = pd.Series(np.arange(len(commune_codes), dtype=np.int32), index=commune_codes)

    sector_commune = commune_lookup.loc[sectors["commune_nis"]].to_numpy(dtype=np.int32)
    is_unknown = (sectors["is_unknown_sector"] == "True").to_numpy()
    households = pd.to_numeric(sectors["households_2019"], errors="coerce").to_numpy(dtype=float)
    weight = np.where(is_unknown, 0.0, np.where(np.isnan(households), par.EMPTY_SECTOR_WEIGHT, households))
    order, cumulative, starts, totals = _sampling_structure(sector_commune, weight, len(commune_codes))

    sector_codes = sectors["sector_code"].to_numpy(dtype=str)
    sector_lookup = pd.Series(np.arange(len(sectors), dtype=np.int32), index=sector_codes)
    unknown_code = (sectors["commune_nis_pre2019"] + "ZZZZ").to_numpy(dtype=str)
    sector_unknown_code = sector_lookup.loc[unknown_code].to_numpy(dtype=np.int32)

    ages = national["age"].astype(int).to_numpy()
    single_age_weight = np.zeros((2, ages.max() + 1))
    is_female_national = (national["sex"] == "F").to_numpy()
    np.add.at(single_age_weight, (is_female_national.astype(int), ages), national["population"].astype(float))

    age_max = pd.to_numeric(grid["age_max"], errors="coerce").fillna(ages.max()).astype(np.int16)
    return Geography(
        sector_codes=sector_codes,
        sector_commune=sector_commune,
        sector_commune_pre2019=sectors["commune_nis_pre2019"].to_numpy(dtype=str),
        sector_commune_2019=sectors["commune_nis_2019"].to_numpy(dtype=str),
        sector_commune_2025=sectors["commune_nis"].to_numpy(dtype=str),
        sector_unknown_code=sector_unknown_code,
        sector_region=commune_region[sector_commune],
        commune_codes_2025=commune_codes,
        commune_region=commune_region,
        sampling_sectors=order,
        sampling_cumulative=cumulative,
        commune_weight_start=starts,
        commune_weight_total=totals,
        grid_commune=commune_lookup.loc[grid["commune_nis"]].to_numpy(dtype=np.int32),
        grid_is_female=(grid["sex"] == "F").to_numpy(),
        grid_age_min=grid["age_min"].astype(np.int16).to_numpy(),
        grid_age_max=age_max.to_numpy(),
        grid_population=grid["population"].astype(np.int64).to_numpy(),
        single_age_weight=single_age_weight,
    )


def load_code_list(seeds_dir: Path) -> CodeList:
    """Load the imaging code list and its validity windows from `seeds/nomenclature`."""
    nomenclature_dir = seeds_dir / "nomenclature"
    codes = _read_csv(nomenclature_dir / "imaging_codes.csv")
    validity = _read_csv(nomenclature_dir / "imaging_codes_validity.csv")
    codes = codes.merge(validity[["code", "valid_from", "valid_to"]], on="code", how="left").fillna("")
    if not codes["code"].str.fullmatch(r"[1-9]\d{5}").all():
        raise ValueError("imaging codes must be 6 digits without a leading zero")
    category_index = {name: i for i, name in enumerate(par.CATEGORIES)}
    weight = np.where(codes["status"] == "uncertain", par.UNCERTAIN_CODE_WEIGHT, 1.0)
    return CodeList(
        code=codes["code"].astype(np.int32).to_numpy(),
        category=codes["category"].map(category_index).fillna(-1).astype(np.int8).to_numpy(),
        setting=codes["setting"].to_numpy(dtype=str),
        weight=weight,
        valid_from=np.array(
            [epoch_day(d) if d else OPEN_START_DAY for d in codes["valid_from"]], dtype=np.int32
        ),
        valid_to=np.array([epoch_day(d) if d else OPEN_END_DAY for d in codes["valid_to"]], dtype=np.int32),
    )
