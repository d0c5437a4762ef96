"""How long the offline explorer takes to open: `python -m imaging_atlas.explorer.load_time`.

Opens the page from disk in Debian's Chromium with every request beyond the file refused, as a reader
with no network would, and reads the `atlas-ready` performance mark the page sets once the first view
(map, charts, table) is drawn: milliseconds since the navigation started. Each opening is a fresh page
of one browser; the median of `--repeat` openings is printed with every run, the page's size and the
window width. A measurement, not a test: results go to docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imaging_atlas.explorer.load_time",
        description="Measure how long the offline Atlas explorer takes to open in Chromium.",
    )
    parser.add_argument("--site", type=Path, default=Path("target/atlas/index.html"), help="page to open")
    parser.add_argument("--repeat", type=int, default=5, help="openings (default: %(default)s)")
    parser.add_argument("--width", type=int, default=1440, help="window width in px (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.site.exists():
        print(f"error: no page at {args.site}: run `make explore` first", file=sys.stderr)
        return 1
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing: run `make chromium` first", file=sys.stderr)
        return 1
    times = open_times(args.site, args.repeat, args.width)
    runs = ", ".join(f"{time / 1000:.2f}" for time in times)
    print(
        f"{args.site} ({args.site.stat().st_size / 1e6:.2f} MB) at {args.width} px: median "
        f"{statistics.median(times) / 1000:.2f} s to the first full view, {len(times)} openings ({runs} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
