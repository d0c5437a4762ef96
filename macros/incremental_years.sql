{% macro years_to_build(year_column='year') -%}
{#-
    The yearly update: the models are incremental by year, so adding a year processes only that year.
    The years built (build_year_bounds): the years of --event-time-start/--event-time-end or of var
    `refresh_years` when given (to rebuild a year whose late bookings arrived); otherwise, on an incremental run, the years present upstream but
    not yet in this model, and on a full build (or --full-refresh) every year.
    On an incremental run the condition also carries a plain lower bound (the first year missing from
    this model), which the engine can push into the scan of the raw files: a new year then reads only
    the files and row groups of the new years.
-#}
{%- set bounds = build_year_bounds() -%}
{%- if bounds.listed is not none -%}
    {{ year_column }} in ({{ bounds.listed | join(', ') }})
{%- elif is_incremental() -%}
    {{ year_column }} not in (select distinct year from {{ this }})
    {%- if bounds.first is not none %} and {{ year_column }} >= {{ bounds.first }}{% endif -%}
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}


{% macro dates_to_build(date_column) -%}
{#-
    The same years as years_to_build, as a range of a date column read from the raw files (the service
    date of a claim line). A model filters on it next to years_to_build because the year of a claim line
    is computed from its date, and a filter on a computed year cannot reach the Parquet reader: a range
    on the date itself is pushed into the scan, which skips every file and row group whose statistics
    lie outside it. Rows are kept by years_to_build; this range only prunes, so it may be wider.
-#}
{%- set bounds = build_year_bounds() -%}
{%- if bounds.first is none -%}
    1 = 1
{%- else -%}
    {{ date_column }} >= cast('{{ bounds.first }}-01-01' as date)
    {%- if bounds.last is not none %}
    and {{ date_column }} < cast('{{ bounds.last + 1 }}-01-01' as date)
    {%- endif -%}
{%- endif -%}
{%- endmacro %}


{% macro build_year_bounds() -%}
{#-
    The years this run builds, as data for years_to_build and dates_to_build: `listed` (none when not a
    list), and the range `first` .. `last` that holds every year built (none when unbounded).
    A unit test builds every year of its fixture rows. Otherwise, in order: the years between
    --event-time-start (inclusive) and --event-time-end (exclusive); var refresh_years; on an incremental
    run, the years missing from this
    model, which all lie from the first year (counted from var first_year) that the model does not hold,
    read when dbt executes the model (not while parsing).
-#}
{%- set event_time_start = invocation_args_dict.get('event_time_start') -%}
{%- set event_time_end = invocation_args_dict.get('event_time_end') -%}
{%- set refresh_years = var('refresh_years', none) -%}
{%- if model.get('resource_type') == 'unit_test' -%}
    {#- A unit test's fixture rows are the model's whole input, whichever years the run builds. -#}
    {{ return({'listed': none, 'first': none, 'last': none}) }}
{%- elif event_time_start and event_time_end -%}
    {%- set first = (event_time_start | string)[:4] | int -%}
    {%- set last = year_before(event_time_end | string) -%}
    {{ return({'listed': range(first, last + 1) | list, 'first': first, 'last': last}) }}
{%- elif refresh_years is not none -%}
    {%- if refresh_years is string or refresh_years is number -%}
        {%- set refresh_years = [refresh_years] -%}
    {%- endif -%}
    {%- set listed = refresh_years | map('int') | list -%}
    {{ return({'listed': listed, 'first': listed | min, 'last': listed | max}) }}
{%- elif execute and is_incremental() -%}
    {%- set held = run_query('select distinct year from ' ~ this).columns[0].values() | map('int') | list -%}
    {%- set ns = namespace(first=var('first_year') | int) -%}
    {%- for year in held | sort -%}
        {%- if year == ns.first -%}
            {%- set ns.first = year + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'listed': none, 'first': ns.first, 'last': none}) }}
{%- else -%}
    {{ return({'listed': none, 'first': none, 'last': none}) }}
{%- endif -%}
{%- endmacro %}


{% macro year_before(exclusive_end) -%}
{#- The last year before an exclusive end time such as '2025-01-01 00:00:00': 2024; a later instant of
    2025 still ends inside 2025. -#}
{%- set year = exclusive_end[:4] | int -%}
{%- set rest = exclusive_end[4:] | replace('T', ' ') | replace('+00:00', '') -%}
{{ return(year - 1 if rest in ('-01-01', '-01-01 00:00:00') else year) }}
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
