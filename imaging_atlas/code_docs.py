"""Write the codes each indicator counts, and its Atlas metadata page, into dbt doc blocks.

`docs/indicator_codes.md` holds, per indicator of `seeds/indicators/indicator_exam_scope.csv`:
- `codes_<indicator>`: the categories and provider groups it counts, the number of codes per category
  (confirmed / uncertain), the known gaps of the code list that touch it
  (`seeds/indicators/code_list_gaps.csv`) and the codes themselves (`seeds/nomenclature/`);
- `atlas_metadata_<indicator>`: its Atlas metadata page as a French / Dutch table, from the `FR · ...`
  and `NL · ...` keys of its `config.meta` (models/marts/_marts__models.yml). The docs site shows meta as
  one scrolling line of KEY value pairs; this table is the readable version of the same fields.
Each indicator's YAML description includes both blocks. Regenerate with `python -m imaging_atlas.code_docs`
(`make docs` does); `--check` fails when the file is stale, and so does tests/python/test_code_docs.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from imaging_atlas.project import PROJECT_DIR

DOCS_FILE = Path("docs") / "indicator_codes.md"
SCOPE_SEED = Path("seeds") / "indicators" / "indicator_exam_scope.csv"
GAPS_SEED = Path("seeds") / "indicators" / "code_list_gaps.csv"
CODES_SEED = Path("seeds") / "nomenclature" / "imaging_codes.csv"
VALIDITY_SEED = Path("seeds") / "nomenclature" / "imaging_codes_validity.csv"
MARTS_YAML = Path("models") / "marts" / "_marts__models.yml"
FRENCH, DUTCH = "FR · ", "NL · "


def indicator_metas(project_dir: Path) -> dict[str, dict]:
    """The config.meta of every indicator mart (a model whose meta has a `measure`), by mart name."""
    models = yaml.safe_load((project_dir / MARTS_YAML).read_text(encoding="utf-8"))["models"]
    metas = {model["name"]: model.get("config", {}).get("meta", {}) for model in models}
    return {name: meta for name, meta in metas.items() if "measure" in meta}


def metadata_block(indicator: str, meta: dict) -> str:
    """The Atlas metadata page of one indicator: one row per field, French and Dutch side by side."""
    french = [key for key in meta if key.startswith(FRENCH)]
    dutch = [key for key in meta if key.startswith(DUTCH)]
    if len(french) != len(dutch):
        raise ValueError(
            f"{MARTS_YAML}, {indicator}: {len(french)} French and {len(dutch)} Dutch meta fields; "
            "every Atlas field needs both"
        )
    lines = [
        f"{{% docs atlas_metadata_{indicator} %}}",
        "#### Atlas metadata",
        "",
        f"Code `{meta['atlas_code']}` ({meta['code_status']}); code list complete: "
        f"{'yes' if meta['code_list_complete'] else 'no'}.",
        "",
        "| | Français | Nederlands |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| **{fr_key.removeprefix(FRENCH)}** / **{nl_key.removeprefix(DUTCH)}** "
        f"| {markdown_cell(str(meta[fr_key]))} | {markdown_cell(str(meta[nl_key]))} |"
        for fr_key, nl_key in zip(french, dutch, strict=True)
    ]
    lines += ["{% enddocs %}", ""]
    return "\n".join(lines)


def read_seed(project_dir: Path, path: Path) -> pd.DataFrame:
    """A seed as text columns, empty cells as empty strings (codes keep their leading zeros)."""
    return pd.read_csv(project_dir / path, dtype=str, keep_default_na=False)


def codes_in_scope(scope: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and code it counts: the code's category is in the indicator's scope and its
    provider group is the scope's (or the scope takes any provider)."""
    matched = scope.merge(codes, on="category", suffixes=("_scope", ""))
    keep = (matched["provider_scope"] == "any") | (matched["provider_scope"] == matched["provider"])
    return matched[keep].drop(columns="provider_scope")


