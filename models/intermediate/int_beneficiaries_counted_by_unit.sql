{#- The denominator at the finest unit, shared by every indicator; a null unit holds the persons
    without a known domicile, who count in the Belgian row only. -#}

{{ config_incremental_by_year() }}

with

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ years_to_build() }}

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
