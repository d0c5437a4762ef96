"""The figures the explorer may show: the published cells, and what is derived from them, never more.

Only `published_indicators` (statistical secrecy applied) decides which cell is shown. The other
tables (standardised and smoothed rates, standardised ratios, funnel data) are joined onto it and
blanked wherever the published cell is masked, so a masked commune cannot be read back from its
standardised or smoothed rate. Tables that do not exist in the database (another branch builds them)
are passed as None, and a column they do not have stays empty rather than being invented. Two figures
follow from the published cells alone and are computed here only where the statistics layer has no
row for them, labelled as such: the ratio of a unit's rate to Belgium's, and the limits of the crude
funnel around Belgium's rate.

The statistics layer counts the Brussels-Capital Region (04000) as the 11th unit of the province level;
the published layer has it at the region level only, so its cells are shown at both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imaging_atlas.intervals import Z_95, Z_998, normal_funnel_limits
from imaging_atlas.variation import FUNNEL_LIMIT_COLUMNS

KEY = ["indicator_code", "year", "geo_level", "geo_code"]
MAP_LEVELS = ["country", "region", "province", "arrondissement", "commune"]
"""Levels with boundaries (no sector geometry exists): the explorer shows these only."""
FUNNEL_LEVELS = ["region", "province", "arrondissement", "commune"]
BRUSSELS = "04000"
"""The Brussels-Capital Region, a unit of the province level (Belgian statistics by province: 11)."""

FIGURE_COLUMNS = [
    *KEY,
    "geo_name_fr",
    "geo_name_nl",
    "suppressed",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "standardised_value",
    "standardised_ci_low",
    "standardised_ci_high",
    "standardised_withheld",
    "eb_smoothed_value",
    "eb_smoothed_ci_low",
    "eb_smoothed_ci_high",
    "smoothing_withheld",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "expected",
    "national_value",
]
"""The figures of a cell; `*_withheld` hold the statistics layer's reason for a figure it withheld."""

FUNNELS = ("ratio", "crude")
"""The statistics layer's funnels: `ratio` (O / E against E, its default) and `crude` (the published value
against the beneficiaries). A funnel_plot_data without a `funnel` column holds the crude one."""

FUNNEL_POINT_COLUMNS = [
    *KEY,
    "funnel",
    "x_value",
    "y_value",
    "target_value",
    *FUNNEL_LIMIT_COLUMNS,
    "flag",
    "od_flag",
    "fdr_flag",
    "od_fdr_flag",
    "overdispersion_method",
    "overdispersion_tau2",
    "od_withheld_reason",
]


