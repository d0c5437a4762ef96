"""The docs site as a reader uses it: the static page rendered by a real headless Chromium.

The page source embeds the whole manifest as JSON, so the checks read the *rendered* DOM of an
indicator's page: its French description and calculation method (Details panel and the generated
metadata table of the Description), the shared texts dbt merged into its meta, the fields rendered from
the indicator registry, and the codes it counts. Debian's chromium is used through
Playwright's `executable_path` (no browser download; `make chromium` installs it). A screenshot is
saved into the test's folder and to target/docs_screenshots/ (or $DOCS_SCREENSHOT_DIR).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from browser import launch_chromium

from imaging_atlas.project import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.dbt

MODEL_ID = "model.imaging_atlas.stat_013_001_at"
SCREENSHOT_DIR = Path(os.environ.get("DOCS_SCREENSHOT_DIR", PROJECT_DIR / "target" / "docs_screenshots"))


@pytest.fixture(scope="module")
def static_site(hand_made_build) -> Path:
    """`dbt docs generate --static` on the session's build, in its private target folder."""
    run_dbt(hand_made_build, "docs", "generate", "--static")
    site = hand_made_build.target_path / "static_index.html"
    assert site.exists(), f"dbt docs generate --static wrote no {site}"
    return site


@pytest.fixture(scope="module")
def indicator_meta(static_site: Path) -> dict:
    manifest = json.loads((static_site.parent / "manifest.json").read_text(encoding="utf-8"))
    return manifest["nodes"][MODEL_ID]["config"]["meta"]


@pytest.fixture(scope="module")
def rendered_page(static_site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The indicator's page as Chromium renders it: its visible text and a screenshot."""
    from playwright.sync_api import sync_playwright

    output = tmp_path_factory.mktemp("docs_site")
    with sync_playwright() as playwright:
        browser = launch_chromium(
            playwright,
            output / "profile",
            viewport={"width": 1400, "height": 1800},
        )
        try:
            page = browser.new_page()
            page.goto(f"{static_site.as_uri()}#!/model/{MODEL_ID}")
            page.wait_for_selector("dt.detail-label >> text=FR · Méthode de calcul", timeout=60_000)
            page.wait_for_selector("h4 >> text=Atlas metadata", timeout=60_000)
            screenshot = output / "stat_013_001_at.png"
            page.screenshot(path=str(screenshot), full_page=False)
            details = page.inner_text("div.detail-body >> nth=0")
            text = page.inner_text("body")
        finally:
            browser.close()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, SCREENSHOT_DIR / screenshot.name)
    return {"details": details, "text": text, "screenshot": screenshot}


def test_rendered_page_shows_the_french_description_and_calculation_method(rendered_page, indicator_meta):
    text = rendered_page["text"]
    assert indicator_meta["FR · Description"].startswith("Pourcentage des bénéficiaires")
    assert indicator_meta["FR · Description"] in text
    assert indicator_meta["FR · Méthode de calcul"].startswith("Numérateur : bénéficiaires ayant au moins")
    assert indicator_meta["FR · Méthode de calcul"] in text
    # The Details panel lists the meta keys as labels: the indicator's own and the shared ones.
    details = rendered_page["details"].upper()
    assert "FR · NOM\nIMAGERIE MÉDICALE (%)" in details
    assert "FR · MÉTHODE DE CALCUL" in details
    assert "NL · OPMERKINGEN" in details


def test_rendered_page_shows_the_shared_texts_and_the_registry_facts(rendered_page, indicator_meta):
    """The shared remarks come from the marts' +meta; unit, smallest level, availability and code status
    of stat_013_001_at (patients, sectors since 2006, sourced) are rendered from the registry."""
    text = rendered_page["text"]
    assert indicator_meta["NL · Opmerkingen"].startswith("Woonplaats: die op 31 december")
    assert indicator_meta["NL · Opmerkingen"] in text
    assert "Pourcentage (%) des bénéficiaires, non arrondi (0 à 100)." in text
    assert "Secteur statistique (depuis 2006)." in text
    assert "stat_013_001_At (code et nom documentés par l'Atlas)" in text
    assert "Plus petit niveau géographique / Kleinste geografische niveau" in text
    assert "**Domicile.**" not in text and "Domicile. A beneficiary counts where they lived" in text


def test_rendered_page_shows_the_codes_and_gaps(rendered_page):
    text = rendered_page["text"]
    assert "Atlas metadata" in text
    assert "Méthode de calcul / Berekeningswijze" in text
    assert "Known gaps of the code list" in text
    assert "Chest radiography: no code in the list." in text
    assert "The 240 codes" in text
    assert "458850" in text


def test_screenshot_is_saved(rendered_page):
    screenshot = rendered_page["screenshot"]
    assert screenshot.stat().st_size > 10_000
    assert (SCREENSHOT_DIR / screenshot.name).stat().st_size == screenshot.stat().st_size
