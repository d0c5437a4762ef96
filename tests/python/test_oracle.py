"""Property test: the dbt pipeline agrees with an independent pandas oracle on random small extracts.

Compared tables (`COMPARED`): the headline marts stat_013_001_at and stat_013_023_at, the volumes
stat_013_002_at (all imaging), stat_013_004_at (radiologists' exams) and stat_013_024_at (therapeutic
interventional exams), and the cubes cube_013_001 and cube_013_023 (patients and beneficiaries by year,
unit down to commune, sex, 5-year age band and BIM status). Every row of each must equal the oracle
(tests/python/oracle.py, written from the rules and sharing no code with the SQL; it reads the registry,
the scope, the code list and the geography seeds as data).

Hypothesis draws small extracts full of the cases the rules decide on, and on purpose their boundaries: ages
exactly on a band boundary (0, 4, 5, 9, 10, 84, 85, 130) and implausible ones (-1, 131, none); service dates
on a code's valid_from / valid_to and a day either side (read from the validity seed); corrections that net
to exactly zero or below; persons with only a 30 June domicile or an unknown 31 December commune; sectors
unknown, of another commune or the reference's `ZZZZ` code; communes merged since (one and two steps);
duplicated person-years, rows without id, years out of range, claims of non-beneficiaries, codes with
spaces, lost zeros or letters, sexes in lower case or unknown, BIM unknown.

How the pipeline runs per example. A `dbt build` costs seconds, so it is not run per example. The session
fixture runs `dbt seed` and `dbt compile` once for the compared tables, reading the raw extract from one
fixed folder; the compiled SQL of every model upstream of them is taken from target/manifest.json, in
dependency order. The models that read no raw source (geography, code list) are executed once, into an
in-memory DuckDB holding copies of the seeds; each example writes its Parquet files and executes the
compiled SQL of the models that read the extract, in order; each compared table then meets the oracle's
rows in a full outer join inside DuckDB (tens of thousands of grid rows a year). That is the SQL
`dbt build` runs (same Jinja output, same source expression) minus dbt's orchestration. The tables are
named, not their upstream: a redesign of the models in between needs no change here. dbt's own data tests
are not run per example: the end-to-end and bad-input tests run them.

Tried as a mutation test would (scratch copies, never committed), each of these fails both the property
test and test_boundary_extract_worked_out_by_hand: the 5-year bands off by one (`<=` in the bands' bounds,
then in age_band_5y, now in age_band_start: shrunk to a girl of 10 counted in 05-09), a code's valid_from
moved by a day (`>` in int_imaging_services_netted: shrunk to one 459351 service on 2016-06-01), services
of net quantity 0 counted (`>= 0` in int_exams_by_indicator_group: shrunk to 1 - 1 on one day).

Reproducible by default: examples are derandomised (the same 50 every run, in CI too). A longer random
campaign: `ORACLE_EXAMPLES=2000 ORACLE_SEED=$RANDOM .venv/bin/pytest tests/python/test_oracle.py` (the seed
makes it repeatable); a failure is shrunk and printed as the smallest extract that disagrees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from oracle import STRATA, load_reference, oracle_tables

from imaging_atlas.project import PROJECT_DIR, DbtRun, run_dbt
from imaging_atlas.raw_contract import CLAIMS_SCHEMA, POPULATION_SCHEMA

pytestmark = pytest.mark.dbt

MAX_EXAMPLES = int(os.environ.get("ORACLE_EXAMPLES", "50"))
COMPARED = [
    "stat_013_001_at",
    "stat_013_023_at",
    "stat_013_002_at",
    "stat_013_004_at",
    "stat_013_024_at",
    "cube_013_001",
    "cube_013_023",
]
MART_KEY = ["year", "geo_level", "geo_code"]
SEEDS_DIR = PROJECT_DIR / "seeds"


class CompiledPipeline:
    """The compiled SQL of the models upstream of the compared tables, run per example in DuckDB."""

    def __init__(self, workdir: Path, tables: list[str]) -> None:
        self.run = DbtRun(
            raw_dir=workdir / "raw", db_path=workdir / "atlas.duckdb", target_path=workdir / "target"
        )
        self.examples = 0
        nodes = self.compile(tables)
        wanted = {f"model.imaging_atlas.{table}": table for table in tables}
        missing = sorted(table for node_id, table in wanted.items() if node_id not in nodes)
        assert not missing, f"not models of the project: {missing}"
        self.tables = {table: nodes[node_id]["relation_name"] for node_id, table in wanted.items()}
        upstream = [nodes[node_id] for node_id in _upstream_in_order(nodes, list(wanted))]
        models = [node for node in upstream if node["resource_type"] == "model"]
        self.connection = duckdb.connect()
        self.copy_seeds(models[0]["database"], [node for node in upstream if node["resource_type"] == "seed"])
        reads_extract = _reading_sources(nodes)
        for node in models:
            if node["unique_id"] not in reads_extract:
                self.create(node)
        self.per_example = [node for node in models if node["unique_id"] in reads_extract]

    def compile(self, tables: list[str]) -> dict:
        """Seed a database once and compile the tables with everything upstream; the manifest's nodes."""
        self.write_extract([], [])
        run_dbt(self.run, "seed")
        run_dbt(self.run, "compile", "--select", *(f"+{table}" for table in tables))
        return json.loads((self.run.target_path / "manifest.json").read_text())["nodes"]

    def copy_seeds(self, catalog: str, seeds: list[dict]) -> None:
        """An in-memory catalog named as dbt's database, holding copies of the seeds the models read."""
        self.connection.execute(f"attach '{self.run.db_path}' as seeded (read_only)")
        self.connection.execute(f"attach ':memory:' as \"{catalog}\"")
        self.connection.execute(f'use "{catalog}"')
        for node in seeds:
            self.connection.execute(
                f'create table {node["relation_name"]} as select * from seeded.main."{node["alias"]}"'
            )
        self.connection.execute("detach seeded")

    def create(self, node: dict) -> None:
        self.connection.execute(f"create or replace table {node['relation_name']} as {node['compiled_code']}")

    def write_extract(self, population: list[tuple], claims: list[tuple]) -> None:
        """Each example in a new file name: no reader can serve an earlier example's cached file."""
        for table, schema, rows in (
            ("population", POPULATION_SCHEMA, population),
            ("claims", CLAIMS_SCHEMA, claims),
        ):
            folder = self.run.raw_dir / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            records = [dict(zip(schema.names, row, strict=True)) for row in rows]
            table_rows = pa.Table.from_pylist(records, schema=schema)
            pq.write_table(table_rows, folder / f"part-{self.examples}.parquet")

    def build(self, population: list[tuple], claims: list[tuple]) -> None:
        """Execute the models that read the extract on this example's extract."""
        self.examples += 1
        self.write_extract(population, claims)
        for node in self.per_example:
            self.create(node)

    def assert_equal(self, table: str, expected: pd.DataFrame) -> None:
        """Same keys on both sides, each once, equal counts, values equal but for rounding (1e-12).

        Compared inside DuckDB: a table holds tens of thousands of grid rows per year.
        """
        key = MART_KEY + STRATA if "sex" in expected.columns else MART_KEY
        counts = [column for column in expected.columns if column not in [*key, "value"]]
        relation = self.tables[table]
        columns = ", ".join(expected.columns)
        duplicated = self.connection.execute(
            f"select count(*) - count(distinct ({', '.join(key)})) from {relation}"
        ).fetchall()[0][0]
        assert duplicated == 0, f"{table}: {duplicated} duplicated keys"
        self.connection.register("oracle_rows", expected)
        mismatches = " or ".join(
            [
                "dbt.in_dbt is null",
                "oracle.in_oracle is null",
                *(f"dbt.{column} is distinct from oracle.{column}" for column in counts),
                f"{_missing('dbt.value')} != {_missing('oracle.value')}",
                "abs(dbt.value - oracle.value) > 1e-12 * abs(oracle.value)",
            ]
        )
        differing = self.connection.execute(
            f"""
            select *
            from (select {columns}, true as in_dbt from {relation}) as dbt
            full outer join (select *, true as in_oracle from oracle_rows) as oracle using ({", ".join(key)})
            where {mismatches}
            order by all
            """
        ).df()
        self.connection.unregister("oracle_rows")
        assert differing.empty, (
            f"{table}: {len(differing)} rows differ or are on one side only (_1 = oracle):\n"
            f"{differing.head(10).to_string()}"
        )

    def figures(self, table: str, columns: list[str], **where: object) -> list[tuple]:
        """Chosen columns of the rows of a built table that match the given column values."""
        condition = " and ".join(f"{column} = ?" for column in where) or "true"
        return self.connection.execute(
            f"select {', '.join(columns)} from {self.tables[table]} where {condition} order by all",
            list(where.values()),
        ).fetchall()

    def close(self) -> None:
        self.connection.close()


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


