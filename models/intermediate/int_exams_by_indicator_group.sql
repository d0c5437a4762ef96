{#- The one pass over the persons: each beneficiary's exams (services of net quantity > 0, summed per
    category and provider group) sorted into the indicator groups whose scope they fall in (a % and its
    volume share a group and its scope rows), then counted per group, year, finest unit and stratum: the
    patients (persons with at least one exam of the group; an exam can count in several groups) and their
    exams. A person who is not a beneficiary that year drops out at the join, with all their exams.
    Every figure, stratum and cube rolls up from here, so no later model reads persons again.
    The exams by person are a step of this query, not a table: writing them (13 million rows a national
    year) cost more than the counts they feed (docs/benchmark.md). -#}

{{ config_incremental_by_year() }}

{% call(year) one_year_at_a_time(ref('int_beneficiaries_domiciled')) %}
with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0 and {{ in_service_year(year) }}

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ in_year(year) }}

),

group_scope as (

    select * from {{ ref('int_indicator_group_scope') }}

),

exams_by_category as (

    select
        person_id,
        year,
        category,
        provider,
        sum(net_quantity) as exam_count

    from services
    group by 1, 2, 3, 4

),

exams_by_person as (

    select
        exams_by_category.person_id,
        exams_by_category.year,
        exams_by_category.category,
        exams_by_category.provider,
        beneficiaries.sector_unit_code,
        beneficiaries.sex,
        beneficiaries.age_band,
        beneficiaries.bim_status,
        exams_by_category.exam_count

    from exams_by_category
    inner join beneficiaries
        on beneficiaries.person_id = exams_by_category.person_id
        and beneficiaries.year = exams_by_category.year

),

group_exams_by_person as (

    select
        group_scope.indicator_group,
        exams_by_person.year,
        exams_by_person.person_id,
        exams_by_person.sector_unit_code,
        exams_by_person.sex,
        exams_by_person.age_band,
        exams_by_person.bim_status,
        sum(exams_by_person.exam_count) as exam_count

    from exams_by_person
    inner join group_scope
        on group_scope.category = exams_by_person.category
        and {{ scope_takes_provider('group_scope.provider', 'exams_by_person.provider') }}
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        indicator_group,
        year,
        sector_unit_code,
        sex,
        age_band,
        bim_status,
        count(*) as patients,
        sum(exam_count) as exams

    from group_exams_by_person
    group by 1, 2, 3, 4, 5, 6

)

select * from final
{% endcall %}
