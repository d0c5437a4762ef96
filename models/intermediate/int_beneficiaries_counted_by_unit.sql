{#- The denominator at the finest unit and stratum, shared by every indicator, stratum and cube; a null
    unit holds the persons without a known domicile, who count in the Belgian row only. -#}

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
        sex,
        age_band,
        bim_status,
        count(*) as beneficiaries

    from beneficiaries
    group by 1, 2, 3, 4, 5

)

select * from final