def _reading_sources(nodes: dict) -> set[str]:
    """The nodes that read a raw source directly or through their parents: they change per example."""
    memo: dict[str, bool] = {}

    def reads(node_id: str) -> bool:
        if node_id.startswith("source."):
            return True
        if node_id not in memo:
            memo[node_id] = False
            parents = nodes.get(node_id, {}).get("depends_on", {}).get("nodes", [])
            memo[node_id] = any(reads(parent) for parent in parents)
        return memo[node_id]

    return {node_id for node_id in nodes if reads(node_id)}


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CompiledPipeline]:
    compiled = CompiledPipeline(tmp_path_factory.mktemp("oracle"), COMPARED)
    yield compiled
    compiled.close()


@pytest.fixture(scope="session")
def reference():
    return load_reference(SEEDS_DIR)


# Domiciles: (commune, sector) as an extract could give them. Coherent pairs reach real sectors, also of
# communes merged since (Nevele 44049 -> Deinze 44083 in 2019, Zwijndrecht 11056 -> 46030 in 2025,
# Comines 54002 -> 54010 -> Comines-Warneton 57097: two steps); the free pairs mostly reach the buckets.
COHERENT_DOMICILES = [
    ("11001", "11001A00-"),
    ("11001", "11001A01-"),
    ("21004", "21004A001"),
    ("44049", "44049A001"),
    ("44011", "44011A000"),
    ("11056", "11056A00-"),
    ("54010", "54010A009"),
    ("54002", "54010A009"),
    ("12030", "12030A01-"),
]
COMMUNES = ["99999", "", "11001", "21004", "44049", "11056", "54002", "57097", " 11001 "]
SECTORS = [None, "11001A00-", "11001ZZZZ", "21004A001", "46030ZZZZ", "ABCDEFGHI", " 11001A01- "]
# Ordinary codes: CT (radiologist), therapeutic interventional (provider unknown), echography valid from
# 2019-05-01, dental imaging valid to 2024-03-31, CT valid from 2018-12-01, an uncertain therapeutic code,
# MRI, RX, non-imaging with a lost zero, letters, 7 digits.
CODES = [
    "458850",
    "589072",
    "461731",
    "377090",
    "458953",
    "589050",
    "459491",
    "450096",
    "12345",
    "ABC123",
    "4588500",
]
YEARS = [2015, 2016, 2018, 2019, 2021, 2024]
ODD_YEARS = [2005, 2099]
# Ages on a band boundary first: Hypothesis draws the first elements of a list most often.
BOUNDARY_AGES = [4, 5, 84, 85, 130, 131, -1, 0, 9, 10, 86]
PERSONS = ["P1", "P2", "P3", "P4", "P5", " P6 ", "P7", "P8", None]
CLAIM_PERSONS = ["P1", "P2", "P3", "P6", " P7", "PX", None]
ONE_DAY = dt.timedelta(days=1)


