"""How long the offline explorer takes to open: `imaging-atlas explorer-load-time`.

Opens the page from disk in Debian's Chromium with every request beyond the file refused, as a reader
with no network would, and reads the `atlas-ready` performance mark the page sets once the first view
(map, charts, table) is drawn: milliseconds since the navigation started. Each opening is a fresh page
of one browser; the median of `--repeat` openings is printed with every run, the page's size and the
window width. A measurement, not a test: results go to docs/benchmark.md.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from imaging_atlas.explorer.chromium import CHROMIUM, CHROMIUM_FLAGS

READY_MARK = "atlas-ready"


def open_times(site: Path, repeat: int, width: int) -> list[float]:
    """Milliseconds from navigation to the page's first full view, for `repeat` fresh pages."""
    from playwright.sync_api import sync_playwright

    uri = site.resolve().as_uri()
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route(
                    "**/*", lambda route: route.continue_() if route.request.url == uri else route.abort()
                )
                page.goto(uri)
                page.wait_for_selector("body[data-ready='true']", timeout=120_000)
                times.append(page.evaluate(f"performance.getEntriesByName('{READY_MARK}')[0].startTime"))
                page.close()
        finally:
            browser.close()
    return times


def report_open_times(site: Path, repeat: int = 5, width: int = 1440) -> int:
    """`imaging-atlas explorer-load-time`: print the median and every opening time; 1 without the page or
    the browser."""
    if not site.exists():
        print(f"error: no page at {site}: run `make explore` first", file=sys.stderr)
        return 1
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing: run `make chromium` first", file=sys.stderr)
        return 1
    times = open_times(site, repeat, width)
    runs = ", ".join(f"{time / 1000:.2f}" for time in times)
    print(
        f"{site} ({site.stat().st_size / 1e6:.2f} MB) at {width} px: median "
        f"{statistics.median(times) / 1000:.2f} s to the first full view, {len(times)} openings ({runs} s)"
    )
    return 0
