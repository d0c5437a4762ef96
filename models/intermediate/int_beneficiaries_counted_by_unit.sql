{#- The denominator at the finest unit, shared by every indicator; a null unit holds the persons
    without a known domicile, who count in the Belgian row only. -#}

with

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}

),

final as (

    select
        year,
        sector_unit_code,
        count(*) as beneficiaries

    from beneficiaries
    group by 1, 2

)

select * from final
