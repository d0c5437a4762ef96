{% test unique_combination(model, columns) %}
{#- The grain of a table: no two rows share these columns. A key with the year is checked one year at a
    time (every row: the years of the data, then those before the first year and without one), so a
    person-level table of a whole history needs the memory of one year. -#}
{%- set key = columns | join(', ') -%}
{%- if 'year' in columns %}
{% call(year) one_year_at_a_time(model, all_years=true, rows_without_a_year=true) -%}
select {{ key }}, count(*) as row_count
from {{ model }}
where {{ in_year(year) }}
group by {{ key }}
having count(*) > 1
{%- endcall %}
{%- else %}
select {{ key }}, count(*) as row_count
from {{ model }}
group by {{ key }}
having count(*) > 1
{%- endif %}
{% endtest %}
