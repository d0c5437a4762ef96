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
