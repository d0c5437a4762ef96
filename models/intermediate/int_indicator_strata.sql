{#- Every % indicator (measure patients) by year, unit from Belgium down to commune, sex, 5-year age band
    and BIM status: its patients and the beneficiaries of the stratum. Only strata that hold
    beneficiaries are here; the cubes put them on the complete grid, the standardised rates weight them. -#}

{{ config_incremental_by_year() }}

with

indicators as (

    select * from {{ ref('indicator_registry') }}
    where measure = 'patients'

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ years_to_build() }}

),

group_exams_by_person as (

    select * from {{ ref('int_exams_by_indicator_group') }}
    where {{ years_to_build() }}

),

unit_ancestors as (

    select * from {{ ref('int_geo_unit_ancestors') }}
    where unit_level = 'commune'

),

beneficiaries_in_strata as (

    select
        year,
        person_id,
        {{ domicile_unit_key('commune_nis') }} as unit_code,
        sex,
        {{ age_band_5y('year - birth_year') }} as age_band,
        {{ bim_status('increased_reimbursement') }} as bim_status

    from beneficiaries

),

beneficiaries_rolled_up as (

    select
        beneficiaries_in_strata.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        beneficiaries_in_strata.sex,
        beneficiaries_in_strata.age_band,
        beneficiaries_in_strata.bim_status,
        count(*) as beneficiaries

    from beneficiaries_in_strata
    inner join unit_ancestors on unit_ancestors.unit_code = beneficiaries_in_strata.unit_code
    group by 1, 2, 3, 4, 5, 6

),

patients_rolled_up as (

    select
        group_exams_by_person.indicator_group,
        beneficiaries_in_strata.year,
        unit_ancestors.geo_level,
        unit_ancestors.geo_code,
        beneficiaries_in_strata.sex,
        beneficiaries_in_strata.age_band,
        beneficiaries_in_strata.bim_status,
        count(*) as patients

    from group_exams_by_person
    inner join beneficiaries_in_strata
        on beneficiaries_in_strata.year = group_exams_by_person.year
        and beneficiaries_in_strata.person_id = group_exams_by_person.person_id
    inner join unit_ancestors on unit_ancestors.unit_code = beneficiaries_in_strata.unit_code
    group by 1, 2, 3, 4, 5, 6, 7

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
