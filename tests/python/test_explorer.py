"""The offline Atlas explorer: its figures worked out by hand, then the page as a reader uses it.

First the pure functions on toy cells (what a masked cell may show, the ratio to Belgium, the funnel
limits, the packing into column arrays). Then a small synthetic Belgium (scale 0.002, 2023-2024) is
built once for this module, the site is written from its database and Debian's chromium opens it
through Playwright (no browser download, as in test_docs_site.py) with the network refused: the map
draws the 565 communes, a hover names a commune and gives its value, the language switch changes the
labels, another indicator recolours the map, the funnel plot has its limits, masked communes are
hatched and the CSV download holds the table. Screenshots go to target/atlas_screenshots/ (or
$ATLAS_SCREENSHOT_DIR).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import numpy as np
import pandas as pd
import pytest
from browser import launch_chromium

from imaging_atlas.explorer.database import read_mapped_cells
from imaging_atlas.explorer.figures import (
    Z_95,
    Z_998,
    binomial_funnel_limits,
    brussels_as_province,
    explorer_figures,
    poisson_funnel_limits,
    ratio_to_belgium,
)
from imaging_atlas.explorer.payload import (
    figure_blocks,
    funnel_curves,
    funnel_flags,
    to_json,
    unit_lists,
    variation_blocks,
)
from imaging_atlas.explorer.site import build_site
from imaging_atlas.project import PROJECT_DIR, DbtRun, run_dbt

SCREENSHOT_DIR = Path(os.environ.get("ATLAS_SCREENSHOT_DIR", PROJECT_DIR / "target" / "atlas_screenshots"))


# ---- pure functions, worked out by hand -------------------------------------------------------------


def toy_published() -> pd.DataFrame:
    """Belgium 500 / 1000 = 50 %; commune A 60 / 100 = 60 %; commune B masked; commune C no one."""
    rows = [
        ("country", "01000", 500, 1000, 50.0, False),
        ("commune", "11001", 60, 100, 60.0, False),
        ("commune", "11002", None, None, None, True),
        ("commune", "11003", 0, 0, None, False),
        ("sector", "11001A00-", 30, 50, 60.0, False),
    ]
    frame = pd.DataFrame(
        rows, columns=["geo_level", "geo_code", "numerator", "denominator", "value", "suppressed"]
    )
    return frame.assign(
        indicator_code="stat_013_001_at",
        year=2024,
        geo_name_fr=frame["geo_code"],
        geo_name_nl=frame["geo_code"],
        ci_low=frame["value"] - 1,
        ci_high=frame["value"] + 1,
    )


def toy_derived(columns: dict[str, list]) -> pd.DataFrame:
    """A derived table with a row for Belgium and each commune (masked B included: it must not leak)."""
    return pd.DataFrame(
        {
            "indicator_code": "stat_013_001_at",
            "year": 2024,
            "geo_level": ["country", "commune", "commune", "commune"],
            "geo_code": ["01000", "11001", "11002", "11003"],
            **columns,
        }
    )


def test_binomial_funnel_limits_by_hand():
    """p0 = 50 %, n = 100: half-width 1.96 * sqrt(0.5 * 0.5 / 100) = 1.96 * 0.05 = 0.098 -> 40.2 %, 59.8 %.

    At 99.8 %: 3.0902 * 0.05 = 0.15451 -> 34.549 %, 65.451 %. p0 = 1 %, n = 4: 1.96 * sqrt(0.0099 / 4)
    = 1.96 * 0.0497494 = 0.097507 -> the low limit -0.0875 is clipped to 0, the high one is 10.7507 %.
    """
    national = pd.Series([50.0, 50.0, 1.0])
    denominator = pd.Series([100, 100, 4])
    low, high = binomial_funnel_limits(national, denominator, Z_95)
    assert low.iloc[0] == pytest.approx(40.2002, abs=1e-4)
    assert high.iloc[0] == pytest.approx(59.7998, abs=1e-4)
    assert low.iloc[2] == 0.0
    assert high.iloc[2] == pytest.approx(10.7507, abs=1e-4)
    low, high = binomial_funnel_limits(national, denominator, Z_998)
    assert low.iloc[1] == pytest.approx(34.5488, abs=1e-4)
    assert high.iloc[1] == pytest.approx(65.4512, abs=1e-4)


def test_poisson_funnel_limits_by_hand():
    """A volume of 150 exams per 100 beneficiaries (1.5 a person), n = 600: 1.96 * sqrt(1.5 / 600)
    = 1.96 * 0.05 = 0.098 -> 140.2 and 159.8 per 100 (above 100: a volume is no proportion). n = 1:
    1.959964 * sqrt(1.5) = 1.959964 * 1.224745 = 2.400456 -> low clipped to 0, high 390.0456."""
    low, high = poisson_funnel_limits(pd.Series([150.0, 150.0]), pd.Series([600, 1]), Z_95)
    assert low.iloc[0] == pytest.approx(140.2002, abs=1e-4)
    assert high.iloc[0] == pytest.approx(159.7998, abs=1e-4)
    assert low.iloc[1] == 0.0
    assert high.iloc[1] == pytest.approx(390.0456, abs=1e-4)


def old_funnel_table(rows: list[dict]) -> pd.DataFrame:
    """funnel_plot_data as main builds it before the statistics issue: the crude funnel only, no
    `funnel` column, its overdispersion as `overdispersion_estimate`."""
    columns = {
        "indicator_code": "stat_013_001_at",
        "year": 2024,
        "geo_level": "commune",
        "flag": "within",
        "od_flag": "within",
        "overdispersion_method": "additive random effects",
        "overdispersion_estimate": 0.5,
    }
    return pd.DataFrame([{**columns, **row} for row in rows])


def test_each_indicator_and_level_takes_its_own_funnel():
    """The funnel table covers the % indicator's communes only: they keep its limits (41 ... 59); the
    volume 002 (Belgium 150 / 100 = 150 per 100, commune 11001 90 / 50 = 180) gets the ratio
    180 / 150 = 1.2 and Poisson limits 150 +/- 1.96 * sqrt(1.5 / 50) * 100 = 150 +/- 33.95 ->
    116.05 ... 183.95; a level the table lacks for the % indicator (the region) gets binomial ones."""
    region = toy_published().iloc[[0]].assign(geo_level="region", geo_code="02000")
    volume = toy_published().assign(indicator_code="stat_013_002_at")
    volume.loc[volume["geo_code"] == "01000", ["numerator", "value"]] = [1500, 150.0]
    volume.loc[volume["geo_code"] == "11001", ["numerator", "denominator", "value"]] = [90, 50, 180.0]
    ratios = toy_derived({"ratio": [1.0, 1.1, None, None], "ratio_ci_low": 0.9, "ratio_ci_high": 1.3})
    funnel = old_funnel_table(
        [
            {
                "geo_code": "11001",
                "numerator": 60,
                "denominator": 100,
                "value": 60.0,
                "national_value": 50.0,
                "limit_95_low": 41.0,
                "limit_95_high": 59.0,
                "limit_998_low": 37.0,
                "limit_998_high": 63.0,
            }
        ]
    )
    figures, points, sources = explorer_figures(
        pd.concat([toy_published(), region, volume]),
        ratios=ratios,
        funnel=funnel,
        measures={"stat_013_001_at": "patients", "stat_013_002_at": "exams"},
    )
    assert sources["ratio"] == {
        "stat_013_001_at": "standardised_ratios",
        "stat_013_002_at": "crude_over_belgium",
    }
    assert sources["funnel"] == {
        "stat_013_001_at": {"commune": "funnel_plot_data", "region": "binomial_normal"},
        "stat_013_002_at": {"commune": "poisson_normal"},
    }
    cells = figures.set_index(["indicator_code", "geo_level", "geo_code"])
    assert cells.loc[("stat_013_001_at", "commune", "11001"), "ratio"] == 1.1
    assert cells.loc[("stat_013_002_at", "commune", "11001"), "ratio"] == pytest.approx(1.2)
    by_unit = points.set_index(["indicator_code", "geo_level", "geo_code"])
    table_point = by_unit.loc[("stat_013_001_at", "commune", "11001")]
    assert (table_point["funnel"], table_point["x_value"], table_point["y_value"]) == ("crude", 100, 60.0)
    assert (table_point["limit_95_low"], table_point["limit_998_high"], table_point["target_value"]) == (
        41.0,
        63.0,
        50.0,
    )
    volume_point = by_unit.loc[("stat_013_002_at", "commune", "11001")]
    assert volume_point["limit_95_low"] == pytest.approx(116.05, abs=0.01)
    assert volume_point["limit_95_high"] == pytest.approx(183.95, abs=0.01)
    # The region (500 / 1000 = 50 %, n = 1000): 50 +/- 1.96 * sqrt(0.25 / 1000) * 100 = 50 +/- 3.099.
    region_point = by_unit.loc[("stat_013_001_at", "region", "02000")]
    assert region_point["limit_95_low"] == pytest.approx(46.901, abs=1e-3)
    assert region_point["limit_95_high"] == pytest.approx(53.099, abs=1e-3)
    assert len(points) == 3


def test_ratio_to_belgium_by_hand():
    """60 % / 50 % = 1.2; 45 / 50 = 0.9; unknown when Belgium is masked (null) or 0."""
    ratio = ratio_to_belgium(pd.Series([60.0, 45.0, 30.0, 30.0]), pd.Series([50.0, 50.0, np.nan, 0.0]))
    assert ratio.iloc[0] == pytest.approx(1.2)
    assert ratio.iloc[1] == pytest.approx(0.9)
    assert ratio.iloc[2:].isna().all()


def test_masked_cells_show_nothing_derived():
    """Commune B is masked: its standardised rate (41 %), smoothed rate (43 %) and the reasons the
    statistics layer gave for its figures must not reach the site, nor a funnel point.

    A: crude 60 %, standardised 58 % [50; 66], smoothed 57 % [52; 61], ratio 60 / 50 = 1.2, 95 % funnel
    limits 50 +/- 1.96 * sqrt(0.25 / 100) * 100 = 40.2 ... 59.8 (A lies above). Sectors have no map.
    """
    standardised = toy_derived(
        {
            "standardised_value": [50.0, 58.0, 41.0, None],
            "ci_lower": [49.0, 50.0, 30.0, None],
            "ci_upper": [51.0, 66.0, 52.0, None],
            "withheld_reason": [None, None, None, "fewer_than_10_events"],
        }
    )
    smoothed = toy_derived(
        {
            "eb_smoothed_value": [None, 57.0, 43.0, None],
            "eb_smoothed_ci_low": [None, 52.0, 40.0, None],
            "eb_smoothed_ci_high": [None, 61.0, 47.0, None],
            "smoothing_withheld_reason": [None, None, "fewer_than_5_units", None],
            "suppressed": [False, False, False, True],
        }
    )
    figures, points, sources = explorer_figures(toy_published(), standardised=standardised, smoothed=smoothed)
    by_code = figures.set_index("geo_code")
    assert list(by_code.index) == ["01000", "11001", "11002", "11003"]
    a, b, c = by_code.loc["11001"], by_code.loc["11002"], by_code.loc["11003"]
    assert (a["standardised_value"], a["standardised_ci_low"], a["standardised_ci_high"]) == (
        58.0,
        50.0,
        66.0,
    )
    assert (a["eb_smoothed_value"], a["eb_smoothed_ci_low"], a["eb_smoothed_ci_high"]) == (57.0, 52.0, 61.0)
    assert a["ratio"] == pytest.approx(1.2)
    assert a["national_value"] == 50.0
    assert b["suppressed"]
    # Every figure of B is null but Belgium's published rate, the same on every row of the year.
    figure_columns = [
        c for c in figures.columns[figures.columns.get_loc("numerator") :] if c != "national_value"
    ]
    assert b[figure_columns].isna().all(), b[figure_columns].dropna()
    assert math.isnan(c["value"]) and math.isnan(c["ratio"])
    assert c["standardised_withheld"] == "fewer_than_10_events"
    assert points["geo_code"].tolist() == ["11001"]
    assert points["limit_95_low"].iloc[0] == pytest.approx(40.2002, abs=1e-4)
    assert points["limit_95_high"].iloc[0] == pytest.approx(59.7998, abs=1e-4)
    assert sources["ratio"] == {"stat_013_001_at": "crude_over_belgium"}
    assert sources["funnel"] == {"stat_013_001_at": {"commune": "binomial_normal"}}
    assert sources["smoothed"] == "smoothed_rates"


LIMIT_COLUMNS = ["limit_95_low", "limit_95_high", "limit_998_low", "limit_998_high"]


def funnel_row(level: str, code: str, funnel: str, point: tuple, limits: tuple, od_limits: tuple) -> dict:
    """One row of funnel_plot_data: its unit, funnel, (x, y, target), exact and od limits (95 % low and
    high, 99.8 % low and high)."""
    return {
        "geo_level": level,
        "geo_code": code,
        "funnel": funnel,
        **dict(zip(["x_value", "y_value", "target_value"], point, strict=True)),
        **dict(zip(LIMIT_COLUMNS, limits, strict=True)),
        **dict(zip([f"od_{column}" for column in LIMIT_COLUMNS], od_limits, strict=True)),
    }


def statistics_layer_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The published cells, standardised_ratios and funnel_plot_data in the statistics layer's format
    (models/python/variation/_variation__models.yml): Belgium 500 / 1000; the region 02000 300 / 600;
    communes 11001 (60 / 100, 60 expected 50 -> 1.2), 11002 masked, 11004 (45 / 150 -> 0.6 of 75)."""
    published = pd.DataFrame(
        [
            ("country", "01000", 500, 1000, 50.0, False),
            ("region", "02000", 300, 600, 50.0, False),
            ("commune", "11001", 60, 100, 60.0, False),
            ("commune", "11002", None, None, None, True),
            ("commune", "11004", 45, 150, 30.0, False),
        ],
        columns=["geo_level", "geo_code", "numerator", "denominator", "value", "suppressed"],
    ).assign(indicator_code="stat_013_001_at", year=2024, ci_low=np.nan, ci_high=np.nan)
    published = published.assign(geo_name_fr=published["geo_code"], geo_name_nl=published["geo_code"])
    ratios = pd.DataFrame(
        [
            ("region", "02000", 300, 300.0, 1.0, 0.9, 1.1, False),
            ("commune", "11001", 60, 50.0, 1.2, 0.92, 1.54, False),
            ("commune", "11002", None, None, None, None, None, True),
            ("commune", "11004", 45, 75.0, 0.6, 0.44, 0.8, False),
        ],
        columns=[
            "geo_level",
            "geo_code",
            "observed",
            "expected",
            "ratio",
            "ratio_ci_low",
            "ratio_ci_high",
            "suppressed",
        ],
    ).assign(indicator_code="stat_013_001_at", year=2024, measure="patients", model="binomial")
    funnel = pd.DataFrame(
        [
            funnel_row(
                "commune", "11001", "ratio", (50.0, 1.2, 1.0), (0.74, 1.28, 0.6, 1.45), (0.7, 1.33, 0.55, 1.5)
            )
            | {"fdr_flag": "within", "od_fdr_flag": "within", "overdispersion_tau2": 0.01},
            funnel_row("commune", "11002", "ratio", (None, None, 1.0), (None,) * 4, (None,) * 4)
            | {"fdr_flag": "masked", "od_fdr_flag": "masked", "overdispersion_tau2": 0.01},
            funnel_row(
                "commune",
                "11004",
                "ratio",
                (75.0, 0.6, 1.0),
                (0.78, 1.23, 0.67, 1.36),
                (0.72, 1.28, 0.6, 1.42),
            )
            | {"fdr_flag": "below", "od_fdr_flag": "below", "overdispersion_tau2": 0.01},
            funnel_row("region", "02000", "crude", (600.0, 50.0, 50.0), (46.0, 54.0, 44.0, 56.0), (None,) * 4)
            | {"fdr_flag": "within", "od_withheld_reason": "fewer_than_5_units"},
        ]
    ).assign(
        indicator_code="stat_013_001_at", year=2024, measure="patients", overdispersion_method="additive"
    )
    return published, ratios, funnel