def validity_boundaries(seeds_dir: Path) -> dict[int, list[tuple[str, dt.date]]]:
    """(code, date) on each bound of a code's validity window and a day either side, by year.

    Read from the validity seed (data), keeping the bounds inside the Atlas years and the codes that
    are in the code list.
    """
    validity = pd.read_csv(seeds_dir / "nomenclature" / "imaging_codes_validity.csv", dtype=str).fillna("")
    codes = set(pd.read_csv(seeds_dir / "nomenclature" / "imaging_codes.csv", dtype=str)["code"])
    by_year: dict[int, list[tuple[str, dt.date]]] = {}
    for row in validity.itertuples():
        for bound in (row.valid_from, row.valid_to):
            if not bound or row.code not in codes:
                continue
            day = dt.date.fromisoformat(bound)
            for date in (day, day, day - ONE_DAY, day + ONE_DAY):  # the bound itself twice as often
                if 2006 <= date.year <= dt.date.today().year:
                    by_year.setdefault(date.year, []).append((row.code, date))
    return by_year


BOUNDARIES = validity_boundaries(SEEDS_DIR)


def code_spellings(code: str) -> list[str]:
    """One code as an extract may write it: as is, with spaces, with its leading zeros lost."""
    return [code, code, f" {code} ", code.lstrip("0") or code, f"{code} "]


