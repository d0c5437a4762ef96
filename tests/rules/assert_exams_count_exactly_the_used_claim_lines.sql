{#-
    One path from raw rows to used rows: per year and indicator group, the exams the marts count are
    exactly the exams of the imaging lines the ledger calls used (int_claim_lines_checked without a reject
    reason), netted per person, code and date, in the group's scope. The exams apply the beneficiary rule
    after netting, the ledger line by line: a reject rule the exams did not see, or a line they took from
    elsewhere, makes the two differ.
-#}

with

ledger_exams as (

    with

    used_claim_lines as (

        select * from {{ ref('int_claim_lines_checked') }}
        where reject_reason is null

    ),

    imaging_codes as (

        select * from {{ ref('int_imaging_codes_in_scope') }}

    ),

    group_scope as (

        select * from {{ ref('int_indicator_group_scope') }}

    ),

    used_imaging_services as (

        select
            used_claim_lines.person_id,
            used_claim_lines.year,
            used_claim_lines.nomenclature_code,
            used_claim_lines.service_date,
            imaging_codes.category,
            imaging_codes.provider,
            sum(used_claim_lines.quantity) as net_quantity

        from used_claim_lines
        inner join imaging_codes
            on imaging_codes.nomenclature_code = used_claim_lines.nomenclature_code
            and (imaging_codes.valid_from is null or imaging_codes.valid_from <= used_claim_lines.service_date)
            and (imaging_codes.valid_to is null or imaging_codes.valid_to >= used_claim_lines.service_date)
        group by 1, 2, 3, 4, 5, 6

    )

    select
        group_scope.indicator_group,
        used_imaging_services.year,
        sum(used_imaging_services.net_quantity) as exams

    from used_imaging_services
    inner join group_scope
        on group_scope.category = used_imaging_services.category
        and {{ scope_takes_provider('group_scope.provider', 'used_imaging_services.provider') }}
    where used_imaging_services.net_quantity > 0
    group by 1, 2

),

counted_exams as (

    select indicator_group, year, sum(exams) as exams
    from {{ ref('int_exams_by_indicator_group') }}
    group by 1, 2

),

final as (

    select
        coalesce(ledger_exams.indicator_group, counted_exams.indicator_group) as indicator_group,
        coalesce(ledger_exams.year, counted_exams.year) as year,
        ledger_exams.exams as exams_of_used_lines,
        counted_exams.exams as exams_counted

    from ledger_exams
    full outer join counted_exams
        on counted_exams.indicator_group = ledger_exams.indicator_group
        and counted_exams.year = ledger_exams.year
    where coalesce(ledger_exams.exams, 0) != coalesce(counted_exams.exams, 0)

)

select * from final
