{#- Merger chains are at most two steps long in the reference (54010 -> 57097); one spare step, and a
    test that every code lands on a 2025 commune, keep this honest if the table grows. -#}
{%- set merger_steps = 3 -%}

with

communes as (

    select distinct commune_nis from {{ ref('communes') }}

),

mergers as (

    select old_nis, new_nis from {{ ref('commune_mergers') }}

),

step_0 as (

    select commune_nis, commune_nis as mapped_nis from communes

),

{% for step in range(1, merger_steps + 1) %}
step_{{ step }} as (

    select
        previous.commune_nis,
        coalesce(mergers.new_nis, previous.mapped_nis) as mapped_nis

    from step_{{ step - 1 }} as previous
    left join mergers on mergers.old_nis = previous.mapped_nis

),

{% endfor %}
final as (

    select
        commune_nis,
        mapped_nis as commune_nis_2025

    from step_{{ merger_steps }}

)

select * from final
