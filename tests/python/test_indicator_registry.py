"""The indicator registry against everything else: the project agrees with it, an indicator is added with
the documented edits (docs/adding_an_indicator.md), and forgetting any one of them fails.

The scratch tests copy the dbt project, add a test pair (stat_013_025_at, a %, and stat_013_026_at, its
volume: MRI billed by radiologists, a group of their own), regenerate the docs pages as `make docs` does
and run the checks of imaging_atlas/registry.py on a fresh `dbt parse`; then they leave out one edit at a
time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from imaging_atlas import code_docs
from imaging_atlas.project import PROJECT_DIR
from imaging_atlas.registry import (
    MARTS_DIR,
    MARTS_YAML,
    REGISTRY_SEED,
    SCOPE_SEED,
    check_mart_files,
    check_registry_rows,
    check_scope,
    check_tests,
    check_yaml_blocks,
    project_problems,
    quoted_codes,
    read_registry,
)

pytestmark = pytest.mark.dbt

# What dbt reads: the project copy holds these and nothing else (no data, no virtualenv).
PROJECT_ENTRIES = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "seeds",
    "macros",
    "tests",
    "analyses",
    "docs",
)
PERCENT, VOLUME = "stat_013_025_at", "stat_013_026_at"
REGISTRY_ROWS = (
    f"{PERCENT},stat_013_025_At,test_mri,patients,{VOLUME},2006,inferred,false,\n"
    f"{VOLUME},stat_013_026_At,test_mri,exams,{PERCENT},2006,inferred,false,\n"
)
SCOPE_ROWS = f"{PERCENT},MRI,radiologist\n{VOLUME},MRI,radiologist\n"


def text_block(code: str, kind: str, tests: str) -> str:
    """The YAML block of a test indicator: its English definition, page and the eight own meta texts."""
    return f"""
  - name: {code}
    description: |
      Test indicator: the {kind} of MRI billed by radiologists.

      {{{{ doc('indicator_page_{code}') }}}}
    config:
      meta:
        "FR · Nom": "IRM par un radiologue ({kind})"
        "NL · Naam": "MRI door een radioloog ({kind})"
        "FR · Description": "IRM attestées par un radiologue ({kind})."
        "NL · Omschrijving": "MRI aangerekend door een radioloog ({kind})."
        "FR · Mots-clés": "IRM"
        "NL · Trefwoorden": "MRI"
        "FR · Méthode de calcul": "Comme stat_013_015_At, pour les radiologues."
        "NL · Berekeningswijze": "Zoals stat_013_015_At, voor radiologen."
    data_tests: {tests}
    columns: *indicator_columns
