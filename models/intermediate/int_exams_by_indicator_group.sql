{#- The one pass over the exams: each person's exams sorted into the indicator groups whose scope they
    fall in (a % and its volume share a group and its scope rows), summed per group, year and person. A
    person's exam can count in several groups (all imaging, its provider group, its modality). -#}

{{ config_incremental_by_year() }}

with

exams as (

    select * from {{ ref('int_imaging_exams_by_person') }}
    where {{ years_to_build() }}

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

final as (

    select
        group_scope.indicator_group,
        exams.year,
        exams.person_id,
        exams.sector_unit_code,
        sum(exams.exam_count) as exam_count

    from exams
    inner join group_scope
        on group_scope.category = exams.category
        and (group_scope.provider = 'any' or group_scope.provider = exams.provider)
    group by 1, 2, 3, 4

)

select * from final