def gaps_in_scope(scope: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator and known gap of the code list that touches one of its scope rows."""
    matched = scope.merge(gaps, on="category", suffixes=("_scope", "_gap"))
    keep = (matched["provider_scope"] == "any") | (matched["provider_scope"] == matched["provider_gap"])
    columns = ["indicator_code", "gap_id", "gap_en", "gap_fr", "gap_nl"]
    return matched.loc[keep, columns].drop_duplicates().sort_values(["indicator_code", "gap_id"])


def markdown_cell(text: str) -> str:
    """Text safe in a markdown table cell: no pipe, no line break, no HTML tag (`<commune>` stays text)."""
    cleaned = text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    return cleaned.strip() or "-"


def indicator_block(indicator: str, scope: pd.DataFrame, codes: pd.DataFrame, gaps: pd.DataFrame) -> str:
    """The doc block of one indicator."""
    own_scope = scope[scope["indicator_code"] == indicator]
    own_codes = codes[codes["indicator_code"] == indicator].sort_values(["category", "code"])
    own_gaps = gaps[gaps["indicator_code"] == indicator]
    scope_text = ", ".join(
        f"`{row.category}` ({'any provider' if row.provider == 'any' else row.provider + 's'})"
        for row in own_scope.itertuples()
    )
    lines = [
        f"{{% docs codes_{indicator} %}}",
        "#### Codes counted",
        "",
        f"Categories of the code list (seed `indicator_exam_scope`): {scope_text}.",
        "",
        "| category | provider | codes | confirmed | uncertain |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in own_scope.itertuples():
        of_row = own_codes[(own_codes["category"] == row.category)]
        if row.provider != "any":
            of_row = of_row[of_row["provider"] == row.provider]
        confirmed = int((of_row["status"] == "confirmed").sum())
        lines.append(
            f"| {row.category} | {row.provider} | {len(of_row)} | {confirmed} | {len(of_row) - confirmed} |"
        )
    total_confirmed = int((own_codes["status"] == "confirmed").sum())
    lines += [
        f"| **total** | | **{len(own_codes)}** | {total_confirmed} | {len(own_codes) - total_confirmed} |",
        "",
        "#### Known gaps of the code list",
        "",
    ]
    if own_gaps.empty:
        lines.append("None known for these categories (the list is still the public one, see the overview).")
    else:
        lines += [f"- {row.gap_en}" for row in own_gaps.itertuples()]
    lines += [
        "",
        f"#### The {len(own_codes)} codes",
        "",
        "| code | category | provider | setting | status | valid from | valid to | label FR | label NL |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        "| "
        + " | ".join(
            markdown_cell(value)
            for value in (
                row.code,
                row.category,
                row.provider,
                row.setting,
                row.status,
                row.valid_from,
                row.valid_to,
                row.label_fr,
                row.label_nl,
            )
        )
        + " |"
        for row in own_codes.itertuples()
    ]
    lines += ["{% enddocs %}", ""]
    return "\n".join(lines)


def render(project_dir: Path = PROJECT_DIR) -> str:
    """The whole generated doc file, deterministic for given seeds."""
    scope = read_seed(project_dir, SCOPE_SEED)
    validity = read_seed(project_dir, VALIDITY_SEED)[["code", "valid_from", "valid_to"]]
    codes = read_seed(project_dir, CODES_SEED).merge(validity, on="code", how="left").fillna("")
    matched_codes = codes_in_scope(scope, codes)
    matched_gaps = gaps_in_scope(scope, read_seed(project_dir, GAPS_SEED))
    header = (
        "{#- Generated by `python -m imaging_atlas.code_docs` from seeds/indicators/, seeds/nomenclature/\n"
        "    and the meta of models/marts/_marts__models.yml: do not edit, regenerate (make docs).\n"
        "    tests/python/test_code_docs.py fails when it is stale. -#}\n\n"
    )
    metas = indicator_metas(project_dir)
    blocks = []
    for indicator in sorted(scope["indicator_code"].unique()):
        if indicator in metas:
            blocks.append(metadata_block(indicator, metas[indicator]))
        blocks.append(indicator_block(indicator, scope, matched_codes, matched_gaps))
    return header + "\n".join(blocks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file differs from the seeds")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    arguments = parser.parse_args(argv)
    target = arguments.project_dir / DOCS_FILE
    expected = render(arguments.project_dir)
    if arguments.check:
        if not target.exists() or target.read_text(encoding="utf-8") != expected:
            print(f"{target} is stale: run python -m imaging_atlas.code_docs", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(expected, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
