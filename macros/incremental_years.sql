{% macro years_to_build(year_column='year') -%}
{#-
    The yearly update: heavy models are incremental by year (delete+insert keyed on year), so adding a
    year processes only that year. On an incremental run the years built are those of var
    `refresh_years` when given (e.g. to rebuild a year whose late bookings arrived), otherwise the years
    present upstream but not yet in this model. A full build (or --full-refresh) builds every year.
-#}
{%- if is_incremental() -%}
    {%- set refresh_years = var('refresh_years', none) -%}
    {%- if refresh_years is not none -%}
        {%- if refresh_years is string or refresh_years is number -%}
            {%- set refresh_years = [refresh_years] -%}
        {%- endif -%}
        {{ year_column }} in ({{ refresh_years | join(', ') }})
    {%- else -%}
        {{ year_column }} not in (select distinct year from {{ this }})
    {%- endif -%}
{%- else -%}
    1 = 1
{%- endif -%}
{%- endmacro %}
