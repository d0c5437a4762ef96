{% macro per_hundred(numerator, denominator) -%}
    {#- The Atlas formula, numerator / (denominator / 100), unrounded; null for an empty population. -#}
    cast({{ numerator }} as {{ type_double() }})
    / (cast(nullif({{ denominator }}, 0) as {{ type_double() }}) / 100)
{%- endmacro %}


{% macro normalised_code(raw_code, length) -%}
    {#- Trim spaces and restore lost leading zeros; longer values stay as they are so that they fail the
        length rule instead of being silently truncated by lpad. Clean codes (most lines) take the first
        branch: trimming every line of a national extract costs seconds. -#}
    {%- set code = 'cast(' ~ raw_code ~ ' as ' ~ type_text(32) ~ ')' -%}
    case
        when length({{ code }}) = {{ length }} and {{ code }} not like ' %' and {{ code }} not like '% '
            then {{ code }}
        when length(trim({{ code }})) between 1 and {{ length }}
            then lpad(trim({{ code }}), {{ length }}, '0')
        else trim({{ code }})
    end
{%- endmacro %}


{% macro trimmed_text(raw_value, length) -%}
    {#- Surrounding spaces removed, an empty value as null. Only values with a space at either end are
        trimmed: trimming every row of a national extract costs seconds. -#}
    {%- set value = 'cast(' ~ raw_value ~ ' as ' ~ type_text(length) ~ ')' -%}
    case
        when {{ value }} like ' %' or {{ value }} like '% ' then nullif(trim({{ value }}), '')
        else nullif({{ value }}, '')
    end
{%- endmacro %}


{% macro unknown_sector_code(commune_nis) -%}
    {#- The commune's unknown-sector bucket (docs/rules.md, unknown-sector bucket), `<2025 commune NIS>ZZZZ`, so that every level
        adds up to the level above. One definition for the units and for the persons put in them. -#}
    {{ dbt.concat([commune_nis, "'ZZZZ'"]) }}
{%- endmacro %}
