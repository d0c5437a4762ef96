{#- Corrections are netted per (person, code, service date); only codes of the list, inside their
    validity window on the service date, are imaging. Lines are taken after the row rules of staging;
    whether the person is a beneficiary that year is settled where the exams meet the beneficiaries
    (int_imaging_exams_by_person), after the imaging lines - a small share of all lines - are netted.
    A view: only int_imaging_exams_by_person reads it, and writing every netted service of a national
    extract to disk would cost more than grouping them again. -#}

{{ config(materialized='view') }}

with

claim_lines as (

    select * from {{ ref('stg_atlas__claims') }}
    where reject_reason is null

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

imaging_lines as (

    select
        claim_lines.*,
        imaging_codes.category,
        imaging_codes.provider

    from claim_lines
    inner join imaging_codes
        on imaging_codes.nomenclature_code = claim_lines.nomenclature_code
        and (imaging_codes.valid_from is null or claim_lines.service_date >= imaging_codes.valid_from)
        and (imaging_codes.valid_to is null or claim_lines.service_date <= imaging_codes.valid_to)

),

final as (

    select
        person_id,
        year,
        nomenclature_code,
        service_date,
        category,
        provider,
        sum(quantity) as net_quantity,
        sum(amount_eur) as net_amount_eur,
        count(*) as claim_line_count

    from imaging_lines
    group by 1, 2, 3, 4, 5, 6

)

select * from final
