{% test digit_code(model, column_name, length) %}
{#- Codes are text of exactly `length` digits (leading zeros kept). -#}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and (length({{ column_name }}) != {{ length }} or not {{ is_all_digits(column_name) }})
{% endtest %}
