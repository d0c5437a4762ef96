{#- Corrections are netted per (person, code, service date), over the used claim lines; only codes of the
    list, inside their validity window on the service date, are imaging. A view: writing every netted
    service of a national extract to disk would cost more than grouping them again. -#}

{{ config(materialized='view') }}

with

claim_lines as (

    select * from {{ ref('int_claim_lines_checked') }}
    where reject_reason is null

),

imaging_codes as (

    select * from {{ ref('int_imaging_codes_in_scope') }}

),

imaging_lines as (

    select
        claim_lines.*,
        imaging_codes.category,
        imaging_codes.provider

    from claim_lines
    inner join imaging_codes
        on imaging_codes.nomenclature_code = claim_lines.nomenclature_code
        and (imaging_codes.valid_from is null or imaging_codes.valid_from <= claim_lines.service_date)
        and (imaging_codes.valid_to is null or imaging_codes.valid_to >= claim_lines.service_date)

),

final as (

    select
        person_id,
        year,
        nomenclature_code,
        service_date,
        category,
        provider,
        sum(quantity) as net_quantity,
        sum(amount_eur) as net_amount_eur,
        count(*) as claim_line_count

    from imaging_lines
    group by 1, 2, 3, 4, 5, 6

)

select * from final