@st.composite
def domicile(draw: Callable) -> tuple[str | None, str | None]:
    return draw(
        st.one_of(
            st.sampled_from(COHERENT_DOMICILES),
            st.tuples(st.sampled_from(COMMUNES), st.sampled_from(SECTORS)),
            st.just((None, None)),
        )
    )


@st.composite
def population_row(draw: Callable, years: list[int]) -> tuple:
    year = draw(st.sampled_from([*years * 5, *ODD_YEARS, None]))
    age = draw(st.one_of(st.sampled_from(BOUNDARY_AGES), st.integers(0, 100), st.none()))
    birth_year = None if age is None else (year or 2016) - age
    sex = draw(st.sampled_from(["F", "M", "F", "M", " m", "f ", "X", "", None]))
    bim = draw(st.sampled_from([False, True, None]))
    # 31 December: a domicile, none, or a commune no reference knows; 30 June alone then decides.
    dec31 = draw(st.one_of(domicile(), st.just((None, None)), st.just(("99999", "99999A00-"))))
    jun30 = draw(st.one_of(domicile(), st.just((None, None))))
    return (draw(st.sampled_from(PERSONS)), year, birth_year, sex, bim, *dec31, *jun30)


@st.composite
def service_lines(draw: Callable, years: list[int], person_years: list[tuple[str, int]]) -> list[tuple]:
    """The lines of one service (person, code, date): a billing and its corrections, which may net to
    more than zero, exactly zero or below; each line may spell the code differently.

    Mostly of a person-year of the population drawn (else few lines would reach the figures), on an
    ordinary day or on a validity bound of that year; sometimes of anyone, or on a date out of range.
    """
    stray = st.tuples(st.sampled_from(CLAIM_PERSONS), st.sampled_from(years))
    anchored = st.sampled_from(person_years) if person_years else stray
    person, year = draw(st.one_of(anchored, anchored, anchored, anchored, stray))
    ordinary = st.tuples(st.sampled_from(CODES), st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    odd = st.tuples(
        st.sampled_from(CODES), st.sampled_from([dt.date(2005, 12, 31), dt.date(2099, 1, 1), None])
    )
    on_bounds = [st.sampled_from(BOUNDARIES[year])] * 3 if year in BOUNDARIES else []
    code, service_date = draw(st.one_of(*on_bounds, ordinary, ordinary, ordinary, odd))
    billed = draw(st.integers(1, 3))
    quantities = draw(
        st.sampled_from(
            [
                [billed, -billed],
                [billed],
                [billed, -billed - 1],
                [billed],
                [billed, -1],
                [-1],
                [None],
                [billed, 0],
            ]
        )
    )
    return [
        (person, service_date, draw(st.sampled_from(code_spellings(code))), quantity, Decimal("10.00"))
        for quantity in quantities
    ]


@st.composite
def extracts(draw: Callable) -> tuple[list[tuple], list[tuple]]:
    years = draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=2, unique=True))
    # Person-years once each, then perhaps one of them twice (both rows are then rejected).
    population = draw(
        st.lists(population_row(years), min_size=2, max_size=12, unique_by=lambda row: (row[0], row[1]))
    )
    if draw(st.booleans()):
        repeated = draw(st.sampled_from(population))
        population.append((*repeated[:5], *draw(domicile()), *repeated[7:]))
    person_years = sorted({(row[0], row[1]) for row in population if row[0] is not None and row[1] in years})
    services = draw(st.lists(service_lines(years, person_years), min_size=3, max_size=14))
    return population, [line for lines in services for line in lines]


def _missing(value: str) -> str:
    """True for a null or NaN value (the oracle writes an undefined % as NaN)."""
    return f"coalesce(isnan({value}), true)"


def campaign(test: Callable) -> Callable:
    """Derandomised by default (the same examples every run); ORACLE_SEED=<int> draws other examples,
    repeatably, for a longer campaign."""
    configured = settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize="ORACLE_SEED" not in os.environ,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(test)
    return seed(int(os.environ["ORACLE_SEED"]))(configured) if "ORACLE_SEED" in os.environ else configured


def frames(population: list[tuple], claims: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(population, columns=POPULATION_SCHEMA.names),
        pd.DataFrame(claims, columns=CLAIMS_SCHEMA.names),
    )


@campaign
@given(extract=extracts())
def test_compiled_models_equal_the_independent_oracle(pipeline, reference, extract):
    population, claims = extract
    pipeline.build(population, claims)
    expected = oracle_tables(*frames(population, claims), reference, list(pipeline.tables))
    for table, rows in expected.items():
        pipeline.assert_equal(table, rows)


