"""Each indicator's generated docs page agrees with the seeds and the meta, and renders the registry's
facts as worked out by hand."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from imaging_atlas.code_docs import (
    CODES_SEED,
    DOCS_FILE,
    codes_in_scope,
    gaps_in_scope,
    read_seed,
    render,
    smallest_level,
)
from imaging_atlas.project import PROJECT_DIR
from imaging_atlas.registry import GAPS_SEED, SCOPE_SEED, equivalent_variables, read_registry, yaml_models


@pytest.fixture(scope="module")
def rendered() -> str:
    return render()


def doc_block(text: str, name: str) -> str:
    match = re.search(r"\{% docs " + name + r" %\}(.*?)\{% enddocs %\}", text, flags=re.DOTALL)
    assert match, f"no doc block {name} in {DOCS_FILE}"
    return match.group(1)


def table_row(block: str, french_label: str) -> list[str]:
    """The French and Dutch cells of one field of a metadata table."""
    match = re.search(
        r"^\| \*\*" + re.escape(french_label) + r"\*\* / \*\*[^*]+\*\* \| (.*) \| (.*) \|$", block, re.M
    )
    assert match, f"no row {french_label}"
    return [match.group(1), match.group(2)]


def test_committed_code_docs_are_generated_from_the_current_seeds(rendered):
    committed = (PROJECT_DIR / DOCS_FILE).read_text(encoding="utf-8")
    assert committed == rendered, f"{DOCS_FILE} is stale: run imaging-atlas docs (make docs)"


def test_every_registry_indicator_has_a_page_its_description_includes(rendered):
    registry = read_registry()
    models = yaml_models()
    pages = set(re.findall(r"\{% docs indicator_page_(\w+) %\}", rendered))
    assert pages == set(registry["indicator_code"])
    for code in registry["indicator_code"]:
        assert f"{{{{ doc('indicator_page_{code}') }}}}" in models[code]["description"], code


def test_code_counts_on_the_pages_match_hand_counts_of_the_seed(rendered):
    codes = read_seed(PROJECT_DIR, CODES_SEED)
    # All imaging, % and volume, count every code of the list.
    assert f"#### The {len(codes)} codes" in doc_block(rendered, "indicator_page_stat_013_001_at")
    assert f"#### The {len(codes)} codes" in doc_block(rendered, "indicator_page_stat_013_002_at")
    # Dental radiographs: 18 dental_imaging codes + the 6 dental cone-beam codes billed by dentists.
    dental = doc_block(rendered, "indicator_page_stat_013_011_at")
    assert "| CT_cone_beam | dentist | 6 | 6 | 0 |" in dental
    assert "| **total** | | **24** | 24 | 0 |" in dental
    assert "307230" in dental and "459852" not in dental
    # CT: 47 CT codes + the 10 cone-beam codes billed by radiologists.
    assert "| **total** | | **57** | 43 | 14 |" in doc_block(rendered, "indicator_page_stat_013_013_at")
    # RX: 11 codes, none of them chest RX, and the chest-RX gap is shown.
    rx = doc_block(rendered, "indicator_page_stat_013_009_at")
    assert "| RX_thorax | any | 0 | 0 | 0 |" in rx
    assert "Chest radiography: no code in the list." in rx


def test_every_listed_code_is_on_the_page_of_all_imaging(rendered):
    block = doc_block(rendered, "indicator_page_stat_013_001_at")
    listed = set(re.findall(r"^\| (\d{6}) \|", block, flags=re.MULTILINE))
    assert listed == set(read_seed(PROJECT_DIR, CODES_SEED)["code"])


def test_registry_facts_are_rendered_on_the_page_of_a_late_sector_volume(rendered):
    """stat_013_024_at: exams, sourced, sectors from 2016 (the Atlas starts in 2006), pair 023 whose cube is
    cube_013_023 (not its own), the totals 001 and 002; its scope interventional_therapeutic has no gap."""
    page = doc_block(rendered, "indicator_page_stat_013_024_at")
    assert table_row(page, "Codification") == [
        "Nombre d'examens pour 100 bénéficiaires, non arrondi.",
        "Aantal onderzoeken per 100 rechthebbenden, niet afgerond.",
    ]
    assert table_row(page, "Plus petit niveau géographique") == [
        "Secteur statistique (depuis 2016) ; commune (depuis 2006).",
        "Statistische sector (sinds 2016); gemeente (sinds 2006).",
    ]
    assert table_row(page, "Variables équivalentes")[0] == "stat_013_023_At, stat_013_001_At, stat_013_002_At"
    assert table_row(page, "Lacunes connues de la liste de codes")[0] == "Aucune connue pour ces catégories."
    assert table_row(page, "Disponible depuis") == ["2006", "2006"]
    assert table_row(page, "Code")[0] == "stat_013_024_At (code et nom documentés par l'Atlas)"
    assert "statistical sectors from 2016 on" in page


def test_the_new_volume_is_rendered_as_an_inferred_exams_indicator(rendered):
    """stat_013_002_at: inferred code, a volume, paired with 001, a total (so every other indicator is an
    equivalent: 24 - 1 = 23 codes, the pair first), sectors since 2006."""
    page = doc_block(rendered, "indicator_page_stat_013_002_at")
    assert table_row(page, "Nom") == ["Imagerie médicale (volume)", "Medische beeldvorming (volume)"]
    assert table_row(page, "Code")[0].startswith("stat_013_002_At (code déduit de la règle impair/pair")
    assert table_row(page, "Codification")[0] == "Nombre d'examens pour 100 bénéficiaires, non arrondi."
    equivalents = table_row(page, "Variables équivalentes")[0].split(", ")
    assert (
        len(equivalents) == 23 and equivalents[0] == "stat_013_001_At" and "cube_013_001" not in equivalents
    )
    assert table_row(page, "Plus petit niveau géographique")[0] == "Secteur statistique (depuis 2006)."


def test_known_gaps_shown_exactly_on_the_indicators_whose_scope_they_touch(rendered):
    """The MRI core-exam gap (category MRI, radiologists) touches all imaging (001, 002), the radiologists
    (003, 004) and MRI (015, 016): not the dentists, other specialists or the other modalities."""
    gaps = gaps_in_scope(read_seed(PROJECT_DIR, SCOPE_SEED), read_seed(PROJECT_DIR, GAPS_SEED))
    touched = set(gaps.loc[gaps["gap_id"] == "core_mri", "indicator_code"])
    assert touched == {f"stat_013_{n:03d}_at" for n in (1, 2, 3, 4, 15, 16)}
    for code in read_registry()["indicator_code"]:
        cell = table_row(
            doc_block(rendered, f"indicator_page_{code}"), "Lacunes connues de la liste de codes"
        )[0]
        assert ("IRM : les examens courants" in cell) is (code in touched), code


def test_sector_level_before_the_first_year_reads_as_sector_only():
    assert smallest_level(2006, 2006) == (
        "Secteur statistique (depuis 2006).",
        "Statistische sector (sinds 2006).",
    )
    assert smallest_level(2016, 2006)[1] == "Statistische sector (sinds 2016); gemeente (sinds 2006)."


def test_equivalent_variables_put_the_pair_and_cube_before_the_totals():
    registry = pd.DataFrame(
        {
            "indicator_code": ["stat_000_001_at", "stat_000_002_at", "stat_000_003_at", "stat_000_004_at"],
            "atlas_code": ["A1", "A2", "A3", "A4"],
            "indicator_group": ["all_imaging", "all_imaging", "mri", "mri"],
            "paired_code": ["stat_000_002_at", "stat_000_001_at", "stat_000_004_at", "stat_000_003_at"],
            "cube_code": ["", "", "cube_3", ""],
        }
    )
    assert equivalent_variables(registry, "stat_000_003_at") == ["A4", "cube_3", "A1", "A2"]
    assert equivalent_variables(registry, "stat_000_001_at") == ["A2", "A3", "A4"]


def test_a_code_counts_for_a_provider_scope_only_with_that_provider():
    scope = pd.DataFrame(
        {"indicator_code": ["x", "y"], "category": ["CT", "CT"], "provider": ["dentist", "any"]}
    )
    codes = pd.DataFrame(
        {"code": ["000001", "000002"], "category": ["CT", "CT"], "provider": ["dentist", "radiologist"]}
    )
    matched = codes_in_scope(scope, codes)
    assert sorted(matched.loc[matched["indicator_code"] == "x", "code"]) == ["000001"]
    assert sorted(matched.loc[matched["indicator_code"] == "y", "code"]) == ["000001", "000002"]
