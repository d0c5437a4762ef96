{#-
    int_exams_by_indicator_group counts the indicator groups side by side, one slot each, and holds
    var('indicator_group_slots') slots: a group of the registry beyond them would have no exams. This test
    runs on the group scope, so in a build it fails before the exams are counted.
-#}

with

indicator_groups as (

    select count(distinct indicator_group) as group_count
    from {{ ref('int_indicator_group_scope') }}

)

select
    group_count,
    {{ var('indicator_group_slots') }} as slot_count,
    'the registry has more indicator groups than var indicator_group_slots in dbt_project.yml: raise it'
        as fix
from indicator_groups
where group_count > {{ var('indicator_group_slots') }}
