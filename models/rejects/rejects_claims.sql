{#- Every rejected claim line: those of the Atlas years, from the checked lines' outcomes (each line as
    many times as it came), and those without a year or of a year no batch holds, which staging rejects
    for their date. -#}

with

rejected_outcomes as (

    select * from {{ ref('int_claim_line_outcomes') }}
    where reject_reason is not null

),

rejected_in_the_years as (

    select
        rejected_outcomes.person_id,
        rejected_outcomes.service_date,
        rejected_outcomes.year,
        rejected_outcomes.nomenclature_code_raw,
        rejected_outcomes.nomenclature_code,
        rejected_outcomes.quantity,
        rejected_outcomes.amount_eur,
        rejected_outcomes.sector_unit_code,
        rejected_outcomes.reject_reason

    from rejected_outcomes
    {{ copies_of_each_row('rejected_outcomes.claim_lines') }}

),

claim_lines_outside_the_years as (

    select
        person_id,
        service_date,
        year,
        nomenclature_code_raw,
        nomenclature_code,
        quantity,
        amount_eur,
        cast(null as {{ type_text(16) }}) as sector_unit_code,
        reject_reason

    from {{ ref('stg_atlas__claims') }}
    where {{ outside_the_years('year', date_column='service_date') }}

),

final as (

    select * from rejected_in_the_years
    union all
    select * from claim_lines_outside_the_years

)

select * from final
