-- The engine's floor: both headline indicators at every level, from the raw Parquet and the seed CSVs,
-- in one hand-written DuckDB query. Same rules as the dbt project (docs/rules.md), none of its code.
-- Placeholders: {raw_dir}, {seeds_dir}, {first_year}.
with

communes as (
    select distinct commune_nis
    from read_csv('{seeds_dir}/geography/communes.csv', all_varchar = true)
),

mergers as (
    select old_nis, new_nis
    from read_csv('{seeds_dir}/geography/commune_mergers.csv', all_varchar = true)
),

commune_2025 as (
    select c.commune_nis, coalesce(m3.new_nis, m2.new_nis, m1.new_nis, c.commune_nis) as commune_2025
    from communes as c
    left join mergers as m1 on m1.old_nis = c.commune_nis
    left join mergers as m2 on m2.old_nis = m1.new_nis
    left join mergers as m3 on m3.old_nis = m2.new_nis
),

current_communes as (
    select commune_nis, arrondissement_nis, province_nis, region_nis
    from read_csv('{seeds_dir}/geography/communes.csv', all_varchar = true)
    where is_current_2025 = 'True'
),

sectors as (
    select sector_code, commune_nis
    from read_csv('{seeds_dir}/geography/statistical_sectors.csv', all_varchar = true)
    where is_unknown_sector = 'False'
),

codes as (
    select c.code, c.category, try_cast(v.valid_from as date) as valid_from, try_cast(v.valid_to as date) as valid_to
    from read_csv('{seeds_dir}/nomenclature/imaging_codes.csv', all_varchar = true) as c
    left join read_csv('{seeds_dir}/nomenclature/imaging_codes_validity.csv', all_varchar = true) as v
        on v.code = c.code
),

population as (
    select *, count(*) over (partition by person_id, year) as copies
    from read_parquet('{raw_dir}/population/**/*.parquet', hive_partitioning = false, union_by_name = true)
    where person_id is not null and year >= {first_year}
),

domiciled as (
    select
        p.person_id,
        p.year,
        coalesce(d.commune_2025, j.commune_2025) as commune_nis,
        case
            when s.sector_code is not null then s.sector_code
            when coalesce(d.commune_2025, j.commune_2025) is not null
                then coalesce(d.commune_2025, j.commune_2025) || 'ZZZZ'
        end as unit
    from population as p
    left join commune_2025 as d on d.commune_nis = trim(p.commune_dec31)
    left join commune_2025 as j on j.commune_nis = trim(p.commune_jun30)
    left join sectors as s
        on s.sector_code = trim(case when d.commune_2025 is not null then p.sector_dec31 else p.sector_jun30 end)
        and s.commune_nis = coalesce(d.commune_2025, j.commune_2025)
    where p.copies = 1
),

services as (
    select
        trim(cl.person_id) as person_id,
        year(cl.service_date) as year,
        max(codes.category = 'interventional_therapeutic') as therapeutic
    from read_parquet('{raw_dir}/claims/**/*.parquet', hive_partitioning = false, union_by_name = true) as cl
    inner join codes
        on codes.code = lpad(trim(cl.nomenclature_code), 6, '0')
        and (codes.valid_from is null or cl.service_date >= codes.valid_from)
        and (codes.valid_to is null or cl.service_date <= codes.valid_to)
    where cl.service_date >= date '{first_year}-01-01' and cl.quantity is not null
        and length(trim(cl.nomenclature_code)) <= 6
    group by trim(cl.person_id), year(cl.service_date), lpad(trim(cl.nomenclature_code), 6, '0'), cl.service_date
    having sum(cl.quantity) > 0
),

patients as (
    select person_id, year, bool_or(therapeutic) as therapeutic
    from services
    group by 1, 2
),

counts_by_unit as (
    select
        d.year,
        d.unit,
        count(*) as beneficiaries,
        count(p.person_id) as patients_any,
        count_if(coalesce(p.therapeutic, false)) as patients_therapeutic
    from domiciled as d
    left join patients as p on p.person_id = d.person_id and p.year = d.year
    group by 1, 2
),

unit_communes as (
    select sector_code as unit, commune_nis from sectors
    union all
    select commune_nis || 'ZZZZ', commune_nis from current_communes
),

with_parents as (
    select u.*, c.commune_nis, c.arrondissement_nis, c.province_nis, c.region_nis
    from counts_by_unit as u
    left join unit_communes as uc on uc.unit = u.unit
    left join current_communes as c on c.commune_nis = uc.commune_nis
)

select year, 'country' as geo_level, '01000' as geo_code,
    sum(patients_any) as numerator_001, sum(patients_therapeutic) as numerator_023, sum(beneficiaries) as denominator
from with_parents group by all
union all
select year, 'region', region_nis, sum(patients_any), sum(patients_therapeutic), sum(beneficiaries)
from with_parents where region_nis is not null group by all
union all
select year, 'province', province_nis, sum(patients_any), sum(patients_therapeutic), sum(beneficiaries)
from with_parents where province_nis is not null group by all
union all
select year, 'arrondissement', arrondissement_nis, sum(patients_any), sum(patients_therapeutic), sum(beneficiaries)
from with_parents where arrondissement_nis is not null group by all
union all
select year, 'commune', commune_nis, sum(patients_any), sum(patients_therapeutic), sum(beneficiaries)
from with_parents where commune_nis is not null group by all
union all
select year, 'sector', unit, sum(patients_any), sum(patients_therapeutic), sum(beneficiaries)
from with_parents where unit is not null group by all
