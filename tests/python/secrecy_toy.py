"""A toy Belgium for the secrecy tests: six communes, four sectors, a registry of three groups (all
imaging, radiologists, therapeutic interventional imaging from 2016 at the sectors) or four (with
ultrasound, the three then partition all imaging), their exam scopes, and int_indicator_figures of an
extract of persons written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

# A toy Belgium: Flanders with one province of two arrondissements, Brussels (no province), Wallonia.
TOY_COMMUNES = {
    # commune: (arrondissement, province, region)
    "11001": ("11000", "10000", "02000"),
    "11002": ("11000", "10000", "02000"),
    "12001": ("12000", "10000", "02000"),
    "21001": ("21000", None, "04000"),
    "21002": ("21000", None, "04000"),
    "51001": ("51000", "50000", "03000"),
}
TOY_SECTORS = {"11001A": "11001", "11001B": "11001", "21002A": "21002", "21002B": "21002"}
TOY_LEAVES = [*TOY_SECTORS, "11002", "12001", "21001", "51001"]

# Three groups: all imaging, one group published at sector level from every year, one from 2016.
TOY_REGISTRY = pd.DataFrame(
    [
        ("stat_013_001_at", "all_imaging", "patients", "stat_013_002_at", 2006),
        ("stat_013_002_at", "all_imaging", "exams", "stat_013_001_at", 2006),
        ("stat_013_003_at", "radiologists", "patients", "stat_013_004_at", 2006),
        ("stat_013_004_at", "radiologists", "exams", "stat_013_003_at", 2006),
        ("stat_013_023_at", "interventional_therapeutic", "patients", "stat_013_024_at", 2016),
        ("stat_013_024_at", "interventional_therapeutic", "exams", "stat_013_023_at", 2016),
    ],
    columns=["indicator_code", "indicator_group", "measure", "paired_code", "sector_level_since"],
).assign(published=True)
# What each group counts: radiologists count the RX codes (all by radiologists), therapy its own codes
# (provider unknown); all imaging counts those and the ultrasound codes of specialists (the persons'
# `other_exams`). Radiologists and therapy are disjoint inside all imaging and do not cover it.
TOY_CODES = pd.DataFrame(
    [("RX", "radiologist"), ("interventional_therapeutic", "unknown"), ("echography", "specialist")],
    columns=["category", "provider"],
)
TOY_SCOPE = pd.DataFrame(
    [
        (code, category, "any")
        for code in ("stat_013_001_at", "stat_013_002_at")
        for category in ("RX", "interventional_therapeutic", "echography")
    ]
    + [
        (code, category, "radiologist")
        for code in ("stat_013_003_at", "stat_013_004_at")
        for category in ("RX", "echography")
    ]
    + [(code, "interventional_therapeutic", "any") for code in ("stat_013_023_at", "stat_013_024_at")]
    + [(code, "echography", "any") for code in ("stat_013_017_at", "stat_013_018_at")],
    columns=["indicator_code", "category", "provider"],
)
# With ultrasound (the `other_exams`) the three groups partition all imaging: their exams add up to it.
TOY_PARTITION_REGISTRY = pd.concat(
    [
        TOY_REGISTRY,
        pd.DataFrame(
            [
                ("stat_013_017_at", "ultrasound", "patients", "stat_013_018_at", 2006),
                ("stat_013_018_at", "ultrasound", "exams", "stat_013_017_at", 2006),
            ],
            columns=["indicator_code", "indicator_group", "measure", "paired_code", "sector_level_since"],
        ).assign(published=True),
    ],
    ignore_index=True,
)
EXAM_COLUMNS = {
    "radiologists": "radiology_exams",
    "interventional_therapeutic": "therapy_exams",
    "ultrasound": "other_exams",
}


def toy_geo_units() -> pd.DataFrame:
    rows = [("country", "01000", None, None, None, None, None)]
    rows += [("region", region, None, None, None, None, region) for region in ("02000", "03000", "04000")]
    rows += [("province", "10000", None, None, None, "10000", "02000")]
    rows += [("province", "50000", None, None, None, "50000", "03000")]
    arrondissements = {(arr, prov, reg) for arr, prov, reg in TOY_COMMUNES.values()}
    rows += [
        ("arrondissement", arr, None, None, arr, prov, reg) for arr, prov, reg in sorted(arrondissements)
    ]
    rows += [("commune", nis, None, nis, *TOY_COMMUNES[nis]) for nis in TOY_COMMUNES]
    rows += [("sector", code, code, nis, *TOY_COMMUNES[nis]) for code, nis in TOY_SECTORS.items()]
    columns = ["geo_level", "geo_code", "sector_code", "commune_nis", "arrondissement_nis", "province_nis"]
    geo = pd.DataFrame(rows, columns=[*columns, "region_nis"])
    return geo.assign(name_fr="fr " + geo["geo_code"], name_nl="nl " + geo["geo_code"])


def toy_figures(
    persons: pd.DataFrame, year: int = 2020, registry: pd.DataFrame = TOY_REGISTRY
) -> pd.DataFrame:
    """int_indicator_figures of a toy extract: one row per person with `leaf` (a leaf unit, or None
    for no known domicile), `radiology_exams`, `therapy_exams` and `other_exams`; every unit of the
    complete grid, sector rows of interventional therapy only from 2016."""
    geo = toy_geo_units()
    exams = {
        "all_imaging": persons["radiology_exams"] + persons["therapy_exams"] + persons["other_exams"],
        **{group: persons[column] for group, column in EXAM_COLUMNS.items()},
    }
    leaf_level = np.where(persons["leaf"].isin(list(TOY_SECTORS)), "sector", "commune")
    placed = pd.DataFrame({"geo_level": leaf_level, "leaf": persons["leaf"]}).merge(
        geo, left_on=["geo_level", "leaf"], right_on=["geo_level", "geo_code"], how="left"
    )
    placed["country"] = "01000"
    numerators = pd.DataFrame(
        {
            code: (exams[group] > 0).astype("int64") if measure == "patients" else exams[group]
            for code, group, measure in registry[["indicator_code", "indicator_group", "measure"]].to_numpy()
        }
    ).assign(denominator=1)
    ancestor = {"sector": "sector_code", "country": "country"}
    frames = []
    for level in ["country", "region", "province", "arrondissement", "commune", "sector"]:
        sums = numerators.groupby(placed[ancestor.get(level, f"{level}_nis")].to_numpy()).sum()
        units = geo.loc[geo["geo_level"] == level, ["geo_level", "geo_code"]]
        wide = units.merge(sums, left_on="geo_code", right_index=True, how="left").fillna(0)
        long = wide.melt(
            id_vars=["geo_level", "geo_code", "denominator"],
            var_name="indicator_code",
            value_name="numerator",
        )
        since = long["indicator_code"].map(registry.set_index("indicator_code")["sector_level_since"])
        frames.append(long[(level != "sector") | (since <= year)].assign(year=year))
    figures = pd.concat(frames, ignore_index=True)
    figures[["numerator", "denominator"]] = figures[["numerator", "denominator"]].astype("int64")
    figures["value"] = figures["numerator"] / (figures["denominator"].where(figures["denominator"] > 0) / 100)
    figures["geo_name_fr"] = figures["geo_code"]
    figures["geo_name_nl"] = figures["geo_code"]
    return figures


def toy_persons(counts: dict[str, list[tuple[int, int, int]]]) -> pd.DataFrame:
    """Persons from {leaf: [(radiology exams, therapy exams, other exams), ...]}."""
    rows = [(leaf, *exams) for leaf, people in counts.items() for exams in people]
    return pd.DataFrame(rows, columns=["leaf", "radiology_exams", "therapy_exams", "other_exams"])


def crowd(size: int, radiology: int = 0, therapy: int = 0, other: int = 0) -> list[tuple[int, int, int]]:
    """`size` persons, the first `radiology` with one radiology exam, the next `therapy` with one
    therapy exam, the next `other` with one other exam, the rest without an exam."""
    people = [(1, 0, 0)] * radiology + [(0, 1, 0)] * therapy + [(0, 0, 1)] * other
    return people + [(0, 0, 0)] * (size - len(people))


def masked_units(published: pd.DataFrame, indicator: str) -> set[str]:
    rows = published[(published["indicator_code"] == indicator) & published["suppressed"]]
    return set(rows["geo_code"])


BALANCED = {
    "11001A": crowd(20, radiology=8, therapy=6, other=6),
    "11001B": crowd(20, radiology=8, therapy=6, other=6),
    "11002": crowd(50, radiology=20, therapy=10, other=10),
    "12001": crowd(40, radiology=15, therapy=10, other=5),
    "21001": crowd(30, radiology=10, therapy=8, other=6),
    "21002A": crowd(20, radiology=8, therapy=6, other=6),
    "21002B": crowd(20, radiology=8, therapy=6, other=6),
    "51001": crowd(60, radiology=20, therapy=15, other=10),
    None: crowd(10, radiology=3, therapy=3, other=2),
}


def publish_toy(counts: dict, year: int = 2020, registry: pd.DataFrame = TOY_REGISTRY) -> pd.DataFrame:
    """The publication layer of a toy extract."""
    from imaging_atlas.publication import publish_indicators

    figures = toy_figures(toy_persons(counts), year, registry)
    return publish_indicators(figures, registry, toy_geo_units(), TOY_SCOPE, TOY_CODES)
