{#- The one pass over the persons: each person's exams sorted into the indicator groups whose scope they
    fall in (a % and its volume share a group and its scope rows), then counted per group, year, finest
    unit and stratum: the patients (persons with at least one exam of the group; an exam can count in
    several groups) and their exams. Every figure, stratum and cube rolls up from here, so no later model
    reads persons again. -#}

{{ config_incremental_by_year() }}

{% call(year) one_year_at_a_time(ref('int_imaging_exams_by_person')) %}
with

exams as (

    select * from {{ ref('int_imaging_exams_by_person') }}
    where {{ in_year(year) }}

),

indicators as (

    select * from {{ ref('indicator_registry') }}

),

exam_scope as (

    select * from {{ ref('indicator_exam_scope') }}

),

group_scope as (

    select distinct
        indicators.indicator_group,
        exam_scope.category,
        exam_scope.provider

    from exam_scope
    inner join indicators on indicators.indicator_code = exam_scope.indicator_code

),

group_exams_by_person as (

    select
        group_scope.indicator_group,
        exams.year,
        exams.person_id,
        exams.sector_unit_code,
        exams.sex,
        exams.age_band,
        exams.bim_status,
        sum(exams.exam_count) as exam_count

    from exams
    inner join group_scope
        on group_scope.category = exams.category
        and (group_scope.provider = 'any' or group_scope.provider = exams.provider)
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
