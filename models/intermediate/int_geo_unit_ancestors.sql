{#- Every finest unit with each unit it counts in, itself included: a roll-up is then one join and one
    group by. The finest units are the sectors (with the unknown-sector buckets) for the indicators and
    the communes for the strata. The persons without a known domicile have the unit `unknown domicile`,
    whose only ancestor is Belgium: the national-only rule, as data. -#}

with

geo_units as (

    select * from {{ ref('int_geo_units') }}

),

finest_units as (

    select *, geo_level as unit_level, geo_code as unit_code
    from geo_units
    where geo_level in ('sector', 'commune')

),

ancestors as (

    select unit_level, unit_code, 'country' as geo_level, '01000' as geo_code from finest_units
    union all
    select unit_level, unit_code, 'region' as geo_level, region_nis as geo_code from finest_units
    union all
    select unit_level, unit_code, 'province' as geo_level, province_nis as geo_code from finest_units
    union all
    select unit_level, unit_code, 'arrondissement' as geo_level, arrondissement_nis as geo_code
    from finest_units
    union all
    select unit_level, unit_code, 'commune' as geo_level, commune_nis as geo_code from finest_units
    union all
    select unit_level, unit_code, 'sector' as geo_level, sector_code as geo_code from finest_units

),

unknown_domicile as (

    select
        finest_level.unit_level,
        {{ unknown_domicile_unit() }} as unit_code,
        'country' as geo_level,
        '01000' as geo_code

    from (select distinct unit_level from finest_units) as finest_level

),

final as (

    select
        cast(unit_level as {{ type_text(16) }}) as unit_level,
        cast(unit_code as {{ type_text(32) }}) as unit_code,
        cast(geo_level as {{ type_text(16) }}) as geo_level,
        cast(geo_code as {{ type_text(9) }}) as geo_code

    from ancestors
    where geo_code is not null
    union all
    select * from unknown_domicile

)

select * from final
