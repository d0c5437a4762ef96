{#- Nothing is dropped silently (docs/raw_contract.md, rejected rows): per raw table and year, the rows
    read equal the rows used plus the rows rejected, as the reconciliation ledger reports them. -#}

with

ledger as (

    select * from {{ ref('data_quality_reconciliation') }}

),

balance as (

    select
        table_name,
        year,
        sum(case when row_outcome = 'input' then row_count else 0 end) as input_rows,
        sum(case when row_outcome = 'used' then row_count else 0 end) as used_rows,
        sum(case when row_outcome = 'rejected' then row_count else 0 end) as rejected_rows

    from ledger
    group by 1, 2

)

select * from balance
where input_rows != used_rows + rejected_rows