def brussels_as_province(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of Brussels-Capital at the region level copied to the province level, where missing.

    Only for figures that do not depend on the other units of the level (published cells, rates,
    ratios): the statistics layer writes its level-dependent tables with 04000 among the provinces.
    """
    if frame is None:
        return None
    region = frame[(frame["geo_level"] == "region") & (frame["geo_code"] == BRUSSELS)]
    present = frame.loc[
        (frame["geo_level"] == "province") & (frame["geo_code"] == BRUSSELS), ["indicator_code", "year"]
    ]
    missing = region.merge(present, on=["indicator_code", "year"], how="left", indicator=True)
    copies = missing[missing["_merge"] == "left_only"].drop(columns="_merge").assign(geo_level="province")
    return pd.concat([frame, copies[frame.columns]], ignore_index=True) if len(copies) else frame


def shown_cells(published: pd.DataFrame) -> pd.DataFrame:
    """The published layer at the mapped levels, with a boolean `shown` (not masked, has a value)."""
    cells = brussels_as_province(published[published["geo_level"].isin(MAP_LEVELS)])
    cells = cells.copy()
    cells["suppressed"] = cells["suppressed"].astype(bool)
    cells["shown"] = ~cells["suppressed"]
    return cells.reset_index(drop=True)


def attach(cells: pd.DataFrame, table: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """Left-join `columns` (source -> target name) of `table` onto the cells, blank where not shown.

    A missing table or column gives an empty column: the page then says the figure is not there.
    """
    if table is None:
        return cells.assign(**{target: np.nan for target in columns.values()})
    keep = table.reindex(columns=[*KEY, *columns]).rename(columns=columns)
    if "suppressed" in table.columns:
        hidden = table["suppressed"].fillna(False).astype(bool).to_numpy()
        keep.loc[hidden, list(columns.values())] = np.nan
    joined = cells.merge(keep, on=KEY, how="left", validate="one_to_one")
    joined.loc[~joined["shown"], list(columns.values())] = np.nan
    return joined


def national_values(cells: pd.DataFrame) -> pd.Series:
    """Belgium's published rate of each cell's indicator and year (null when Belgium is masked)."""
    country = cells.loc[cells["geo_level"] == "country", ["indicator_code", "year", "value", "shown"]]
    country = country.assign(national_value=country["value"].where(country["shown"]))
    lookup = country.set_index(["indicator_code", "year"])["national_value"]
    index = pd.MultiIndex.from_frame(cells[["indicator_code", "year"]])
    return pd.Series(lookup.reindex(index).to_numpy(), index=cells.index, name="national_value")


def ratio_to_belgium(value: pd.Series, national_value: pd.Series) -> pd.Series:
    """A unit's crude rate over Belgium's: 1 is the national level (null when either is unknown or 0)."""
    return value / national_value.where(national_value > 0)


def binomial_funnel_limits(
    national_value: pd.Series, denominator: pd.Series, z: float
) -> tuple[pd.Series, pd.Series]:
    """Normal-approximation limits of a % without rows in `funnel_plot_data` (imaging_atlas.intervals)."""
    return normal_funnel_limits(national_value, denominator, z, binomial=True)


def poisson_funnel_limits(
    national_value: pd.Series, denominator: pd.Series, z: float
) -> tuple[pd.Series, pd.Series]:
    """Normal-approximation limits of a volume without rows in `funnel_plot_data` (intervals module)."""
    return normal_funnel_limits(national_value, denominator, z, binomial=False)


def is_percent(indicator_codes: pd.Series, measures: dict[str, str]) -> pd.Series:
    """True for a % indicator (measure `patients`, or no measure known), False for a volume."""
    return indicator_codes.map(measures).eq("patients") | ~indicator_codes.isin(list(measures))


def table_funnel_points(cells: pd.DataFrame, funnel: pd.DataFrame | None) -> pd.DataFrame:
    """The points of `funnel_plot_data` of the shown cells, in FUNNEL_POINT_COLUMNS.

    An older table without a `funnel` column holds the crude funnel (x the beneficiaries, y the
    published value, around Belgium's value, its overdispersion as `overdispersion_estimate`).
    """
    if funnel is None or funnel.empty:
        return pd.DataFrame(columns=FUNNEL_POINT_COLUMNS)
    table = funnel
    if "funnel" not in table.columns:
        table = table.assign(
            funnel="crude",
            x_value=table["denominator"],
            y_value=table["value"],
            target_value=table["national_value"],
            overdispersion_tau2=table.get("overdispersion_estimate"),
        )
    shown = cells.loc[cells["shown"], KEY]
    points = table.merge(shown, on=KEY, how="inner")
    points = points[points["y_value"].notna() & points["x_value"].gt(0)]
    return points.reindex(columns=FUNNEL_POINT_COLUMNS).reset_index(drop=True)


def fallback_funnel_points(cells: pd.DataFrame, measures: dict[str, str]) -> pd.DataFrame:
    """Crude-funnel points with normal-approximation limits around Belgium's value (binomial for a %,
    Poisson for a volume), for the shown cells of the given rows."""
    points = cells[cells["shown"] & cells["denominator"].gt(0) & cells["value"].notna()]
    percent = is_percent(points["indicator_code"], measures)
    frame = points[KEY].assign(
        funnel="crude",
        x_value=points["denominator"].astype("float64"),
        y_value=points["value"],
        target_value=points["national_value"],
    )
    for rows, limits in ((percent, binomial_funnel_limits), (~percent, poisson_funnel_limits)):
        for z, level in ((Z_95, "95"), (Z_998, "998")):
            low, high = limits(points.loc[rows, "national_value"], points.loc[rows, "denominator"], z)
            frame.loc[rows, f"limit_{level}_low"] = low
            frame.loc[rows, f"limit_{level}_high"] = high
    return frame.reindex(columns=FUNNEL_POINT_COLUMNS).reset_index(drop=True)


def funnel_points(
    cells: pd.DataFrame, funnel: pd.DataFrame | None, measures: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Every funnel point of the shown cells, and per indicator and level where its limits come from.

    The points and limits of `funnel_plot_data` are drawn as they are. An indicator and level it has
    no row for (a database built before the statistics layer covered every level and measure) gets
    the crude funnel with normal-approximation limits, `binomial_normal` or `poisson_normal`.
    """
    table = table_funnel_points(cells, funnel)
    levels = cells[cells["geo_level"].isin(FUNNEL_LEVELS)]
    covered = table[["indicator_code", "geo_level"]].drop_duplicates()
    flagged = levels.merge(covered, on=["indicator_code", "geo_level"], how="left", indicator=True)
    uncovered = flagged[flagged["_merge"] == "left_only"].drop(columns="_merge")
    fallback = fallback_funnel_points(uncovered, measures)
    sources: dict[str, dict[str, str]] = {}
    for row in covered.itertuples(index=False):
        sources.setdefault(row.indicator_code, {})[row.geo_level] = "funnel_plot_data"
    pairs = uncovered[["indicator_code", "geo_level"]].drop_duplicates()
    for row, percent in zip(
        pairs.itertuples(index=False), is_percent(pairs["indicator_code"], measures), strict=True
    ):
        source = "binomial_normal" if percent else "poisson_normal"
        sources.setdefault(row.indicator_code, {})[row.geo_level] = source
    frames = [frame for frame in (table, fallback) if len(frame)]
    points = pd.concat(frames, ignore_index=True) if frames else table
    return points, sources


def explorer_figures(
    published: pd.DataFrame,
    standardised: pd.DataFrame | None = None,
    smoothed: pd.DataFrame | None = None,
    ratios: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    measures: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One row per published cell at the mapped levels with every figure the site shows, and the
    funnel points of the shown cells.

    `measures` gives each indicator's measure (`patients` for a %, `exams` for a volume; % when
    missing). Returns the figures (columns FIGURE_COLUMNS), the funnel points (FUNNEL_POINT_COLUMNS)
    and where the derived figures come from, so the page can say it: per indicator, the ratio from
    `standardised_ratios` or `crude_over_belgium`; per indicator and level, the funnel from
    `funnel_plot_data`, `binomial_normal` or `poisson_normal`; the names of the standardised and
    smoothed tables ("" when missing). A masked cell keeps its row with every figure null.
    """
    cells = shown_cells(published)
    cells = attach(
        cells,
        brussels_as_province(standardised),
        {
            "standardised_value": "standardised_value",
            "ci_lower": "standardised_ci_low",
            "ci_upper": "standardised_ci_high",
            "withheld_reason": "standardised_withheld",
        },
    )
    cells = attach(
        cells,
        smoothed,
        {
            "eb_smoothed_value": "eb_smoothed_value",
            "eb_smoothed_ci_low": "eb_smoothed_ci_low",
            "eb_smoothed_ci_high": "eb_smoothed_ci_high",
            "smoothing_withheld_reason": "smoothing_withheld",
        },
    )
    cells["national_value"] = national_values(cells)
    ratios = brussels_as_province(ratios)
    covered_by_ratios = ratios["indicator_code"].unique() if ratios is not None else []
    ratio_from_table = cells["indicator_code"].isin(covered_by_ratios)
    cells = attach(
        cells,
        ratios,
        {
            "ratio": "ratio",
            "ratio_ci_low": "ratio_ci_low",
            "ratio_ci_high": "ratio_ci_high",
            "expected": "expected",
        },
    )
    crude_ratio = ratio_to_belgium(cells["value"], cells["national_value"]).where(cells["shown"])
    cells["ratio"] = cells["ratio"].where(ratio_from_table, crude_ratio)
    ratio_sources = dict.fromkeys(cells["indicator_code"].unique(), "crude_over_belgium")
    ratio_sources.update(
        dict.fromkeys(cells.loc[ratio_from_table, "indicator_code"].unique(), "standardised_ratios")
    )
    points, funnel_sources = funnel_points(cells, funnel, measures or {})
    sources = {
        "standardised": "standardised_rates" if standardised is not None else "",
        "smoothed": "smoothed_rates" if smoothed is not None else "",
        "ratio": ratio_sources,
        "funnel": funnel_sources,
    }
    ordered = cells.sort_values(KEY, key=_level_order_key, kind="stable")
    return ordered[FIGURE_COLUMNS].reset_index(drop=True), points, sources


def _level_order_key(column: pd.Series) -> pd.Series:
    """Sort levels from the country down, other key columns as they are."""
    if column.name == "geo_level":
        return column.map({level: rank for rank, level in enumerate(MAP_LEVELS)})
    return column
