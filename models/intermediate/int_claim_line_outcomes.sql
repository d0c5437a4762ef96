{#- The one pass over the claim lines of the batch's year, from the one path int_claim_lines_checked: the
    used lines counted, and each rejected line with its reason (identical lines counted together, as
    lines have no key). rejects_claims and the ledger read it: writing the lines themselves, tens of
    millions a national year, would cost more than the pass. -#}

{{ config_yearly_batches() }}

with

claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}
    where {{ in_batch_year('year') }}

),

outcomes as (

    select
        year,
        reject_reason,
        case when reject_reason is not null then person_id end as person_id,
        case when reject_reason is not null then service_date end as service_date,
        case when reject_reason is not null then nomenclature_code_raw end as nomenclature_code_raw,
        case when reject_reason is not null then nomenclature_code end as nomenclature_code,
        case when reject_reason is not null then quantity end as quantity,
        case when reject_reason is not null then amount_eur end as amount_eur,
        case when reject_reason is not null then sector_unit_code end as sector_unit_code,
        count(*) as claim_lines

    from claim_lines
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

final as (

    select * from outcomes

)

select * from final
