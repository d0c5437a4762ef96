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
    {#- The commune's unknown-sector bucket, `<2025 commune NIS>ZZZZ` (docs/rules.md, unknown-sector
        bucket), so that every level adds up to the level above. One definition for the units and for the
        persons put in them. -#}
    {{ dbt.concat([commune_nis, "'ZZZZ'"]) }}
{%- endmacro %}


{% macro age_band_start(age) -%}
    {#- The first year of the 5-year age band of an age: 0, 5, ... 80, and 85 for every age from 85; null
        without a plausible age. An integer to count persons by: age_band_5y labels it once they are
        counted. -#}
    {%- set age = '(' ~ age ~ ')' %}
    case
        when {{ age }} is null or {{ age }} < 0 or {{ age }} > 130 then null
        when {{ age }} >= 85 then 85
        else {{ age }} - {{ age }} % 5
    end
{%- endmacro %}


{% macro age_band_5y(band_start) -%}
    {#- The label of a 5-year age band of the Atlas cubes, from its first year (age_band_start, which holds
        the rule): 00-04 ... 80-84, 85+; unknown without one. -#}
    case {{ band_start }}
        {%- for lower in range(0, 85, 5) %}
        when {{ lower }} then '{{ "%02d" | format(lower) }}-{{ "%02d" | format(lower + 4) }}'
        {%- endfor %}
        when 85 then '85+'
        else 'unknown'
    end
{%- endmacro %}


{% macro bim_status(increased_reimbursement) -%}
    {#- BIM / VT: beneficiaries of the increased reimbursement (intervention majorée, verhoogde
        tegemoetkoming). -#}
    case
        when {{ increased_reimbursement }} then 'bim'
        when not {{ increased_reimbursement }} then 'non_bim'
        else 'unknown'
    end
{%- endmacro %}


{% macro catalog_text(value) -%}
    {#- A metadata text as a SQL string literal (escaped the engine's way), or a typed null. -#}
    {%- if value is none -%}
        cast(null as {{ type_text(4000) }})
    {%- else -%}
        cast({{ string_literal(value | string) }} as {{ type_text(4000) }})
    {%- endif -%}
{%- endmacro %}


{% macro unknown_domicile_unit() -%}
    {#- The unit of the persons without a known domicile: its only ancestor in int_geo_unit_ancestors is
        Belgium, so they count in the national figure only (the national-only rule). -#}
    'unknown domicile'
{%- endmacro %}


{% macro domicile_unit_key(unit_code) -%}
    {#- The key a finest unit is rolled up by: its code, or the unknown-domicile unit when it is null. -#}
    coalesce({{ unit_code }}, {{ unknown_domicile_unit() }})
{%- endmacro %}


{% macro scope_takes_provider(scope_provider, provider) -%}
    {#- An indicator's exam scope names a provider group, or `any` for every provider of its category
        (indicator_exam_scope). One definition for the counts, the test that recounts them and the
        catalog's code-list gaps. -#}
    ({{ scope_provider }} = 'any' or {{ scope_provider }} = {{ provider }})
{%- endmacro %}
