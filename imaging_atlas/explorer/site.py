"""Assemble the explorer: one HTML file with its style, script, boundaries and figures inlined.

A reader opens the file from disk, possibly with no network: nothing may be fetched, so every
asset is written into the page. The script is this package's own (assets/texts.js and explorer.js, no
charting library: docs/explorer.md weighs Vega-Lite and Observable Plot against it): it decodes the
TopoJSON boundaries, draws the maps and charts as SVG and builds the downloads.
The boundaries and the figures are embedded gzip-compressed and base64-encoded (a quarter of their
JSON size, which grows with every indicator and year); the browser inflates them with its own
DecompressionStream, so no decompression code is shipped.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

from imaging_atlas.explorer.database import (
    CATALOG_FIELDS,
    connect,
    read_catalog,
    read_mapped_cells,
    read_measures,
    read_optional_tables,
)
from imaging_atlas.explorer.figures import explorer_figures
from imaging_atlas.explorer.payload import page_data, to_json

ASSETS = Path(__file__).resolve().parent / "assets"
BOUNDARIES = ASSETS / "belgium_communes_2025.topojson"
PLACEHOLDERS = ("/*STYLE*/", "/*SCRIPT*/", "/*BOUNDARIES*/", "/*DATA*/")
SCRIPTS = ("texts.js", "explorer.js")
"""The page's script: its texts in French and Dutch, then the code that reads them."""


def packed(text: str) -> str:
    """gzip (no timestamp: the same figures give the same page) then base64, safe inside <script>."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


def render_page(data_json: str, boundaries_json: str) -> str:
    """The template with its placeholders replaced by the inlined style, script, boundaries and data."""
    template = (ASSETS / "explorer.html").read_text(encoding="utf-8")
    for placeholder in PLACEHOLDERS:
        if template.count(placeholder) != 1:
            raise ValueError(f"the template must hold {placeholder} exactly once")
    style = (ASSETS / "explorer.css").read_text(encoding="utf-8")
    script = "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in SCRIPTS)
    if "</script" in script.lower() or "</style" in style.lower():
        raise ValueError("an inlined asset would close its own element")
    # Replaced in this order so no inserted text is searched for a later placeholder.
    page = template.replace("/*STYLE*/", style).replace("/*SCRIPT*/", script)
    page = page.replace("/*BOUNDARIES*/", packed(boundaries_json))
    return page.replace("/*DATA*/", packed(data_json))


def build_site(db_path: Path, out_path: Path) -> dict[str, int | str]:
    """Read the database read-only, write the page, return what was written (for the log)."""
    with connect(db_path) as connection:
        published = read_mapped_cells(connection, "published_indicators")
        optional = read_optional_tables(connection)
        indicator_codes = sorted(published["indicator_code"].unique())
        catalog = read_catalog(connection, indicator_codes)
        measures = read_measures(connection, catalog)
    figures, funnels, sources = explorer_figures(
        published,
        standardised=optional["standardised_rates"],
        smoothed=optional["smoothed_rates"],
        ratios=optional["standardised_ratios"],
        funnel=optional["funnel_plot_data"],
        measures=measures,
    )
    catalog = catalog.assign(measure=[measures.get(code, "patients") for code in catalog["indicator_code"]])
    data = page_data(figures, funnels, catalog, CATALOG_FIELDS, sources, optional["variation_statistics"])
    page = render_page(to_json(data), BOUNDARIES.read_text(encoding="utf-8").strip())
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return {
        "path": str(out_path),
        "bytes": out_path.stat().st_size,
        "indicators": len(indicator_codes),
        "cells": len(figures),
        "masked": int(figures["suppressed"].sum()),
    }
