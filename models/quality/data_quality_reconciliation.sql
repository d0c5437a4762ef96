{#- The ledger of every run: raw rows in, rows used, rows rejected by reason, per table and year. The
    input side is counted on the raw sources, independently of the models: reading a year or a date
    column only, it sees a row the checked rows lost. -#}

with

population_input as (

    select
        'population' as table_name,
        cast(year as integer) as year,
        count(*) as row_count

    from {{ source('atlas_raw', 'population') }}
    group by 1, 2

),

claims_input as (

    select
        'claims' as table_name,
        cast(extract(year from cast(service_date as date)) as integer) as year,
        count(*) as row_count

    from {{ source('atlas_raw', 'claims') }}
    group by 1, 2

),

population_used as (

    select
        'population' as table_name,
        year,
        count(*) as row_count

    from {{ ref('int_beneficiaries_domiciled') }}
    group by 1, 2

),

claims_used as (

    select
        'claims' as table_name,
        year,
        sum(claim_lines) as row_count

    from {{ ref('int_claim_line_outcomes') }}
    where reject_reason is null
    group by 1, 2

),

population_rejected as (

    select
        'population' as table_name,
        year,
        reject_reason,
        count(*) as row_count

    from {{ ref('rejects_population') }}
    group by 1, 2, 3

),

claims_rejected as (

    select
        'claims' as table_name,
        year,
        reject_reason,
        count(*) as row_count

    from {{ ref('rejects_claims') }}
    group by 1, 2, 3

),

ledger as (

    select table_name, year, 'input' as row_outcome, null as reject_reason, row_count
    from population_input
    union all
    select table_name, year, 'input' as row_outcome, null as reject_reason, row_count
    from claims_input
    union all
    select table_name, year, 'used' as row_outcome, null as reject_reason, row_count
    from population_used
    union all
    select table_name, year, 'used' as row_outcome, null as reject_reason, row_count
    from claims_used
    union all
    select table_name, year, 'rejected' as row_outcome, reject_reason, row_count
    from population_rejected
    union all
    select table_name, year, 'rejected' as row_outcome, reject_reason, row_count
    from claims_rejected

),

final as (

    select
        cast(table_name as {{ type_text(16) }}) as table_name,
        cast(year as integer) as year,
        cast(row_outcome as {{ type_text(16) }}) as row_outcome,
        cast(reject_reason as {{ type_text(64) }}) as reject_reason,
        cast(row_count as bigint) as row_count

    from ledger

)

select * from final
