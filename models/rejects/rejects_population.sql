{#- Every rejected population row: those of the Atlas years from the checked population, and those without
    a year or of a year no batch holds, which staging rejects for their year. -#}

with

rejected_in_the_years as (

    select
        person_id,
        year,
        birth_year,
        sex,
        increased_reimbursement,
        commune_dec31,
        sector_dec31,
        commune_jun30,
        sector_jun30,
        reject_reason

    from {{ ref('int_population_checked') }}
    where reject_reason is not null

),

population_rows_outside_the_years as (

    select * from {{ ref('stg_atlas__population') }}
    where {{ outside_the_years('year') }}

),

final as (

    select * from rejected_in_the_years
    union all
    select * from population_rows_outside_the_years

)

select * from final
