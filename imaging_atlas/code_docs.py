"""Write each indicator's docs page: its Atlas metadata, the shared rules and the codes it counts.

`docs/indicator_codes.md` holds one dbt doc block `indicator_page_<indicator>` per row of the indicator
registry (`seeds/indicators/indicator_registry.csv`), which the indicator's YAML description includes:
- its Atlas metadata page as a French / Dutch table. The texts are its `config.meta` (its own in
  models/marts/_marts__models.yml, the shared ones the marts' `+meta` of dbt_project.yml); the fields that
  state a registry fact (unit, code, smallest level, availability, equivalent variables, known gaps of the
  code list, recommended reference) are rendered here from the seeds, so they are written nowhere by hand;
- the rules every indicator shares, copied from their doc blocks in docs/atlas_rules.md;
- the categories and provider groups it counts (`seeds/indicators/indicator_exam_scope.csv`), the number
  of codes per category (confirmed / uncertain), the known gaps of the code list that touch it
  (`seeds/indicators/code_list_gaps.csv`) and the codes themselves (`seeds/nomenclature/`).
Regenerate with `imaging-atlas docs` (`make docs` does); `--check` fails when the file is
stale, and so does tests/python/test_code_docs.py.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from imaging_atlas.project import PROJECT_DIR
from imaging_atlas.registry import (
    DUTCH,
    FRENCH,
    GAPS_SEED,
    REGISTRY_SEED,
    SCOPE_SEED,
    equivalent_variables,
    first_year,
    merged_metas,
    read_registry,
)

DOCS_FILE = Path("docs") / "indicator_codes.md"
RULES_FILE = Path("docs") / "atlas_rules.md"
CODES_SEED = Path("seeds") / "nomenclature" / "imaging_codes.csv"
VALIDITY_SEED = Path("seeds") / "nomenclature" / "imaging_codes_validity.csv"
# The doc blocks of docs/atlas_rules.md shown under "Rules" on every indicator page.
RULE_BLOCKS = ("rule_domicile", "rule_national_only", "remark_code_list")
# The fields of the Atlas metadata page, in the Atlas's order, as (French, Dutch) labels; a field is a
# meta key `FR · <label>` / `NL · <label>` unless registry_fields renders it.
ATLAS_FIELDS = (
    ("Nom", "Naam"),
    ("Description", "Omschrijving"),
    ("Code", "Code"),
    ("Codification", "Codering"),
    ("Variables sources", "Bronvariabelen"),
    ("Remarques", "Opmerkingen"),
    ("Liste de codes", "Codelijst"),
    ("Lacunes connues de la liste de codes", "Gekende lacunes van de codelijst"),
    ("Variables équivalentes", "Gelijkaardige variabelen"),
    ("Fréquence et moment de mise à jour", "Frequentie en tijdstip van update"),
    ("Mots-clés", "Trefwoorden"),
    ("Plus petit niveau géographique", "Kleinste geografische niveau"),
    ("Méthode de calcul", "Berekeningswijze"),
    ("Disponible depuis", "Beschikbaar sinds"),
    ("Référence recommandée", "Aanbevolen referentie"),
    ("Dernière mise à jour des métadonnées", "Laatste update metadata"),
)
UNIT = {
    "patients": (
        "Pourcentage (%) des bénéficiaires, non arrondi (0 à 100).",
        "Percentage (%) van de rechthebbenden, niet afgerond (0 tot 100).",
    ),
    "exams": (
        "Nombre d'examens pour 100 bénéficiaires, non arrondi.",
        "Aantal onderzoeken per 100 rechthebbenden, niet afgerond.",
    ),
}
CODE_STATUS = {
    "sourced": (
        "code et nom documentés par l'Atlas",
        "code en naam gedocumenteerd door de Atlas",
        "Atlas code and name sourced",
    ),
    "inferred": (
        "code déduit de la règle impair/pair (% / volume), confirmée seulement pour 023/024",
        "code afgeleid uit het oneven/even-patroon (% / volume), enkel bevestigd voor 023/024",
        "Atlas code inferred from the odd/even pattern (confirmed only for 023/024)",
    ),
}
NO_KNOWN_GAP = ("Aucune connue pour ces catégories.", "Geen gekend voor deze categorieën.")


def smallest_level(sector_level_since: int, since: int) -> tuple[str, str]:
    """The smallest geographic level, French and Dutch: the sector, from its first year; the commune
    before it."""
    if sector_level_since <= since:
        return f"Secteur statistique (depuis {since}).", f"Statistische sector (sinds {since})."
    return (
        f"Secteur statistique (depuis {sector_level_since}) ; commune (depuis {since}).",
        f"Statistische sector (sinds {sector_level_since}); gemeente (sinds {since}).",
    )


def registry_fields(row: pd.Series, registry: pd.DataFrame, gaps: pd.DataFrame, since: int) -> dict:
    """The Atlas fields that state registry facts, rendered in French and Dutch, by French label."""
    own_gaps = gaps[gaps["indicator_code"] == row["indicator_code"]]
    equivalents = ", ".join(equivalent_variables(registry, row["indicator_code"]))
    status_fr, status_nl, _ = CODE_STATUS[row["code_status"]]
    atlas = row["atlas_code"]
    return {
        "Code": (f"{atlas} ({status_fr})", f"{atlas} ({status_nl})"),
        "Codification": UNIT[row["measure"]],
        "Lacunes connues de la liste de codes": (
            (" ".join(own_gaps["gap_fr"]), " ".join(own_gaps["gap_nl"])) if len(own_gaps) else NO_KNOWN_GAP
        ),
        "Variables équivalentes": (equivalents, equivalents),
        "Plus petit niveau géographique": smallest_level(int(row["sector_level_since"]), since),
        "Disponible depuis": (str(since), str(since)),
        "Référence recommandée": (
            f"Agence InterMutualiste (AIM), Atlas AIM, {atlas}, <année>. https://atlas.ima-aim.be",
            f"InterMutualistisch Agentschap (IMA), IMA Atlas, {atlas}, <jaar>. https://atlas.ima-aim.be",
        ),
    }


def metadata_section(row: pd.Series, meta: dict, rendered: dict, since: int) -> list[str]:
    """The Atlas metadata page of one indicator: one row per field, French and Dutch side by side."""
    _, _, status_en = CODE_STATUS[row["code_status"]]
    name_fr = meta.get(FRENCH + "Nom", row["indicator_code"])
    name_nl = meta.get(DUTCH + "Naam", row["indicator_code"])
    sectors = (
        ""
        if int(row["sector_level_since"]) <= since
        else f"; statistical sectors from {int(row['sector_level_since'])} on"
    )
    lines = [
        "#### Atlas metadata",
        "",
        f"**{name_fr}** / **{name_nl}** (`{row['atlas_code']}`; {status_en}). One row per year, geographic "
        f"level and unit of the 2025 reference{sectors}.",
        "",
        "| | Français | Nederlands |",
        "| --- | --- | --- |",
    ]
    for french, dutch in ATLAS_FIELDS:
        text_fr, text_nl = rendered.get(french, (meta.get(FRENCH + french, ""), meta.get(DUTCH + dutch, "")))
        lines.append(
            f"| **{french}** / **{dutch}** | {markdown_cell(str(text_fr))} | {markdown_cell(str(text_nl))} |"
        )
    return lines


def rule_texts(project_dir: Path) -> list[str]:
    """The shared rules, as written once in the doc blocks of docs/atlas_rules.md."""
    text = (project_dir / RULES_FILE).read_text(encoding="utf-8")
    blocks = []
    for name in RULE_BLOCKS:
        match = re.search(r"\{% docs " + name + r" %\}(.*?)\{% enddocs %\}", text, flags=re.DOTALL)
        if match is None:
            raise ValueError(f"{RULES_FILE} has no doc block {name}")
        blocks += [match.group(1).strip(), ""]
    return ["#### Rules", "", *blocks]


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


def codes_section(indicator: str, scope: pd.DataFrame, codes: pd.DataFrame, gaps: pd.DataFrame) -> list[str]:
    """The codes an indicator counts, per category and one by one, and the known gaps that touch it."""
    own_scope = scope[scope["indicator_code"] == indicator]
    own_codes = codes[codes["indicator_code"] == indicator].sort_values(["category", "code"])
    own_gaps = gaps[gaps["indicator_code"] == indicator]
    scope_text = ", ".join(
        f"`{row.category}` ({'any provider' if row.provider == 'any' else row.provider + 's'})"
        for row in own_scope.itertuples()
    )
    lines = [
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
    return lines


def render(project_dir: Path = PROJECT_DIR) -> str:
    """The whole generated doc file, deterministic for given seeds, meta and rules."""
    registry = read_registry(project_dir)
    scope = read_seed(project_dir, SCOPE_SEED)
    validity = read_seed(project_dir, VALIDITY_SEED)[["code", "valid_from", "valid_to"]]
    codes = read_seed(project_dir, CODES_SEED).merge(validity, on="code", how="left").fillna("")
    matched_codes = codes_in_scope(scope, codes)
    matched_gaps = gaps_in_scope(scope, read_seed(project_dir, GAPS_SEED))
    metas = merged_metas(project_dir)
    since = first_year(project_dir)
    rules = rule_texts(project_dir)
    header = (
        f"{{#- Generated by `imaging-atlas docs` from {REGISTRY_SEED}, the other seeds of\n"
        "    seeds/indicators/ and seeds/nomenclature/, the meta of models/marts/_marts__models.yml and\n"
        "    dbt_project.yml, and docs/atlas_rules.md: do not edit, regenerate (make docs).\n"
        "    tests/python/test_code_docs.py fails when it is stale. -#}\n\n"
    )
    blocks = []
    for _, row in registry.sort_values("indicator_code").iterrows():
        indicator = row["indicator_code"]
        rendered = registry_fields(row, registry, matched_gaps, since)
        lines = [
            f"{{% docs indicator_page_{indicator} %}}",
            *metadata_section(row, metas.get(indicator, {}), rendered, since),
            "",
            *rules,
            *codes_section(indicator, scope, matched_codes, matched_gaps),
            "{% enddocs %}",
            "",
        ]
        blocks.append("\n".join(lines))
    return header + "\n".join(blocks)


def update_docs(project_dir: Path = PROJECT_DIR, check: bool = False) -> int:
    """`imaging-atlas docs`: write the generated page, or with `check` fail (1) when it is stale."""
    target = project_dir / DOCS_FILE
    expected = render(project_dir)
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != expected:
            print(f"{target} is stale: run imaging-atlas docs (make docs)", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(expected, encoding="utf-8")
    print(f"wrote {target}")
    return 0