"""


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def add_registry_rows(project: Path) -> None:
    append(project / REGISTRY_SEED, REGISTRY_ROWS)


def add_scope_rows(project: Path) -> None:
    append(project / SCOPE_SEED, SCOPE_ROWS)


def add_texts(project: Path) -> None:
    """The YAML blocks go after the last indicator block, before the cubes (the file's anchors stay above)."""
    path = project / MARTS_YAML
    text = path.read_text(encoding="utf-8")
    blocks = text_block(PERCENT, "%", "*percent_tests") + text_block(VOLUME, "volume", "*volume_tests")
    marker = "\n  - name: cube_013_001\n"
    assert marker in text
    path.write_text(text.replace(marker, blocks + marker, 1), encoding="utf-8")


def add_mart_files(project: Path) -> None:
    """Each mart is written like the mart of the same measure, MRI (015 / 016), with its own code."""
    marts = project / MARTS_DIR
    for code, model in ((PERCENT, "stat_013_015_at"), (VOLUME, "stat_013_016_at")):
        (marts / f"{code}.sql").write_text(
            (marts / f"{model}.sql").read_text(encoding="utf-8").replace(model, code), encoding="utf-8"
        )


EDITS: dict[str, Callable[[Path], None]] = {
    "registry row": add_registry_rows,
    "scope rows": add_scope_rows,
    "texts": add_texts,
    "mart file": add_mart_files,
}


def outside_dbt(folder: str, names: list[str]) -> list[str]:
    """Skip the Python tests (tests/python) and byte-code when copying: dbt reads neither."""
    skipped = [name for name in names if name == "__pycache__"]
    return [*skipped, "python"] if Path(folder) == PROJECT_DIR / "tests" else skipped


def scratch_project(root: Path, edits: list[str]) -> Path:
    """A copy of the project with the chosen edits made and its docs pages regenerated (make docs)."""
    project = root / "project"
    project.mkdir()
    for entry in PROJECT_ENTRIES:
        source = PROJECT_DIR / entry
        if source.is_dir():
            shutil.copytree(source, project / entry, ignore=outside_dbt)
        else:
            shutil.copy(source, project / entry)
    for edit in edits:
        EDITS[edit](project)
    assert code_docs.update_docs(project) == 0
    return project


def test_the_project_agrees_with_its_registry(tmp_path):
    assert project_problems(PROJECT_DIR, tmp_path / "target") == []


def test_an_indicator_is_added_with_the_documented_edits(tmp_path):
    project = scratch_project(tmp_path, list(EDITS))
    assert project_problems(project, tmp_path / "target") == []
    assert {PERCENT, VOLUME} <= set(read_registry(project)["indicator_code"])


@pytest.mark.parametrize(
    ("forgotten", "expected"),
    [
        ("registry row", f"{MARTS_DIR}/{PERCENT}.sql: a mart of no registry row"),
        ("scope rows", f"{SCOPE_SEED}: no scope rows for {PERCENT}"),
        ("texts", f"{MARTS_YAML}: no block for {PERCENT}"),
        ("mart file", f"{MARTS_DIR}/{PERCENT}.sql: no mart file for {PERCENT}"),
    ],
)
def test_forgetting_one_edit_fails_naming_it(tmp_path, forgotten, expected):
    project = scratch_project(tmp_path, [edit for edit in EDITS if edit != forgotten])
    problems = project_problems(project, tmp_path / "target")
    assert expected in problems, problems


# The checks on small hand-made inputs: each disagreement, and the sentence that names it.


def registry_of(rows: list[tuple]) -> pd.DataFrame:
    columns = ["indicator_code", "atlas_code", "indicator_group", "measure", "paired_code"]
    registry = pd.DataFrame(rows, columns=columns)
    registry["sector_level_since"] = 2006
    registry["code_status"] = "inferred"
    registry["cube_code"] = ""
    return registry


PAIR = [
    ("stat_013_025_at", "stat_013_025_At", "g", "patients", "stat_013_026_at"),
    ("stat_013_026_at", "stat_013_026_At", "g", "exams", "stat_013_025_at"),
]


def test_a_consistent_pair_has_no_problem():
    assert check_registry_rows(registry_of(PAIR)) == []


def test_pairs_must_be_symmetric_with_opposite_measures():
    one_sided = [PAIR[0], (*PAIR[1][:4], "stat_013_001_at")]
    assert (
        f"{REGISTRY_SEED}: stat_013_026_at is paired with 'stat_013_001_at', which has no registry row"
        in (check_registry_rows(registry_of(one_sided)))
    )
    same_measure = [PAIR[0], (*PAIR[1][:3], "patients", PAIR[1][4])]
    assert f"{REGISTRY_SEED}: stat_013_025_at and its pair stat_013_026_at have the same measure" in (
        check_registry_rows(registry_of(same_measure))
    )
    spaced = [(*PAIR[0][:2], "test mri", *PAIR[0][3:]), (*PAIR[1][:2], "test mri", *PAIR[1][3:])]
    assert (
        f"{REGISTRY_SEED}: stat_013_025_at has indicator_group 'test mri', not a lowercase name of "
        "letters, digits and underscores (the exams name columns after it)"
    ) in check_registry_rows(registry_of(spaced))
    miscased = [("stat_013_025_at", "stat_013_027_At", *PAIR[0][2:]), PAIR[1]]
    assert f"{REGISTRY_SEED}: stat_013_025_at has atlas_code stat_013_027_At, not the same code" in (
        check_registry_rows(registry_of(miscased))
    )


def test_a_percent_and_its_volume_count_the_same_scope_rows():
    scope = pd.DataFrame(
        {
            "indicator_code": ["stat_013_025_at", "stat_013_026_at", "stat_013_026_at", "stat_013_099_at"],
            "category": ["MRI", "MRI", "CT", "CT"],
            "provider": ["any", "any", "any", "any"],
        }
    )
    assert check_scope(registry_of(PAIR), scope) == [
        f"{SCOPE_SEED}: rows of stat_013_099_at, which has no registry row",
        f"{SCOPE_SEED}: stat_013_025_at and its pair stat_013_026_at have different scope rows",
        f"{SCOPE_SEED}: stat_013_026_at and its pair stat_013_025_at have different scope rows",
    ]


def test_a_mart_selects_exactly_its_own_code(tmp_path):
    (tmp_path / MARTS_DIR).mkdir(parents=True)
    mart = "select * from {{ ref('int_indicator_figures') }} where indicator_code = '%s'\n"
    (tmp_path / MARTS_DIR / "stat_013_025_at.sql").write_text(mart % "stat_013_025_at")
    (tmp_path / MARTS_DIR / "stat_013_026_at.sql").write_text(mart % "stat_013_025_at")
    assert check_mart_files(tmp_path, registry_of(PAIR)) == [
        f"{MARTS_DIR}/stat_013_026_at.sql: selects ['stat_013_025_at'], not exactly 'stat_013_026_at'"
    ]
    assert quoted_codes("{{ atlas_indicator('stat_013_001_At', measure='patients') }}") == {"stat_013_001_at"}


def test_a_yaml_block_must_not_restate_a_registry_fact(tmp_path):
    (tmp_path / MARTS_DIR).mkdir(parents=True)
    texts = "\n".join(
        f'        "{key}": "x"'
        for key in ("FR · Nom", "NL · Naam", "FR · Description", "NL · Omschrijving", "FR · Mots-clés")
    )
    (tmp_path / MARTS_YAML).write_text(
        "version: 2\nmodels:\n"
        "  - name: stat_013_025_at\n    description: \"{{ doc('indicator_page_stat_013_025_at') }}\"\n"
        f"    config:\n      meta:\n{texts}\n        measure: patients\n"
        "  - name: stat_013_026_at\n    description: x\n",
        encoding="utf-8",
    )
    problems = check_yaml_blocks(tmp_path, registry_of(PAIR))
    assert f"{MARTS_YAML}: stat_013_025_at restates the registry fact 'measure' in meta" in problems
    assert f"{MARTS_YAML}: stat_013_025_at has no meta text 'NL · Trefwoorden'" in problems
    assert f"{MARTS_YAML}: stat_013_025_at has no meta text 'FR · Méthode de calcul'" in problems
    assert (
        f"{MARTS_YAML}: the description of stat_013_026_at does not include"
        " doc('indicator_page_stat_013_026_at')"
    ) in problems
    assert len([problem for problem in problems if "stat_013_026_at has no meta text" in problem]) == 8


def test_a_percent_tested_as_a_volume_fails():
    tests = [
        {"name": "unique_combination", "kwargs": {}, "column": None},
        {"name": "rolls_up_to_parent_level", "kwargs": {}, "column": None},
        {"name": "covers_every_geo_unit", "kwargs": {"sector_level_since": 2016}, "column": None},
        {"name": "expression_is_true", "kwargs": {"expression": "numerator >= 0"}, "column": None},
    ]
    assert check_tests("stat_013_025_at", "patients", tests) == [
        "dbt parse: stat_013_025_at (patients) is tested with ['numerator >= 0'], not "
        "'numerator >= 0 and numerator <= denominator'",
        "dbt parse: stat_013_025_at passes sector_level_since to covers_every_geo_unit;"
        " the registry holds it",
    ]
    assert check_tests("stat_013_026_at", "exams", tests[:2] + tests[3:]) == [
        "dbt parse: stat_013_026_at has no data test covers_every_geo_unit"
    ]