def test_the_statistics_layers_funnels_are_drawn_as_they_are():
    """Both funnels of funnel_plot_data reach the page with their own axes. Ratio funnel of the
    communes: x the expected count (figure array `e`), y O / E (`r`), target 1; 1.2 lies within the
    od 95 % limits 0.7 ... 1.33 (flag 0); 0.6 is below the od 95 % low limit 0.72 but not below the od
    99.8 % one, 0.6 (equal is not beyond: flag -1); its FDR flag `below` is -1; the masked commune has
    none. The region's crude funnel: its od limits are withheld (fewer than 5 units), so 50 is judged
    against the exact limits 46 ... 54 (flag 0) and the reason travels with it."""
    published, ratios, funnel = statistics_layer_tables()
    figures, points, sources = explorer_figures(published, ratios=ratios, funnel=funnel)
    assert sources["funnel"] == {
        "stat_013_001_at": {"commune": "funnel_plot_data", "region": "funnel_plot_data"}
    }
    units = unit_lists(figures)
    blocks = figure_blocks(figures, points, units)["stat_013_001_at"]["2024"]
    assert [unit[0] for unit in units["commune"]] == ["11001", "11002", "11004"]
    communes = blocks["commune"]
    assert communes["e"] == [50.0, None, 75.0]
    assert communes["r"] == [1.2, None, 0.6]
    ratio = communes["funnels"]["ratio"]
    assert (ratio["x"], ratio["y"], ratio["target"], ratio["od"]) == ("e", "r", 1.0, True)
    assert ratio["fl"] == [0, None, -1]
    assert ratio["fdr"] == [0, None, -1]
    assert ratio["tau2"] == 0.01
    assert ratio["curves"]["x"] == [50.0, 75.0]
    assert ratio["curves"]["od95lo"] == [0.7, 0.72]
    assert ratio["curves"]["l998hi"] == [1.45, 1.36]
    assert "crude" not in communes["funnels"]
    region = blocks["region"]["funnels"]["crude"]
    assert (region["x"], region["y"], region["target"], region["od"]) == ("d", "v", 50.0, False)
    assert region["fl"] == [0]
    assert region["fdr"] == [0]
    assert region["odWithheld"] == "fewer_than_5_units"
    assert "tau2" not in region and "od95lo" not in region["curves"]


