{#- Every indicator of the registry, every year and every published unit, in one long table. The counts of
    each indicator group and the beneficiaries are rolled up all levels once, by one join of the finest
    units to their ancestors, then put on the complete grid: every unit of the 2025 reference, with 0 where nobody
    counts, sectors only from the indicator's first sector year. Each mart selects its indicator here. The
    strata are summed away per finest unit before the join to the ancestors, which then multiplies about
    twenty thousand units rather than the seven million cells of a national year. -#}

{{ config_yearly_batches() }}

with

indicators as (

    select * from {{ ref('indicator_registry') }}

),

group_counts as (

    select
        indicator_group,
        year,
        sector_unit_code,
        sum(patients) as patients,
        sum(exams) as exams

    from {{ ref('int_exams_by_indicator_group') }}
    group by 1, 2, 3

),

beneficiaries_by_unit as (

    select
        year,
        sector_unit_code,
        sum(beneficiaries) as beneficiaries

    from {{ ref('int_beneficiaries_counted_by_unit') }}
    group by 1, 2

),

unit_ancestors as (

    select * from {{ ref('int_geo_unit_ancestors') }}

),

geo_units as (

    select * from {{ ref('int_geo_units') }}

),

group_counts_rolled_up as (

    select
        group_counts.indicator_group,
        group_counts.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        sum(group_counts.patients) as patients,
        sum(group_counts.exams) as exams

    from group_counts
    inner join unit_ancestors
        on unit_ancestors.unit_code = {{ domicile_unit_key('group_counts.sector_unit_code') }}
    group by 1, 2, 3, 4

),

beneficiaries_rolled_up as (

    select
        beneficiaries_by_unit.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        sum(beneficiaries_by_unit.beneficiaries) as beneficiaries

    from beneficiaries_by_unit
    inner join unit_ancestors
        on unit_ancestors.unit_code = {{ domicile_unit_key('beneficiaries_by_unit.sector_unit_code') }}
    group by 1, 2, 3

),

units_by_year as (

    select
        years.year,
        geo_units.geo_level,
        geo_units.geo_code,
        geo_units.name_fr,
        geo_units.name_nl,
        coalesce(beneficiaries_rolled_up.beneficiaries, 0) as denominator

    from (select distinct year from beneficiaries_by_unit) as years
    cross join geo_units
    left join beneficiaries_rolled_up
        on beneficiaries_rolled_up.year = years.year
        and beneficiaries_rolled_up.geo_level = geo_units.geo_level
        and beneficiaries_rolled_up.geo_code = geo_units.geo_code

),

counts_on_grid as (

    select
        units_by_year.*,
        indicators.indicator_code,
        case indicators.measure
            when 'patients' then coalesce(group_counts_rolled_up.patients, 0)
            when 'exams' then coalesce(group_counts_rolled_up.exams, 0)
        end as numerator

    from indicators
    cross join units_by_year
    left join group_counts_rolled_up
        on group_counts_rolled_up.indicator_group = indicators.indicator_group
        and group_counts_rolled_up.year = units_by_year.year
        and group_counts_rolled_up.geo_level = units_by_year.geo_level
        and group_counts_rolled_up.geo_code = units_by_year.geo_code
    where units_by_year.geo_level != 'sector' or units_by_year.year >= indicators.sector_level_since

),

final as (

    select
        indicator_code,
        cast(year as integer) as year,
        cast(geo_level as {{ type_text(16) }}) as geo_level,
        cast(geo_code as {{ type_text(9) }}) as geo_code,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        {{ per_hundred('numerator', 'denominator') }} as value,
        cast(name_fr as {{ type_text(200) }}) as geo_name_fr,
        cast(name_nl as {{ type_text(200) }}) as geo_name_nl

    from counts_on_grid

)

select * from final
