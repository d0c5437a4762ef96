"""Tests of the synthetic raw extract: determinism, the raw contract, every documented defect, the
demography and the calibration against the published IMA-AIM figures.

The generated data are queried as Parquet with DuckDB, like the dbt project will read them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from imaging_atlas.cli import main
from imaging_atlas.raw_contract import CLAIMS_SCHEMA, POPULATION_SCHEMA
from imaging_atlas.synthetic import generate
from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.measure import measured_shares
from imaging_atlas.synthetic.reference import default_seeds_dir

SEEDS = default_seeds_dir()
CALIBRATION_YEARS = (2006, 2015, 2020, 2023)
DEFECT_YEARS = (2018, 2019, 2025)

PUBLISHED_ANY = {2006: 53.1, 2015: 56.8, 2020: 52.2, 2023: 59.0}
PUBLISHED_CATEGORY = {
    ("CT", 2006): 10.3,
    ("CT", 2015): 12.6,
    ("MRI", 2006): 3.9,
    ("MRI", 2015): 7.1,
    ("MRI", 2023): 9.3,
    ("echography", 2023): 36.4,
    ("RX", 2023): 26.4,
}


@pytest.fixture(scope="module")
def calibration_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scale 0.02 (about 230,000 beneficiaries: sampling error near 0.1 point) for four years."""
    out = tmp_path_factory.mktemp("calibration") / "raw"
    generate(out, scale=0.02, years=CALIBRATION_YEARS, seed=11, progress=False)
    return out


@pytest.fixture(scope="module")
def calibration_shares(calibration_raw: Path):
    return measured_shares(calibration_raw, SEEDS)


@pytest.fixture(scope="module")
def defects_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small extract over the three commune vintages (pre-2019, 2019-2024, 2025)."""
    out = tmp_path_factory.mktemp("defects") / "raw"
    generate(out, scale=0.004, years=DEFECT_YEARS, seed=5, progress=False)
    return out


def connect(raw: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over an extract and the seeds: population, claims (with the folder year),
    sectors, communes, imaging_codes (with validity dates)."""
    connection = duckdb.connect()
    connection.execute(
        f"""
        create view population as
            select * from read_parquet('{raw}/population/*/*.parquet', hive_partitioning = false);
        create view claims as
            select *, cast(regexp_extract(filename, 'year=(\\d{{4}})', 1) as integer) as file_year,
            from read_parquet('{raw}/claims/*/*.parquet', hive_partitioning = false, filename = true);
        create view sectors as
            select * from read_csv('{SEEDS}/geography/statistical_sectors.csv', all_varchar = true);
        create view communes as
            select * from read_csv('{SEEDS}/geography/communes.csv', all_varchar = true);
        create view imaging_codes as
            select codes.code, codes.category, validity.valid_from, validity.valid_to,
            from read_csv('{SEEDS}/nomenclature/imaging_codes.csv', all_varchar = true) as codes
            left join read_csv('{SEEDS}/nomenclature/imaging_codes_validity.csv', all_varchar = true)
                as validity using (code);
        """
    )
    return connection


def scalar(raw: Path, sql: str):
    with connect(raw) as connection:
        return connection.execute(sql).fetchone()[0]


def read_all(raw: Path) -> dict[str, pa.Table]:
    return {str(path.relative_to(raw)): pq.read_table(path) for path in sorted(raw.rglob("*.parquet"))}


# --- determinism and contract ----------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    generate(first, scale=0.002, years=range(2006, 2008), seed=1, progress=False)
    generate(second, scale=0.002, years=range(2006, 2008), seed=1, progress=False)
    first_tables, second_tables = read_all(first), read_all(second)
    assert list(first_tables) == list(second_tables) and len(first_tables) == 4
    for name, table in first_tables.items():
        assert table.equals(second_tables[name]), name
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", scale=0.002, years=[2006], seed=1, progress=False)
    generate(tmp_path / "b", scale=0.002, years=[2006], seed=2, progress=False)
    a, b = read_all(tmp_path / "a"), read_all(tmp_path / "b")
    assert all(not a[name].equals(b[name]) for name in a)


def test_a_year_does_not_depend_on_the_other_years_written(tmp_path: Path) -> None:
    generate(tmp_path / "both", scale=0.002, years=[2006, 2007], seed=3, progress=False)
    generate(tmp_path / "alone", scale=0.002, years=[2007], seed=3, progress=False)
    both, alone = read_all(tmp_path / "both"), read_all(tmp_path / "alone")
    assert set(alone) == {"claims/year=2007/part-0.parquet", "population/year=2007/part-0.parquet"}
    assert all(alone[name].equals(both[name]) for name in alone)