# person_id, year, birth_year, sex, bim, commune_dec31, sector_dec31, commune_jun30, sector_jun30
BOUNDARY_POPULATION = [
    ("B1", 2019, 2015, "F", False, "11001", "11001A00-", None, None),  # age 4
    ("B2", 2019, 2014, "F", False, "11001", "11001A00-", None, None),  # age 5
    ("B3", 2019, 1935, "F", False, "11001", "11001A00-", None, None),  # age 84
    ("B4", 2019, 1934, "F", False, "11001", "11001A00-", None, None),  # age 85
    ("B5", 2019, 2020, "F", False, None, None, "11001", "11001A00-"),  # age -1, 30 June only
    ("B6", 2019, 1888, "F", False, None, None, "11001", "11001A00-"),  # age 131, 30 June only
    ("B7", 2019, 1889, "F", False, "11001", "11001A00-", None, None),  # age 130
]
# 461731 echography (radiologist) valid from 2019-05-01; 469895 echography (specialist) valid to 2019-04-30;
# 458850 CT (radiologist), always valid.
BOUNDARY_CLAIMS = [
    ("B1", dt.date(2019, 5, 1), "461731", 1, Decimal("30.00")),  # first valid day: an exam
    ("B2", dt.date(2019, 4, 30), "461731", 1, Decimal("30.00")),  # the day before: not imaging
    ("B3", dt.date(2019, 4, 30), "469895", 1, Decimal("30.00")),  # last valid day: an exam
    ("B4", dt.date(2019, 5, 1), "469895", 1, Decimal("30.00")),  # the day after: not imaging
    ("B5", dt.date(2019, 6, 6), "458850", 1, Decimal("110.00")),
    ("B5", dt.date(2019, 6, 6), "458850", -1, Decimal("-110.00")),  # nets to exactly zero: no exam
    ("B6", dt.date(2019, 6, 6), "458850", 1, Decimal("110.00")),
    ("B6", dt.date(2019, 6, 6), "458850", -2, Decimal("-220.00")),  # nets to -1: no exam
    ("B7", dt.date(2019, 6, 6), "458850", 2, Decimal("220.00")),
    ("B7", dt.date(2019, 6, 6), " 458850", -1, Decimal("-110.00")),  # the same service: nets to 1
]


def test_boundary_extract_worked_out_by_hand(pipeline, reference):
    """Band, validity and netting boundaries, in the compiled models and in the oracle alike.

    2019, seven women of Aartselaar (11001, sector 11001A00-), none BIM:
        ages 4 (B1), 5 (B2), 84 (B3), 85 (B4), -1 (B5), 131 (B6), 130 (B7).
    Exams: B1 (first valid day of 461731), B3 (last valid day of 469895), B7 (2 - 1 = 1 CT);
        not B2 / B4 (a day outside the window), B5 (1 - 1 = 0), B6 (1 - 2 = -1).
    stat_013_001_at Belgium = 3 / (7 / 100) = 42.857...; sector 11001A00- the same (B5, B6 by 30 June).
    stat_013_004_at (radiologists' exams) = B1 1 + B7 1 = 2 -> 2 / (7 / 100) = 28.571...
        (469895 is billed by specialists: B3's exam is not a radiologist's).
    stat_013_002_at (all exams) = 1 + 1 + 1 = 3 -> 42.857...
    cube_013_001 Belgium, F, non_bim: 00-04 1 / 1 (B1); 05-09 0 / 1 (B2); 80-84 1 / 1 (B3);
        85+ 1 / 2 (B4, B7: 130 is still an age); unknown 0 / 2 (B5, B6); 5 strata x 622 units = 3,110 rows.
    """
    pipeline.build(BOUNDARY_POPULATION, BOUNDARY_CLAIMS)
    expected = oracle_tables(*frames(BOUNDARY_POPULATION, BOUNDARY_CLAIMS), reference, list(pipeline.tables))
    for table, rows in expected.items():
        pipeline.assert_equal(table, rows)

    def figure(table: str, level: str, code: str) -> list[tuple]:
        return pipeline.figures(
            table, ["numerator", "denominator"], year=2019, geo_level=level, geo_code=code
        )

    assert figure("stat_013_001_at", "country", "01000") == [(3, 7)]
    assert figure("stat_013_001_at", "sector", "11001A00-") == [(3, 7)]
    assert figure("stat_013_004_at", "country", "01000") == [(2, 7)]
    assert figure("stat_013_002_at", "country", "01000") == [(3, 7)]
    belgium = pipeline.figures(
        "cube_013_001",
        ["age_band", "patients", "beneficiaries"],
        geo_level="country",
        sex="F",
        bim_status="non_bim",
    )
    assert belgium == [("00-04", 1, 1), ("05-09", 0, 1), ("80-84", 1, 1), ("85+", 1, 2), ("unknown", 0, 2)]
    assert len(pipeline.figures("cube_013_001", ["year"])) == 5 * (1 + 3 + 10 + 43 + 565)


