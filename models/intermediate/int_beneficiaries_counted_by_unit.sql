{#- The denominator at the finest unit and stratum, shared by every indicator, stratum and cube; a null
    unit holds the persons without a known domicile, who count in the Belgian row only. The stratum is
    kept as the age band's first year and the BIM flag, which int_indicator_strata labels. -#}

{{ config_yearly_batches() }}

with

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}

),

final as (

    select
        year,
        sector_unit_code,
        sex,
        {{ age_band_start('year - birth_year') }} as age_band_start,
        increased_reimbursement,
        count(*) as beneficiaries

    from beneficiaries
    group by 1, 2, 3, 4, 5

)

select * from final
