"""An independent oracle: the headline % indicators computed in plain pandas from DESIGN.md alone.

Written from the text of ../shared/DESIGN.md (§1 raw contract, §2 reference data, §3 rules, §4 outputs)
without reading or reusing the dbt SQL: no shared macro, query or helper. It reads the same reference
*data* (the seed CSV files), because the code lists and the geography are data, not logic. Meant for
small extracts: it walks persons one by one, the way one would check a figure by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

FIRST_YEAR = 2006
BELGIUM = "01000"
LEVELS = ["country", "region", "province", "arrondissement", "commune", "sector"]


@dataclass(frozen=True)
class Reference:
    """The reference data of DESIGN.md §2, as plain dictionaries."""

    all_commune_codes: frozenset[str]
    merged_into: dict[str, str]
    current_communes: dict[str, tuple[str, str | None, str]]  # commune -> (arrondissement, province, region)
    sectors: dict[str, str]  # reference sector (not an unknown-sector code) -> its 2025 commune
    regions: tuple[str, ...]
    provinces: tuple[str, ...]
    arrondissements: tuple[str, ...]
    codes: dict[str, tuple[str, str, dt.date | None, dt.date | None]]  # code -> category, provider, from, to
    scope: dict[str, set[tuple[str, str]]]  # indicator -> {(category, provider)}


def _date_or_none(text) -> dt.date | None:
    return None if pd.isna(text) or text == "" else dt.date.fromisoformat(str(text))


def load_reference(seeds_dir: Path) -> Reference:
    geography = seeds_dir / "geography"
    communes = pd.read_csv(geography / "communes.csv", dtype=str, keep_default_na=False)
    mergers = pd.read_csv(geography / "commune_mergers.csv", dtype=str, keep_default_na=False)
    sectors = pd.read_csv(geography / "statistical_sectors.csv", dtype=str, keep_default_na=False)
    arrondissements = pd.read_csv(geography / "arrondissements.csv", dtype=str, keep_default_na=False)
    provinces = pd.read_csv(geography / "provinces.csv", dtype=str, keep_default_na=False)
    regions = pd.read_csv(geography / "regions.csv", dtype=str, keep_default_na=False)
    codes = pd.read_csv(seeds_dir / "nomenclature" / "imaging_codes.csv", dtype=str, keep_default_na=False)
    validity = pd.read_csv(
        seeds_dir / "nomenclature" / "imaging_codes_validity.csv", dtype=str, keep_default_na=False
    )
    scope = pd.read_csv(
        seeds_dir / "indicators" / "indicator_exam_scope.csv", dtype=str, keep_default_na=False
    )

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
    """§3 domicile fallback: 31 December, else 30 June, else none; the sector from the same date."""
    for date in ("dec31", "jun30"):
        commune = commune_2025(_text(person[f"commune_{date}"]), reference)
        if commune is not None:
            sector = _text(person[f"sector_{date}"])
            if sector is not None and reference.sectors.get(sector) == commune:
                return sector
            return commune + "ZZZZ"
    return None


def valid_beneficiaries(population: pd.DataFrame, today: dt.date) -> list[dict]:
    """§1: rows with a person id and a year from 2006 to this year whose person-year is not repeated."""
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


def normalised_code(raw) -> str | None:
    """§1: trimmed, left-padded with zeros to 6; None when it is then not 6 digits."""
    text = _text(raw)
    if text is None:
        return None
    if len(text) < 6:
        text = "0" * (6 - len(text)) + text
    return text if len(text) == 6 and text.isdigit() else None


def patients(
    claims: pd.DataFrame, beneficiaries: set[tuple[str, int]], reference: Reference, today: dt.date
) -> dict[str, set[tuple[str, int]]]:
    """Per indicator, the (person, year) with at least one service of net quantity > 0 in its scope."""
    net: dict[tuple[str, str, dt.date], int] = {}
    for line in claims.to_dict("records"):
        person_id = _text(line["person_id"])
        service_date = line["service_date"]
        if person_id is None or service_date is None or pd.isna(service_date):
            continue
        service_date = pd.Timestamp(service_date).date()
        if service_date < dt.date(FIRST_YEAR, 1, 1) or service_date > today:
            continue
        code = normalised_code(line["nomenclature_code"])
        quantity = line["quantity"]
        if code is None or quantity is None or pd.isna(quantity):
            continue
        if (person_id, service_date.year) not in beneficiaries:
            continue
        key = (person_id, code, service_date)
        net[key] = net.get(key, 0) + int(quantity)

    found: dict[str, set[tuple[str, int]]] = {indicator: set() for indicator in reference.scope}
    for (person_id, code, service_date), quantity in net.items():
        if quantity <= 0 or code not in reference.codes:
            continue
        category, provider, valid_from, valid_to = reference.codes[code]
        if (valid_from and service_date < valid_from) or (valid_to and service_date > valid_to):
            continue
        for indicator, scope in reference.scope.items():
            if (category, provider) in scope or (category, "any") in scope:
                found[indicator].add((person_id, service_date.year))
    return found


def ancestors(unit: str | None, reference: Reference) -> dict[str, str]:
    """The unit of a person at each level (§3: no domicile = Belgium only)."""
    if unit is None:
        return {"country": BELGIUM}
    commune = unit[:5] if unit.endswith("ZZZZ") else reference.sectors[unit]
    arrondissement, province, region = reference.current_communes[commune]
    chain = {"country": BELGIUM, "region": region, "arrondissement": arrondissement, "commune": commune}
    chain["sector"] = unit
    if province is not None:
        chain["province"] = province
    return chain


def all_units(reference: Reference) -> dict[str, list[str]]:
    """§3/§4: every unit of the 2025 geography per level (sectors: reference ones + one bucket each)."""
    communes = sorted(reference.current_communes)
    return {
        "country": [BELGIUM],
        "region": sorted(reference.regions),
        "province": sorted(reference.provinces),
        "arrondissement": sorted(reference.arrondissements),
        "commune": communes,
        "sector": sorted(reference.sectors) + [commune + "ZZZZ" for commune in communes],
    }


def oracle_marts(
    population: pd.DataFrame,
    claims: pd.DataFrame,
    reference: Reference,
    indicators: dict[str, int | None],
    today: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """The marts of §4 for each indicator (-> first year of its sector level, None = always)."""
    today = today or dt.date.today()
    people = valid_beneficiaries(population, today)
    units_of = {(p["person_id"], p["year"]): ancestors(finest_unit(p, reference), reference) for p in people}
    with_exam = patients(claims, set(units_of), reference, today)
    years = sorted({year for _, year in units_of})
    units = all_units(reference)

    marts = {}
    for indicator, sector_since in indicators.items():
        counts: dict[tuple[int, str, str], list[int]] = {}
        for (person_id, year), chain in units_of.items():
            for level, code in chain.items():
                tally = counts.setdefault((year, level, code), [0, 0])
                tally[1] += 1
                tally[0] += (person_id, year) in with_exam[indicator]
        rows = []
        for year in years:
            for level in LEVELS:
                if level == "sector" and sector_since is not None and year < sector_since:
                    continue
                for code in units[level]:
                    numerator, denominator = counts.get((year, level, code), (0, 0))
                    value = numerator / (denominator / 100) if denominator else None
                    rows.append((year, level, code, numerator, denominator, value))
        marts[indicator] = pd.DataFrame(
            rows, columns=["year", "geo_level", "geo_code", "numerator", "denominator", "value"]
        )
    return marts
