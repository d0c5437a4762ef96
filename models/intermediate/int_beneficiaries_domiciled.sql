{#- The usable rows of the checked population: one per beneficiary and year, with the domicile that
    counts. A view: the rows are written once, in int_population_checked. -#}

{{ config(materialized='view', event_time=year_start('year')) }}

with

population_rows as (

    select * from {{ ref('int_population_checked') }}

),

final as (

    select
        person_id,
        year,
        birth_year,
        sex,
        increased_reimbursement,
        domicile_date,
        sector_unit_code

    from population_rows
    where reject_reason is null

)

select * from final
