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
    explorer_figures,
    poisson_funnel_limits,
    ratio_to_belgium,
)
from imaging_atlas.explorer.payload import block_arrays, funnel_curves, funnel_flags, to_json
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


def test_each_indicator_takes_its_own_sources():
    """The variation tables cover the % indicator only: the volume 002 (Belgium 150 / 100 = 150 per 100,
    commune 11001 90 / 50 = 180) gets the ratio 180 / 150 = 1.2 and Poisson limits
    150 +/- 1.96 * sqrt(1.5 / 50) * 100 = 150 +/- 33.95 -> 116.05 ... 183.95."""
    volume = toy_published().assign(indicator_code="stat_013_002_at")
    volume.loc[volume["geo_code"] == "01000", ["numerator", "value"]] = [1500, 150.0]
    volume.loc[volume["geo_code"] == "11001", ["numerator", "denominator", "value"]] = [90, 50, 180.0]
    ratios = toy_derived({"ratio": [1.0, 1.1, None, None], "ratio_ci_low": 0.9, "ratio_ci_high": 1.3})
    funnel = toy_derived({"limit_95_low": 45.0, "overdispersion_method": None})
    figures, sources = explorer_figures(
        pd.concat([toy_published(), volume]),
        ratios=ratios,
        funnel=funnel,
        measures={"stat_013_001_at": "patients", "stat_013_002_at": "exams"},
    )
    assert sources["ratio"] == {
        "stat_013_001_at": "standardised_ratios",
        "stat_013_002_at": "crude_over_belgium",
    }
    assert sources["funnel"] == {"stat_013_001_at": "funnel_plot_data", "stat_013_002_at": "poisson_normal"}
    cells = figures.set_index(["indicator_code", "geo_code"])
    assert cells.loc[("stat_013_001_at", "11001"), "ratio"] == 1.1
    assert cells.loc[("stat_013_001_at", "11001"), "limit_95_low"] == 45.0
    assert math.isnan(cells.loc[("stat_013_001_at", "11001"), "limit_95_high"])
    assert cells.loc[("stat_013_002_at", "11001"), "ratio"] == pytest.approx(1.2)
    assert cells.loc[("stat_013_002_at", "11001"), "limit_95_low"] == pytest.approx(116.05, abs=0.01)
    assert cells.loc[("stat_013_002_at", "11001"), "limit_95_high"] == pytest.approx(183.95, abs=0.01)


def test_ratio_to_belgium_by_hand():
    """60 % / 50 % = 1.2; 45 / 50 = 0.9; unknown when Belgium is masked (null) or 0."""
    ratio = ratio_to_belgium(pd.Series([60.0, 45.0, 30.0, 30.0]), pd.Series([50.0, 50.0, np.nan, 0.0]))
    assert ratio.iloc[0] == pytest.approx(1.2)
    assert ratio.iloc[1] == pytest.approx(0.9)
    assert ratio.iloc[2:].isna().all()


def test_masked_cells_show_nothing_derived():
    """Commune B is masked: its standardised rate (41 %) and smoothed rate (43 %) must not reach the site.

    A: crude 60 %, standardised 58 % [50; 66], smoothed 57 %, ratio 60 / 50 = 1.2, 95 % funnel limits
    50 +/- 1.96 * sqrt(0.25 / 100) * 100 = 40.2 ... 59.8 (A lies above). Sectors have no map: dropped.
    """
    standardised = toy_derived(
        {
            "standardised_value": [50.0, 58.0, 41.0, None],
            "ci_lower": [49.0, 50.0, 30.0, None],
            "ci_upper": [51.0, 66.0, 52.0, None],
        }
    )
    smoothed = toy_derived(
        {"eb_smoothed_value": [None, 57.0, 43.0, None], "suppressed": [False, False, False, True]}
    )
    figures, sources = explorer_figures(toy_published(), standardised=standardised, smoothed=smoothed)
    by_code = figures.set_index("geo_code")
    assert list(by_code.index) == ["01000", "11001", "11002", "11003"]
    a, b, c = by_code.loc["11001"], by_code.loc["11002"], by_code.loc["11003"]
    assert (a["standardised_value"], a["standardised_ci_low"], a["standardised_ci_high"]) == (
        58.0,
        50.0,
        66.0,
    )
    assert a["eb_smoothed_value"] == 57.0
    assert a["ratio"] == pytest.approx(1.2)
    assert a["national_value"] == 50.0
    assert a["limit_95_low"] == pytest.approx(40.2002, abs=1e-4)
    assert a["limit_95_high"] == pytest.approx(59.7998, abs=1e-4)
    assert b["suppressed"]
    # Every figure of B is null but Belgium's published rate, the same on every row of the year.
    figure_columns = [
        c for c in figures.columns[figures.columns.get_loc("numerator") :] if c != "national_value"
    ]
    assert b[figure_columns].isna().all(), b[figure_columns].dropna()
    assert math.isnan(c["value"]) and math.isnan(c["ratio"]) and math.isnan(c["limit_95_low"])
    assert sources["ratio"] == {"stat_013_001_at": "crude_over_belgium"}
    assert sources["funnel"] == {"stat_013_001_at": "binomial_normal"}
    assert sources["smoothed"] == "smoothed_rates"


