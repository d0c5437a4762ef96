{#-
    One path from raw rows to used rows: per year, the claim lines netted into the services the marts
    count are exactly the imaging lines among those the ledger calls used (int_claim_lines_checked
    without a reject reason). A reject rule the exams did not see, or a line they took from elsewhere,
    makes the two counts differ.
-#}

with

used_claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}
    where reject_reason is null

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

used_imaging_lines as (

    select used_claim_lines.year, count(*) as claim_lines
    from used_claim_lines
    inner join imaging_codes
        on imaging_codes.nomenclature_code = used_claim_lines.nomenclature_code
        and (imaging_codes.valid_from is null or imaging_codes.valid_from <= used_claim_lines.service_date)
        and (imaging_codes.valid_to is null or imaging_codes.valid_to >= used_claim_lines.service_date)
    group by 1

),

netted_lines as (

    select year, sum(claim_line_count) as claim_lines
    from {{ ref('int_imaging_services_netted') }}
    group by 1

),

final as (

    select
        used_imaging_lines.claim_lines as used_imaging_lines,
        netted_lines.claim_lines as netted_lines,
        coalesce(used_imaging_lines.year, netted_lines.year) as year

    from used_imaging_lines
    full outer join netted_lines on netted_lines.year = used_imaging_lines.year
    where coalesce(used_imaging_lines.claim_lines, 0) != coalesce(netted_lines.claim_lines, 0)

)

select * from final
