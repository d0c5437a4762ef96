"""Debian's Chromium, driven by Playwright without a browser download: the tests and load_time use it.

The flags keep a headless Chromium off this machine's closed network (no background connections, no
component updates, no sync) so that a page loads without waiting on refused lookups.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