def test_brussels_is_a_unit_of_the_province_level():
    """The published layer has Brussels-Capital (04000) at the region level only: its cell, and its
    level-free figures (standardised rate), are shown among the provinces too; a table that already
    has it there is left as it is."""
    published = toy_published().iloc[[0]]
    published = pd.concat(
        [
            published,
            published.assign(geo_level="region", geo_code="04000", numerator=90, denominator=200, value=45.0),
            published.assign(
                geo_level="province", geo_code="10000", numerator=80, denominator=100, value=80.0
            ),
        ]
    )
    standardised = pd.DataFrame(
        {
            "indicator_code": "stat_013_001_at",
            "year": 2024,
            "geo_level": ["region", "province"],
            "geo_code": ["04000", "10000"],
            "standardised_value": [44.0, 79.0],
        }
    )
    figures, _, _ = explorer_figures(published, standardised=standardised)
    provinces = figures[figures["geo_level"] == "province"].set_index("geo_code")
    assert list(provinces.index) == ["04000", "10000"]
    assert (provinces.loc["04000", "value"], provinces.loc["04000", "standardised_value"]) == (45.0, 44.0)
    already = pd.concat(
        [standardised, standardised.iloc[[0]].assign(geo_level="province", standardised_value=43.0)]
    )
    assert brussels_as_province(already).equals(already)


