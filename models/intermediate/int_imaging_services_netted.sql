{#- Corrections are netted per (person, code, service date), over the lines the ledger calls used; only
    codes of the list, inside their validity window on the service date, are imaging. A view: only
    int_imaging_exams_by_person reads it, and writing every netted service of a national extract to disk
    would cost more than grouping them again. -#}

{{ config(materialized='view') }}

with

used_claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}
    where reject_reason is null

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

imaging_lines as (

    select
        used_claim_lines.*,
        imaging_codes.category,
        imaging_codes.provider

    from used_claim_lines
    inner join imaging_codes
        on imaging_codes.nomenclature_code = used_claim_lines.nomenclature_code
        and (imaging_codes.valid_from is null or imaging_codes.valid_from <= used_claim_lines.service_date)
        and (imaging_codes.valid_to is null or imaging_codes.valid_to >= used_claim_lines.service_date)

),

final as (

    select
        person_id,
        year,
        nomenclature_code,
        service_date,
        category,
        provider,
        sector_unit_code,
        sum(quantity) as net_quantity,
        sum(amount_eur) as net_amount_eur,
        count(*) as claim_line_count

    from imaging_lines
    group by 1, 2, 3, 4, 5, 6, 7

)

select * from final
