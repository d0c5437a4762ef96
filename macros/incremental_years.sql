{% macro years_to_build(year_column='year') -%}
{#-
    The yearly update: heavy models are incremental by year (delete+insert keyed on year), so adding a
    year processes only that year. The years built are those of var `refresh_years` when given (to
    rebuild a year whose late bookings arrived, or to build a national history year by year from an
    empty database, which keeps memory at the size of one year); otherwise, on an incremental run, the
    years present upstream but not yet in this model, and on a full build (or --full-refresh) every year.
-#}
{%- set refresh_years = var('refresh_years', none) -%}
{%- if refresh_years is not none -%}
    {%- if refresh_years is string or refresh_years is number -%}
        {%- set refresh_years = [refresh_years] -%}
    {%- endif -%}
    {{ year_column }} in ({{ refresh_years | join(', ') }})
{%- elif is_incremental() -%}
    {{ year_column }} not in (select distinct year from {{ this }})
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}


{% macro config_incremental_by_year() -%}
{#- The configuration of every model that is built year by year: one year is replaced as a whole
    (delete+insert on DuckDB, the year's partition overwritten on Spark). A change of columns needs
    --full-refresh rather than a table with a hole. -#}
{{ config(
    materialized='incremental',
    unique_key='year',
    incremental_strategy=yearly_incremental_strategy(),
    partition_by=yearly_partition_by(),
    on_schema_change='fail',
) }}
{%- endmacro %}
