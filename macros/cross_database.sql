{#- Dialect differences live here, behind adapter.dispatch, so that models stay engine-neutral. -#}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'imaging_atlas')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}


{% macro type_text(length) -%}
    {{ return(adapter.dispatch('type_text', 'imaging_atlas')(length)) }}
{%- endmacro %}

{% macro default__type_text(length) -%}varchar({{ length }}){%- endmacro %}


{#- A text as a SQL string literal. Standard SQL doubles a quote (DuckDB); Spark reads a
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


{#- Each row repeated as many times as a count column says, as a clause after the table in a from clause. -#}
{% macro copies_of_each_row(count_column) -%}
    {{ return(adapter.dispatch('copies_of_each_row', 'imaging_atlas')(count_column)) }}
{%- endmacro %}

{% macro default__copies_of_each_row(count_column) -%}
    cross join unnest(range({{ count_column }})) as copies (copy_index)
{%- endmacro %}

{% macro spark__copies_of_each_row(count_column) -%}
    lateral view explode(sequence(1, {{ count_column }})) copies as copy_index
{%- endmacro %}


{#- The hash joins of a query built on the side the SQL puts on the right. DuckDB builds on the side it
    estimates smaller, and it estimates a year's imaging lines, filtered by the code list, at a fraction
    of the beneficiaries they are checked against: it would then hold every imaging line of the year in a
    hash table (more than the memory limit on a national year) instead of the beneficiaries. -#}
{% macro build_joins_as_written() -%}
    {{ return(adapter.dispatch('build_joins_as_written', 'imaging_atlas')()) }}
{%- endmacro %}

{% macro default__build_joins_as_written() -%}
    {{ return({'pre': ["set disabled_optimizers = 'build_side_probe_side'"], 'post': ["reset disabled_optimizers"]}) }}
{%- endmacro %}

{% macro spark__build_joins_as_written() -%}
    {{ return({'pre': [], 'post': []}) }}
{%- endmacro %}
