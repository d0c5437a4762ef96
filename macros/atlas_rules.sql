{% macro per_hundred(numerator, denominator) -%}
    {#- The Atlas formula, numerator / (denominator / 100), unrounded; null for an empty population. -#}
    cast({{ numerator }} as {{ type_double() }})
    / (cast(nullif({{ denominator }}, 0) as {{ type_double() }}) / 100)
{%- endmacro %}


{% macro normalised_code(raw_code, length) -%}
    {#- Trim spaces and restore lost leading zeros; longer values stay as they are so that they fail the
        length rule instead of being silently truncated by lpad. -#}
    case
        when length(trim(cast({{ raw_code }} as {{ type_text(32) }}))) between 1 and {{ length }}
            then lpad(trim(cast({{ raw_code }} as {{ type_text(32) }})), {{ length }}, '0')
        else trim(cast({{ raw_code }} as {{ type_text(32) }}))
    end
{%- endmacro %}
