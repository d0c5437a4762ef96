"""The indicator registry and the checks that every other place agrees with it.

`seeds/indicators/indicator_registry.csv` is the one machine-readable definition of each indicator (code,
group, measure, paired code, first sector year, code status, publication, cube). An indicator is then
four edits (docs/adding_an_indicator.md): its registry row, its rows of
`seeds/indicators/indicator_exam_scope.csv`, its texts in models/marts/_marts__models.yml and its mart
file `models/marts/<code>.sql`; a new indicator group needs none (the exams name a pair of columns after
each group of the registry). `check_registry` lists every disagreement between these and the parsed
dbt project, naming the missing or contradicting piece, so that forgetting one edit fails a test
(tests/python/test_indicator_registry.py) instead of shipping a half-defined indicator.

`imaging-atlas check-registry` parses the project with dbt and prints the problems (exit 1 if any).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from imaging_atlas.project import PROJECT_DIR, dbt_executable

REGISTRY_SEED = Path("seeds") / "indicators" / "indicator_registry.csv"
SCOPE_SEED = Path("seeds") / "indicators" / "indicator_exam_scope.csv"
GAPS_SEED = Path("seeds") / "indicators" / "code_list_gaps.csv"
MARTS_DIR = Path("models") / "marts"
MARTS_YAML = MARTS_DIR / "_marts__models.yml"
PROJECT_YAML = Path("dbt_project.yml")
PROJECT_NAME = "imaging_atlas"
FRENCH, DUTCH = "FR · ", "NL · "

# The Atlas fields each indicator writes for itself, as (French, Dutch) labels of its config.meta keys.
OWN_TEXT_FIELDS = (
    ("Nom", "Naam"),
    ("Description", "Omschrijving"),
    ("Mots-clés", "Trefwoorden"),
    ("Méthode de calcul", "Berekeningswijze"),
)
# The Atlas fields every mart shares: the marts' `+meta` in dbt_project.yml, merged into each by dbt.
SHARED_TEXT_FIELDS = (
    ("Variables sources", "Bronvariabelen"),
    ("Remarques", "Opmerkingen"),
    ("Liste de codes", "Codelijst"),
    ("Fréquence et moment de mise à jour", "Frequentie en tijdstip van update"),
    ("Dernière mise à jour des métadonnées", "Laatste update metadata"),
)
# Atlas fields rendered from the registry and the seeds: typing them in meta would be a second source.
REGISTRY_FACT_FIELDS = (
    ("Codification", "Codering"),
    ("Lacunes connues de la liste de codes", "Gekende lacunes van de codelijst"),
    ("Variables équivalentes", "Gelijkaardige variabelen"),
    ("Plus petit niveau géographique", "Kleinste geografische niveau"),
    ("Disponible depuis", "Beschikbaar sinds"),
    ("Référence recommandée", "Aanbevolen referentie"),
)
REGISTRY_FACT_KEYS = ("atlas_code", "code_status", "measure", "code_list_complete", "sector_level_since")
MEASURES = ("patients", "exams")
# The group every scope falls in: its indicators are the family's totals (equivalent to every indicator).
TOTAL_GROUP = "all_imaging"
CODE_STATUSES = ("sourced", "inferred")
INDICATOR_FILE = re.compile(r"^stat_\d{3}_\d{3}_at$")
GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
QUOTED_CODE = re.compile(r"'(stat_\d{3}_\d{3}_at)'", flags=re.IGNORECASE)
# The data test that tells a % from a volume: a % never exceeds its denominator, a volume may.
BOUND_OF_MEASURE = {
    "patients": "numerator >= 0 and numerator <= denominator",
    "exams": "numerator >= 0",
}
SHAPE_TESTS = ("unique_combination", "rolls_up_to_parent_level", "covers_every_geo_unit")


def read_csv_seed(project_dir: Path, path: Path) -> pd.DataFrame:
    """A seed as text columns, empty cells as empty strings (codes keep their leading zeros)."""
    return pd.read_csv(project_dir / path, dtype=str, keep_default_na=False)


def read_registry(project_dir: Path = PROJECT_DIR) -> pd.DataFrame:
    """The registry seed, one row per indicator, sector_level_since as an integer."""
    registry = read_csv_seed(project_dir, REGISTRY_SEED)
    registry["sector_level_since"] = pd.to_numeric(registry["sector_level_since"], errors="coerce")
    return registry


def project_config(project_dir: Path = PROJECT_DIR) -> dict:
    """dbt_project.yml as written: its variables before any --vars of a run, its models' configs."""
    return yaml.safe_load((project_dir / PROJECT_YAML).read_text(encoding="utf-8"))


