{#- The exam scope of each indicator group: a % and its volume share their group and their scope rows,
    so the group takes each (category, provider) of its indicators once. -#}

{{ config(materialized='view') }}

with

indicators as (

    select * from {{ ref('indicator_registry') }}

),

exam_scope as (

    select * from {{ ref('indicator_exam_scope') }}

),

final as (

    select distinct
        indicators.indicator_group,
        exam_scope.category,
        exam_scope.provider

    from exam_scope
    inner join indicators on indicators.indicator_code = exam_scope.indicator_code

)

select * from final
