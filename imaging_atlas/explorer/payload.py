"""The figures as compact JSON for the page: column arrays per indicator, year and level.

A row-per-cell JSON repeats every key and code; here each level lists its units once and each
(indicator, year, level) block holds one array per figure in that order, so the page stays small
enough to open from disk. Figures are rounded to what a reader can see (rates to 0.01 point, ratios to
0.001); a column that is empty in a whole block is left out. Masked cells are null in every figure
and 1 in `s`. The funnel limits, eight values per unit, are only drawn: each funnel of a block (the
standardised ratio and the crude value) travels as curves of a few dozen points, a flag per unit and
the figure arrays its points are read from.
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
    "eb_smoothed_ci_low": ("eblo", 2),
    "eb_smoothed_ci_high": ("ebhi", 2),
    "ratio": ("r", 3),
    "ratio_ci_low": ("rlo", 3),
    "ratio_ci_high": ("rhi", 3),
    "expected": ("e", 1),
}
"""Figure column -> (key in the page's JSON, decimals kept; None = a count, kept whole)."""

TEXT_NAMES = {"standardised_withheld": "sw", "smoothing_withheld": "ebw"}
"""Columns of the statistics layer's reasons for a withheld figure -> key in the page's JSON."""


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


def json_array(values: pd.Series | np.ndarray, decimals: int | None) -> list[float | int | None]:
    """A column as a JSON list: rounded, whole numbers as int, null for NaN."""
    numbers = np.asarray(values, dtype="float64")
    numbers = np.round(numbers, decimals) if decimals is not None else numbers
    return [None if math.isnan(x) else (int(x) if decimals is None else float(x)) for x in numbers.tolist()]


def text_array(values: pd.Series | np.ndarray) -> list[str | None]:
    """A column of texts as a JSON list, null where empty."""
    return [value if isinstance(value, str) and value else None for value in list(values)]


def aligned(values: np.ndarray, positions: np.ndarray, size: int, fill: object = np.nan) -> np.ndarray:
    """A block's column placed at its units' positions in the level's list (`fill` elsewhere)."""
    out = np.full(size, fill, dtype="float64" if fill is np.nan else object)
    out[positions] = values
    return out


def column_arrays(frame: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
    """The columns as numpy arrays (numbers as float64, texts as objects), sliced per block: a pandas
    selection per block and column costs more than the packing itself."""
    arrays = {}
    for column in columns:
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        arrays[column] = (
            values.to_numpy(dtype="float64", na_value=np.nan) if numeric else values.to_numpy(dtype=object)
        )
    return arrays


def has_values(values: np.ndarray) -> bool:
    """Whether a sliced column holds any value (not NaN, None or empty)."""
    if values.dtype == object:
        return any(isinstance(value, str) and value for value in values)
    return bool(np.isfinite(values).any())


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
"""Values of x at which a funnel curve is kept: enough for a smooth line at any plot width."""

FUNNEL_AXES = {"crude": ("d", "v", 2), "ratio": ("e", "r", 4)}
"""Per funnel, the figure arrays its points are drawn from (x, y: the beneficiaries and the published
value, or the expected count and O / E, as funnel_plot_data defines them) and the decimals of its
limits (points of % or of volume; a ratio near 1 needs four)."""

FLAG_CODES = {"above": 1, "below": -1, "within": 0}
FUNNEL_GROUP = ["indicator_code", "year", "geo_level", "funnel"]


def uses_od_limits(funnels: pd.DataFrame) -> pd.Series:
    """Per row, whether its funnel (indicator, year, level, kind) is judged against the
    overdispersion-adjusted limits: yes when the statistics layer gives them, else the exact ones."""
    has_od = funnels["od_limit_998_low"].notna()
    return has_od.groupby([funnels[column] for column in FUNNEL_GROUP]).transform("any").astype(bool)


def funnel_flags(funnels: pd.DataFrame) -> pd.Series:
    """Where each unit's value falls against its own limits (the od ones where uses_od_limits): 2 / -2
    beyond the high / low 99.8 % limit, 1 / -1 beyond the 95 % one, 0 within; null without a value or
    limits."""
    od = uses_od_limits(funnels)

    def limit(name: str) -> pd.Series:
        return funnels[f"od_{name}"].where(od, funnels[name])

    value = funnels["y_value"]
    flags = pd.Series(0.0, index=funnels.index)
    flags = flags.mask(value > limit("limit_95_high"), 1.0).mask(value < limit("limit_95_low"), -1.0)
    flags = flags.mask(value > limit("limit_998_high"), 2.0).mask(value < limit("limit_998_low"), -2.0)
    known = value.notna() & limit("limit_95_low").notna() & limit("limit_998_low").notna()
    return flags.where(known)


def fdr_flags(funnels: pd.DataFrame) -> pd.Series:
    """The statistics layer's false-discovery-rate flag (1 above, -1 below, 0 within, null unknown), of
    the same limits as funnel_flags."""
    flags = funnels["od_fdr_flag"].where(uses_od_limits(funnels), funnels["fdr_flag"])
    return flags.map(FLAG_CODES).astype("float64")


def funnel_curves(
    x: np.ndarray, limits: dict[str, np.ndarray], points: int = CURVE_POINTS, decimals: int = 2
) -> dict[str, list]:
    """The funnel limits (LIMITS column -> values at each unit's x) as curves over x, for drawing:
    {"x": x values, key: limits}.

    The limits are given at each unit's x (hundreds of values for the communes) but a reader only
    sees the lines: they are kept at `points` values of x spread evenly on the log scale of the plot,
    interpolated linearly in log(x) between the units' own limits (what the line through the units'
    points draws anyway); with fewer distinct values of x, at those.
    """
    present = [column for column in LIMITS if column in limits and np.isfinite(limits[column]).any()]
    if not present:
        return {}
    usable = (x > 0) & np.isfinite(limits[present[0]])
    if not usable.any():
        return {}
    sizes, first = np.unique(x[usable], return_index=True)
    # Four significant digits: an expected count can be far below 1 (a rare exam in a small commune).
    grid = sizes if len(sizes) <= points else np.unique(np.geomspace(sizes[0], sizes[-1], points))
    grid = np.array([float(f"{value:.4g}") for value in grid])
    curves: dict[str, list] = {"x": grid.tolist()}
    for column in present:
        at_sizes = limits[column][usable][first]
        known = np.isfinite(at_sizes)
        interpolated = np.interp(np.log(grid), np.log(sizes[known]), at_sizes[known])
        curves[LIMITS[column]] = [round(float(limit), decimals) for limit in interpolated]
    return curves


def first_value(values: np.ndarray) -> object:
    """The first value of a column that holds one value per block (None when there is none)."""
    for value in values:
        if (isinstance(value, str) and value) or (isinstance(value, float) and math.isfinite(value)):
            return value
    return None


def funnel_block(columns: dict[str, np.ndarray], rows: np.ndarray, kind: str, size: int) -> dict:
    """One funnel of an (indicator, year, level) block (`rows` of the funnel points): which figure
    arrays are its x and y, its limit curves, each unit's flag against them and its false-discovery-
    rate flag (at the unit's position), the target, the overdispersion (tau^2 and method, or why it
    is withheld) and whether the flags use the od limits."""
    x_key, y_key, decimals = FUNNEL_AXES[kind]
    positions = columns["position"][rows].astype("int64")
    tau2 = first_value(columns["overdispersion_tau2"][rows])
    target = first_value(columns["target_value"][rows])
    limits = {column: columns[column][rows] for column in LIMITS}
    entry: dict = {
        "x": x_key,
        "y": y_key,
        "target": None if target is None else round(float(target), 4),
        "od": bool(np.isfinite(limits["od_limit_998_low"]).any()),
        "fl": json_array(aligned(columns["fl"][rows], positions, size), None),
        "curves": funnel_curves(columns["x_value"][rows], limits, decimals=decimals),
    }
    if has_values(columns["fdr"][rows]):
        entry["fdr"] = json_array(aligned(columns["fdr"][rows], positions, size), None)
    if tau2 is not None:
        entry["tau2"] = float(f"{float(tau2):.4g}")
    for key, column in (("method", "overdispersion_method"), ("odWithheld", "od_withheld_reason")):
        text = first_value(columns[column][rows])
        if text is not None:
            entry[key] = str(text)
    return entry


def block_arrays(columns: dict[str, np.ndarray], rows: np.ndarray, size: int) -> dict[str, list]:
    """One (indicator, year, level) block (`rows` of the figures) at its units' positions in the
    level's list of `size` units; empty figures left out."""
    positions = columns["position"][rows].astype("int64")
    suppressed = aligned(columns["suppressed"][rows], positions, size)
    arrays: dict = {"s": [1 if flag == 1 else 0 for flag in suppressed.tolist()]}
    for column, (key, decimals) in SHORT_NAMES.items():
        values = columns[column][rows]
        if has_values(values):
            arrays[key] = json_array(aligned(values, positions, size), decimals)
    for column, key in TEXT_NAMES.items():
        values = columns[column][rows]
        if has_values(values):
            arrays[key] = text_array(aligned(values, positions, size, None))
    return arrays


def with_positions(frame: pd.DataFrame, units: dict[str, list[list[str]]]) -> pd.DataFrame:
    """The frame with `position`: each row's index in its level's list of units."""
    lookup = pd.Series(
        {(level, unit[0]): i for level, level_units in units.items() for i, unit in enumerate(level_units)},
        dtype="float64",
    )
    index = pd.MultiIndex.from_frame(frame[["geo_level", "geo_code"]])
    positions = lookup.reindex(index).to_numpy()
    if np.isnan(positions).any():
        raise ValueError("a funnel point has no published cell of its level and code")
    return frame.assign(position=positions)


def figure_blocks(figures: pd.DataFrame, funnels: pd.DataFrame, units: dict[str, list[list[str]]]) -> dict:
    """{indicator: {year: {"national": value, level: arrays with "funnels": {kind: funnel}}}}."""
    sizes = {level: len(level_units) for level, level_units in units.items()}
    blocks: dict = {}
    group = ["indicator_code", "year", "geo_level"]
    cells = with_positions(figures, units)
    columns = column_arrays(cells, ["position", "suppressed", "national_value", *SHORT_NAMES, *TEXT_NAMES])
    for (indicator, year, level), rows in cells.groupby(group, sort=True).indices.items():
        year_blocks = blocks.setdefault(indicator, {}).setdefault(str(year), {})
        year_blocks[level] = block_arrays(columns, rows, sizes[level])
        national = first_value(columns["national_value"][rows])
        if national is not None:
            year_blocks["national"] = round(float(national), 4)
    if funnels.empty:
        return blocks
    points = with_positions(funnels, units).assign(fl=funnel_flags(funnels), fdr=fdr_flags(funnels))
    names = ["position", "fl", "fdr", "x_value", "target_value", "overdispersion_tau2", *LIMITS]
    columns = column_arrays(points, [*names, "overdispersion_method", "od_withheld_reason"])
    for (indicator, year, level, kind), rows in points.groupby(FUNNEL_GROUP, sort=True).indices.items():
        arrays = blocks[indicator][str(year)][level]
        arrays.setdefault("funnels", {})[kind] = funnel_block(columns, rows, kind, sizes[level])
    return blocks


VARIATION_STATISTICS = {
    "units_shown": "units_shown",
    "units_masked": "units_masked",
    "units_below_minimum_expected": "units_low",
    "extremal_quotient": "eq",
    "extremal_quotient_5_95": "eq595",
    "coefficient_of_variation": "cv",
    "coefficient_of_variation_weighted": "cvw",
    "systematic_component_of_variation": "scv",
    "empirical_bayes_statistic": "eb",
    "empirical_bayes_statistic_ci_low": "eb_lo",
    "empirical_bayes_statistic_ci_high": "eb_hi",
    "dispersion": "dispersion",
    "between_unit_variance_zero": "zero",
    "withheld_reason": "withheld",
    "crude_withheld_reason": "crude_withheld",
}
"""Columns of `variation_statistics` the page shows (computed on published cells only) -> JSON key."""


def json_scalar(value: object) -> float | bool | str | None:
    """One statistic as JSON: numbers to 4 significant places, flags and reasons as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return value
    return float(f"{float(value):.4g}")


def variation_blocks(variation: pd.DataFrame | None) -> dict:
    """{indicator: {year: {level: {statistic: value}}}} of `variation_statistics` ({} when missing)."""
    if variation is None:
        return {}
    present = {column: key for column, key in VARIATION_STATISTICS.items() if column in variation.columns}
    blocks: dict = {}
    for row in variation.to_dict("records"):
        values = {key: json_scalar(row[column]) for column, key in present.items()}
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
    funnels: pd.DataFrame,
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
        "figures": figure_blocks(figures, funnels, units),
        "variation": variation_blocks(variation),
    }


def to_json(data: dict) -> str:
    """Compact JSON, safe inside a <script> element (no '</' can close it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")