def project_vars(project_dir: Path = PROJECT_DIR) -> dict:
    """The project variables of dbt_project.yml, as written (before any --vars of a run)."""
    return dict(project_config(project_dir)["vars"])


def first_year(project_dir: Path = PROJECT_DIR) -> int:
    """The Atlas's first reference year, the project variable `first_year` (every indicator starts then)."""
    return int(project_vars(project_dir)["first_year"])


def shared_meta(project_dir: Path = PROJECT_DIR) -> dict:
    """The marts' `+meta` of dbt_project.yml: the texts dbt merges into every mart's config.meta."""
    return dict(project_config(project_dir)["models"][PROJECT_NAME]["marts"].get("+meta", {}))


def yaml_models(project_dir: Path = PROJECT_DIR) -> dict[str, dict]:
    """The model blocks of the marts' YAML file, by model name."""
    document = yaml.safe_load((project_dir / MARTS_YAML).read_text(encoding="utf-8"))
    return {model["name"]: model for model in document.get("models", [])}


def merged_metas(project_dir: Path = PROJECT_DIR) -> dict[str, dict]:
    """Each marts model's meta as dbt builds it: the shared `+meta`, updated with the model's own."""
    shared = shared_meta(project_dir)
    return {
        name: {**shared, **model.get("config", {}).get("meta", {})}
        for name, model in yaml_models(project_dir).items()
    }


def total_codes(registry: pd.DataFrame) -> list[str]:
    """The family's totals, the indicators of TOTAL_GROUP: every indicator names them as equivalent
    variables, and they name every other indicator."""
    return sorted(registry.loc[registry["indicator_group"] == TOTAL_GROUP, "indicator_code"])


def equivalent_variables(registry: pd.DataFrame, indicator_code: str) -> list[str]:
    """The Atlas codes of an indicator's equivalent variables: its pair, its cube, then the totals (for a
    total: every other indicator of the family), without repeats."""
    atlas = dict(zip(registry["indicator_code"], registry["atlas_code"], strict=True))
    row = registry.set_index("indicator_code").loc[indicator_code]
    totals = total_codes(registry)
    others = sorted(atlas) if indicator_code in totals else totals
    ordered = [row["paired_code"], row["cube_code"], *others]
    names = [atlas.get(code, code) for code in ordered if code and code != indicator_code]
    return list(dict.fromkeys(names))


def quoted_codes(sql: str) -> set[str]:
    """The indicator codes a mart's SQL quotes: a mart selects its own code, and no other one."""
    return {code.lower() for code in QUOTED_CODE.findall(sql)}


def check_registry_rows(registry: pd.DataFrame) -> list[str]:
    """Problems inside the registry: unknown measures or statuses, codes, and pairs that do not match."""
    problems = []
    where = f"{REGISTRY_SEED}"
    duplicated = registry.loc[registry["indicator_code"].duplicated(), "indicator_code"]
    problems += [f"{where}: {code} has more than one row" for code in duplicated]
    by_code = registry.drop_duplicates("indicator_code").set_index("indicator_code")
    for code, row in by_code.iterrows():
        if not INDICATOR_FILE.match(code):
            problems.append(f"{where}: {code} is not an indicator code like stat_013_001_at")
        if not GROUP_NAME.match(row["indicator_group"]):
            problems.append(
                f"{where}: {code} has indicator_group {row['indicator_group']!r}, not a lowercase name of "
                "letters, digits and underscores (the exams name columns after it)"
            )
        if row["atlas_code"].lower() != code:
            problems.append(f"{where}: {code} has atlas_code {row['atlas_code']}, not the same code")
        if row["measure"] not in MEASURES:
            problems.append(f"{where}: {code} has measure {row['measure']!r}, not one of {MEASURES}")
        if row["code_status"] not in CODE_STATUSES:
            problems.append(f"{where}: {code} has code_status {row['code_status']!r}")
        if pd.isna(row["sector_level_since"]):
            problems.append(f"{where}: {code} has no sector_level_since year")
        problems += check_pair(by_code, code)
    return problems


def check_pair(by_code: pd.DataFrame, code: str) -> list[str]:
    """A % and its volume name each other, share their group and have opposite measures."""
    where = f"{REGISTRY_SEED}"
    paired = by_code.at[code, "paired_code"]
    if paired not in by_code.index:
        return [f"{where}: {code} is paired with {paired!r}, which has no registry row"]
    problems = []
    if by_code.at[paired, "paired_code"] != code:
        problems.append(
            f"{where}: {code} is paired with {paired}, whose pair is {by_code.at[paired, 'paired_code']}"
        )
    if by_code.at[paired, "measure"] == by_code.at[code, "measure"]:
        problems.append(f"{where}: {code} and its pair {paired} have the same measure")
    if by_code.at[paired, "indicator_group"] != by_code.at[code, "indicator_group"]:
        problems.append(f"{where}: {code} and its pair {paired} are in different groups")
    return problems


