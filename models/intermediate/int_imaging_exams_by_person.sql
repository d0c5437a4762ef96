{#- One row per beneficiary, year, category and provider group with at least one exam: the inner join
    with the beneficiaries keeps the exams of persons with a valid population row that year only. The
    person's domicile unit is carried along so that every indicator counts by a group by, without
    joining the whole population again. -#}

{{ config_incremental_by_year() }}

with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0 and {{ years_to_build() }} and {{ dates_to_build('service_date') }}

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ years_to_build() }}

),

exams_by_person as (

    select
        person_id,
        year,
        category,
        provider,
        sum(net_quantity) as exam_count

    from services
    group by 1, 2, 3, 4

),

final as (

    select
        exams_by_person.person_id,
        exams_by_person.year,
        exams_by_person.category,
        exams_by_person.provider,
        exams_by_person.exam_count,
        beneficiaries.sector_unit_code

    from exams_by_person
    inner join beneficiaries
        on beneficiaries.person_id = exams_by_person.person_id
        and beneficiaries.year = exams_by_person.year

)

select * from final