def test_the_oracle_agrees_on_the_hand_made_extract(reference):
    """The oracle itself against figures worked out by hand (test_end_to_end.py and below).

    Volumes 2016 (8 beneficiaries): all exams P01 CT, P02 interventional, P03 MRI, P06 RX (2 - 1), P08
    dental = 5 -> 5 / (8 / 100) = 62.5; radiologists' exams P01 CT 1, P03 MRI 1, P06 RX 2 - 1 = 1 -> 3 / (8 /
    100) = 37.5 in Belgium; Flanders P01 1 of 4 beneficiaries = 25. Therapeutic interventional exams:
    P02 1 -> 12.5; 2015 P10 1 of 2 = 50.
    cube_013_001 2016 Belgium: P08 (M, born 2010: age 6, not BIM, dental exam) alone in (M, 05-09,
    non_bim) = 1 / 1; P04 (sex 'X': U, born 2000: 16) = 0 / 1 in (U, 15-19, non_bim); P02 (M, 1940: 76,
    BIM, interventional) in (M, 75-79, bim): Flanders 1 / 1, Brussels 0 / 0 on the grid (value null).
    """
    from hand_made_extract import CLAIM_ROWS, POPULATION_ROWS

    claims = pd.DataFrame([(*row[:4], Decimal(row[4])) for row in CLAIM_ROWS], columns=CLAIMS_SCHEMA.names)
    population = pd.DataFrame(POPULATION_ROWS, columns=POPULATION_SCHEMA.names)
    tables = [table for table in COMPARED if table != "cube_013_023"]
    results = oracle_tables(population, claims, reference, tables)

    def figure(table: str, year: int, level: str, code: str) -> tuple:
        rows = results[table].set_index(MART_KEY)
        return tuple(rows.loc[(year, level, code), ["numerator", "denominator", "value"]])

    assert figure("stat_013_001_at", 2016, "country", "01000") == (5, 8, 62.5)
    assert figure("stat_013_001_at", 2016, "region", "02000") == (3, 4, 75.0)
    assert figure("stat_013_001_at", 2016, "sector", "21004ZZZZ") == (0, 1, 0.0)
    assert figure("stat_013_023_at", 2016, "commune", "44083") == (1, 1, 100.0)
    interventional = results["stat_013_023_at"]
    assert not ((interventional["year"] == 2015) & (interventional["geo_level"] == "sector")).any()
    assert figure("stat_013_002_at", 2016, "country", "01000") == (5, 8, 62.5)
    assert figure("stat_013_004_at", 2016, "country", "01000") == (3, 8, 37.5)
    assert figure("stat_013_004_at", 2016, "region", "02000") == (1, 4, 25.0)
    assert figure("stat_013_024_at", 2016, "country", "01000") == (1, 8, 12.5)
    assert figure("stat_013_024_at", 2015, "country", "01000") == (1, 2, 50.0)

    cube = results["cube_013_001"].set_index(MART_KEY + STRATA)
    assert tuple(
        cube.loc[(2016, "country", "01000", "M", "05-09", "non_bim"), ["patients", "beneficiaries"]]
    ) == (
        1,
        1,
    )
    assert tuple(
        cube.loc[(2016, "country", "01000", "U", "15-19", "non_bim"), ["patients", "beneficiaries"]]
    ) == (
        0,
        1,
    )
    assert tuple(cube.loc[(2016, "region", "02000", "M", "75-79", "bim"), ["patients", "beneficiaries"]]) == (
        1,
        1,
    )
    brussels = cube.loc[(2016, "region", "04000", "M", "75-79", "bim")]
    assert (brussels["patients"], brussels["beneficiaries"]) == (0, 0)
    assert pd.isna(brussels["value"])
    assert "sector" not in set(results["cube_013_001"]["geo_level"])
