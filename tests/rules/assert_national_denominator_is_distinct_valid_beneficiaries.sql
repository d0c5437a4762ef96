{#- The Belgian denominator of each headline indicator is, every year, the number of distinct valid
    beneficiaries, and equals the population rows the reconciliation ledger reports as used. -#}

with

distinct_beneficiaries as (

    select year, count(distinct person_id) as beneficiaries
    from {{ ref('int_population_checked') }}
    where reject_reason is null
    group by 1

),

ledger_used as (

    select year, row_count as used_rows
    from {{ ref('data_quality_reconciliation') }}
    where table_name = 'population' and row_outcome = 'used'

),

national_denominators as (

    select 'stat_013_001_at' as indicator, year, denominator
    from {{ ref('stat_013_001_at') }}
    where geo_level = 'country'
    union all
    select 'stat_013_023_at' as indicator, year, denominator
    from {{ ref('stat_013_023_at') }}
    where geo_level = 'country'

)

select
    national_denominators.indicator,
    national_denominators.year,
    national_denominators.denominator,
    distinct_beneficiaries.beneficiaries,
    ledger_used.used_rows

from national_denominators
full outer join distinct_beneficiaries on distinct_beneficiaries.year = national_denominators.year
full outer join ledger_used
    on ledger_used.year = coalesce(national_denominators.year, distinct_beneficiaries.year)
where national_denominators.denominator is distinct from distinct_beneficiaries.beneficiaries
    or ledger_used.used_rows is distinct from distinct_beneficiaries.beneficiaries
