"""An independent oracle: the indicator marts and cubes computed in plain pandas from the written rules.

Written from the project's rules (docs/raw_contract.md, docs/rules.md, docs/outputs.md: raw contract,
reference data, domicile and counting rules, outputs) without reading or reusing the dbt SQL: no shared
macro, query or helper. It reads the same reference *data* (the seed CSV files: geography, code list and
its validity windows, the indicator registry and its category scope), because which indicators exist and
what they count are data, not logic. Meant for small extracts: the rules that decide about one row
(domicile, age band, code normalisation) are applied row by row, the way one would check a figure by hand;
the counting and the complete grid of units are plain pandas group-bys and merges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

FIRST_YEAR = 2006
BELGIUM = "01000"
LEVELS = ["country", "region", "province", "arrondissement", "commune", "sector"]
CUBE_LEVELS = LEVELS[:-1]
STRATA = ["sex", "age_band", "bim_status"]
MART_COLUMNS = ["year", "geo_level", "geo_code", "numerator", "denominator", "value"]
CUBE_COLUMNS = ["year", "geo_level", "geo_code", *STRATA, "patients", "beneficiaries", "value"]
OLDEST_PLAUSIBLE_AGE = 130


@dataclass(frozen=True)
class Indicator:
    """One row of the indicator registry: what its numerator counts and where it is published."""

    code: str
    measure: str  # 'patients' (persons with >= 1 exam) or 'exams' (net services)
    sector_level_since: int
    cube_code: str | None


@dataclass(frozen=True, repr=False)
class Reference:
    """The reference data (seeds) as plain dictionaries."""

    all_commune_codes: frozenset[str]
    merged_into: dict[str, str]
    current_communes: dict[str, tuple[str, str | None, str]]  # commune -> (arrondissement, province, region)
    sectors: dict[str, str]  # reference sector (not an unknown-sector code) -> its 2025 commune
    regions: tuple[str, ...]
    provinces: tuple[str, ...]
    arrondissements: tuple[str, ...]
    codes: dict[str, tuple[str, str, dt.date | None, dt.date | None]]  # code -> category, provider, from, to
    scope: dict[str, set[tuple[str, str]]]  # indicator -> {(category, provider)}
    indicators: dict[str, Indicator]

    def __repr__(self) -> str:
        """Short: Hypothesis prints the test's arguments with a falsifying example."""
        return (
            f"Reference({len(self.codes)} codes, {len(self.sectors)} sectors, {len(self.scope)} indicators)"
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Hypothesis' pretty printer would otherwise spell out every field of a dataclass."""
        printer.text(repr(self))


def _date_or_none(text) -> dt.date | None:
    return None if pd.isna(text) or text == "" else dt.date.fromisoformat(str(text))


def _read_seed(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def load_indicators(seeds_dir: Path) -> dict[str, Indicator]:
    """The registry seed, read as data: measure, first sector year and cube of every indicator."""
    registry = _read_seed(seeds_dir / "indicators" / "indicator_registry.csv")
    return {
        row.indicator_code: Indicator(
            code=row.indicator_code,
            measure=row.measure,
            sector_level_since=int(row.sector_level_since) if row.sector_level_since else FIRST_YEAR,
            cube_code=row.cube_code or None,
        )
        for row in registry.itertuples()
    }


def load_reference(seeds_dir: Path) -> Reference:
    geography = seeds_dir / "geography"
    communes = _read_seed(geography / "communes.csv")
    mergers = _read_seed(geography / "commune_mergers.csv")
    sectors = _read_seed(geography / "statistical_sectors.csv")
    arrondissements = _read_seed(geography / "arrondissements.csv")
    provinces = _read_seed(geography / "provinces.csv")
    regions = _read_seed(geography / "regions.csv")
    codes = _read_seed(seeds_dir / "nomenclature" / "imaging_codes.csv")
    validity = _read_seed(seeds_dir / "nomenclature" / "imaging_codes_validity.csv")
    scope = _read_seed(seeds_dir / "indicators" / "indicator_exam_scope.csv")

    current = communes[communes["is_current_2025"] == "True"]
    windows = {
        row.code: (_date_or_none(row.valid_from), _date_or_none(row.valid_to))
        for row in validity.itertuples()
    }
    return Reference(
        all_commune_codes=frozenset(communes["commune_nis"]),
        merged_into=dict(zip(mergers["old_nis"], mergers["new_nis"], strict=True)),
        current_communes={
            row.commune_nis: (row.arrondissement_nis, row.province_nis or None, row.region_nis)
            for row in current.itertuples()
        },
        sectors={
            row.sector_code: row.commune_nis
            for row in sectors.itertuples()
            if row.is_unknown_sector != "True"
        },
        regions=tuple(regions["region_nis"]),
        provinces=tuple(provinces.loc[provinces["valid_to"] == "9999-12-31", "province_nis"]),
        arrondissements=tuple(
            arrondissements.loc[arrondissements["valid_to"] == "9999-12-31", "arrondissement_nis"]
        ),
        codes={
            row.code: (row.category, row.provider, *windows.get(row.code, (None, None)))
            for row in codes.itertuples()
        },
        scope={
            indicator: set(zip(rows["category"], rows["provider"], strict=True))
            for indicator, rows in scope.groupby("indicator_code")
        },
        indicators=load_indicators(seeds_dir),
    )


def _text(value) -> str | None:
    """A raw text value; a missing or blank one is None."""
    if value is None or pd.isna(value):
        return None
    text = str(value).strip()
    return text or None


def commune_2025(code: str | None, reference: Reference) -> str | None:
    """A commune of the reference (any vintage), followed through the mergers; None when not known."""
    if code is None or code not in reference.all_commune_codes:
        return None
    seen = set()
    while code in reference.merged_into and code not in seen:
        seen.add(code)
        code = reference.merged_into[code]
    return code


def finest_unit(person: dict, reference: Reference) -> str | None:
    """Domicile fallback: 31 December, else 30 June, else none; the sector from the same date."""
    for date in ("dec31", "jun30"):
        commune = commune_2025(_text(person[f"commune_{date}"]), reference)
        if commune is not None:
            sector = _text(person[f"sector_{date}"])
            if sector is not None and reference.sectors.get(sector) == commune:
                return sector
            return commune + "ZZZZ"
    return None


def sex_of(raw) -> str:
    """'M' or 'F' whatever their case or surrounding spaces; anything else is unknown, 'U'."""
    text = _text(raw)
    return text.upper() if text is not None and text.upper() in ("M", "F") else "U"


def age_band(year: int, birth_year) -> str:
    """The 5-year band of age = reference year - birth year: 00-04 ... 80-84, 85+; 'unknown' when the
    birth year is missing or the age is below 0 or above 130 (an implausible age is not a band)."""
    if birth_year is None or pd.isna(birth_year):
        return "unknown"
    age = year - int(birth_year)
    if age < 0 or age > OLDEST_PLAUSIBLE_AGE:
        return "unknown"
    if age >= 85:
        return "85+"
    lower = age - age % 5
    return f"{lower:02d}-{lower + 4:02d}"


def bim_status(increased_reimbursement) -> str:
    if increased_reimbursement is None or pd.isna(increased_reimbursement):
        return "unknown"
    return "bim" if bool(increased_reimbursement) else "non_bim"


def valid_beneficiaries(population: pd.DataFrame, today: dt.date) -> list[dict]:
    """Rows with a person id and a year from 2006 to this year whose person-year is not repeated."""
    rows = population.to_dict("records")
    keys = [
        (_text(row["person_id"]), None if row["year"] is None or pd.isna(row["year"]) else int(row["year"]))
        for row in rows
    ]
    repeated = {key for key in keys if keys.count(key) > 1}
    valid = []
    for row, key in zip(rows, keys, strict=True):
        person_id, year = key
        if person_id is None or year is None:
            continue
        if not FIRST_YEAR <= year <= today.year or key in repeated:
            continue
        valid.append({**row, "person_id": person_id, "year": year})
    return valid


def _mask(flags) -> np.ndarray:
    """A boolean row mask (an empty list would select columns, not rows)."""
    return np.fromiter(flags, dtype=bool)


def normalised_code(raw) -> str | None:
    """Trimmed, left-padded with zeros to 6; None when it is then not 6 digits."""
    text = _text(raw)
    if text is None:
        return None
    if len(text) < 6:
        text = "0" * (6 - len(text)) + text
    return text if len(text) == 6 and text.isdigit() else None


def ancestors(unit: str | None, reference: Reference) -> dict[str, str]:
    """The unit of a person at each level (no domicile = Belgium only)."""
    if unit is None:
        return {"country": BELGIUM}
    commune = unit[:5] if unit.endswith("ZZZZ") else reference.sectors[unit]
    arrondissement, province, region = reference.current_communes[commune]
    chain = {"country": BELGIUM, "region": region, "arrondissement": arrondissement, "commune": commune}
    chain["sector"] = unit
    if province is not None:
        chain["province"] = province
    return chain


def memberships(people: list[dict], reference: Reference) -> pd.DataFrame:
    """One row per beneficiary-year and unit it counts in (every level), with its strata."""
    rows = [
        (
            person["person_id"],
            person["year"],
            sex_of(person["sex"]),
            age_band(person["year"], person["birth_year"]),
            bim_status(person["increased_reimbursement"]),
            level,
            code,
        )
        for person in people
        for level, code in ancestors(finest_unit(person, reference), reference).items()
    ]
    frame = pd.DataFrame(rows, columns=["person_id", "year", *STRATA, "geo_level", "geo_code"])
    return frame.astype({"year": "int64"})


def imaging_services(
    claims: pd.DataFrame, beneficiaries: set[tuple[str, int]], reference: Reference, today: dt.date
) -> pd.DataFrame:
    """The services that count: netted imaging services whose net quantity is > 0 (a correction that
    cancels its line, or more, leaves no exam)."""
    services = netted_services(claims, beneficiaries, reference, today)
    return services[services["net_quantity"] > 0]


def netted_services(
    claims: pd.DataFrame, beneficiaries: set[tuple[str, int]], reference: Reference, today: dt.date
) -> pd.DataFrame:
    """Services of the code list inside the code's validity window, with their net quantity.

    Lines are netted per (person, normalised code, service date) after the line rules: a person id,
    a date from 2006 to today, a 6-digit code, a quantity, and a person who is a beneficiary that year.
    Columns: person_id, year, code, service_date, category, provider, net_quantity.
    """
    lines = pd.DataFrame(
        {
            "person_id": claims["person_id"].map(_text),
            "service_date": claims["service_date"].map(
                lambda value: None if value is None or pd.isna(value) else pd.Timestamp(value).date()
            ),
            "code": claims["nomenclature_code"].map(normalised_code),
            "quantity": claims["quantity"],
        }
    )
    lines = lines.dropna(subset=["person_id", "service_date", "code", "quantity"])
    in_range = lines["service_date"].map(lambda day: dt.date(FIRST_YEAR, 1, 1) <= day <= today)
    lines = lines[_mask(in_range)]
    lines = lines.assign(year=[day.year for day in lines["service_date"]])
    lines = lines[
        _mask(
            (person, year) in beneficiaries
            for person, year in zip(lines["person_id"], lines["year"], strict=True)
        )
    ]
    columns = ["person_id", "year", "code", "service_date", "category", "provider", "net_quantity"]
    if lines.empty:
        return pd.DataFrame(columns=columns)
    services = (
        lines.groupby(["person_id", "year", "code", "service_date"], as_index=False)["quantity"]
        .sum()
        .rename(columns={"quantity": "net_quantity"})
    )
    services = services[services["code"].isin(reference.codes.keys())]
    code_facts = services["code"].map(reference.codes)
    services = services.assign(
        category=code_facts.map(lambda facts: facts[0]),
        provider=code_facts.map(lambda facts: facts[1]),
    )
    inside_window = _mask(
        (facts[2] is None or day >= facts[2]) and (facts[3] is None or day <= facts[3])
        for facts, day in zip(code_facts, services["service_date"], strict=True)
    )
    return services.loc[inside_window, columns]


def numerator_by_person(services: pd.DataFrame, indicator: Indicator, reference: Reference) -> pd.DataFrame:
    """Per (person, year): 1 for a patient with an exam in the indicator's scope, or the exams counted.

    A service is in scope when its (category, provider) or (category, 'any') is a scope row: it counts
    once for the indicator whatever the number of scope rows it matches.
    """
    scope = reference.scope.get(indicator.code, set())
    in_scope = _mask(
        (category, provider) in scope or (category, "any") in scope
        for category, provider in zip(services["category"], services["provider"], strict=True)
    )
    counted = services[in_scope].groupby(["person_id", "year"], as_index=False)["net_quantity"].sum()
    if indicator.measure == "patients":
        counted["net_quantity"] = 1
    counted = counted.astype({"person_id": "object", "year": "int64", "net_quantity": "int64"})
    return counted.rename(columns={"net_quantity": "numerator"})


def published_units(reference: Reference, levels: list[str]) -> pd.DataFrame:
    """Every unit of the 2025 geography per level (sectors: reference ones + one bucket per commune)."""
    communes = sorted(reference.current_communes)
    units = {
        "country": [BELGIUM],
        "region": sorted(reference.regions),
        "province": sorted(reference.provinces),
        "arrondissement": sorted(reference.arrondissements),
        "commune": communes,
        "sector": sorted(reference.sectors) + [commune + "ZZZZ" for commune in communes],
    }
    return pd.DataFrame(
        [(level, code) for level in levels for code in units[level]], columns=["geo_level", "geo_code"]
    )


def per_hundred(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / (denominator / 100), unrounded; null (NaN) where the denominator is 0."""
    return (numerator / (denominator / 100)).where(denominator != 0)


def unit_grid(years: list[int], units: pd.DataFrame, sector_level_since: int) -> pd.MultiIndex:
    """Every (year, level, unit) published: each unit every year; sectors from their first year only."""
    grid = pd.DataFrame({"year": years}).merge(units, how="cross")
    grid = grid[(grid["geo_level"] != "sector") | (grid["year"] >= sector_level_since)]
    return pd.MultiIndex.from_frame(grid)


def counts_on_grid(people: pd.DataFrame, key: list[str], measure: str, grid: pd.MultiIndex) -> pd.DataFrame:
    """The measure summed and the beneficiaries counted per key, then put on the grid (0 elsewhere)."""
    counts = people.groupby(key).agg(
        **{measure: ("numerator", "sum"), "beneficiaries": ("person_id", "size")}
    )
    rows = counts.reindex(grid, fill_value=0).astype("int64").reset_index()
    rows["value"] = per_hundred(rows[measure], rows["beneficiaries"])
    return rows


def mart(members: pd.DataFrame, counted: pd.DataFrame, grid: pd.MultiIndex) -> pd.DataFrame:
    """One row per (year, level, unit) of the grid: numerator, beneficiaries as denominator, value."""
    people = members.merge(counted, on=["person_id", "year"], how="left").fillna({"numerator": 0})
    rows = counts_on_grid(people, MART_COLUMNS[:3], "numerator", grid)
    return rows.rename(columns={"beneficiaries": "denominator"})[MART_COLUMNS]


def cube(members: pd.DataFrame, counted: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Patients and beneficiaries per year, unit (country ... commune) and stratum, on the grid of every
    unit x the strata present among that year's beneficiaries (domiciled or not)."""
    people = members.merge(counted, on=["person_id", "year"], how="left").fillna({"numerator": 0})
    strata = members[["year", *STRATA]].drop_duplicates().merge(units, how="cross")
    grid = pd.MultiIndex.from_frame(strata[CUBE_COLUMNS[:6]])
    rows = counts_on_grid(people, CUBE_COLUMNS[:6], "numerator", grid)
    return rows.rename(columns={"numerator": "patients"})[CUBE_COLUMNS]


def oracle_tables(
    population: pd.DataFrame,
    claims: pd.DataFrame,
    reference: Reference,
    tables: list[str],
    today: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """The named marts (an indicator code) and cubes (a registry cube_code), computed from the extract."""
    today = today or dt.date.today()
    people = valid_beneficiaries(population, today)
    members = memberships(people, reference)
    services = imaging_services(claims, {(p["person_id"], p["year"]) for p in people}, reference, today)
    cubes = {
        indicator.cube_code: indicator for indicator in reference.indicators.values() if indicator.cube_code
    }
    mart_units, cube_units = published_units(reference, LEVELS), published_units(reference, CUBE_LEVELS)

    years = sorted(members["year"].unique())
    grids: dict[int, pd.MultiIndex] = {}  # one grid per first sector year, shared by the marts
    results = {}
    for table in tables:
        if table in cubes:
            counted = numerator_by_person(services, cubes[table], reference)
            results[table] = cube(members[members["geo_level"].isin(CUBE_LEVELS)], counted, cube_units)
        else:
            indicator = reference.indicators[table]
            counted = numerator_by_person(services, indicator, reference)
            since = indicator.sector_level_since
            if since not in grids:
                grids[since] = unit_grid(years, mart_units, since)
            grid = grids[since]
            results[table] = mart(members, counted, grid)
    return results