def test_only_the_mapped_levels_are_read():
    """A commune and its two sectors: the explorer reads Belgium and the commune, no sector."""
    connection = duckdb.connect()
    connection.execute(
        "create table published_indicators as select * from (values ('country', '01000'),"
        " ('commune', '21004'), ('sector', '21004A00-'), ('sector', '21004ZZZZ'))"
        " as cells(geo_level, geo_code)"
    )
    cells = read_mapped_cells(connection, "published_indicators")
    assert cells.values.tolist() == [["country", "01000"], ["commune", "21004"]]


def test_blocks_align_on_the_level_codes():
    """Units in code order whatever the row order; 12.3456 -> 12.35, a ratio 1.23456 -> 1.235; a masked
    cell is 1 in `s` and null elsewhere; a unit of the level without a cell (11004) is null; the
    all-empty smoothed column is left out; a reason for a withheld figure travels as text."""
    figures, points, _ = explorer_figures(toy_published())
    figures = figures.iloc[::-1].reset_index(drop=True)
    figures.loc[figures["geo_code"] == "11001", ["value", "ratio"]] = [12.3456, 1.23456]
    withheld = figures["standardised_withheld"].astype(object)
    figures["standardised_withheld"] = withheld.where(figures["geo_code"] != "11003", "empty_broad_stratum")
    units = {"country": [["01000", "Belgique", "België"]]}
    units["commune"] = [[code, code, code] for code in ("11001", "11002", "11003", "11004")]
    arrays = figure_blocks(figures, points, units)["stat_013_001_at"]["2024"]["commune"]
    assert arrays["s"] == [0, 1, 0, 0]
    assert arrays["n"] == [60, None, 0, None]
    assert arrays["d"] == [100, None, 0, None]
    assert arrays["v"] == [12.35, None, None, None]
    assert arrays["r"] == [1.235, None, None, None]
    assert arrays["sw"] == [None, None, "empty_broad_stratum", None]
    assert "eb" not in arrays and "sv" not in arrays


def test_funnel_flags_and_curves_by_hand():
    """Flags against each unit's own limits: 65 % over 60 (95 %) but under 70 (99.8 %) -> 1; 75 % over
    52 (99.8 %) -> 2; 35 % under 42 (95 %) but over 34 (99.8 %) -> -1; 50 % in 46 ... 54 -> 0; a masked
    unit has no flag. Curves: 4 distinct denominators (100, 200, 5,000, 10,000) kept at 3 spread on the
    log scale: 100, 1,000, 10,000. 1,000 lies halfway between 200 and 5,000 in log (log 5 / log 25 =
    1/2), so its high 99.8 % limit is (66 + 56) / 2 = 61 and its low 95 % one (42 + 46) / 2 = 44."""
    block = pd.DataFrame(
        {
            "y_value": [65.0, 75.0, 35.0, 50.0, np.nan],
            "x_value": [100, 10_000, 200, 5_000, np.nan],
            "limit_95_low": [40.0, 48.0, 42.0, 46.0, np.nan],
            "limit_95_high": [60.0, 52.0, 58.0, 54.0, np.nan],
            "limit_998_low": [30.0, 48.0, 34.0, 44.0, np.nan],
            "limit_998_high": [70.0, 52.0, 66.0, 56.0, np.nan],
        }
    ).assign(indicator_code="stat_013_001_at", year=2024, geo_level="commune", funnel="crude")
    for column in ("od_limit_95_low", "od_limit_95_high", "od_limit_998_low", "od_limit_998_high"):
        block[column] = np.nan
    assert funnel_flags(block).tolist()[:4] == [1.0, 2.0, -1.0, 0.0]
    assert math.isnan(funnel_flags(block).iloc[4])
    x = block["x_value"].to_numpy(dtype="float64")
    limits = {column: block[column].to_numpy() for column in block.columns if "limit_" in column}
    curves = funnel_curves(x, limits, points=3)
    assert curves["x"] == [100, 1000, 10_000]
    assert curves["l998hi"] == [70.0, 61.0, 52.0]
    assert curves["l95lo"] == [40.0, 44.0, 48.0]
    assert "od95lo" not in curves
    assert funnel_curves(x, limits, points=40)["x"] == [100, 200, 5_000, 10_000]


def test_variation_blocks_keep_reasons_and_flags():
    """Numbers to 4 significant places (0.123456 -> 0.1235), the withheld reason and the zero-variance
    flag as they are, nulls as null."""
    variation = pd.DataFrame(
        {
            "indicator_code": "stat_013_001_at",
            "year": 2024,
            "geo_level": ["region", "commune"],
            "units_shown": [3, 500],
            "coefficient_of_variation": [np.nan, 0.123456],
            "empirical_bayes_statistic": [np.nan, 0.0],
            "between_unit_variance_zero": [None, True],
            "withheld_reason": ["fewer_than_5_units", None],
        }
    )
    blocks = variation_blocks(variation)["stat_013_001_at"]["2024"]
    assert blocks["region"] == {
        "units_shown": 3.0,
        "cv": None,
        "eb": None,
        "zero": None,
        "withheld": "fewer_than_5_units",
    }
    assert blocks["commune"] == {
        "units_shown": 500.0,
        "cv": 0.1235,
        "eb": 0.0,
        "zero": True,
        "withheld": None,
    }


def test_json_cannot_close_its_script_element():
    text = to_json({"name": "</script><script>alert(1)</script>"})
    assert "</" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


# ---- the page in a browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """A small synthetic Belgium (about 23,000 beneficiaries a year, 2023-2024), built once.

    Large enough that most communes are published, small enough that many are masked: both looks are
    on the map. Models and seeds only: the dbt tests run on the other builds of the session.
    """
    from imaging_atlas.synthetic import generate

    workdir = tmp_path_factory.mktemp("explorer")
    run = DbtRun(raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target")
    generate(run.raw_dir, scale=0.002, years=[2023, 2024], seed=7, progress=False)
    run_dbt(run, "build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    return run


@pytest.fixture(scope="module")
def site(synthetic_build: DbtRun) -> Path:
    out = synthetic_build.target_path / "atlas" / "index.html"
    build_site(synthetic_build.db_path, out)
    return out


@pytest.fixture(scope="module")
def published(synthetic_build: DbtRun) -> pd.DataFrame:
    with duckdb.connect(str(synthetic_build.db_path), read_only=True) as connection:
        return connection.execute(
            "select * from published_indicators where geo_level = 'commune' and year = 2024"
        ).df()


@pytest.fixture(scope="module")
def reader(site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The page in headless Chromium with every request but the file itself refused (offline)."""
    from playwright.sync_api import sync_playwright

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    output = tmp_path_factory.mktemp("explorer_browser")
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(
            playwright,
            output / "profile",
            viewport={"width": 1440, "height": 1100},
            accept_downloads=True,
        )
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: _only_the_file(route, site, requests))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(site.as_uri())
            page.wait_for_selector("body[data-ready='true']", timeout=60_000)
            yield {"page": page, "requests": requests, "errors": errors, "site": site}
        finally:
            browser.close()


