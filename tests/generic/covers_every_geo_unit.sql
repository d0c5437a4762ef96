{% test covers_every_geo_unit(model) %}
{#- Every unit of the 2025 reference appears every year at every level it is published at, and no
    other unit does: sector rows only from the indicator's first sector year in the registry (the
    model's name is its indicator code). -#}

with

indicator as (

    select sector_level_since from {{ ref('indicator_registry') }}
    where indicator_code = '{{ model.identifier }}'

),

expected_units as (

    select years.year, geo_units.geo_level, geo_units.geo_code
    from (select distinct year from {{ model }}) as years
    cross join {{ ref('int_geo_units') }} as geo_units
    cross join indicator
    where geo_units.geo_level != 'sector' or years.year >= indicator.sector_level_since

),

published_units as (

    select year, geo_level, geo_code from {{ model }}

),

missing as (

    select expected_units.*, 'missing' as problem
    from expected_units
    left join published_units
        on published_units.year = expected_units.year
        and published_units.geo_level = expected_units.geo_level
        and published_units.geo_code = expected_units.geo_code
    where published_units.year is null

),

unexpected as (

    select published_units.*, 'not a published unit' as problem
    from published_units
    left join expected_units
        on expected_units.year = published_units.year
        and expected_units.geo_level = published_units.geo_level
        and expected_units.geo_code = published_units.geo_code
    where expected_units.year is null

)

select * from missing
union all
select * from unexpected

{% endtest %}
