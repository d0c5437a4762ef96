{#- Every staged claim line with its final reject reason: the row rules of staging first, then the line
    of a person who is not a valid beneficiary in the year of the service. -#}

with

claim_lines as (

    select * from {{ ref('stg_atlas__claims') }}

),

beneficiaries as (

    select person_id, year from {{ ref('stg_atlas__population') }}
    where reject_reason is null

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