def _only_the_file(route, site: Path, requests: list[str]) -> None:
    """Let the page itself load and refuse (and record) anything else: the site must need no network."""
    url = route.request.url
    if url.split("#")[0] == site.as_uri():
        route.continue_()
        return
    requests.append(url)
    route.abort()


def _path_points(d: str) -> list[tuple[float, float]]:
    """The points of an SVG path written as M x,y L x,y ..."""
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def _commune_path(page, code: str):
    return page.locator(f"#map path.unit[data-code='{code}']:not(.inset-unit)")


def show(page, **view: str) -> None:
    """Open a view through the URL hash, as a shared link does, and wait until the map draws it."""
    view = {"indicator": "stat_013_001_at", "year": "2024", "level": "commune", "measure": "crude", **view}
    page.evaluate(
        "hash => { location.hash = hash; }", "#" + "&".join(f"{key}={value}" for key, value in view.items())
    )
    page.wait_for_selector(
        f"#map[data-level='{view['level']}'][data-indicator='{view['indicator']}']"
        f"[data-year='{view['year']}'][data-measure='{view['measure']}']"
    )


def _decimal(text: str) -> float:
    return float(text.replace(",", "."))


def test_the_page_loads_offline_without_errors(reader):
    assert reader["errors"] == []
    assert reader["requests"] == [], "the page asked for something beyond itself"
    text = reader["site"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", text)


def test_the_map_draws_the_565_communes_and_brussels_apart(reader, published):
    """Every commune of 2025 once on the map, and the 19 of Brussels-Capital again in the inset."""
    page = reader["page"]
    show(page)
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_communes_fr.png"), full_page=True)
    paths = page.locator("#map g.units path.unit")
    assert paths.count() == 565
    codes = paths.evaluate_all("nodes => nodes.map(n => n.dataset.code)")
    assert sorted(codes) == sorted(
        published.loc[published["indicator_code"] == "stat_013_001_at", "geo_code"]
    )
    assert all(len(d) > 20 for d in paths.evaluate_all("nodes => nodes.map(n => n.getAttribute('d'))"))
    inset = page.locator("#map .inset path.inset-unit").evaluate_all("ns => ns.map(n => n.dataset.code)")
    assert sorted(inset) == sorted(code for code in codes if code.startswith("21"))
    assert len(inset) == 19
    # Four times larger: the inset's Brussels is about four times as wide as the one on the map.
    widths = page.evaluate(
        """() => ['#map .inset g', '#map g.units'].map(s => {
            const codes = [...document.querySelectorAll(s + ' path[data-code^="21"]')];
            const boxes = codes.map(n => n.getBoundingClientRect());
            return Math.max(...boxes.map(b => b.right)) - Math.min(...boxes.map(b => b.left)); })"""
    )
    assert widths[0] == pytest.approx(4 * widths[1], rel=0.05)


def test_masked_communes_are_hatched_never_zero(reader, published):
    """Every masked commune of 2024 is drawn with the hatch pattern, every shown one with its value."""
    page = reader["page"]
    show(page)
    units = page.locator("#map g.units path.unit")
    states = dict(units.evaluate_all("nodes => nodes.map(n => [n.dataset.code, n.dataset.state])"))
    fills = dict(units.evaluate_all("nodes => nodes.map(n => [n.dataset.code, n.getAttribute('fill')])"))
    first = published[published["indicator_code"] == "stat_013_001_at"]
    masked = set(first.loc[first["suppressed"], "geo_code"])
    shown = set(first.loc[~first["suppressed"] & first["value"].notna(), "geo_code"])
    assert masked and shown
    assert {code for code, state in states.items() if state == "masked"} == masked
    assert {code for code, state in states.items() if state == "shown"} == shown
    assert {fills[code] for code in masked} == {"url(#masked-hatch)"}


def test_a_hover_shows_the_communes_name_and_value(reader, published):
    """Hover the largest published commune: the tooltip gives its French name, code and crude value."""
    page = reader["page"]
    show(page)
    first = published[(published["indicator_code"] == "stat_013_001_at") & ~published["suppressed"]]
    commune = first.sort_values("denominator").iloc[-1]
    _commune_path(page, commune["geo_code"]).hover(force=True)
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_hover.png"))
    expected_value = f"{commune['value']:.2f}".replace(".", ",")
    assert f"{commune['geo_name_fr']} ({commune['geo_code']})" in text
    assert f"Taux brut (%) : {expected_value}" in text
    assert (
        f"{int(commune['denominator']):,}".replace(",", "\u202f") in text
        or str(int(commune["denominator"])) in text
    )
    page.mouse.move(0, 0)


def test_typing_a_commune_name_selects_it_everywhere(reader, published):
    """Its Dutch name, typed without accents, finds the commune; Enter selects it on the map (and in the
    Brussels inset for a Brussels commune), the funnel, the ranked chart and the table, and draws its
    series with its interval band beside Belgium and its region."""
    page = reader["page"]
    show(page)
    first = published[(published["indicator_code"] == "stat_013_001_at") & ~published["suppressed"]]
    commune = first[first["geo_code"] == "21004"].iloc[0]
    page.fill("#search", "Brussel")
    page.wait_for_selector("#search-results [role=option]")
    options = page.locator("#search-results [role=option]").evaluate_all("ns => ns.map(n => n.dataset.code)")
    assert options[0] == "21004", options
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash.includes('unit=21004')")
    assert page.locator("#map > g.selection-layer .selected-mark").count() == 1
    assert page.locator("#map .inset .selection-layer .selected-mark").count() == 1
    assert page.locator("#funnel circle.point.selected").get_attribute("data-code") == "21004"
    assert page.locator("#caterpillar circle.rank-point.selected").get_attribute("data-code") == "21004"
    assert page.locator("#figures tbody tr.selected").get_attribute("data-code") == "21004"
    assert page.locator("#series path.series-line").evaluate_all("ns => ns.map(n => n.dataset.series)") == [
        "01000",
        "04000",
        "21004",
    ]
    assert page.locator("#series path.band").count() == 1
    selection = page.locator("#selection-text").inner_text()
    assert commune["geo_name_fr"] in selection and f"{commune['value']:.2f}".replace(".", ",") in selection
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_search.png"))
    # A NIS code finds the unit at its own level: the province of Liège switches the level.
    page.fill("#search", "60000")
    page.wait_for_selector("#search-results [data-code='60000']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#map[data-level='province']")
    assert page.locator("#figures tbody tr.selected").get_attribute("data-code") == "60000"
    page.click("#clear-selection")
    assert page.locator("#figures tbody tr.selected").count() == 0


def test_the_ranked_chart_holds_every_shown_unit(reader, published):
    """One mark per commune with a published rate, ranked by it, each with its Wilson interval as
    published; the masked communes are listed apart, by name."""
    page = reader["page"]
    show(page)
    first = published[(published["indicator_code"] == "stat_013_001_at") & ~published["suppressed"]]
    shown = first[first["value"].notna()].sort_values(["value", "geo_code"])
    marks = page.locator("#caterpillar circle.rank-point")
    codes = marks.evaluate_all("ns => ns.map(n => n.dataset.code)")
    assert sorted(codes) == sorted(shown["geo_code"])
    ranks = dict(marks.evaluate_all("ns => ns.map(n => [n.dataset.code, Number(n.dataset.rank)])"))
    by_rank = [code for code, _ in sorted(ranks.items(), key=lambda item: item[1])]
    # Ranked on the figures as the page holds them, to 0.01 point.
    values = shown.set_index("geo_code").loc[by_rank, "value"].round(2).to_numpy()
    assert (np.diff(values) >= 0).all()
    assert page.locator("#caterpillar line.whisker").count() == len(shown)
    assert page.locator("#caterpillar line.national").count() == 1
    masked = published[(published["indicator_code"] == "stat_013_001_at") & published["suppressed"]]
    apart = page.locator("#caterpillar-masked p").text_content()
    assert all(f"({code})" in apart for code in masked["geo_code"])
    page.locator("#caterpillar-section").screenshot(path=str(SCREENSHOT_DIR / "explorer_caterpillar.png"))
    show(page, level="province")
    assert page.locator("#caterpillar circle.rank-point").count() == 11
    assert page.locator("#caterpillar text.name").count() == 11


def test_fixed_classes_are_equal_across_years(reader):
    """Classes fixed over every year: 2023 and 2024 read the same breaks and legend; classes of the year
    follow each year. No two classes of a legend read the same and no break repeats."""
    page = reader["page"]
    legends = {}
    for year in ("2023", "2024"):
        show(page, year=year, classes="fixed")
        legends[year] = (
            page.locator("#legend").get_attribute("data-breaks"),
            page.locator("#legend .item.class").all_inner_texts(),
        )
    assert legends["2023"] == legends["2024"]
    breaks = [_decimal(value) for value in legends["2024"][0].split(";")]
    assert breaks == sorted(set(breaks)) and 2 <= len(breaks) <= 6
    labels = legends["2024"][1]
    assert len(labels) == len(set(labels)) == len(breaks) + 1
    assert "%" in page.locator("#legend .caption").inner_text()
    by_year = {}
    for year in ("2023", "2024"):
        show(page, year=year, classes="year")
        by_year[year] = page.locator("#legend").get_attribute("data-breaks")
        assert page.locator("#classes").input_value() == "year"
    assert by_year["2023"] != by_year["2024"]
    # The three regions: one class for every two units at most, so two classes, not seven.
    show(page, level="region", classes="year")
    assert len(page.locator("#legend .item.class").all_inner_texts()) == 2


def test_the_funnel_plot_has_its_limits(reader, published):
    """Four limit lines (95 % and 99.8 %, low and high), Belgium's line, one point per shown commune."""
    page = reader["page"]
    show(page)
    for key in ("l95lo", "l95hi", "l998lo", "l998hi"):
        d = page.locator(f"#funnel path.limit[data-limit='{key}']").get_attribute("d")
        assert d and d.count("L") > 10, key
    assert page.locator("#funnel line.national").count() == 1
    first = published[(published["indicator_code"] == "stat_013_001_at") & ~published["suppressed"]]
    assert page.locator("#funnel circle.point").count() == int((first["denominator"] > 0).sum())
    # At the largest x (the last point of each line) the bands nest around Belgium's line, the 99.8 %
    # band outside the 95 % one (screen y grows downwards).
    last_y = {
        key: _path_points(page.locator(f"#funnel path.limit[data-limit='{key}']").get_attribute("d"))[-1][1]
        for key in ("l95lo", "l95hi", "l998lo", "l998hi")
    }
    national_y = float(page.locator("#funnel line.national").get_attribute("y1"))
    assert last_y["l998hi"] < last_y["l95hi"] < national_y < last_y["l95lo"] < last_y["l998lo"]
    page.locator("#funnel-section").screenshot(path=str(SCREENSHOT_DIR / "explorer_funnel.png"))


def test_the_region_level_funnel_has_limits_and_ticks(reader):
    """At the region level a % indicator still has its four limits, y ticks and x ticks, and a note
    in French that names the limits drawn."""
    page = reader["page"]
    show(page, level="region")
    assert page.locator("#funnel circle.point").count() == 3
    for key in ("l95lo", "l95hi", "l998lo", "l998hi"):
        assert page.locator(f"#funnel path.limit[data-limit='{key}']").count() == 1, key
    ticks = page.locator("#funnel .axis text.tick").all_text_contents()
    assert len(ticks) >= 5 and all(ticks), ticks
    note = page.locator("#funnel-note").inner_text()
    assert "Limites" in note and "99,8 %" in note
    page.locator("#funnel-section").screenshot(path=str(SCREENSHOT_DIR / "explorer_funnel_regions.png"))


def test_the_funnel_and_variation_panels_read_the_variation_models(reader, synthetic_build):
    """funnel_plot_data's limits are drawn as they are, each commune coloured by where it falls against
    the limits the note names (the overdispersion-adjusted ones when given), and the variation
    statistics of the communes are those of variation_statistics, in French formatting."""
    page = reader["page"]
    show(page)
    with duckdb.connect(str(synthetic_build.db_path), read_only=True) as connection:
        funnel = connection.execute(
            "select * from funnel_plot_data where indicator_code = 'stat_013_001_at' and year = 2024 "
            "and geo_level = 'commune'"
        ).df()
        statistics = connection.execute(
            "select * from variation_statistics where indicator_code = 'stat_013_001_at' and year = 2024 "
            "and geo_level = 'commune'"
        ).df()
    kind = page.locator("#funnel").get_attribute("data-kind")
    if "funnel" in funnel.columns:
        funnel = funnel[funnel["funnel"] == kind]
    else:
        assert kind == "crude"
        funnel = funnel.assign(x_value=funnel["denominator"], y_value=funnel["value"])
    funnel = funnel[funnel["limit_998_high"].notna()]
    prefix = "od_" if funnel["od_limit_998_high"].notna().any() else ""
    assert "funnel_plot_data" in page.locator("#funnel-note").inner_text()
    if prefix:
        assert page.locator("#funnel path.limit[data-limit='od998hi']").count() == 1
        assert "surdispersion" in page.locator("#funnel-note").inner_text()
    # The 99.8 % high line is kept at 40 values of x at most, from the smallest to the largest commune.
    points = _path_points(page.locator("#funnel path.limit[data-limit='l998hi']").get_attribute("d"))
    assert len(points) == min(40, funnel["x_value"].nunique())
    flags = dict(
        page.locator("#funnel circle.point").evaluate_all(
            "ns => ns.map(n => [n.dataset.code, n.dataset.flag])"
        )
    )
    above = funnel[funnel["y_value"] > funnel[f"{prefix}limit_998_high"]]["geo_code"]
    below = funnel[funnel["y_value"] < funnel[f"{prefix}limit_998_low"]]["geo_code"]
    assert {code for code, flag in flags.items() if flag == "above998"} == set(above)
    assert {code for code, flag in flags.items() if flag == "below998"} == set(below)
    withheld = statistics["withheld_reason"].iloc[0] if "withheld_reason" in statistics else None
    if isinstance(withheld, str):
        # A level the statistics layer withholds shows its reason in words and no statistic.
        assert page.locator("#variation tr[data-statistic='eq']").count() == 0
        assert "Statistiques de variation" in page.locator("#variation-message").inner_text()
    else:
        row = page.locator("#variation tr[data-statistic='eq'] td").inner_text()
        expected = statistics["extremal_quotient"].iloc[0]
        assert row == ("\u2013" if pd.isna(expected) else f"{expected:.2f}".replace(".", ","))
    units = page.locator("#variation tr[data-statistic='units'] td").inner_text()
    assert (
        units.replace("\u202f", "")
        == f"{statistics['units_shown'].iloc[0]} / {statistics['units_masked'].iloc[0]}"
    )


def test_switching_the_indicator_changes_the_map(reader):
    page = reader["page"]
    show(page)
    before = page.locator("#map g.units path.unit").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('fill'))"
    )
    page.select_option("#indicator", "stat_013_023_at")
    page.wait_for_selector("#map[data-indicator='stat_013_023_at']")
    after = page.locator("#map g.units path.unit").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('fill'))"
    )
    assert len(after) == 565
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    assert changed > 100, f"only {changed} communes changed colour"
    assert "Imagerie thérapeutique interventionnelle" in page.locator("#metadata").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_indicator_023.png"), full_page=True)


