"""Measure the imaging shares of a raw extract, independently of the generator.

One SQL query over the Parquet files and the seed CSVs implements the project's rules (docs/rules.md):
valid beneficiaries (person-years that appear once), domicile on 31/12 else 30/06 mapped to its 2025
commune and region (persons without a known domicile count only nationally), codes trimmed and
zero-padded, lines netted per (person, code, date), and a category counted when a net quantity > 0
falls on a date inside its code's validity window. It shares no code with the generator, so that the
calibration test checks the data, not the generator against itself.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

SHARES_SQL = """
with
population as (
    select * from read_parquet($population_glob, hive_partitioning = false)
),

claims as (
    select * from read_parquet($claims_glob, hive_partitioning = false)
),

communes as (
    select * from read_csv($communes_csv, all_varchar = true)
),

mergers as (
    select * from read_csv($mergers_csv, all_varchar = true)
),

imaging_codes as (
    select * from read_csv($codes_csv, all_varchar = true)
),

code_validity as (
    select * from read_csv($validity_csv, all_varchar = true)
),

commune_chain as (
    with recursive chain (start_nis, current_nis) as (
        select distinct commune_nis, commune_nis from communes
        union
        select chain.start_nis, mergers.new_nis
        from chain
        inner join mergers on mergers.old_nis = chain.current_nis
    )
    select * from chain
),

commune_to_region as (
    select
        commune_chain.start_nis as commune_nis,
        communes.region_nis,
    from commune_chain
    inner join communes
        on communes.commune_nis = commune_chain.current_nis
        and communes.is_current_2025 = 'True'
),

beneficiaries as (
    select
        person_id,
        year,
        any_value(commune_dec31) as commune_dec31,
        any_value(commune_jun30) as commune_jun30,
    from population
    where person_id is not null and year is not null
    group by person_id, year
    having count(*) = 1
),

beneficiaries_located as (
    select
        beneficiaries.person_id,
        beneficiaries.year,
        coalesce(dec31.region_nis, jun30.region_nis) as region_nis,
    from beneficiaries
    left join commune_to_region as dec31 on dec31.commune_nis = beneficiaries.commune_dec31
    left join commune_to_region as jun30 on jun30.commune_nis = beneficiaries.commune_jun30
),

scoped_beneficiaries as (
    select person_id, year, '01000' as region from beneficiaries_located
    union all
    select person_id, year, region_nis from beneficiaries_located where region_nis is not null
),

imaging_code_windows as (
    select
        imaging_codes.code,
        imaging_codes.category,
        coalesce(try_cast(nullif(code_validity.valid_from, '') as date), date '0001-01-01') as valid_from,
        coalesce(try_cast(nullif(code_validity.valid_to, '') as date), date '9999-12-31') as valid_to,
    from imaging_codes
    left join code_validity on code_validity.code = imaging_codes.code
),

claims_normalised as (
    select
        person_id,
        service_date,
        lpad(trim(nomenclature_code), 6, '0') as code,
        quantity,
    from claims
    where person_id is not null
        and service_date >= date '2006-01-01'
        -- longer codes are rejected (lpad would truncate them); shorter non-numeric ones cannot
        -- match a 6-digit imaging code, so no pattern test is needed to find the imaging services
        and length(trim(nomenclature_code)) <= 6
),

imaging_services_netted as (
    -- only imaging codes can count, so netting is restricted to them (same result, far fewer rows)
    select person_id, code, service_date, sum(quantity) as net_quantity,
    from claims_normalised
    where code in (select code from imaging_codes)
    group by person_id, code, service_date
    having sum(quantity) > 0
),

patients as (
    select distinct
        imaging_services_netted.person_id,
        year(imaging_services_netted.service_date) as year,
        imaging_code_windows.category,
    from imaging_services_netted
    inner join imaging_code_windows
        on imaging_code_windows.code = imaging_services_netted.code
        and imaging_services_netted.service_date
            between imaging_code_windows.valid_from and imaging_code_windows.valid_to
    inner join beneficiaries
        on beneficiaries.person_id = imaging_services_netted.person_id
        and beneficiaries.year = year(imaging_services_netted.service_date)
),

patients_any as (
    select person_id, year, category from patients
    union all
    select distinct person_id, year, 'any' from patients
),

numerators as (
    select
        scoped_beneficiaries.year,
        scoped_beneficiaries.region,
        patients_any.category,
        count(*) as patients,
    from patients_any
    inner join scoped_beneficiaries using (person_id, year)
    group by all
),

denominators as (
    select year, region, count(*) as beneficiaries,
    from scoped_beneficiaries
    group by all
),

categories as (
    select distinct category from imaging_codes
    union all
    select 'any'
),

final as (
    select
        denominators.year,
        denominators.region,
        categories.category,
        coalesce(numerators.patients, 0) as patients,
        denominators.beneficiaries,
        100.0 * coalesce(numerators.patients, 0) / denominators.beneficiaries as share,
    from denominators
    cross join categories
    left join numerators
        on numerators.year = denominators.year
        and numerators.region = denominators.region
        and numerators.category = categories.category
)

select * from final
order by year, region, category
"""


def measured_shares(raw_dir: Path, seeds_dir: Path) -> pd.DataFrame:
    """Share (percent) of beneficiaries with at least one exam, per year, region and category.

    Columns: year, region ('01000' Belgium, '02000' Flanders, '03000' Wallonia, '04000' Brussels),
    category (a code-list category or 'any'), patients, beneficiaries, share (= patients per 100
    beneficiaries, like the Atlas `value`).
    """
    raw_dir, seeds_dir = Path(raw_dir), Path(seeds_dir)
    parameters = {
        "population_glob": str(raw_dir / "population" / "**" / "*.parquet"),
        "claims_glob": str(raw_dir / "claims" / "**" / "*.parquet"),
        "communes_csv": str(seeds_dir / "geography" / "communes.csv"),
        "mergers_csv": str(seeds_dir / "geography" / "commune_mergers.csv"),
        "codes_csv": str(seeds_dir / "nomenclature" / "imaging_codes.csv"),
        "validity_csv": str(seeds_dir / "nomenclature" / "imaging_codes_validity.csv"),
    }
    with duckdb.connect() as connection:
        connection.execute("set enable_progress_bar = false")
        return connection.execute(SHARES_SQL, parameters).df()