def check_scope(registry: pd.DataFrame, scope: pd.DataFrame) -> list[str]:
    """Every indicator has scope rows, a % and its volume the same ones, and no row is of no indicator."""
    where = f"{SCOPE_SEED}"
    rows = {
        code: frozenset(zip(group["category"], group["provider"], strict=True))
        for code, group in scope.groupby("indicator_code")
    }
    problems = [
        f"{where}: rows of {code}, which has no registry row"
        for code in sorted(set(rows) - set(registry["indicator_code"]))
    ]
    for row in registry.itertuples():
        if row.indicator_code not in rows:
            problems.append(f"{where}: no scope rows for {row.indicator_code}")
        elif row.paired_code in rows and rows[row.paired_code] != rows[row.indicator_code]:
            problems.append(
                f"{where}: {row.indicator_code} and its pair {row.paired_code} have different scope rows"
            )
    return problems


def check_mart_files(project_dir: Path, registry: pd.DataFrame) -> list[str]:
    """Every indicator has its mart file selecting exactly its own code; no mart file is of no indicator."""
    codes = set(registry["indicator_code"])
    files = {
        path.stem: path for path in (project_dir / MARTS_DIR).glob("*.sql") if INDICATOR_FILE.match(path.stem)
    }
    problems = [f"{MARTS_DIR}/{stem}.sql: a mart of no registry row" for stem in sorted(set(files) - codes)]
    for code in sorted(codes):
        if code not in files:
            problems.append(f"{MARTS_DIR}/{code}.sql: no mart file for {code}")
            continue
        selected = quoted_codes(files[code].read_text(encoding="utf-8"))
        if selected != {code}:
            problems.append(f"{MARTS_DIR}/{code}.sql: selects {sorted(selected)}, not exactly '{code}'")
    return problems


def required_meta_keys() -> list[str]:
    """The meta keys every indicator's merged config.meta must hold, French and Dutch."""
    fields = OWN_TEXT_FIELDS + SHARED_TEXT_FIELDS
    return [FRENCH + french for french, _ in fields] + [DUTCH + dutch for _, dutch in fields]


def forbidden_meta_keys() -> list[str]:
    """Meta keys that would restate a registry fact by hand."""
    labels = [FRENCH + french for french, _ in REGISTRY_FACT_FIELDS]
    return [*REGISTRY_FACT_KEYS, *labels, *(DUTCH + dutch for _, dutch in REGISTRY_FACT_FIELDS)]


def check_yaml_blocks(project_dir: Path, registry: pd.DataFrame) -> list[str]:
    """Every indicator has its YAML block with every own text; no block is of no indicator; no block
    restates a registry fact."""
    codes = set(registry["indicator_code"])
    cubes = {code for code in registry["cube_code"] if code}
    models = yaml_models(project_dir)
    own = {name for name in models if INDICATOR_FILE.match(name) or name.startswith("cube_")}
    problems = [
        f"{MARTS_YAML}: block {name}, which has no registry row" for name in sorted(own - codes - cubes)
    ]
    problems += [f"{MARTS_YAML}: no block for {code}" for code in sorted(codes - set(models))]
    problems += [f"{MARTS_YAML}: no block for the cube {cube}" for cube in sorted(cubes - set(models))]
    own_keys = [FRENCH + french for french, _ in OWN_TEXT_FIELDS] + [
        DUTCH + dutch for _, dutch in OWN_TEXT_FIELDS
    ]
    for code in sorted(codes & set(models)):
        meta = models[code].get("config", {}).get("meta", {})
        missing = [key for key in own_keys if not str(meta.get(key) or "").strip()]
        problems += [f"{MARTS_YAML}: {code} has no meta text {key!r}" for key in missing]
        typed = [key for key in forbidden_meta_keys() if key in meta]
        problems += [f"{MARTS_YAML}: {code} restates the registry fact {key!r} in meta" for key in typed]
        if f"doc('indicator_page_{code}')" not in models[code].get("description", ""):
            problems.append(
                f"{MARTS_YAML}: the description of {code} does not include doc('indicator_page_{code}')"
            )
    return problems


def model_nodes(manifest: dict) -> dict[str, dict]:
    """The project's model nodes of the manifest, by model name."""
    return {
        node["name"]: node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model" and node.get("package_name") == PROJECT_NAME
    }