ENGLISH = re.compile(
    r"\b(sourced|inferred|limits?|overdispersion|masked|download|ratio to|crude rate|funnel plot)\b",
    re.IGNORECASE,
)
"""English words the page once showed to French and Dutch readers."""


def test_every_text_is_french_or_dutch(reader):
    """The language switch turns labels, titles, notes and metadata into Dutch and back, with no English
    left (the code status and the funnel note included); a volume is labelled with its unit."""
    page = reader["page"]
    show(page, lang="fr")
    assert page.locator("label >> text=Indicateur").count() == 1
    assert "Méthode de calcul" in page.locator("#metadata").inner_text()
    page.click("#lang-nl")
    page.wait_for_selector("html[lang='nl']")
    assert page.locator("label >> text=Indicator").count() == 1
    assert page.locator("#map-title").inner_text().startswith("Ruw cijfer (%) · Gemeenten · 2024")
    metadata = page.locator("#metadata").inner_text()
    assert "Berekeningswijze" in metadata and "Méthode de calcul" not in metadata
    assert "gedocumenteerd door de Atlas" in metadata
    assert page.locator("#download").inner_text() == "Downloaden (CSV voor Excel)"
    assert "grenzen" in page.locator("#funnel-note").inner_text().lower()
    texts = page.evaluate("() => document.body.innerText")
    assert not ENGLISH.findall(texts.replace("funnel_plot_data", "")), ENGLISH.findall(texts)
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_communes_nl.png"), full_page=True)
    show(page, indicator="stat_013_002_at", lang="nl", funnel="crude")
    assert page.locator("#funnel .axis text").all_text_contents()[-1] == "Onderzoeken per 100 rechthebbenden"
    assert "onderzoeken per 100 rechthebbenden" in page.locator("#legend .caption").inner_text()
    assert "/100" not in page.evaluate("() => document.body.innerText")
    show(page, indicator="stat_013_002_at", lang="fr")
    assert "examens pour 100 bénéficiaires" in page.locator("#caterpillar .axis").text_content()
    texts = page.evaluate("() => document.body.innerText")
    assert not ENGLISH.findall(texts.replace("funnel_plot_data", "")), ENGLISH.findall(texts)
    show(page, lang="fr")
    assert page.locator("#map-title").inner_text().startswith("Taux brut (%) · Communes · 2024")


