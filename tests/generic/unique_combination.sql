{% test unique_combination(model, columns) %}
{#- The grain of a table: no two rows share these columns. -#}
{%- set key = columns | join(', ') -%}
select {{ key }}, count(*) as row_count
from {{ model }}
group by {{ key }}
having count(*) > 1
{% endtest %}
