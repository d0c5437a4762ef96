{#- The standard population of the directly standardised rates: Belgium on 1 January 2022 (Statbel) by
    sex and 5-year age band, the bands of the Atlas cubes. Fixed, so a standardised rate does not move
    when a year is added (docs/variation.md). -#}

with

population as (

    select * from {{ ref('population_belgium_sex_age_2022') }}

),

banded as (

    select
        sex,
        {{ age_band_5y(age_band_start('age')) }} as age_band,
        population

    from population

),

final as (

    select
        cast(sex as {{ type_text(1) }}) as sex,
        cast(age_band as {{ type_text(8) }}) as age_band,
        cast(sum(population) as bigint) as standard_population

    from banded
    group by sex, age_band

)

select * from final
