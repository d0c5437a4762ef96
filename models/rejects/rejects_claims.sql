with

claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}

),

final as (

    select * from claim_lines
    where reject_reason is not null

)

select * from final
