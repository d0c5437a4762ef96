{#- Nothing is dropped silently: every raw claim line is accepted (imaging or not) or a reject. -#}

with

counts as (

    select
        (select count(*) from {{ source('atlas_raw', 'claims') }}) as input_rows,
        (select count(*) from {{ ref('int_claim_lines_checked') }} where reject_reason is null) as used_rows,
        (select count(*) from {{ ref('rejects_claims') }}) as rejected_rows

)

select * from counts
where input_rows != used_rows + rejected_rows
