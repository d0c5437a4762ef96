{#- Every finest unit (a sector or an unknown-sector bucket) with each unit it counts in, itself included:
    a roll-up is then one join and one group by (Brussels has no province, so its sectors have none). The persons without a known domicile have the unit
    `unknown domicile`, whose only ancestor is Belgium: the national-only rule, as data. -#}

with

geo_units as (

    select * from {{ ref('int_geo_units') }}

),

sectors as (

    select *, geo_code as unit_code
    from geo_units
    where geo_level = 'sector'

),

ancestors as (

    select unit_code, 'country' as geo_level, '01000' as geo_code from sectors
    union all
    select unit_code, 'region' as geo_level, region_nis as geo_code from sectors
    union all
    select unit_code, 'province' as geo_level, province_nis as geo_code from sectors
    union all
    select unit_code, 'arrondissement' as geo_level, arrondissement_nis as geo_code from sectors
    union all
    select unit_code, 'commune' as geo_level, commune_nis as geo_code from sectors
    union all
    select unit_code, 'sector' as geo_level, sector_code as geo_code from sectors
    union all
    select {{ unknown_domicile_unit() }} as unit_code, 'country' as geo_level, '01000' as geo_code

),

final as (

    select
        cast(unit_code as {{ type_text(32) }}) as unit_code,
        cast(geo_level as {{ type_text(16) }}) as geo_level,
        cast(geo_code as {{ type_text(9) }}) as geo_code

    from ancestors
    where geo_code is not null

)

select * from final