def test_files_hold_exactly_the_contract_columns_and_types(defects_raw: Path) -> None:
    for year in DEFECT_YEARS:
        population = pq.read_table(defects_raw / "population" / f"year={year}" / "part-0.parquet")
        claims = pq.read_table(defects_raw / "claims" / f"year={year}" / "part-0.parquet")
        assert population.schema.equals(POPULATION_SCHEMA)
        assert claims.schema.equals(CLAIMS_SCHEMA)
        assert [f.type for f in claims.schema] == [
            pa.string(),
            pa.date32(),
            pa.string(),
            pa.int32(),
            pa.decimal128(12, 2),
        ]
        assert set(population.column("year").to_pylist()) == {year}
    assert scalar(defects_raw, "select count(*) from population where sex not in ('M', 'F')") == 0


def test_refuses_a_non_empty_output_folder_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(FileExistsError):
        generate(out, scale=0.001, years=[2006], seed=1, progress=False)
    arguments = ["generate", "--out", str(out), "--scale", "0.001", "--years", "2006", "--no-progress"]
    assert main(arguments) == 1
    assert main([*arguments, "--force"]) == 0
    assert (out / "claims" / "year=2006" / "part-0.parquet").exists()


def test_cli_parses_year_ranges_and_lists(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    assert main(["generate", "--out", str(out), "--scale", "0.001", "--years", "2006-2007,2009"]) == 0
    assert sorted(p.name for p in (out / "population").iterdir()) == ["year=2006", "year=2007", "year=2009"]


# --- defects -----------------------------------------------------------------------------------


def test_domicile_unknown_on_dec31_but_known_on_jun30(defects_raw: Path) -> None:
    """Persons who die or emigrate in the second half of the year."""
    assert (
        scalar(
            defects_raw,
            """select count(*) from population
            where commune_dec31 is null and sector_dec31 is null and commune_jun30 is not null""",
        )
        > 10
    )


def test_domicile_unknown_on_both_dates(defects_raw: Path) -> None:
    """Deaths in the first half (null on both dates) and invalid codes on both dates."""
    assert (
        scalar(
            defects_raw,
            "select count(*) from population where commune_dec31 is null and commune_jun30 is null",
        )
        > 5
    )
    invalid = set(par.INVALID_COMMUNE_CODES)
    rows = scalar(
        defects_raw,
        f"""select count(*) from population
        where commune_dec31 in {tuple(invalid)} and commune_jun30 in {tuple(invalid)}""",
    )
    assert rows >= par.POPULATION_DEFECTS["invalid_commune_both_dates"].minimum * len(DEFECT_YEARS)


def test_births_in_the_second_half_have_no_jun30_domicile(defects_raw: Path) -> None:
    assert (
        scalar(
            defects_raw,
            """select count(*) from population
            where birth_year = year and commune_jun30 is null and commune_dec31 is not null""",
        )
        > 5
    )


def test_movers_have_different_jun30_and_dec31_domiciles(defects_raw: Path) -> None:
    moved_commune = scalar(
        defects_raw, "select count(*) from population where commune_jun30 <> commune_dec31"
    )
    moved_sector = scalar(
        defects_raw,
        """select count(*) from population
        where commune_jun30 = commune_dec31 and sector_jun30 <> sector_dec31""",
    )
    assert moved_commune > 10 and moved_sector > 10


def test_sector_unknown_while_commune_known_in_all_four_forms(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        counts = connection.execute(
            """
            with domiciles as (
                select year, commune_dec31 as commune, sector_dec31 as sector from population
                union all
                select year, commune_jun30, sector_jun30 from population
            ),
            classified as (
                select
                    domiciles.*,
                    sectors.sector_code is not null as in_reference,
                    case
                        when domiciles.year <= 2018 then sectors.commune_nis_pre2019
                        when domiciles.year <= 2024 then sectors.commune_nis_2019
                        else sectors.commune_nis
                    end as sector_commune,
                from domiciles
                left join sectors on sectors.sector_code = domiciles.sector
                where domiciles.commune is not null and domiciles.commune not in ('99999', '00000')
            )
            select
                count(*) filter (where sector is null),
                count(*) filter (where sector like '%ZZZZ'),
                count(*) filter (where sector is not null and not in_reference),
                count(*) filter (
                    where in_reference and sector not like '%ZZZZ' and sector_commune <> commune
                ),
            from classified
            """
        ).fetchone()
    assert all(count >= 2 for count in counts), counts


def test_commune_codes_are_those_valid_in_the_data_year(defects_raw: Path) -> None:
    """Pre-2019 codes up to 2018, 2019-2024 codes up to 2024, 2025 codes after; codes merged later
    do appear in the years they were valid."""
    with connect(defects_raw) as connection:

        def codes_outside(year: int, column: str) -> int:
            return connection.execute(
                f"""select count(*) from population
                where year = {year} and commune_dec31 not in ('99999', '00000')
                and commune_dec31 not in (select {column} from sectors)"""
            ).fetchone()[0]

        def codes_not_in(year: int, column: str) -> int:
            return connection.execute(
                f"""select count(distinct commune_dec31) from population
                where year = {year} and commune_dec31 not in (select {column} from sectors)
                and commune_dec31 not in ('99999', '00000')"""
            ).fetchone()[0]

        assert codes_outside(2018, "commune_nis_pre2019") == 0
        assert codes_outside(2019, "commune_nis_2019") == 0
        assert codes_outside(2025, "commune_nis") == 0
        assert codes_not_in(2018, "commune_nis_2019") > 3  # merged on 1 January 2019
        assert codes_not_in(2019, "commune_nis") > 10  # merged on 1 January 2025


def test_corrections_partial_and_cancelling_with_amounts_following_the_sign(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        partial, cancelled = connection.execute(
            """
            with services as (
                select person_id, nomenclature_code, service_date,
                    max(quantity) as max_quantity, min(quantity) as min_quantity, sum(quantity) as net,
                from claims
                group by all
            )
            select
                count(*) filter (where max_quantity = 2 and min_quantity = -1 and net = 1),
                count(*) filter (where max_quantity = 1 and min_quantity = -1 and net = 0),
            from services
            """
        ).fetchone()
        wrong_sign = connection.execute(
            "select count(*) from claims where sign(quantity) <> sign(amount_eur)"
        ).fetchone()[0]
    assert partial >= 3 and cancelled >= 3 and wrong_sign == 0


def test_code_formatting_defects(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        spaced, unpadded, unparsable = connection.execute(
            """
            select
                count(*) filter (where nomenclature_code <> trim(nomenclature_code)),
                count(*) filter (where regexp_full_match(nomenclature_code, '[1-9][0-9]{4}')),
                list(distinct coalesce(nomenclature_code, '<null>')) filter (
                    where nomenclature_code is null
                        or not regexp_full_match(trim(nomenclature_code), '[0-9]{1,6}')
                ),
            from claims
            """
        ).fetchone()
    assert spaced > 10 and unpadded > 10
    assert set(unparsable) == {"ABC123", "1234567", "", "<null>"}


def test_non_imaging_lines_are_most_lines_and_never_imaging_codes(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        imaging, other, other_in_imaging_ranges = connection.execute(
            """
            with normalised as (
                select lpad(trim(nomenclature_code), 6, '0') as code,
                from claims
                where quantity > 0 and regexp_full_match(trim(nomenclature_code), '[0-9]{1,6}')
            )
            select
                count(*) filter (where code in (select code from imaging_codes)),
                count(*) filter (where code not in (select code from imaging_codes)),
                count(*) filter (where code not in (select code from imaging_codes) and code >= '300000'),
            from normalised
            """
        ).fetchone()
    assert other / imaging == pytest.approx(par.DEFAULT_OTHER_LINES_PER_IMAGING_LINE, rel=0.05)
    assert other_in_imaging_ranges == 0


def test_imaging_codes_billed_outside_their_validity_window(defects_raw: Path) -> None:
    outside = scalar(
        defects_raw,
        """select count(*) from claims
        inner join imaging_codes on imaging_codes.code = trim(claims.nomenclature_code)
        where claims.service_date < cast(imaging_codes.valid_from as date)
            or claims.service_date > cast(imaging_codes.valid_to as date)""",
    )
    assert outside >= par.CLAIM_DEFECTS["code_outside_validity"].minimum * len(DEFECT_YEARS)


def test_claims_of_persons_who_are_not_beneficiaries(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        never_known, died_last_year = connection.execute(
            """
            with known as (select person_id, year from population where person_id is not null)
            select
                count(*) filter (where person_id not in (select person_id from known)),
                count(*) filter (
                    where year(service_date) = 2019
                    and person_id in (select person_id from known where year = 2018)
                    and person_id not in (select person_id from known where year = 2019)
                ),
            from claims
            where person_id is not null
            """
        ).fetchone()
    assert never_known >= 3 * len(DEFECT_YEARS) and died_last_year >= 3


def test_claims_without_person_without_date_or_dated_before_2006(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        counts = connection.execute(
            """select
                count(*) filter (where person_id is null),
                count(*) filter (where service_date is null),
                count(*) filter (where year(service_date) = 2005),
            from claims"""
        ).fetchone()
    assert all(count >= 2 * len(DEFECT_YEARS) for count in counts), counts


def test_population_duplicated_person_years_and_rows_without_person(defects_raw: Path) -> None:
    with connect(defects_raw) as connection:
        duplicated, without_person = connection.execute(
            """select
                (select count(*) from (select person_id, year from population where person_id is not null
                    group by all having count(*) > 1)),
                (select count(*) from population where person_id is null)"""
        ).fetchone()
    assert duplicated >= 3 * len(DEFECT_YEARS) and without_person >= 2 * len(DEFECT_YEARS)


# --- demography -------------------------------------------------------------------------------------


def test_births_deaths_and_bim_shares(calibration_raw: Path, defects_raw: Path) -> None:
    with connect(calibration_raw) as connection:
        births, bim, bim_elderly, bim_flanders, bim_brussels, population_2023 = connection.execute(
            """
            select
                avg(cast(birth_year = year as int)),
                avg(cast(increased_reimbursement as int)),
                avg(cast(increased_reimbursement as int)) filter (where year - birth_year >= 75),
                avg(cast(increased_reimbursement as int)) filter (where communes.region_nis = '02000'),
                avg(cast(increased_reimbursement as int)) filter (where communes.region_nis = '04000'),
                count(*) filter (where year = 2023) / 0.02,
            from population
            left join communes on communes.commune_nis = population.commune_dec31
                and communes.in_2019_2024_reference = 'True'
            where person_id is not null
            """
        ).fetchone()
    left_2018 = scalar(
        defects_raw,
        """select avg(cast(person_id not in (select person_id from population where year = 2019
            and person_id is not null) as int))
        from population where year = 2018 and person_id is not null""",
    )
    assert 0.008 < births < 0.013
    assert 0.011 < left_2018 < 0.022  # deaths (about 1%) and emigration (0.65%)
    assert abs(bim - par.BIM_TARGET_SHARE) < 0.015
    assert bim_elderly > bim + 0.05 and bim_brussels > bim_flanders + 0.05
    assert 11.0e6 < population_2023 < 12.3e6


# --- calibration -----------------------------------------------------------------------------------


def share(shares, year: int, category: str, region: str = par.BELGIUM) -> float:
    row = shares[(shares.year == year) & (shares.category == category) & (shares.region == region)]
    return float(row.share.iloc[0])


@pytest.mark.parametrize("year", CALIBRATION_YEARS)
def test_national_any_imaging_share_matches_published_figure(calibration_shares, year: int) -> None:
    assert share(calibration_shares, year, "any") == pytest.approx(PUBLISHED_ANY[year], abs=1.0)


@pytest.mark.parametrize(("category", "year"), list(PUBLISHED_CATEGORY))
def test_category_share_matches_published_figure(calibration_shares, category: str, year: int) -> None:
    expected = PUBLISHED_CATEGORY[(category, year)]
    assert share(calibration_shares, year, category) == pytest.approx(expected, abs=1.0)


def test_regions_keep_the_published_2015_gaps(calibration_shares) -> None:
    flanders, wallonia, brussels = (share(calibration_shares, 2015, "any", region) for region in par.REGIONS)
    assert brussels < flanders < wallonia
    assert wallonia - flanders == pytest.approx(58.1 - 55.1, abs=1.5)
    assert flanders - brussels == pytest.approx(55.1 - 51.2, abs=1.5)


def test_exams_per_patient_for_ct_and_mri(calibration_raw: Path) -> None:
    with connect(calibration_raw) as connection:
        per_patient = dict(
            connection.execute(
                """
                with netted as (
                    select person_id, trim(nomenclature_code) as code, service_date, sum(quantity) as net,
                    from claims
                    where person_id is not null and service_date is not null
                    group by all
                    having sum(quantity) > 0
                )
                select imaging_codes.category, sum(net) / count(distinct (person_id, year(service_date))),
                from netted
                inner join imaging_codes using (code)
                where imaging_codes.category in ('CT', 'MRI')
                group by all
                """
            ).fetchall()
        )
    assert per_patient["CT"] == pytest.approx(1.6, abs=0.1)
    assert per_patient["MRI"] == pytest.approx(1.3, abs=0.1)


def test_imaging_rises_with_age(calibration_raw: Path) -> None:
    with connect(calibration_raw) as connection:
        young, old = connection.execute(
            """
            with patients as (
                select distinct person_id, year(service_date) as year,
                from claims
                where trim(nomenclature_code) in (select code from imaging_codes) and quantity > 0
            )
            select
                avg(cast(patients.person_id is not null as int))
                    filter (where population.year - birth_year < 18),
                avg(cast(patients.person_id is not null as int))
                    filter (where population.year - birth_year > 74),
            from population
            left join patients using (person_id, year)
            """
        ).fetchone()
    assert old > young + 0.25
