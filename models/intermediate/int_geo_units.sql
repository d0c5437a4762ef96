{#- Every published geographic unit of the 2025 reference, each with its ancestors, so that counts made
    at the sector level roll up by a plain group by on the ancestor column of the wanted level. -#}
{%- set still_valid = "cast('9999-12-31' as date)" -%}

with

communes as (

    select * from {{ ref('communes') }}
    where is_current_2025

),

arrondissements as (

    select * from {{ ref('arrondissements') }}
    where valid_to = {{ still_valid }}

),

provinces as (

    select * from {{ ref('provinces') }}
    where valid_to = {{ still_valid }}

),

regions as (

    select * from {{ ref('regions') }}

),

sectors as (

    select * from {{ ref('statistical_sectors') }}
    where not is_unknown_sector

),

country_unit as (

    select
        'country' as geo_level,
        '01000' as geo_code,
        'Belgique' as name_fr,
        'België' as name_nl,
        cast(null as {{ type_text(9) }}) as sector_code,
        cast(null as {{ type_text(5) }}) as commune_nis,
        cast(null as {{ type_text(5) }}) as arrondissement_nis,
        cast(null as {{ type_text(5) }}) as province_nis,
        cast(null as {{ type_text(5) }}) as region_nis

),

region_units as (

    select
        'region' as geo_level,
        region_nis as geo_code,
        name_fr,
        name_nl,
        null as sector_code,
        null as commune_nis,
        null as arrondissement_nis,
        null as province_nis,
        region_nis

    from regions

),

province_units as (

    select
        'province' as geo_level,
        province_nis as geo_code,
        name_fr,
        name_nl,
        null as sector_code,
        null as commune_nis,
        null as arrondissement_nis,
        province_nis,
        region_nis

    from provinces

),

arrondissement_units as (

    select
        'arrondissement' as geo_level,
        arrondissement_nis as geo_code,
        name_fr,
        name_nl,
        null as sector_code,
        null as commune_nis,
        arrondissement_nis,
        province_nis,
        region_nis

    from arrondissements

),

commune_units as (

    select
        'commune' as geo_level,
        commune_nis as geo_code,
        name_fr,
        name_nl,
        null as sector_code,
        commune_nis,
        arrondissement_nis,
        province_nis,
        region_nis

    from communes

),

known_sector_units as (

    select
        'sector' as geo_level,
        sectors.sector_code as geo_code,
        sectors.sector_name_fr as name_fr,
        sectors.sector_name_nl as name_nl,
        sectors.sector_code,
        communes.commune_nis,
        communes.arrondissement_nis,
        communes.province_nis,
        communes.region_nis

    from sectors
    inner join communes on communes.commune_nis = sectors.commune_nis

),

unknown_sector_units as (

    select
        'sector' as geo_level,
        {{ unknown_sector_code('commune_nis') }} as geo_code,
        {{ dbt.concat(["'Secteur inconnu - '", 'name_fr']) }} as name_fr,
        {{ dbt.concat(["'Onbekende sector - '", 'name_nl']) }} as name_nl,
        {{ unknown_sector_code('commune_nis') }} as sector_code,
        commune_nis,
        arrondissement_nis,
        province_nis,
        region_nis

    from communes

),

final as (

    select * from country_unit
    union all
    select * from region_units
    union all
    select * from province_units
    union all
    select * from arrondissement_units
    union all
    select * from commune_units
    union all
    select * from known_sector_units
    union all
    select * from unknown_sector_units

)

select * from final
