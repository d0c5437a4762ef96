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


{% macro one_year_at_a_time(years_from, all_years=false, rows_without_a_year=false) -%}
{#-
    The body of a heavy yearly model, given as a call block that takes the year
    (`{% call(year) one_year_at_a_time(...) %} ... {% endcall %}`), once per year to build, the years
    joined by union all. Each branch's hash tables hold one year of persons, so a history of any length
    builds in one run, where one statement over many years holds every year's persons in one hash table,
    spills it to disk and slows down several times (docs/benchmark.md). Each branch starts with
    year_batch_marker(), so that a table built from the branches alone runs them on DuckDB as one
    statement per year (year_batches).
    The years: those of build_year_bounds when it lists them (event time, refresh_years); otherwise the
    years of `years_from` (a relation with a `year` column, read when the model runs) from var
    first_year on, less those the model holds on an incremental run. A unit test runs the body once, on
    its fixture rows, and a compilation (docs, linter) shows it once (year none: no filter).

    all_years: every year of `years_from` whatever the run builds, for a table rebuilt whole at each run
    (the rejects, the ledger). rows_without_a_year: two more branches, for the rows of a year before
    first_year (year `before_first_year`) and for those without a year (`no_year`), for a table that
    holds every input row (the rejects).
-#}
{%- set years = years_of_batches(years_from, all_years) -%}
{%- if years is none -%}
{{ caller(none) }}
{%- else -%}
{%- set branches = years + (['before_first_year', 'no_year'] if rows_without_a_year else []) -%}
{%- if branches | length == 0 %}
select * from (
{{ caller(none) }}
) as no_year_to_build
where 1 = 0
{%- else -%}
{%- for year in branches %}
{%- if not loop.first %}
union all
{%- endif %}
{{ year_batch_marker() }}
select * from (
{{ caller(year) }}
) as year_{{ year }}
{%- endfor -%}
{%- endif -%}
{%- endif -%}
{%- endmacro %}


{% macro year_batch_marker() -%}
{#- The comment that opens each branch of one_year_at_a_time, for year_batches to find. -#}
/* one_year_at_a_time: one year */
{%- endmacro %}


{% macro year_batches(compiled_code) -%}
{#-
    The branches of one_year_at_a_time as separate selects, when they make the whole of compiled_code
    (a yearly model's body); otherwise compiled_code alone, as when the branches sit inside a larger
    query (the ledger, the rule tests). DuckDB works on the branches of one union all at once: the
    hash tables of every year's aggregates fill together, so a few years spill to disk what one year
    holds in memory (three national years of the exams: 54-58 s and 3.2-3.5 GB spilled in one statement,
    47.7 s and nothing spilled as three, docs/benchmark.md). Run as statements of their own, the years
    follow one another and each frees its memory before the next begins.
-#}
{%- set parts = compiled_code.split(year_batch_marker()) -%}
{%- if parts | length < 3 or parts[0] | trim != '' -%}
    {{ return([compiled_code]) }}
{%- endif -%}
{%- set batches = [] -%}
{%- for part in parts[1:] -%}
    {%- set batch = part | trim -%}
    {%- if batch.endswith('union all') -%}
        {%- set batch = batch[:-('union all' | length)] | trim -%}
    {%- endif -%}
    {%- do batches.append(batch) -%}
{%- endfor -%}
{{ return(batches) }}
{%- endmacro %}


{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
{#- dbt-duckdb's create table, with a yearly model's years as one statement each (year_batches): the
    first year creates the table, the others are inserted after it, in the same transaction. -#}
{%- set batches = year_batches(compiled_code) if language == 'sql' else [compiled_code] -%}
{%- set table = relation.include(database=(not temporary), schema=(not temporary)) -%}
{%- set first_year = dbt.duckdb__create_table_as(temporary, relation, batches[0], language, partitioned_by, sorted_by) -%}
{%- set statements = [(first_year | trim).rstrip(';')] -%}
{%- for batch in batches[1:] -%}
    {%- do statements.append('insert into ' ~ table ~ ' by name\n' ~ batch) -%}
{%- endfor -%}
{{ statements | join(';\n') }}
{%- endmacro %}


{% macro years_of_batches(years_from, all_years=false) -%}
{#- The years one_year_at_a_time builds, in order. None (one branch, no filter) in a unit test and
    whenever the model is compiled rather than run (dbt compile, docs generate, the SQL linter), which
    then needs neither data nor built tables. With all_years, every year of the data: the run's own
    years only decide what an incremental model replaces. -#}
{%- set bounds = build_year_bounds() -%}
{%- if is_unit_test() or flags.WHICH not in ('run', 'build', 'test') -%}
    {{ return(none) }}
{%- elif bounds.listed is not none and not all_years -%}
    {{ return(bounds.listed | sort) }}
{%- elif not execute -%}
    {{ return([]) }}
{%- endif -%}
{%- set query -%}
    select distinct cast(year as integer) as year
    from {{ years_from }}
    where year >= {{ var('first_year') }}
    {%- if not all_years and is_incremental() %}
        and cast(year as integer) not in (select distinct year from {{ this }})
    {%- endif %}
{%- endset -%}
{{ return(run_query(query).columns[0].values() | map('int') | sort | list) }}
{%- endmacro %}


{% macro in_year(year, year_column='year') -%}
{#- The filter of one batch of one_year_at_a_time: its year, or every row when none (a unit test). -#}
{%- if year is none -%} 1 = 1
{%- elif year == 'before_first_year' -%} {{ year_column }} < {{ var('first_year') }}
{%- elif year == 'no_year' -%} {{ year_column }} is null
{%- else -%} {{ year_column }} = {{ year }}
{%- endif -%}
{%- endmacro %}


{% macro in_service_year(year) -%}
{#- The filter of one batch of one_year_at_a_time on claim lines: their year, which the engine carries
    through the ledger's join to the beneficiaries of that year, and the same year as a range of the
    service date, which reaches the Parquet scan (dates_in_year). -#}
{{ in_year(year) }} and {{ dates_in_year('service_date', year) }}
{%- endmacro %}


{% macro dates_in_year(date_column, year) -%}
{#-
    The same year as a range of a date read from the raw files (a claim line's service date). A claim
    line's year is computed from its date, and a filter on a computed value cannot reach the Parquet
    reader; a range on the date itself is pushed into the scan, which skips every file and row group
    whose statistics lie outside it.
-#}
{%- if year is none -%}
    1 = 1
{%- elif year == 'before_first_year' -%}
    {{ date_column }} < cast('{{ var("first_year") }}-01-01' as date)
{%- elif year == 'no_year' -%}
    {{ date_column }} is null
{%- else -%}
    {{ date_column }} >= cast('{{ year }}-01-01' as date) and {{ date_column }} < cast('{{ year + 1 }}-01-01' as date)
{%- endif -%}
{%- endmacro %}


{% macro build_year_bounds() -%}
{#-
    The years this run builds, as data for years_to_build and one_year_at_a_time: `listed` (none when
    not a list), and `first`, a year before which nothing is built (none when unbounded). A unit test
    builds every year of its fixture rows. Otherwise, in order: the years between --event-time-start
    (inclusive) and --event-time-end (exclusive); var refresh_years; on an incremental run, the years
    missing from this model, which all lie from the first year (counted from var first_year) that the
    model does not hold, read when dbt executes the model (not while parsing).
-#}
{%- set event_time_start = invocation_args_dict.get('event_time_start') -%}
{%- set event_time_end = invocation_args_dict.get('event_time_end') -%}
{%- set refresh_years = var('refresh_years', none) -%}
{%- if is_unit_test() -%}
    {#- A unit test's fixture rows are the model's whole input, whichever years the run builds. -#}
    {{ return({'listed': none, 'first': none}) }}
{%- elif event_time_start and event_time_end -%}
    {%- set first = (event_time_start | string)[:4] | int -%}
    {%- set last = year_before(event_time_end | string) -%}
    {{ return({'listed': range(first, last + 1) | list, 'first': first}) }}
{%- elif refresh_years is not none -%}
    {%- if refresh_years is string or refresh_years is number -%}
        {%- set refresh_years = [refresh_years] -%}
    {%- endif -%}
    {%- set listed = refresh_years | map('int') | list -%}
    {{ return({'listed': listed, 'first': listed | min}) }}
{%- elif execute and is_incremental() -%}
    {%- set held = run_query('select distinct year from ' ~ this).columns[0].values() | map('int') | list -%}
    {%- set ns = namespace(first=var('first_year') | int) -%}
    {%- for year in held | sort -%}
        {%- if year == ns.first -%}
            {%- set ns.first = year + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'listed': none, 'first': ns.first}) }}
{%- else -%}
    {{ return({'listed': none, 'first': none}) }}
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


{% macro is_unit_test() -%}
{#- Whether the node being rendered is a unit test. In a generic data test `model` is the tested
    relation, not a node, and has no resource type. -#}
{{ return(model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}


{% macro usable_population_rows() -%}
{#- The usable rows of stg_atlas__population (no reject reason), read one year at a time, for the
    tests that recount from staging: its duplicate check is a window over person-years, which over a
    whole history spills tens of GB where one year fits. A count that does not add up across years (a
    distinct count) must be taken inside each year's batch: use usable_population_rows_of_year in a
    one_year_at_a_time call of its own. -#}
{% call(year) one_year_at_a_time(source('atlas_raw', 'population'), all_years=true) -%}
{{ usable_population_rows_of_year(year) }}
{%- endcall %}
{%- endmacro %}


{% macro usable_population_rows_of_year(year) -%}
{#- One year of usable_population_rows. -#}
select * from {{ ref('stg_atlas__population') }}
where reject_reason is null and {{ in_year(year) }}
{%- endmacro %}