def test_tab_reaches_a_commune_and_shows_its_tooltip(reader):
    """From the search box, Tab reaches the map's first commune (one tab stop for the whole map), its
    tooltip opens on focus; an arrow key moves to a neighbour and Enter selects it."""
    page = reader["page"]
    show(page)
    page.focus("#search")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#map path.unit')"):
            break
    focused = page.evaluate("() => document.activeElement.dataset.code")
    assert focused, "Tab never reached a commune of the map"
    tooltip = page.locator("#tooltip")
    assert tooltip.is_visible()
    name = page.evaluate(
        "code => document.querySelector(`#figures tr[data-code='${code}'] th`).textContent", focused
    )
    assert f"{name} ({focused})" in tooltip.inner_text()
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')").startswith(
        f"{name} ({focused})"
    )
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("() => document.activeElement.dataset.code")
    assert moved != focused and moved in tooltip.inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_keyboard.png"))
    page.keyboard.press("Enter")
    page.wait_for_function("code => location.hash.includes('unit=' + code)", arg=moved)
    assert page.locator("#figures tbody tr.selected").get_attribute("data-code") == moved
    for chart in ("funnel", "caterpillar", "series"):
        assert page.locator(f"#{chart} [data-code][tabindex='0']").count() == 1, chart
    assert page.locator("#map").get_attribute("aria-describedby") == "map-description"
    page.click("#clear-selection")


