{#-
    A cube is its indicator broken down by sex, age band and BIM status: summed over the strata, every
    cube row (Belgium down to commune) equals the indicator's row in the long table, patients and
    beneficiaries, for every cube of the registry.
-#}

with

cube_indicators as (

    select indicator_code, cube_code from {{ ref('indicator_registry') }}
    where cube_code is not null

),

cube_totals as (

    select
        cube_code,
        year,
        geo_level,
        geo_code,
        sum(patients) as patients,
        sum(beneficiaries) as beneficiaries

    from {{ ref('int_cube_figures') }}
    group by 1, 2, 3, 4

),

indicator_rows as (

    select figures.*, cube_indicators.cube_code
    from {{ ref('int_indicator_figures') }} as figures
    inner join cube_indicators on cube_indicators.indicator_code = figures.indicator_code
    where figures.geo_level != 'sector'

),

final as (

    select
        indicator_rows.cube_code,
        indicator_rows.year,
        indicator_rows.geo_level,
        indicator_rows.geo_code,
        indicator_rows.numerator,
        cube_totals.patients,
        indicator_rows.denominator,
        cube_totals.beneficiaries

    from indicator_rows
    left join cube_totals
        on cube_totals.cube_code = indicator_rows.cube_code
        and cube_totals.year = indicator_rows.year
        and cube_totals.geo_level = indicator_rows.geo_level
        and cube_totals.geo_code = indicator_rows.geo_code
    where cube_totals.year is null
        or cube_totals.patients != indicator_rows.numerator
        or cube_totals.beneficiaries != indicator_rows.denominator

)

select * from final
