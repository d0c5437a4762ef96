"""The figures as compact JSON for the page: column arrays per indicator, year and level.

A row-per-cell JSON repeats every key and code; here each level lists its units once and each
(indicator, year, level) block holds one array per figure in that order, so the page stays small
enough to open from disk. Figures are rounded to what a reader can see (rates to 0.01 point, ratios to
0.001); a column that is empty in a whole block is left out. Masked cells are null in every figure
and 1 in `s`. The funnel limits, eight values per unit, are only drawn: they travel as curves of a
few dozen points and a flag per unit.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from imaging_atlas.explorer.figures import MAP_LEVELS

SHORT_NAMES = {
    "numerator": ("n", None),
    "denominator": ("d", None),
    "value": ("v", 2),
    "ci_low": ("lo", 2),
    "ci_high": ("hi", 2),
    "standardised_value": ("sv", 2),
    "standardised_ci_low": ("slo", 2),
    "standardised_ci_high": ("shi", 2),
    "eb_smoothed_value": ("eb", 2),
    "ratio": ("r", 3),
    "ratio_ci_low": ("rlo", 3),
    "ratio_ci_high": ("rhi", 3),
}
"""Figure column -> (key in the page's JSON, decimals kept; None = a count, kept whole)."""


def unit_lists(figures: pd.DataFrame) -> dict[str, list[list[str]]]:
    """Per level, its units as [code, name_fr, name_nl], by code: the order of every figure array."""
    units = (
        figures[["geo_level", "geo_code", "geo_name_fr", "geo_name_nl"]]
        .drop_duplicates(subset=["geo_level", "geo_code"])
        .sort_values(["geo_level", "geo_code"])
    )
    return {
        level: units.loc[units["geo_level"] == level, ["geo_code", "geo_name_fr", "geo_name_nl"]]
        .fillna("")
        .to_numpy()
        .tolist()
        for level in MAP_LEVELS
    }


def json_array(values: pd.Series, decimals: int | None) -> list[float | int | None]:
    """A column as a JSON list: rounded, whole numbers as int, null for NaN."""
    numbers = values.astype("float64").to_numpy()
    numbers = np.round(numbers, decimals) if decimals is not None else numbers
    return [None if math.isnan(x) else (int(x) if decimals is None else float(x)) for x in numbers]


LIMITS = {
    "limit_95_low": "l95lo",
    "limit_95_high": "l95hi",
    "limit_998_low": "l998lo",
    "limit_998_high": "l998hi",
    "od_limit_95_low": "od95lo",
    "od_limit_95_high": "od95hi",
    "od_limit_998_low": "od998lo",
    "od_limit_998_high": "od998hi",
}
"""Funnel limit column -> key of its curve in the page's JSON."""

CURVE_POINTS = 40
"""Denominators at which a funnel curve is kept: enough for a smooth line at any plot width."""


def funnel_flags(block: pd.DataFrame) -> pd.Series:
    """Where each unit's rate falls: 2 / -2 beyond the high / low 99.8 % limit, 1 / -1 beyond the 95 %
    one, 0 within; null without a shown rate or limits. Computed on the unit's own limits."""
    value = block["value"]
    flags = pd.Series(0.0, index=block.index)
    flags = flags.mask(value > block["limit_95_high"], 1.0).mask(value < block["limit_95_low"], -1.0)
    flags = flags.mask(value > block["limit_998_high"], 2.0).mask(value < block["limit_998_low"], -2.0)
    known = value.notna() & block["limit_95_low"].notna() & block["limit_998_low"].notna()
    return flags.where(known)


def funnel_curves(block: pd.DataFrame, points: int = CURVE_POINTS) -> dict[str, list]:
    """The funnel limits as curves over the denominator, for drawing: {"x": denominators, key: limits}.

    The limits are given at each unit's denominator (hundreds of values for the communes) but a
    reader only sees the lines: they are kept at `points` denominators spread evenly on the log scale
    of the plot, interpolated linearly in log(denominator) between the units' own limits (what the
    line through the units' points draws anyway); with fewer distinct denominators, at those.
    """
    present = [column for column in LIMITS if block[column].notna().any()]
    units = block[block["denominator"].gt(0) & block[present[0]].notna()] if present else block.iloc[0:0]
    if units.empty:
        return {}
    by_size = units.groupby("denominator")[present].first().sort_index()
    sizes = by_size.index.to_numpy(dtype="float64")
    spread = np.unique(np.round(np.geomspace(sizes[0], sizes[-1], points)))
    grid = sizes if len(sizes) <= points else spread
    curves: dict[str, list] = {"x": [int(x) for x in grid]}
    for column in present:
        known = by_size[column].notna().to_numpy()
        limits = np.interp(np.log(grid), np.log(sizes[known]), by_size[column].to_numpy()[known])
        curves[LIMITS[column]] = [round(float(limit), 2) for limit in limits]
    return curves


def block_arrays(block: pd.DataFrame, codes: list[str]) -> dict[str, list]:
    """One (indicator, year, level) block aligned on the level's codes; empty figures left out.

    Besides the figures: `fl`, each unit's position in the funnel (funnel_flags), and `funnel`, the
    limit curves (funnel_curves).
    """
    aligned = block.set_index("geo_code").reindex(codes)
    arrays: dict = {"s": aligned["suppressed"].fillna(False).astype(int).tolist()}
    for column, (key, decimals) in SHORT_NAMES.items():
        if aligned[column].notna().any():
            arrays[key] = json_array(aligned[column], decimals)
    flags = funnel_flags(aligned)
    if flags.notna().any():
        arrays["fl"] = json_array(flags, None)
    curves = funnel_curves(block)
    if curves:
        arrays["funnel"] = curves
    return arrays


def figure_blocks(figures: pd.DataFrame, units: dict[str, list[list[str]]]) -> dict:
    """{indicator: {year: {"national": value, level: arrays}}} for every block of the figures."""
    codes = {level: [unit[0] for unit in level_units] for level, level_units in units.items()}
    blocks: dict = {}
    for (indicator, year, level), block in figures.groupby(
        ["indicator_code", "year", "geo_level"], sort=True
    ):
        year_blocks = blocks.setdefault(indicator, {}).setdefault(str(year), {})
        year_blocks[level] = block_arrays(block, codes[level])
        national = block["national_value"].dropna()
        if not national.empty:
            year_blocks["national"] = round(float(national.iloc[0]), 4)
    return blocks


VARIATION_STATISTICS = {
    "units_shown": "units_shown",
    "units_masked": "units_masked",
    "extremal_quotient": "eq",
    "extremal_quotient_5_95": "eq595",
    "coefficient_of_variation": "cv",
    "coefficient_of_variation_weighted": "cvw",
    "systematic_component_of_variation": "scv",
    "empirical_bayes_statistic": "eb",
    "empirical_bayes_statistic_ci_low": "eb_lo",
    "empirical_bayes_statistic_ci_high": "eb_hi",
}
"""Columns of `variation_statistics` the page shows (computed on published cells only) -> JSON key."""


def variation_blocks(variation: pd.DataFrame | None) -> dict:
    """{indicator: {year: {level: {statistic: value}}}} of `variation_statistics` ({} when missing)."""
    if variation is None:
        return {}
    present = {column: key for column, key in VARIATION_STATISTICS.items() if column in variation.columns}
    blocks: dict = {}
    for row in variation.to_dict("records"):
        values = {
            key: (None if pd.isna(row[column]) else round(float(row[column]), 4))
            for column, key in present.items()
        }
        year_blocks = blocks.setdefault(row["indicator_code"], {}).setdefault(str(row["year"]), {})
        year_blocks[row["geo_level"]] = values
    return blocks


def catalog_entries(catalog: pd.DataFrame, fields: list[tuple[str, str, str]]) -> list[dict]:
    """Per indicator, its codes, measure (patients: a %, exams: a volume) and metadata texts in French
    and Dutch (empty fields left out)."""
    entries = []
    for row in catalog.to_dict("records"):
        meta = {
            language: {
                field: str(row[f"{field}_{language}"])
                for field, _, _ in fields
                if isinstance(row.get(f"{field}_{language}"), str) and row[f"{field}_{language}"]
            }
            for language in ("fr", "nl")
        }
        entries.append(
            {
                "code": row["indicator_code"],
                "atlas_code": row.get("atlas_code") or row["indicator_code"],
                "code_status": row.get("code_status") or "",
                "measure": row.get("measure") or "patients",
                "meta": meta,
            }
        )
    return entries


def page_data(
    figures: pd.DataFrame,
    catalog: pd.DataFrame,
    fields: list[tuple[str, str, str]],
    sources: dict,
    variation: pd.DataFrame | None = None,
) -> dict:
    """Everything the page reads, as one JSON-serialisable dict."""
    units = unit_lists(figures)
    return {
        "levels": MAP_LEVELS,
        "years": sorted(int(year) for year in figures["year"].unique()),
        "units": units,
        "fields": [list(field) for field in fields],
        "indicators": catalog_entries(catalog, fields),
        "sources": sources,
        "figures": figure_blocks(figures, units),
        "variation": variation_blocks(variation),
    }


def to_json(data: dict) -> str:
    """Compact JSON, safe inside a <script> element (no '</' can close it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")