def test_tables_of_the_variation_models_are_used_when_they_exist():
    """standardised_ratios gives the ratio (A: 66 observed / 55 expected = 1.2 [0.93; 1.53]), its masked
    row stays masked; funnel_plot_data gives the limits as they are (A: 41.0 ... 59.0, overdispersed
    38.0 ... 62.0) instead of the explorer's binomial ones."""
    ratios = toy_derived(
        {
            "observed": [500, 66, 7, 0],
            "expected": [500.0, 55.0, 9.0, 0.0],
            "ratio": [1.0, 1.2, 0.78, None],
            "ratio_ci_low": [0.91, 0.93, 0.31, None],
            "ratio_ci_high": [1.09, 1.53, 1.6, None],
            "suppressed": [False, False, True, False],
        }
    )
    funnel = toy_derived(
        {
            "limit_95_low": [None, 41.0, None, None],
            "limit_95_high": [None, 59.0, None, None],
            "limit_998_low": [None, 37.0, None, None],
            "limit_998_high": [None, 63.0, None, None],
            "od_limit_95_low": [None, 38.0, None, None],
            "od_limit_95_high": [None, 62.0, None, None],
            "od_limit_998_low": [None, 33.0, None, None],
            "od_limit_998_high": [None, 67.0, None, None],
            "overdispersion_method": [None, "multiplicative (Spiegelhalter 2005)", None, None],
        }
    )
    figures, sources = explorer_figures(toy_published(), ratios=ratios, funnel=funnel)
    a = figures.set_index("geo_code").loc["11001"]
    assert (a["ratio"], a["ratio_ci_low"], a["ratio_ci_high"]) == (1.2, 0.93, 1.53)
    assert (a["limit_95_low"], a["limit_998_high"], a["od_limit_95_low"], a["od_limit_998_high"]) == (
        41.0,
        63.0,
        38.0,
        67.0,
    )
    assert figures.set_index("geo_code").loc["11002", ["ratio", "ratio_ci_low"]].isna().all()
    assert sources["ratio"] == {"stat_013_001_at": "standardised_ratios"}
    assert sources["funnel"] == {"stat_013_001_at": "funnel_plot_data"}
    assert sources["overdispersion_method"] == "multiplicative (Spiegelhalter 2005)"
    assert sources["standardised"] == ""


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


def test_block_arrays_align_on_the_level_codes():
    """Units in code order whatever the row order; 12.3456 -> 12.35, a ratio 1.23456 -> 1.235; a masked
    cell is 1 in `s` and null elsewhere; the all-empty smoothed column is left out."""
    figures, _ = explorer_figures(toy_published())
    block = figures[figures["geo_level"] == "commune"].iloc[::-1].copy()
    block.loc[block["geo_code"] == "11001", ["value", "ratio"]] = [12.3456, 1.23456]
    arrays = block_arrays(block, ["11001", "11002", "11003", "11004"])
    assert arrays["s"] == [0, 1, 0, 0]
    assert arrays["n"] == [60, None, 0, None]
    assert arrays["d"] == [100, None, 0, None]
    assert arrays["v"] == [12.35, None, None, None]
    assert arrays["r"] == [1.235, None, None, None]
    assert "eb" not in arrays and "sv" not in arrays


