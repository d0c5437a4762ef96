{#- The one pass over the persons: each beneficiary's exams (services of net quantity > 0) counted per
    indicator group, year, finest unit and stratum: the patients (persons with at least one exam in the
    group's scope; an exam can count in several groups) and their exams, from the used claim lines
    (int_claim_lines_checked). Every figure, stratum and cube rolls up from here, so no later model reads
    persons again.
    The groups are counted side by side, one pair of columns per group of the registry, named after it:
    each person's exams are summed per group in one row, those rows are counted per unit and stratum,
    and each group's pair of columns then becomes its rows. Sorting every exam into its groups first
    would write a row per exam and group (docs/benchmark.md). The per-person sums add doubles, exact for
    whole numbers below 2^53, whose state is half of a 128-bit integer sum's. -#}

{%- set groups = indicator_groups() %}

{{ config_yearly_batches() }}
{%- set build_joins = build_joins_as_written() %}
{{ config(pre_hook=build_joins.pre, post_hook=build_joins.post) }}

with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0 and {{ in_batch_year('year') }}

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ in_batch_year('year') }}

),

group_scope as (

    select * from {{ ref('int_indicator_group_scope') }}

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

indicator_groups as (

    select distinct indicator_group from group_scope

),

groups_by_category as (

    select
        categories.category,
        {%- for group in groups %}
        max(case when group_scope.indicator_group = '{{ group }}' then 1 else 0 end) as in_{{ group }},
        {%- endfor %}
        categories.provider

    from (select distinct category, provider from imaging_codes) as categories
    inner join group_scope
        on group_scope.category = categories.category
        and {{ scope_takes_provider('group_scope.provider', 'categories.provider') }}
    group by categories.category, categories.provider

),

exams_by_person as (

    select
        services.person_id,
        {%- for group in groups %}
        cast(sum(
            case
                when groups_by_category.in_{{ group }} = 1
                    then cast(services.net_quantity as {{ type_double() }})
            end
        ) as bigint) as exams_{{ group }},
        {%- endfor %}
        services.year

    from services
    inner join groups_by_category
        on groups_by_category.category = services.category
        and groups_by_category.provider = services.provider
    group by services.person_id, services.year

),

exams_by_beneficiary as (

    select
        exams_by_person.*,
        beneficiaries.sector_unit_code,
        beneficiaries.sex,
        {{ age_band_start('beneficiaries.year - beneficiaries.birth_year') }} as age_band_start,
        beneficiaries.increased_reimbursement

    from exams_by_person
    inner join beneficiaries
        on beneficiaries.person_id = exams_by_person.person_id
        and beneficiaries.year = exams_by_person.year

),

counts_by_stratum as (

    select
        year,
        sector_unit_code,
        sex,
        age_band_start,
        {%- for group in groups %}
        count(exams_{{ group }}) as patients_{{ group }},
        sum(exams_{{ group }}) as exams_{{ group }},
        {%- endfor %}
        increased_reimbursement

    from exams_by_beneficiary
    group by year, sector_unit_code, sex, age_band_start, increased_reimbursement

),

group_counts_by_stratum as (

    select
        indicator_groups.indicator_group,
        counts_by_stratum.year,
        counts_by_stratum.sector_unit_code,
        counts_by_stratum.sex,
        counts_by_stratum.age_band_start,
        counts_by_stratum.increased_reimbursement,
        case indicator_groups.indicator_group
            {%- for group in groups %}
            when '{{ group }}' then counts_by_stratum.patients_{{ group }}
            {%- endfor %}
        end as patients,
        case indicator_groups.indicator_group
            {%- for group in groups %}
            when '{{ group }}' then counts_by_stratum.exams_{{ group }}
            {%- endfor %}
        end as exams

    from counts_by_stratum
    cross join indicator_groups

),

final as (

    select * from group_counts_by_stratum
    where patients > 0

)

select * from final
