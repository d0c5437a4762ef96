{#- The Atlas cubes in one long table: for every indicator with a cube in the registry, patients and
    beneficiaries by year, unit (Belgium down to commune), sex, age band and BIM status, on the complete
    grid of the 2025 units x the strata present that year (0 where nobody counts). Summed over the
    strata, a cube row is its indicator's row. -#}

{{ config_yearly_batches() }}

with

cube_indicators as (

    select * from {{ ref('indicator_registry') }}
    where cube_code is not null

),

strata_counts as (

    select * from {{ ref('int_indicator_strata') }}

),

geo_units as (

    select * from {{ ref('int_geo_units') }}
    where geo_level != 'sector'

),

strata_present as (

    select distinct year, sex, age_band, bim_status
    from strata_counts
    where geo_level = 'country'

),

cube_grid as (

    select
        cube_indicators.indicator_code,
        cube_indicators.cube_code,
        strata_present.year,
        geo_units.geo_level,
        geo_units.geo_code,
        strata_present.sex,
        strata_present.age_band,
        strata_present.bim_status

    from cube_indicators
    cross join strata_present
    cross join geo_units

),

final as (

    select
        cube_grid.cube_code,
        cube_grid.year,
        cube_grid.geo_level,
        cube_grid.geo_code,
        cube_grid.sex,
        cube_grid.age_band,
        cube_grid.bim_status,
        coalesce(strata_counts.patients, 0) as patients,
        coalesce(strata_counts.beneficiaries, 0) as beneficiaries,
        {{ per_hundred('coalesce(strata_counts.patients, 0)', 'strata_counts.beneficiaries') }} as value

    from cube_grid
    left join strata_counts
        on strata_counts.indicator_code = cube_grid.indicator_code
        and strata_counts.year = cube_grid.year
        and strata_counts.geo_level = cube_grid.geo_level
        and strata_counts.geo_code = cube_grid.geo_code
        and strata_counts.sex = cube_grid.sex
        and strata_counts.age_band = cube_grid.age_band
        and strata_counts.bim_status = cube_grid.bim_status

)

select * from final
