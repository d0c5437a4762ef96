"""Read the built database, read-only: the published layer, what derives from it and the metadata.

The explorer is run after `dbt build` and beside other readers, so it opens the file read-only and
never writes. The variation tables come from another part of the project and may not exist yet in a
given database: each is read when it is there and None otherwise.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from imaging_atlas.explorer.figures import MAP_LEVELS
from imaging_atlas.variation import quoted

OPTIONAL_TABLES = (
    "standardised_rates",
    "smoothed_rates",
    "standardised_ratios",
    "funnel_plot_data",
    "variation_statistics",
)

CATALOG_FIELDS = [
    ("name", "Nom", "Naam"),
    ("description", "Description", "Omschrijving"),
    ("codification", "Codification", "Codering"),
    ("source_variables", "Variables sources", "Bronvariabelen"),
    ("remarks", "Remarques", "Opmerkingen"),
    ("code_list_remark", "Liste de codes", "Codelijst"),
    ("known_gaps", "Lacunes connues de la liste de codes", "Gekende lacunes van de codelijst"),
    ("equivalent_variables", "Variables équivalentes", "Gelijkaardige variabelen"),
    ("update_frequency", "Fréquence et moment de mise à jour", "Frequentie en tijdstip van update"),
    ("keywords", "Mots-clés", "Trefwoorden"),
    ("smallest_level", "Plus petit niveau géographique", "Kleinste geografische niveau"),
    ("calculation_method", "Méthode de calcul", "Berekeningswijze"),
    ("available_since", "Disponible depuis", "Beschikbaar sinds"),
    ("recommended_reference", "Référence recommandée", "Aanbevolen referentie"),
    ("metadata_updated", "Dernière mise à jour des métadonnées", "Laatste update metadata"),
]
"""The Atlas metadata fields of `indicator_catalog` (columns `<field>_fr`, `<field>_nl`) and their labels."""


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the explorer must not lock or change the project's database."""
    if not db_path.exists():
        raise FileNotFoundError(f"no database at {db_path}: run `make build` first")
    return duckdb.connect(str(db_path), read_only=True)


def table_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views of the main schema."""
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows}


def read_table(connection: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """A whole table as a DataFrame (metadata: a few dozen rows)."""
    return connection.execute(f'select * from "{name}"').df()


def read_mapped_cells(connection: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The rows of a table of cells at the levels the explorer maps. Sectors have no boundaries, and
    they are most of the cells: 97% of a history's published layer."""
    return connection.execute(f'select * from "{name}" where geo_level in ({quoted(MAP_LEVELS)})').df()


def read_optional_tables(connection: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame | None]:
    """The mapped cells of every table of OPTIONAL_TABLES that exists, None for the others."""
    present = table_names(connection)
    return {
        name: read_mapped_cells(connection, name) if name in present else None for name in OPTIONAL_TABLES
    }


def read_catalog(connection: duckdb.DuckDBPyConnection, indicator_codes: list[str]) -> pd.DataFrame:
    """The metadata rows of the published indicators, in the order given."""
    catalog = read_table(connection, "indicator_catalog").set_index("indicator_code")
    missing = sorted(set(indicator_codes) - set(catalog.index))
    if missing:
        raise ValueError(f"indicator_catalog has no row for {missing}")
    return catalog.loc[indicator_codes].reset_index()


def read_measures(connection: duckdb.DuckDBPyConnection, catalog: pd.DataFrame) -> dict[str, str]:
    """Each indicator's measure (`patients`: a %, `exams`: a volume): from the seed
    `indicator_registry` when the database has it, else from the catalog; a % when neither says."""
    if "indicator_registry" in table_names(connection):
        registry = read_table(connection, "indicator_registry")
        return dict(zip(registry["indicator_code"], registry["measure"], strict=True))
    if "measure" in catalog.columns:
        return dict(zip(catalog["indicator_code"], catalog["measure"], strict=True))
    return {}
