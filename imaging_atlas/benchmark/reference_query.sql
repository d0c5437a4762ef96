-- The engine's floor: all the indicators of the registry at every level with every rule, from the raw
-- Parquet and the seed CSVs, in one hand-written DuckDB query. Same rules as the dbt project
-- (docs/rules.md), none of its code: the indicators, their groups and exam scopes are read as data.
-- Placeholders (reference.py): the raw and seeds folders, the first year, and the columns of each
-- indicator group, written from the scope seed: each person's exams in the group, its patients and
-- exams per unit and their totals per published unit, and one row per unit and group.
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
    select c.code, c.category, c.provider,
        try_cast(v.valid_from as date) as valid_from, try_cast(v.valid_to as date) as valid_to
    from read_csv('{seeds_dir}/nomenclature/imaging_codes.csv', all_varchar = true) as c
    left join read_csv('{seeds_dir}/nomenclature/imaging_codes_validity.csv', all_varchar = true) as v
        on v.code = c.code
),

indicators as (
    select indicator_code, indicator_group, measure, cast(sector_level_since as integer) as sector_level_since
    from read_csv('{seeds_dir}/indicators/indicator_registry.csv', all_varchar = true)
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
        any_value(codes.category) as category,
        any_value(codes.provider) as provider,
        sum(cl.quantity) as net_quantity
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

exams_by_person as (
    select person_id, year, {group_exams}
    from services
    group by 1, 2
),

counts_by_unit as (
    select d.year, d.unit, count(*) as beneficiaries, {group_counts}
    from domiciled as d
    left join exams_by_person as e on e.person_id = d.person_id and e.year = d.year
    group by 1, 2
),

unit_levels as (
    select sector_code as unit, commune_nis from sectors
    union all
    select commune_nis || 'ZZZZ', commune_nis from current_communes
),

units_at_every_level as (
    select u.unit, 'region' as geo_level, c.region_nis as geo_code
    from unit_levels as u inner join current_communes as c on c.commune_nis = u.commune_nis
    union all
    select u.unit, 'province', c.province_nis
    from unit_levels as u inner join current_communes as c on c.commune_nis = u.commune_nis
    where c.province_nis is not null
    union all
    select u.unit, 'arrondissement', c.arrondissement_nis
    from unit_levels as u inner join current_communes as c on c.commune_nis = u.commune_nis
    union all
    select u.unit, 'commune', c.commune_nis
    from unit_levels as u inner join current_communes as c on c.commune_nis = u.commune_nis
    union all
    select unit, 'sector', unit from unit_levels
),

counts_at_every_level as (
    select year, 'country' as geo_level, '01000' as geo_code, * exclude (year, unit)
    from counts_by_unit
    union all
    select cu.year, ul.geo_level, ul.geo_code, cu.* exclude (year, unit)
    from counts_by_unit as cu
    inner join units_at_every_level as ul on ul.unit = cu.unit
),

totals as (
    select year, geo_level, geo_code, {group_totals}
    from counts_at_every_level
    group by 1, 2, 3
),

group_rows as (
    {group_rows}
)

select
    i.indicator_code,
    g.year,
    g.geo_level,
    g.geo_code,
    case i.measure when 'patients' then g.patients else g.exams end as numerator,
    g.beneficiaries as denominator
from group_rows as g
inner join indicators as i on i.indicator_group = g.indicator_group
where g.geo_level != 'sector' or g.year >= i.sector_level_since