def test_the_link_reopens_the_same_view(reader):
    """A view set by hand (Dutch, another indicator, year, level, measure and classes, one unit
    selected) lives in the URL: the link opened in a new tab shows the same view."""
    page = reader["page"]
    show(page)
    page.click("#lang-nl")
    page.select_option("#indicator", "stat_013_023_at")
    page.select_option("#year", "2023")
    page.select_option("#level", "arrondissement")
    page.select_option("#measure", "ratio")
    page.locator("#figures tbody tr[data-code='62000']").click()
    url = page.url
    assert "unit=62000" in url and page.locator("#permalink").get_attribute("href") in url
    other = page.context.new_page()
    other.route("**/*", lambda route: _only_the_file(route, reader["site"], reader["requests"]))
    other.goto(url)
    other.wait_for_selector("body[data-ready='true']")
    try:
        assert other.evaluate("() => document.documentElement.lang") == "nl"
        for control, value in (
            ("#indicator", "stat_013_023_at"),
            ("#year", "2023"),
            ("#level", "arrondissement"),
            ("#measure", "ratio"),
        ):
            assert other.locator(control).input_value() == value, control
        assert other.locator("#figures tbody tr.selected").get_attribute("data-code") == "62000"
        assert other.locator("#map-title").inner_text() == page.locator("#map-title").inner_text()
        assert other.locator("#selection-text").inner_text() == page.locator("#selection-text").inner_text()
    finally:
        other.close()
    page.click("#clear-selection")


def test_the_csv_opens_in_excel_with_its_unit(reader, synthetic_build):
    """Province level: a UTF-8 file with a byte-order mark, ';' between fields and ',' as decimal mark
    (Excel in fr-BE and nl-BE), 11 rows (Brussels-Capital among the provinces) whose figures are those
    of the published layer, and the unit of the values on every row."""
    page = reader["page"]
    show(page, level="province")
    assert page.locator("#map g.units path.unit").count() == 11
    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "stat_013_001_at_province_2024.csv"
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 11
    assert page.locator("#figures tbody tr").count() == 11
    assert {row["unit"] for row in rows} == {"% des bénéficiaires"}
    with duckdb.connect(str(synthetic_build.db_path), read_only=True) as connection:
        cells = connection.execute(
            "select geo_code, numerator, denominator, value from published_indicators "
            "where indicator_code = 'stat_013_001_at' and year = 2024 "
            "and (geo_level = 'province' or geo_code = '04000')"
        ).df()
    expected = cells.set_index("geo_code")
    for row in rows:
        cell = expected.loc[row["geo_code"]]
        assert int(row["numerator"]) == cell["numerator"]
        assert int(row["denominator"]) == cell["denominator"]
        assert _decimal(row["value"]) == pytest.approx(cell["value"], abs=0.005)
        assert "," in row["value"] or float(row["value"]).is_integer()


def test_the_charts_export_as_png_and_svg(reader):
    """The map as PNG (a real image) and the funnel as SVG (with its points, title and legend)."""
    page = reader["page"]
    show(page)
    with page.expect_download() as download_info:
        page.click("#map-section .export[data-format='png']")
    png = Path(download_info.value.path()).read_bytes()
    assert download_info.value.suggested_filename == "stat_013_001_at_commune_2024_map.png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    with page.expect_download() as download_info:
        page.click("#funnel-section .export[data-format='svg']")
    svg = ElementTree.fromstring(Path(download_info.value.path()).read_text(encoding="utf-8"))
    namespace = "{http://www.w3.org/2000/svg}"
    texts = " ".join(node.text or "" for node in svg.iter(f"{namespace}text"))
    assert "Graphique en entonnoir · Communes · 2024" in texts and "limites 99,8 %" in texts
    circles = [node for node in svg.iter(f"{namespace}circle") if "point" in (node.get("class") or "")]
    assert len(circles) == page.locator("#funnel circle.point").count()


def test_the_print_view_keeps_the_figures_and_drops_the_controls(reader):
    page = reader["page"]
    show(page)
    page.emulate_media(media="print")
    try:
        assert page.locator("nav.controls").is_hidden()
        assert page.locator("#print-summary").is_visible()
        assert "Imagerie médicale" in page.locator("#print-summary").inner_text()
        assert (
            page.evaluate("() => getComputedStyle(document.querySelector('.figures-wrap')).maxHeight")
            == "none"
        )
        page.screenshot(path=str(SCREENSHOT_DIR / "explorer_print.png"), full_page=True)
    finally:
        page.emulate_media(media="screen")


def test_a_phone_never_scrolls_sideways(reader):
    """At 390 px wide the page lays out within 390 px, whatever the view; the table scrolls inside its
    own frame."""
    page = reader["page"]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for view in (
            {},
            {"level": "province", "unit": "60000"},
            {"indicator": "stat_013_002_at", "level": "region"},
        ):
            show(page, **view)
            page.wait_for_timeout(300)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, view
        show(page, unit="21004")
        page.wait_for_timeout(300)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SCREENSHOT_DIR / "explorer_mobile.png"), full_page=True)
        # A tap (a click without a pointer hovering first) selects the unit and opens its tooltip.
        target = page.locator("#caterpillar circle.rank-point").nth(3)
        code = target.get_attribute("data-code")
        target.dispatch_event("click")
        assert page.locator("#tooltip").is_visible()
        assert page.locator("#figures tbody tr.selected").get_attribute("data-code") == code
    finally:
        page.set_viewport_size({"width": 1440, "height": 1100})
        page.click("#clear-selection")


@pytest.fixture(scope="module")
def empty_site(synthetic_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose published layer holds Belgium and its regions only: nothing at the lower levels."""
    folder = tmp_path_factory.mktemp("explorer_empty")
    database = folder / "atlas.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"attach '{synthetic_build.db_path}' as built (read_only)")
        connection.execute(
            "create table published_indicators as select * from built.published_indicators "
            "where geo_level in ('country', 'region') and indicator_code = 'stat_013_001_at'"
        )
        for table in ("indicator_catalog", "indicator_registry"):
            connection.execute(f"create table {table} as select * from built.{table}")
    site = folder / "index.html"
    build_site(database, site)
    return site


def test_an_empty_view_says_so(reader, empty_site):
    """No chart goes blank: with no published commune, the map, the ranked chart, the funnel and the
    variation panel each say there is nothing to show."""
    page = reader["page"].context.new_page()
    page.route("**/*", lambda route: _only_the_file(route, empty_site, reader["requests"]))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(empty_site.as_uri())
    page.wait_for_selector("body[data-ready='true']")
    try:
        for message in ("#map-message", "#caterpillar-message", "#funnel-message", "#variation-message"):
            assert page.locator(message).is_visible(), message
            assert page.locator(message).inner_text().strip(), message
        assert "Pas de chiffre publié" in page.locator("#map-message").inner_text()
        page.screenshot(path=str(SCREENSHOT_DIR / "explorer_empty.png"), full_page=True)
        assert errors == []
    finally:
        page.close()
