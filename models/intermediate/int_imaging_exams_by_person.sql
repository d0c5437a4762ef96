{#- One row per beneficiary, year, category and provider group with at least one exam (a service of net
    quantity > 0); its exam count is the volume. The person's finest unit and stratum come from the
    beneficiaries, joined once the lines are grouped by person: a person who is not a beneficiary that
    year drops out here, with all their lines. -#}

{{ config_incremental_by_year() }}

{% call(year) one_year_at_a_time(ref('int_beneficiaries_domiciled')) %}
with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0 and {{ in_service_year(year) }}

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ in_year(year) }}

),

exams as (

    select
        person_id,
        year,
        category,
        provider,
        sum(net_quantity) as exam_count

    from services
    group by 1, 2, 3, 4

),

final as (

    select
        exams.person_id,
        exams.year,
        exams.category,
        exams.provider,
        beneficiaries.sector_unit_code,
        beneficiaries.sex,
        beneficiaries.age_band,
        beneficiaries.bim_status,
        exams.exam_count

    from exams
    inner join beneficiaries
        on beneficiaries.person_id = exams.person_id
        and beneficiaries.year = exams.year

)

select * from final
{% endcall %}
