{#- Dialect differences live here, behind adapter.dispatch, so that models stay engine-neutral. -#}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'imaging_atlas')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}

{% macro postgres__type_double() -%}double precision{%- endmacro %}


{% macro type_text(length) -%}
    {{ return(adapter.dispatch('type_text', 'imaging_atlas')(length)) }}
{%- endmacro %}

{% macro default__type_text(length) -%}varchar({{ length }}){%- endmacro %}


{% macro is_all_digits(expression) -%}
    {{ return(adapter.dispatch('is_all_digits', 'imaging_atlas')(expression)) }}
{%- endmacro %}

{% macro default__is_all_digits(expression) -%}
    regexp_full_match({{ expression }}, '[0-9]+')
{%- endmacro %}

{% macro postgres__is_all_digits(expression) -%}
    ({{ expression }} ~ '^[0-9]+$')
{%- endmacro %}

{% macro spark__is_all_digits(expression) -%}
    ({{ expression }} rlike '^[0-9]+$')
{%- endmacro %}
