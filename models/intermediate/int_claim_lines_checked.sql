{#- The one path from raw claim lines to used ones: every staged line with its final reject reason (the
    row rules of staging, then the line of a person who is not a beneficiary in the year of the service)
    and, for a used line, the person's finest domicile unit. The exams (through
    int_imaging_services_netted), the rejected lines and the ledger's used lines all read this view, so a
    line the marts count is exactly a line the ledger calls used. A view: writing every claim line of a
    national year would cost more than joining each reader's lines to the beneficiaries. -#}

{{ config(materialized='view') }}

with

claim_lines as (

    select * from {{ ref('stg_atlas__claims') }}

),

beneficiaries as (

    select person_id, year, sector_unit_code from {{ ref('int_beneficiaries_domiciled') }}

),

final as (

    select
        claim_lines.person_id,
        claim_lines.service_date,
        claim_lines.year,
        claim_lines.nomenclature_code_raw,
        claim_lines.nomenclature_code,
        claim_lines.quantity,
        claim_lines.amount_eur,
        beneficiaries.sector_unit_code,
        case
            when claim_lines.reject_reason is not null then claim_lines.reject_reason
            when beneficiaries.person_id is null then 'person not a beneficiary in service year'
        end as reject_reason

    from claim_lines
    left join beneficiaries
        on beneficiaries.person_id = claim_lines.person_id
        and beneficiaries.year = claim_lines.year

)

select * from final
