{#- Nothing is dropped silently: every raw population row is a beneficiary or a reject. -#}

with

counts as (

    select
        (select count(*) from {{ source('atlas_raw', 'population') }}) as input_rows,
        (select count(*) from {{ ref('int_beneficiaries_domiciled') }}) as used_rows,
        (select count(*) from {{ ref('rejects_population') }}) as rejected_rows

)

select * from counts
where input_rows != used_rows + rejected_rows
