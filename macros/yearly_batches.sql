{% macro config_yearly_batches() -%}
{#- Every model with one row set per reference year: dbt's microbatch strategy builds it one year after
    the other, so a national history needs the memory of one year and adding a year rebuilds that year
    only. lookback 2 rebuilds year N-2, the one the Atlas adds each autumn, on a plain incremental run. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time=year_start('year'),
    batch_size='year',
    begin=var('first_year') ~ '-01-01',
    lookback=2,
    partition_by=yearly_partition_by(),
    on_schema_change='fail',
) }}
{%- endmacro %}


{% macro year_start(year_column) -%}
{#- A reference year as the date dbt's batches compare with (event_time): 1 January of that year. -#}
make_date({{ year_column }}, 1, 1)
{%- endmacro %}


{% macro in_batch_year(year_column) -%}
{#- The year of the batch dbt is running as a plain filter on an integer year column; every row outside a
    batch (dbt compile, unit tests). dbt filters the parents by comparing their event_time with dates;
    an equality on the year also reaches the Parquet row groups of the population's year, and the
    beneficiaries of that year through a join on the year. -#}
{%- set batch = model.get('batch') if model is mapping else none -%}
{%- if batch -%}
    {{ year_column }} = {{ (batch.event_time_start | string)[:4] | int }}
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}


{% macro outside_the_years(year_column, date_column=none) -%}
{#- The rows no yearly batch holds: without a year, or of a year before var first_year or after this one
    (rows staging rejects for their year). Given a date column (a claim line's service date), the same
    rows by their date, which the Parquet reader can skip row groups on. -#}
{%- if date_column is none -%}
({{ year_column }} is null or {{ year_column }} < {{ var('first_year') }}
    or {{ year_column }} > extract(year from current_date))
{%- else -%}
({{ date_column }} is null or {{ date_column }} < cast('{{ var("first_year") }}-01-01' as date)
    or {{ date_column }} >= make_date(extract(year from current_date) + 1, 1, 1))
{%- endif -%}
{%- endmacro %}
