"""Property test: the dbt pipeline agrees with an independent pandas oracle on random small extracts.

Hypothesis draws small extracts full of the cases DESIGN.md rules on: domiciles missing, invalid,
merged since (2019, 2025), sectors of another commune or the reference unknown-sector code, duplicated
person-years, rows without id, years out of range, claims of non-beneficiaries, corrections, codes with
spaces, lost zeros or letters, codes outside their validity window. Every row of both headline marts
must equal the oracle (tests/python/oracle.py, written from DESIGN.md and sharing no code with the SQL).

How the pipeline runs per example. A `dbt build` costs 5-7 s, so 50 examples would take minutes. The
session fixture instead runs `dbt seed` and `dbt compile` once, reading the raw extract from one fixed
folder; each example then writes its Parquet files into that folder and executes the compiled SQL of
every model upstream of the two marts (taken from target/manifest.json, in dependency order) as tables
in a fresh in-memory DuckDB that holds copies of the seeds. That is exactly the SQL `dbt build` runs
(same Jinja output, same source expression), minus dbt's orchestration, in about 0.3 s per example.
dbt's own data tests are not run per example: the end-to-end and bad-input tests run them.

CI runs 50 examples (the default). A longer campaign: `ORACLE_EXAMPLES=2000 .venv/bin/pytest
tests/python/test_oracle.py` (about 12 minutes: 500 examples took 173 s on 2 cores); a failure is shrunk
and printed as the smallest extract that disagrees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import load_reference, oracle_marts

from imaging_atlas.project import PROJECT_DIR, DbtRun, run_dbt
from imaging_atlas.raw_contract import CLAIMS_SCHEMA, POPULATION_SCHEMA

pytestmark = pytest.mark.dbt

MAX_EXAMPLES = int(os.environ.get("ORACLE_EXAMPLES", "50"))
HEADLINE_MARTS = {"stat_013_001_at": None, "stat_013_023_at": 2016}  # mart -> first sector-level year
KEY = ["year", "geo_level", "geo_code"]


class CompiledPipeline:
    """The SQL of the dbt models upstream of the headline marts, compiled once, run per example."""

    def __init__(self, workdir: Path) -> None:
        self.run = DbtRun(
            raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target"
        )
        self.write_extract([], [])
        run_dbt(self.run, "seed")
        selection = " ".join(f"+{mart}" for mart in HEADLINE_MARTS)
        run_dbt(self.run, "compile", "--select", selection)
        nodes = json.loads((self.run.target_path / "manifest.json").read_text())["nodes"]
        wanted = [f"model.imaging_atlas.{mart}" for mart in HEADLINE_MARTS]
        self.models = [nodes[node_id] for node_id in _upstream_in_order(nodes, wanted)]
        self.seeds = [node for node in self.models if node["resource_type"] == "seed"]
        self.models = [node for node in self.models if node["resource_type"] == "model"]
        self.catalog = self.models[0]["database"]

    def write_extract(self, population: list[tuple], claims: list[tuple]) -> None:
        for table, schema, rows in (
            ("population", POPULATION_SCHEMA, population),
            ("claims", CLAIMS_SCHEMA, claims),
        ):
            folder = self.run.raw_dir / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            records = [dict(zip(schema.names, row, strict=True)) for row in rows]
            pq.write_table(pa.Table.from_pylist(records, schema=schema), folder / "part-0.parquet")

    def marts(self, population: list[tuple], claims: list[tuple]) -> dict[str, pd.DataFrame]:
        self.write_extract(population, claims)
        with duckdb.connect() as connection:
            connection.execute(f"attach '{self.run.db_path}' as seeded (read_only)")
            connection.execute(f"attach ':memory:' as \"{self.catalog}\"")
            connection.execute(f'use "{self.catalog}"')
            for seed in self.seeds:
                connection.execute(
                    f'create table {seed["relation_name"]} as select * from seeded.main."{seed["alias"]}"'
                )
            for model in self.models:
                connection.execute(f"create table {model['relation_name']} as {model['compiled_code']}")
            return {
                mart: connection.execute(
                    f"select {', '.join(KEY)}, numerator, denominator, value from {mart}"
                ).df()
                for mart in HEADLINE_MARTS
            }


def _upstream_in_order(nodes: dict, targets: list[str]) -> Iterator[str]:
    """Seeds and models the targets depend on, each after its own dependencies."""
    done: set[str] = set()

    def visit(node_id: str) -> Iterator[str]:
        if node_id in done or node_id not in nodes:
            return
        done.add(node_id)
        for parent in nodes[node_id].get("depends_on", {}).get("nodes", []):
            yield from visit(parent)
        yield node_id

    for target in targets:
        yield from visit(target)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> CompiledPipeline:
    return CompiledPipeline(tmp_path_factory.mktemp("oracle"))


@pytest.fixture(scope="session")
def reference():
    return load_reference(PROJECT_DIR / "seeds")


# Domiciles: (commune, sector) as an extract could give them.
COMMUNES = [None, "", "99999", "11001", "21004", "44049", "11056", "54010", "46030", "57097"]
SECTORS = [
    None,
    "11001A00-",
    "11001A01-",
    "11001ZZZZ",
    "21004A001",
    "44011A000",
    "11056A00-",
    "54010A009",
    "ABCDEFGHI",
]
# Codes: CT, therapeutic interventional, echography valid from 2019-05-01, dental imaging, CT valid from
# 2018-12-01, non-imaging with a lost zero, letters, 7 digits, spaces.
CODES = ["458850", "589072", "461731", "377090", "458953", "12345", "ABC123", "4588500", " 458850 ", "589050"]
YEARS = [2015, 2016, 2019]
ODD_YEARS = [2005, 2099]

domicile = st.tuples(st.sampled_from(COMMUNES), st.sampled_from(SECTORS))
person_year = st.tuples(
    st.sampled_from(["P1", "P2", "P3", "P4", "P5", " P6 ", None]),
    st.sampled_from(YEARS + YEARS + ODD_YEARS),
    domicile,
    domicile,
)
claim = st.tuples(
    st.sampled_from(["P1", "P2", "P3", "P4", "P5", "P6", "PX", None]),
    st.one_of(
        st.sampled_from([*YEARS, *ODD_YEARS]).flatmap(
            lambda year: st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31))
        ),
        st.none(),
    ),
    st.sampled_from(CODES),
    st.sampled_from([1, 1, 1, 2, -1, None]),
)


def population_rows(person_years: list) -> list[tuple]:
    rows = []
    for person_id, year, (commune_dec31, sector_dec31), (commune_jun30, sector_jun30) in person_years:
        rows.append(
            (person_id, year, 1960, "F", False, commune_dec31, sector_dec31, commune_jun30, sector_jun30)
        )
    return rows


def claim_rows(claims: list) -> list[tuple]:
    return [
        (person_id, service_date, code, quantity, Decimal("10.00"))
        for person_id, service_date, code, quantity in claims
    ]


def assert_same_rows(mart: str, built: pd.DataFrame, expected: pd.DataFrame) -> None:
    merged = built.merge(expected, on=KEY, how="outer", suffixes=("_dbt", "_oracle"), indicator=True)
    only_one_side = merged[merged["_merge"] != "both"]
    assert only_one_side.empty, f"{mart}: rows on one side only:\n{only_one_side.head(10)}"
    differs = (merged["numerator_dbt"] != merged["numerator_oracle"]) | (
        merged["denominator_dbt"] != merged["denominator_oracle"]
    )
    value_dbt = merged["value_dbt"].astype("float64").to_numpy()
    value_oracle = merged["value_oracle"].astype("float64").to_numpy()
    differs |= ~np.isclose(value_dbt, value_oracle, rtol=1e-12, atol=0, equal_nan=True)
    assert not differs.any(), f"{mart}: {int(differs.sum())} rows differ:\n{merged[differs].head(10)}"


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    person_years=st.lists(person_year, min_size=1, max_size=12),
    claims=st.lists(claim, max_size=25),
)
def test_marts_equal_the_independent_oracle(pipeline, reference, person_years, claims):
    population, lines = population_rows(person_years), claim_rows(claims)
    built = pipeline.marts(population, lines)
    expected = oracle_marts(
        pd.DataFrame(population, columns=POPULATION_SCHEMA.names),
        pd.DataFrame(lines, columns=CLAIMS_SCHEMA.names),
        reference,
        HEADLINE_MARTS,
    )
    for mart in HEADLINE_MARTS:
        assert_same_rows(mart, built[mart], expected[mart])


def test_the_oracle_agrees_on_the_hand_made_extract(reference):
    """The oracle itself against the figures worked out by hand in test_end_to_end.py."""
    from hand_made_extract import CLAIM_ROWS, POPULATION_ROWS

    claims = pd.DataFrame([(*row[:4], Decimal(row[4])) for row in CLAIM_ROWS], columns=CLAIMS_SCHEMA.names)
    marts = oracle_marts(
        pd.DataFrame(POPULATION_ROWS, columns=POPULATION_SCHEMA.names), claims, reference, HEADLINE_MARTS
    )
    figures = marts["stat_013_001_at"].set_index(KEY)
    assert tuple(figures.loc[(2016, "country", "01000"), ["numerator", "denominator"]]) == (5, 8)
    assert tuple(figures.loc[(2016, "region", "02000"), ["numerator", "denominator"]]) == (3, 4)
    assert tuple(figures.loc[(2016, "sector", "21004ZZZZ"), ["numerator", "denominator"]]) == (0, 1)
    interventional = marts["stat_013_023_at"].set_index(KEY)
    assert tuple(interventional.loc[(2016, "commune", "44083"), ["numerator", "denominator"]]) == (1, 1)
    assert not (
        (interventional.reset_index()["year"] == 2015)
        & (interventional.reset_index()["geo_level"] == "sector")
    ).any()
