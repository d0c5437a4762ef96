"""The figures the explorer may show: the published cells, and what is derived from them, never more.

Only `published_indicators` (statistical secrecy applied) decides which cell is shown. The other
tables (standardised and smoothed rates, standardised ratios, funnel data) are joined onto it and
blanked wherever the published cell is masked, so a masked commune cannot be read back from its
standardised or smoothed rate. Tables that do not exist in the database (another branch builds them)
are passed as None (and an indicator they do not cover is treated the same): the column stays empty
rather than being invented, except the two figures that follow from the published cells alone (the
ratio of a unit's rate to Belgium's, and the funnel limits around Belgium's rate), which are computed
here when their tables lack them and labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imaging_atlas.intervals import Z_95, Z_998, normal_funnel_limits
from imaging_atlas.variation import FUNNEL_LIMIT_COLUMNS

KEY = ["indicator_code", "year", "geo_level", "geo_code"]
MAP_LEVELS = ["country", "region", "province", "arrondissement", "commune"]
"""Levels with boundaries (no sector geometry exists): the explorer shows these only."""

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
    "eb_smoothed_value",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "national_value",
    *FUNNEL_LIMIT_COLUMNS,
]


def shown_cells(published: pd.DataFrame) -> pd.DataFrame:
    """The published layer at the mapped levels, with a boolean `shown` (not masked, has a value)."""
    cells = published[published["geo_level"].isin(MAP_LEVELS)].copy()
    cells["suppressed"] = cells["suppressed"].astype(bool)
    cells["shown"] = ~cells["suppressed"]
    return cells.reset_index(drop=True)


def attach(cells: pd.DataFrame, table: pd.DataFrame | None, columns: dict[str, str]) -> pd.DataFrame:
    """Left-join `columns` (source -> target name) of `table` onto the cells, blank where not shown.

    A missing table gives empty columns: the explorer then says the figure is not in this build.
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


def covered(cells: pd.DataFrame, table: pd.DataFrame | None) -> pd.Series:
    """True for the cells whose indicator has rows in `table` (the variation models may cover a part)."""
    if table is None:
        return pd.Series(False, index=cells.index)
    return cells["indicator_code"].isin(table["indicator_code"].unique())


def funnel_columns(
    cells: pd.DataFrame, funnel: pd.DataFrame | None, measures: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The funnel limits of every shown cell, where they come from per indicator, the overdispersion.

    Indicators in `funnel_plot_data` take its limits as they are; the others get the explorer's
    normal-approximation limits, binomial for a % and Poisson for a volume.
    """
    limit_columns = [column for column in FIGURE_COLUMNS if "limit_" in column]
    if funnel is not None and "funnel" in funnel.columns:
        funnel = funnel[funnel["funnel"] == "crude"]
    from_table = covered(cells, funnel)
    joined = attach(cells, funnel, {column: column for column in limit_columns})
    is_percent = cells["indicator_code"].map(measures).eq("patients") | ~cells["indicator_code"].isin(
        list(measures)
    )
    sources = {}
    for name, fallback in (
        ("binomial_normal", binomial_funnel_limits),
        ("poisson_normal", poisson_funnel_limits),
    ):
        rows = ~from_table & (is_percent == (name == "binomial_normal"))
        subset = joined[rows]
        for z, level in ((Z_95, "95"), (Z_998, "998")):
            low, high = fallback(subset["national_value"], subset["denominator"], z)
            joined.loc[rows, f"limit_{level}_low"] = low.where(subset["shown"])
            joined.loc[rows, f"limit_{level}_high"] = high.where(subset["shown"])
        sources.update(dict.fromkeys(cells.loc[rows, "indicator_code"].unique(), name))
    sources.update(dict.fromkeys(cells.loc[from_table, "indicator_code"].unique(), "funnel_plot_data"))
    methods = funnel["overdispersion_method"].dropna().unique() if funnel is not None and len(funnel) else []
    return joined, sources, ", ".join(sorted(map(str, methods)))


def explorer_figures(
    published: pd.DataFrame,
    standardised: pd.DataFrame | None = None,
    smoothed: pd.DataFrame | None = None,
    ratios: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
    measures: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """One row per published cell at the mapped levels with every figure the site shows.

    `measures` gives each indicator's measure (`patients` for a %, `exams` for a volume; % when
    missing). Returns the figures (columns FIGURE_COLUMNS) and where the derived figures come from,
    so the page can say it: per indicator, the ratio from `standardised_ratios` or
    `crude_over_belgium`, the funnel limits from `funnel_plot_data`, `binomial_normal` or
    `poisson_normal`; the names of the standardised and smoothed tables ("" when missing) and the
    overdispersion method. A masked cell keeps its row with every figure null.
    """
    cells = shown_cells(published)
    cells = attach(
        cells,
        standardised,
        {
            "standardised_value": "standardised_value",
            "ci_lower": "standardised_ci_low",
            "ci_upper": "standardised_ci_high",
        },
    )
    cells = attach(cells, smoothed, {"eb_smoothed_value": "eb_smoothed_value"})
    cells["national_value"] = national_values(cells)
    ratio_from_table = covered(cells, ratios)
    cells = attach(
        cells, ratios, {"ratio": "ratio", "ratio_ci_low": "ratio_ci_low", "ratio_ci_high": "ratio_ci_high"}
    )
    crude_ratio = ratio_to_belgium(cells["value"], cells["national_value"]).where(cells["shown"])
    cells["ratio"] = cells["ratio"].where(ratio_from_table, crude_ratio)
    ratio_sources = dict.fromkeys(cells["indicator_code"].unique(), "crude_over_belgium")
    ratio_sources.update(
        dict.fromkeys(cells.loc[ratio_from_table, "indicator_code"].unique(), "standardised_ratios")
    )
    cells, funnel_sources, overdispersion_method = funnel_columns(cells, funnel, measures or {})
    sources = {
        "standardised": "standardised_rates" if standardised is not None else "",
        "smoothed": "smoothed_rates" if smoothed is not None else "",
        "ratio": ratio_sources,
        "funnel": funnel_sources,
        "overdispersion_method": overdispersion_method,
    }
    ordered = cells.sort_values(KEY, key=_level_order_key, kind="stable")
    return ordered[FIGURE_COLUMNS].reset_index(drop=True), sources


def _level_order_key(column: pd.Series) -> pd.Series:
    """Sort levels from the country down, other key columns as they are."""
    if column.name == "geo_level":
        return column.map({level: rank for rank, level in enumerate(MAP_LEVELS)})
    return column
