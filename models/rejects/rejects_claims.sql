{#- Built one year at a time (with the lines of no Atlas year last): a year's lines meet that year's
    beneficiaries only, where the whole history would hash every beneficiary of every year. The lines
    without a service date are read from staging: staging rejects them, and the ledger's join, which
    cannot match a line without a year, would still hash every beneficiary to find that out.
    It waits for the exams, the other pass over every claim line: on two threads the two passes would
    share DuckDB's memory limit and both spill to disk, for no CPU gained on two cores. -#}

-- depends_on: {{ ref('int_exams_by_indicator_group') }}

{% call(year) one_year_at_a_time(ref('stg_atlas__claims'), all_years=true, rows_without_a_year=true) %}
with

{% if year == 'no_year' -%}
claim_lines as (

    select
        person_id,
        service_date,
        year,
        nomenclature_code_raw,
        nomenclature_code,
        quantity,
        amount_eur,
        cast(null as {{ type_text(16) }}) as sector_unit_code,
        reject_reason

    from {{ ref('stg_atlas__claims') }}
    where {{ in_service_year(year) }}

),
{%- else -%}
claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}
    where {{ in_service_year(year) }}

),
{%- endif %}

final as (

    select * from claim_lines
    where reject_reason is not null

)

select * from final
{% endcall %}
