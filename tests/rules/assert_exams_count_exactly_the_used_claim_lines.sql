{#-
    One path from raw rows to used rows: per year, the exams the marts count are exactly the exams of
    the imaging lines the ledger calls used (int_claim_lines_checked without a reject reason), netted
    per person, code and date. The exams apply the beneficiary rule after netting, the ledger line by
    line: a reject rule the exams did not see, or a line they took from elsewhere, makes the two differ.
    The ledger's side is recounted one year at a time, as the exams are built.
-#}

with

ledger_exams as (

    {% call(year) one_year_at_a_time(ref('stg_atlas__claims'), all_years=true) -%}
    with

    used_claim_lines as (

        select * from {{ ref('int_claim_lines_checked') }}
        where reject_reason is null and {{ in_service_year(year) }}

    ),

    imaging_codes as (

        select * from {{ ref('int_imaging_codes_in_scope') }}

    ),

    used_imaging_services as (

        select
            used_claim_lines.person_id,
            used_claim_lines.year,
            used_claim_lines.nomenclature_code,
            used_claim_lines.service_date,
            sum(used_claim_lines.quantity) as net_quantity

        from used_claim_lines
        inner join imaging_codes
            on imaging_codes.nomenclature_code = used_claim_lines.nomenclature_code
            and (imaging_codes.valid_from is null or imaging_codes.valid_from <= used_claim_lines.service_date)
            and (imaging_codes.valid_to is null or imaging_codes.valid_to >= used_claim_lines.service_date)
        group by 1, 2, 3, 4

    )

    select year, sum(net_quantity) as exams
    from used_imaging_services
    where net_quantity > 0
    group by 1
    {%- endcall %}

),

counted_exams as (

    select year, sum(exam_count) as exams
    from {{ ref('int_imaging_exams_by_person') }}
    group by 1

),

final as (

    select
        ledger_exams.exams as exams_of_used_lines,
        counted_exams.exams as exams_counted,
        coalesce(ledger_exams.year, counted_exams.year) as year

    from ledger_exams
    full outer join counted_exams on counted_exams.year = ledger_exams.year
    where coalesce(ledger_exams.exams, 0) != coalesce(counted_exams.exams, 0)

)

select * from final
