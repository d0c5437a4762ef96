{#- Every % indicator (measure patients) by year, unit from Belgium down to commune, sex, 5-year age band
    and BIM status: its patients, their exams (the paired volume's numerator) and the beneficiaries of the
    stratum, rolled up from the finest units' counts, grouped by the age band's first year and the BIM
    flag as the counts keep them and labelled here. Only strata that hold beneficiaries are here; the
    cubes put them on the complete grid, the standardised rates weight them. -#}

{{ config_yearly_batches() }}

with

indicators as (

    select * from {{ ref('indicator_registry') }}
    where measure = 'patients'

),

group_counts as (

    select * from {{ ref('int_exams_by_indicator_group') }}

),

beneficiaries_by_unit as (

    select * from {{ ref('int_beneficiaries_counted_by_unit') }}

),

unit_ancestors as (

    select * from {{ ref('int_geo_unit_ancestors') }}
    where geo_level != 'sector'

),

beneficiaries_rolled_up as (

    select
        beneficiaries_by_unit.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        beneficiaries_by_unit.sex,
        {{ age_band_5y('beneficiaries_by_unit.age_band_start') }} as age_band,
        {{ bim_status('beneficiaries_by_unit.increased_reimbursement') }} as bim_status,
        sum(beneficiaries_by_unit.beneficiaries) as beneficiaries

    from beneficiaries_by_unit
    inner join unit_ancestors
        on unit_ancestors.unit_code = {{ domicile_unit_key('beneficiaries_by_unit.sector_unit_code') }}
    group by
        beneficiaries_by_unit.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        beneficiaries_by_unit.sex,
        beneficiaries_by_unit.age_band_start,
        beneficiaries_by_unit.increased_reimbursement

),

patients_rolled_up as (

    select
        group_counts.indicator_group,
        group_counts.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        group_counts.sex,
        {{ age_band_5y('group_counts.age_band_start') }} as age_band,
        {{ bim_status('group_counts.increased_reimbursement') }} as bim_status,
        sum(group_counts.patients) as patients,
        sum(group_counts.exams) as exams

    from group_counts
    inner join unit_ancestors
        on unit_ancestors.unit_code = {{ domicile_unit_key('group_counts.sector_unit_code') }}
    group by
        group_counts.indicator_group,
        group_counts.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        group_counts.sex,
        group_counts.age_band_start,
        group_counts.increased_reimbursement

),

final as (

    select
        indicators.indicator_code,
        cast(beneficiaries_rolled_up.year as integer) as year,
        cast(beneficiaries_rolled_up.geo_level as {{ type_text(16) }}) as geo_level,
        cast(beneficiaries_rolled_up.geo_code as {{ type_text(9) }}) as geo_code,
        cast(beneficiaries_rolled_up.sex as {{ type_text(1) }}) as sex,
        cast(beneficiaries_rolled_up.age_band as {{ type_text(8) }}) as age_band,
        cast(beneficiaries_rolled_up.bim_status as {{ type_text(8) }}) as bim_status,
        cast(coalesce(patients_rolled_up.patients, 0) as bigint) as patients,
        cast(coalesce(patients_rolled_up.exams, 0) as bigint) as exams,
        cast(beneficiaries_rolled_up.beneficiaries as bigint) as beneficiaries

    from beneficiaries_rolled_up
    cross join indicators
    left join patients_rolled_up
        on patients_rolled_up.indicator_group = indicators.indicator_group
        and patients_rolled_up.year = beneficiaries_rolled_up.year
        and patients_rolled_up.geo_level = beneficiaries_rolled_up.geo_level
        and patients_rolled_up.geo_code = beneficiaries_rolled_up.geo_code
        and patients_rolled_up.sex = beneficiaries_rolled_up.sex
        and patients_rolled_up.age_band = beneficiaries_rolled_up.age_band
        and patients_rolled_up.bim_status = beneficiaries_rolled_up.bim_status

)

select * from final