def test_funnel_flags_and_curves_by_hand():
    """Flags against each unit's own limits: 65 % over 60 (95 %) but under 70 (99.8 %) -> 1; 75 % over
    52 (99.8 %) -> 2; 35 % under 42 (95 %) but over 34 (99.8 %) -> -1; 50 % in 46 ... 54 -> 0; a masked
    unit has no flag. Curves: 4 distinct denominators (100, 200, 5,000, 10,000) kept at 3 spread on the
    log scale: 100, 1,000, 10,000. 1,000 lies halfway between 200 and 5,000 in log (log 5 / log 25 =
    1/2), so its high 99.8 % limit is (66 + 56) / 2 = 61 and its low 95 % one (42 + 46) / 2 = 44."""
    block = pd.DataFrame(
        {
            "value": [65.0, 75.0, 35.0, 50.0, np.nan],
            "denominator": [100, 10_000, 200, 5_000, np.nan],
            "limit_95_low": [40.0, 48.0, 42.0, 46.0, np.nan],
            "limit_95_high": [60.0, 52.0, 58.0, 54.0, np.nan],
            "limit_998_low": [30.0, 48.0, 34.0, 44.0, np.nan],
            "limit_998_high": [70.0, 52.0, 66.0, 56.0, np.nan],
        }
    )
    for column in ("od_limit_95_low", "od_limit_95_high", "od_limit_998_low", "od_limit_998_high"):
        block[column] = np.nan
    assert funnel_flags(block).tolist()[:4] == [1.0, 2.0, -1.0, 0.0]
    assert math.isnan(funnel_flags(block).iloc[4])
    curves = funnel_curves(block, points=3)
    assert curves["x"] == [100, 1000, 10_000]
    assert curves["l998hi"] == [70.0, 61.0, 52.0]
    assert curves["l95lo"] == [40.0, 44.0, 48.0]
    assert "od95lo" not in curves
    assert funnel_curves(block, points=40)["x"] == [100, 200, 5_000, 10_000]


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
    if url == site.as_uri():
        route.continue_()
        return
    requests.append(url)
    route.abort()


def _path_points(d: str) -> list[tuple[float, float]]:
    """The points of an SVG path written as M x,y L x,y ..."""
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]


def _commune_path(page, code: str):
    return page.locator(f"#map path.unit[data-code='{code}']")