def tests_by_model(manifest: dict) -> dict[str, list[dict]]:
    """The generic data tests of the manifest (name and arguments), by the model they test."""
    tests: dict[str, list[dict]] = {}
    for node in manifest.get("nodes", {}).values():
        metadata = node.get("test_metadata")
        if node.get("resource_type") != "test" or not metadata:
            continue
        model = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), "")
        tests.setdefault(model.rsplit(".", 1)[-1], []).append(
            {
                "name": metadata["name"],
                "kwargs": metadata.get("kwargs", {}),
                "column": node.get("column_name"),
            }
        )
    return tests


def check_manifest(project_dir: Path, registry: pd.DataFrame, manifest: dict) -> list[str]:
    """What dbt parsed: a model per indicator and cube, each indicator's merged meta complete and equal to
    what the docs pages render, and the data tests of its measure."""
    nodes = model_nodes(manifest)
    tests = tests_by_model(manifest)
    metas = merged_metas(project_dir)
    problems = [
        f"dbt parse: no model {cube}" for cube in sorted({c for c in registry["cube_code"] if c} - set(nodes))
    ]
    for row in registry.itertuples():
        node = nodes.get(row.indicator_code)
        if node is None:
            problems.append(f"dbt parse: no model {row.indicator_code}")
            continue
        meta = node.get("config", {}).get("meta", {})
        missing = [key for key in required_meta_keys() if not str(meta.get(key) or "").strip()]
        problems += [f"dbt parse: {row.indicator_code} has no meta {key!r}" for key in missing]
        if row.indicator_code in metas and metas[row.indicator_code] != meta:
            problems.append(
                f"dbt parse: the meta of {row.indicator_code} differs from its block of {MARTS_YAML}"
                f" merged with the marts' +meta of {PROJECT_YAML}"
            )
        problems += check_tests(row.indicator_code, row.measure, tests.get(row.indicator_code, []))
    return problems


def check_tests(code: str, measure: str, tests: list[dict]) -> list[str]:
    """An indicator's model-level data tests: the grain, roll-up and coverage tests, and the bound of its
    measure (so a % tested as a volume, or the reverse, fails)."""
    model_tests = [test for test in tests if not test["column"]]
    names = {test["name"] for test in model_tests}
    problems = [f"dbt parse: {code} has no data test {name}" for name in SHAPE_TESTS if name not in names]
    bounds = {
        test["kwargs"].get("expression") for test in model_tests if test["name"] == "expression_is_true"
    }
    expected = BOUND_OF_MEASURE.get(measure)
    if bounds != {expected}:
        problems.append(
            f"dbt parse: {code} ({measure}) is tested with {sorted(map(str, bounds))}, not {expected!r}"
        )
    coverage = [test for test in model_tests if test["name"] == "covers_every_geo_unit"]
    if any("sector_level_since" in test["kwargs"] for test in coverage):
        problems.append(
            f"dbt parse: {code} passes sector_level_since to covers_every_geo_unit; the registry holds it"
        )
    return problems


def check_registry(project_dir: Path, manifest: dict | None) -> list[str]:
    """Every disagreement between the registry, the scope seed, the mart files, the marts' YAML and the
    manifest of `dbt parse` of the project, one sentence each naming the missing or wrong piece. Without a
    manifest (the project does not parse) only the files are checked."""
    registry = read_registry(project_dir)
    scope = read_csv_seed(project_dir, SCOPE_SEED)
    return [
        *check_registry_rows(registry),
        *check_scope(registry, scope),
        *check_mart_files(project_dir, registry),
        *check_yaml_blocks(project_dir, registry),
        *(check_manifest(project_dir, registry, manifest) if manifest is not None else []),
    ]


def parse_project(project_dir: Path, target_path: Path) -> dict:
    """`dbt parse` of a project folder into target_path, and the manifest it writes."""
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(target_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [dbt_executable(), "parse", "--no-partial-parse", "--project-dir", str(project_dir)]
    result = subprocess.run(
        command, cwd=project_dir, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"dbt parse failed in {project_dir}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        )
    return json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))


def project_problems(project_dir: Path, target_path: Path) -> list[str]:
    """check_registry on a fresh `dbt parse` of the project; when dbt cannot parse it (a description
    including a page the registry does not generate, say), the files' problems and dbt's error."""
    try:
        manifest = parse_project(project_dir, target_path)
    except RuntimeError as error:
        return [*check_registry(project_dir, None), f"dbt parse: {error}"]
    return check_registry(project_dir, manifest)


def report_problems(project_dir: Path = PROJECT_DIR) -> int:
    """`imaging-atlas check-registry`: print every problem of a fresh `dbt parse`; 1 if there is any."""
    with tempfile.TemporaryDirectory() as target:
        problems = project_problems(project_dir, Path(target))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) between the indicator registry and the project")
    return 1 if problems else 0
