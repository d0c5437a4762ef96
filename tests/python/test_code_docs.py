"""The codes on each indicator's docs page and the gaps in its metadata agree with the seeds."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from imaging_atlas.code_docs import (
    CODES_SEED,
    DOCS_FILE,
    GAPS_SEED,
    SCOPE_SEED,
    codes_in_scope,
    gaps_in_scope,
    read_seed,
    render,
)
from imaging_atlas.project import PROJECT_DIR

MARTS_YAML = PROJECT_DIR / "models" / "marts" / "_marts__models.yml"


@pytest.fixture(scope="module")
def indicator_models() -> dict[str, dict]:
    models = yaml.safe_load(MARTS_YAML.read_text(encoding="utf-8"))["models"]
    return {model["name"]: model for model in models if "measure" in model.get("config", {}).get("meta", {})}


def doc_block(text: str, name: str) -> str:
    match = re.search(r"\{% docs " + name + r" %\}(.*?)\{% enddocs %\}", text, flags=re.DOTALL)
    assert match, f"no doc block {name} in {DOCS_FILE}"
    return match.group(1)


def test_committed_code_docs_are_generated_from_the_current_seeds():
    committed = (PROJECT_DIR / DOCS_FILE).read_text(encoding="utf-8")
    assert committed == render(), f"{DOCS_FILE} is stale: run python -m imaging_atlas.code_docs (make docs)"


def test_every_indicator_page_includes_its_code_block(indicator_models):
    scope_indicators = set(read_seed(PROJECT_DIR, SCOPE_SEED)["indicator_code"])
    assert scope_indicators == set(indicator_models)
    for name, model in indicator_models.items():
        assert f"{{{{ doc('codes_{name}') }}}}" in model["description"], name


def test_code_counts_on_the_pages_match_hand_counts_of_the_seed():
    text = render()
    codes = read_seed(PROJECT_DIR, CODES_SEED)
    # All imaging counts every code of the list.
    assert f"#### The {len(codes)} codes" in doc_block(text, "codes_stat_013_001_at")
    # Dental radiographs: 18 dental_imaging codes + the 6 dental cone-beam codes billed by dentists.
    dental = doc_block(text, "codes_stat_013_011_at")
    assert "| CT_cone_beam | dentist | 6 | 6 | 0 |" in dental
    assert "| **total** | | **24** | 24 | 0 |" in dental
    assert "307230" in dental and "459852" not in dental
    # CT: 47 CT codes + the 10 cone-beam codes billed by radiologists.
    assert "| **total** | | **57** | 43 | 14 |" in doc_block(text, "codes_stat_013_013_at")
    # RX: 11 codes, none of them chest RX, and the chest-RX gap is shown.
    rx = doc_block(text, "codes_stat_013_009_at")
    assert "| RX_thorax | any | 0 | 0 | 0 |" in rx
    assert "Chest radiography: no code in the list." in rx


def test_every_listed_code_is_on_the_page_of_all_imaging():
    block = doc_block(render(), "codes_stat_013_001_at")
    listed = set(re.findall(r"^\| (\d{6}) \|", block, flags=re.MULTILINE))
    assert listed == set(read_seed(PROJECT_DIR, CODES_SEED)["code"])


def test_metadata_marks_exactly_the_indicators_touched_by_a_known_gap(indicator_models):
    scope = read_seed(PROJECT_DIR, SCOPE_SEED)
    gaps = gaps_in_scope(scope, read_seed(PROJECT_DIR, GAPS_SEED))
    for name, model in indicator_models.items():
        meta = model["config"]["meta"]
        own = gaps[gaps["indicator_code"] == name]
        assert meta["code_list_complete"] is own.empty, name
        if not own.empty:
            assert meta["FR · Lacunes connues de la liste de codes"] == " ".join(own["gap_fr"]), name
            assert meta["NL · Gekende lacunes van de codelijst"] == " ".join(own["gap_nl"]), name
    assert set(gaps.loc[gaps["gap_id"] == "core_mri", "indicator_code"]) == {
        "stat_013_001_at",
        "stat_013_003_at",
        "stat_013_004_at",
        "stat_013_015_at",
        "stat_013_016_at",
    }


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