def test_the_page_loads_offline_without_errors(reader):
    assert reader["errors"] == []
    assert reader["requests"] == [], "the page asked for something beyond itself"
    text = reader["site"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", text)


def test_the_map_draws_the_565_communes(reader, published):
    page = reader["page"]
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_communes_fr.png"), full_page=True)
    paths = page.locator("#map path.unit")
    assert paths.count() == 565
    codes = paths.evaluate_all("nodes => nodes.map(n => n.dataset.code)")
    assert sorted(codes) == sorted(
        published.loc[published["indicator_code"] == "stat_013_001_at", "geo_code"]
    )
    assert all(len(d) > 20 for d in paths.evaluate_all("nodes => nodes.map(n => n.getAttribute('d'))"))


def test_masked_communes_are_hatched_never_zero(reader, published):
    """Every masked commune of 2024 is drawn with the hatch pattern, every shown one with its value."""
    page = reader["page"]
    states = dict(
        page.locator("#map path.unit").evaluate_all(
            "nodes => nodes.map(n => [n.dataset.code, n.dataset.state])"
        )
    )
    fills = dict(
        page.locator("#map path.unit").evaluate_all(
            "nodes => nodes.map(n => [n.dataset.code, n.getAttribute('fill')])"
        )
    )
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


def test_the_funnel_plot_has_its_limits(reader, published):
    """Four limit lines (95 % and 99.8 %, low and high), Belgium's line, one point per shown commune."""
    page = reader["page"]
    for key in ("l95lo", "l95hi", "l998lo", "l998hi"):
        d = page.locator(f"#funnel path.limit[data-limit='{key}']").get_attribute("d")
        assert d and d.count("L") > 10, key
    assert page.locator("#funnel line.national").count() == 1
    first = published[(published["indicator_code"] == "stat_013_001_at") & ~published["suppressed"]]
    assert page.locator("#funnel circle.point").count() == int((first["denominator"] > 0).sum())
    # At the largest denominator (the last point of each line) the bands nest around Belgium's line,
    # the 99.8 % band outside the 95 % one (screen y grows downwards).
    last_y = {
        key: _path_points(page.locator(f"#funnel path.limit[data-limit='{key}']").get_attribute("d"))[-1][1]
        for key in ("l95lo", "l95hi", "l998lo", "l998hi")
    }
    national_y = float(page.locator("#funnel line.national").get_attribute("y1"))
    assert last_y["l998hi"] < last_y["l95hi"] < national_y < last_y["l95lo"] < last_y["l998lo"]
    page.locator("#funnel-section").screenshot(path=str(SCREENSHOT_DIR / "explorer_funnel.png"))


def test_the_funnel_and_variation_panels_read_the_variation_models(reader, synthetic_build):
    """funnel_plot_data's limits are drawn as they are (with its overdispersed limits), and the
    variation statistics of the communes are those of variation_statistics, in French formatting."""
    page = reader["page"]
    with duckdb.connect(str(synthetic_build.db_path), read_only=True) as connection:
        funnel = connection.execute(
            "select geo_code, denominator, value, limit_998_high from funnel_plot_data "
            "where indicator_code = 'stat_013_001_at' and year = 2024 and geo_level = 'commune' "
            "and funnel = 'crude' and limit_998_high is not null "
            "order by denominator, geo_code"
        ).df()
        statistics = connection.execute(
            "select * from variation_statistics where indicator_code = 'stat_013_001_at' and year = 2024 "
            "and geo_level = 'commune'"
        ).df()
    assert "funnel_plot_data" in page.locator("#funnel-note").inner_text()
    assert page.locator("#funnel path.limit[data-limit='od998hi']").count() == 1
    # The 99.8 % high line is kept at 40 denominators at most, from the smallest to the largest commune.
    points = _path_points(page.locator("#funnel path.limit[data-limit='l998hi']").get_attribute("d"))
    assert len(points) == min(40, funnel["denominator"].nunique())
    # Each commune's colour says where it falls against its own limits from funnel_plot_data.
    flags = dict(
        page.locator("#funnel circle.point").evaluate_all(
            "ns => ns.map(n => [n.dataset.code, n.dataset.flag])"
        )
    )
    above = funnel[funnel["value"] > funnel["limit_998_high"]]["geo_code"]
    assert {code for code, flag in flags.items() if flag == "above998"} == set(above)
    row = page.locator("#variation tr[data-statistic='eq'] td").inner_text()
    quotient = statistics["extremal_quotient"].iloc[0]
    # A statistic withheld by variation_statistics (too few or too masked units) is shown as a dash.
    expected = "\u2013" if pd.isna(quotient) else f"{quotient:.2f}".replace(".", ",")
    assert row == expected
    units = page.locator("#variation tr[data-statistic='units'] td").inner_text()
    assert (
        units.replace("\u202f", "")
        == f"{statistics['units_shown'].iloc[0]} / {statistics['units_masked'].iloc[0]}"
    )


def test_switching_the_indicator_changes_the_map(reader):
    page = reader["page"]
    before = page.locator("#map path.unit").evaluate_all("nodes => nodes.map(n => n.getAttribute('fill'))")
    page.select_option("#indicator", "stat_013_023_at")
    page.wait_for_selector("#map[data-indicator='stat_013_023_at']")
    after = page.locator("#map path.unit").evaluate_all("nodes => nodes.map(n => n.getAttribute('fill'))")
    assert len(after) == 565
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    assert changed > 100, f"only {changed} communes changed colour"
    assert "Imagerie thérapeutique interventionnelle" in page.locator("#metadata").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_indicator_023.png"), full_page=True)
    page.select_option("#indicator", "stat_013_001_at")


def test_the_language_switch_changes_the_labels(reader):
    page = reader["page"]
    assert page.locator("label >> text=Indicateur").count() == 1
    assert "Méthode de calcul" in page.locator("#metadata").inner_text()
    page.click("#lang-nl")
    page.wait_for_selector("html[lang='nl']")
    assert page.locator("label >> text=Indicator").count() == 1
    assert page.locator("#map-title").inner_text().startswith("Ruw cijfer (%) · Gemeenten · 2024")
    metadata = page.locator("#metadata").inner_text()
    assert "Berekeningswijze" in metadata and "Méthode de calcul" not in metadata
    assert page.locator("#download").inner_text() == "Downloaden (CSV)"
    page.screenshot(path=str(SCREENSHOT_DIR / "explorer_communes_nl.png"), full_page=True)
    page.click("#lang-fr")
    page.wait_for_selector("html[lang='fr']")
    assert page.locator("#map-title").inner_text().startswith("Taux brut (%) · Communes · 2024")


def test_the_csv_download_holds_the_table(reader, synthetic_build):
    """Province level: 10 rows whose figures are those of the published layer."""
    page = reader["page"]
    page.select_option("#level", "province")
    page.wait_for_selector("#map[data-level='province']")
    assert page.locator("#map path.unit").count() == 10
    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    assert download.suggested_filename == "stat_013_001_at_province_2024.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 10
    assert page.locator("#figures tbody tr").count() == 10
    with duckdb.connect(str(synthetic_build.db_path), read_only=True) as connection:
        provinces = connection.execute(
            "select geo_code, numerator, denominator, value from published_indicators "
            "where indicator_code = 'stat_013_001_at' and year = 2024 and geo_level = 'province'"
        ).df()
    expected = provinces.set_index("geo_code")
    for row in rows:
        cell = expected.loc[row["geo_code"]]
        assert int(row["numerator"]) == cell["numerator"]
        assert int(row["denominator"]) == cell["denominator"]
        assert float(row["value"]) == pytest.approx(cell["value"], abs=0.005)
    page.select_option("#level", "commune")
