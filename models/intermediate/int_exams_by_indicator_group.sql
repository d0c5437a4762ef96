{#- The one pass over the persons: each beneficiary's exams (services of net quantity > 0) counted per
    indicator group, year, finest unit and stratum: the patients (persons with at least one exam in the
    group's scope; an exam can count in several groups) and their exams. A person who is not a
    beneficiary that year drops out at the join, with all their exams. Every figure, stratum and cube
    rolls up from here, so no later model reads persons again.
    The groups are counted side by side: the registry's groups take numbered slots (in name order), each
    person's exams are summed per slot in one row, those rows are counted per unit and stratum, and each
    slot's pair of columns then becomes the rows of its group. The stratum is kept as the age band's
    first year and the BIM flag, which int_indicator_strata labels: two labels on every cell of a
    national year cost 0.4 s to write. Sorting every exam into its groups first
    (39 million rows into 28.5 million person-groups a national year) took 25-31 s instead of 19-21 s
    (docs/benchmark.md). The SQL holds var('indicator_group_slots') slots; the test
    assert_indicator_groups_fit_their_slots fails before this model runs when the registry has more
    groups.
    The per-person sums add doubles: whole numbers add exactly in a double (below 2^53), and a double's
    sum keeps half the state of DuckDB's 128-bit integer sum, so the twelve sums of a national year's
    6.9 million persons fit in memory instead of spilling 1.2 GB (16.9 s against 19.8 s). -#}

{% set slots = range(var('indicator_group_slots')) %}

{{ config_yearly_batches() }}

with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0

),

beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}

),

group_scope as (

    select * from {{ ref('int_indicator_group_scope') }}

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

group_slots as (

    select
        indicator_group,
        row_number() over (order by indicator_group) - 1 as slot

    from (select distinct indicator_group from group_scope) as indicator_groups

),

slots_by_category as (

    select
        categories.category,
        categories.provider,
{%- for slot in slots %}
        max(case when group_slots.slot = {{ slot }} then 1 else 0 end)
            as in_slot_{{ slot }}{{ "," if not loop.last }}
{%- endfor %}

    from (select distinct category, provider from imaging_codes) as categories
    inner join group_scope
        on group_scope.category = categories.category
        and {{ scope_takes_provider('group_scope.provider', 'categories.provider') }}
    inner join group_slots on group_slots.indicator_group = group_scope.indicator_group
    group by 1, 2

),

exams_by_person as (

    select
        services.person_id,
        services.year,
{%- for slot in slots %}
        cast(sum(
            case
                when slots_by_category.in_slot_{{ slot }} = 1
                    then cast(services.net_quantity as {{ type_double() }})
            end
        ) as bigint) as exams_in_slot_{{ slot }}{{ "," if not loop.last }}
{%- endfor %}

    from services
    inner join slots_by_category
        on slots_by_category.category = services.category
        and slots_by_category.provider = services.provider
    group by 1, 2

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

slot_counts_by_stratum as (

    select
        year,
        sector_unit_code,
        sex,
        age_band_start,
        increased_reimbursement,
{%- for slot in slots %}
        count(exams_in_slot_{{ slot }}) as patients_in_slot_{{ slot }},
        sum(exams_in_slot_{{ slot }}) as exams_in_slot_{{ slot }}{{ "," if not loop.last }}
{%- endfor %}

    from exams_by_beneficiary
    group by 1, 2, 3, 4, 5

),

group_counts_by_stratum as (

    select
        group_slots.indicator_group,
        slot_counts_by_stratum.year,
        slot_counts_by_stratum.sector_unit_code,
        slot_counts_by_stratum.sex,
        slot_counts_by_stratum.age_band_start,
        slot_counts_by_stratum.increased_reimbursement,
        case group_slots.slot
{%- for slot in slots %}
            when {{ slot }} then slot_counts_by_stratum.patients_in_slot_{{ slot }}
{%- endfor %}
        end as patients,
        case group_slots.slot
{%- for slot in slots %}
            when {{ slot }} then slot_counts_by_stratum.exams_in_slot_{{ slot }}
{%- endfor %}
        end as exams

    from slot_counts_by_stratum
    cross join group_slots

),

final as (

    select * from group_counts_by_stratum
    where patients > 0

)

select * from final
