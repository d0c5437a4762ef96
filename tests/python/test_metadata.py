"""The metadata standard of `make lint`, checked where the linter cannot see.

dbt-score reads the manifest only, so it sees the columns a YAML file lists, not the columns a model
really has: a column added to the SQL and forgotten in YAML passes it. Here the built database of the
hand-made extract says which columns exist. The project's own dbt-score rules
(`imaging_atlas/metadata_rules.py`) are also run against a manifest from which a test was taken away,
to see them fail.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest
from dbt_score.models import ManifestLoader

from imaging_atlas.metadata_rules import model_has_grain_test, model_lists_its_columns
from imaging_atlas.project import DbtRun


def built_columns(db_path: Path) -> dict[str, list[str]]:
    """Columns of every table and view of the schema `main`, by relation name."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.sql(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def undocumented_columns(manifest: dict, columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per model of the project (pending folders aside), the built columns without a description."""
    missing = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["package_name"] != manifest["metadata"]["project_name"]:
            continue
        described = {
            name.lower() for name, column in node["columns"].items() if column["description"].strip()
        }
        built = columns.get(node["alias"] or node["name"], [])
        undocumented = [column for column in built if column.lower() not in described]
        if undocumented:
            missing[node["name"]] = undocumented
    return missing


def test_every_built_column_of_a_model_is_documented(hand_made_build: DbtRun) -> None:
    """stg_atlas__population alone has 10 columns (9 of the raw contract + reject_reason): all described."""
    manifest = json.loads((hand_made_build.target_path / "manifest.json").read_text())
    columns = built_columns(hand_made_build.db_path)
    assert len(columns["stg_atlas__population"]) == 10
    assert undocumented_columns(manifest, columns) == {}


def test_an_undocumented_column_is_found(hand_made_build: DbtRun) -> None:
    """Taking the description of stg_atlas__claims.amount_eur away leaves exactly that column."""
    manifest = json.loads((hand_made_build.target_path / "manifest.json").read_text())
    planted = copy.deepcopy(manifest)
    planted["nodes"]["model.imaging_atlas.stg_atlas__claims"]["columns"]["amount_eur"]["description"] = ""
    found = undocumented_columns(planted, built_columns(hand_made_build.db_path))
    assert found == {"stg_atlas__claims": ["amount_eur"]}


@pytest.fixture(scope="module")
def manifest_path(hand_made_build: DbtRun) -> Path:
    return hand_made_build.target_path / "manifest.json"


def load_model(manifest: dict, name: str, tmp_path: Path) -> object:
    """The dbt-score view of one model of a (possibly edited) manifest."""
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    loader = ManifestLoader(path)
    return next(model for model in loader.models.values() if model.name == name)


def test_grain_rule_passes_a_tested_grain_and_fails_without_it(manifest_path: Path, tmp_path: Path) -> None:
    """int_beneficiaries_domiciled's grain test is unique_combination(person_id, year): with it the rule
    passes; with that one test node removed from the manifest, it fails."""
    manifest = json.loads(manifest_path.read_text())
    model_name = "int_beneficiaries_domiciled"
    assert model_has_grain_test().evaluate(load_model(manifest, model_name, tmp_path)) is None

    model_id = f"model.imaging_atlas.{model_name}"
    grain_test_ids = [
        node_id
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and node.get("attached_node") == model_id
        and (node.get("test_metadata") or {}).get("name") == "unique_combination"
    ]
    assert len(grain_test_ids) == 1
    for node_id in grain_test_ids:
        del manifest["nodes"][node_id]
    without_test = load_model(manifest, model_name, tmp_path)
    assert model_has_grain_test().evaluate(without_test) is not None


def test_grain_rule_accepts_a_stated_keyless_grain_only(manifest_path: Path, tmp_path: Path) -> None:
    """rejects_claims has no key; its meta `grain_without_key` says so. Without that statement, it fails."""
    manifest = json.loads(manifest_path.read_text())
    assert model_has_grain_test().evaluate(load_model(manifest, "rejects_claims", tmp_path)) is None
    node = manifest["nodes"]["model.imaging_atlas.rejects_claims"]
    node["meta"].pop("grain_without_key")
    node["config"]["meta"].pop("grain_without_key")
    assert model_has_grain_test().evaluate(load_model(manifest, "rejects_claims", tmp_path)) is not None


def test_grain_rule_accepts_a_grain_guarded_upstream_only_when_stated(
    manifest_path: Path, tmp_path: Path
) -> None:
    """int_imaging_services_netted has no grain test of its own; its meta `grain_guarded_by` names the
    tests that make its group by unique. Without that statement, it fails."""
    manifest = json.loads(manifest_path.read_text())
    assert (
        model_has_grain_test().evaluate(load_model(manifest, "int_imaging_services_netted", tmp_path)) is None
    )
    node = manifest["nodes"]["model.imaging_atlas.int_imaging_services_netted"]
    node["meta"].pop("grain_guarded_by")
    node["config"]["meta"].pop("grain_guarded_by")
    without = load_model(manifest, "int_imaging_services_netted", tmp_path)
    assert model_has_grain_test().evaluate(without) is not None


def test_column_rule_fails_a_model_that_lists_no_column(manifest_path: Path, tmp_path: Path) -> None:
    """rejects_population lists its 10 columns; emptied, the rule fails."""
    manifest = json.loads(manifest_path.read_text())
    model = load_model(manifest, "rejects_population", tmp_path)
    assert len(model.columns) == 10
    assert model_lists_its_columns().evaluate(model) is None
    manifest["nodes"]["model.imaging_atlas.rejects_population"]["columns"] = {}
    emptied = load_model(manifest, "rejects_population", tmp_path)
    assert model_lists_its_columns().evaluate(emptied) is not None
