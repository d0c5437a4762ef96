{#- Built one year at a time (with the rows of no Atlas year last): the duplicate check of staging is a
    window over person-years, which over a whole history spills tens of GB where one year fits. -#}

{%- set population = source('atlas_raw', 'population') -%}
{% call(year) one_year_at_a_time(population, all_years=true, rows_without_a_year=true) %}
with

population_rows as (

    select * from {{ ref('stg_atlas__population') }}
    where {{ in_year(year) }}

),

final as (

    select * from population_rows
    where reject_reason is not null

)

select * from final
{% endcall %}
