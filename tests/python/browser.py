"""Debian's Chromium for the browser tests, driven by Playwright without a browser download.

The flags keep a headless Chromium off this machine's closed network (no background connections, no
component updates, no sync) so that a test page loads without waiting on refused lookups.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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


def launch_chromium(playwright: Any, profile_dir: Path, **options: Any) -> Any:
    """A persistent headless Chromium context in its own profile folder; fails the test if missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium) first")
    return playwright.chromium.launch_persistent_context(
        str(profile_dir), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True, **options
    )
