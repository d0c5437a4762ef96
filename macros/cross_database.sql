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


{#- A text as a SQL string literal. Standard SQL doubles a quote (DuckDB, PostgreSQL); Spark reads a
    backslash as an escape, so it escapes backslashes first, then quotes. -#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'imaging_atlas')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

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


{#- dbt-spark's microbatch overwrites the partitions a batch writes (dynamic partition overwrite): its
    yearly tables are partitioned by year. DuckDB deletes the batch's year and inserts it again. -#}
{% macro yearly_partition_by() -%}
    {{ return(adapter.dispatch('yearly_partition_by', 'imaging_atlas')()) }}
{%- endmacro %}

{% macro default__yearly_partition_by() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__yearly_partition_by() -%}
    {{ return(['year']) }}
{%- endmacro %}
