"""Debian's Chromium for the browser tests, driven by Playwright without a browser download.

The executable and its flags live in imaging_atlas.explorer.chromium (the explorer's load-time script
launches the same browser); here a missing browser fails the test with the command that installs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imaging_atlas.explorer.chromium import CHROMIUM, CHROMIUM_FLAGS


def launch_chromium(playwright: Any, profile_dir: Path, **options: Any) -> Any:
    """A persistent headless Chromium context in its own profile folder; fails the test if missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium) first")
    return playwright.chromium.launch_persistent_context(
        str(profile_dir), executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True, **options
    )
