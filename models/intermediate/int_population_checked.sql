{#- The one pass over the population: every raw row of the batch's year with its reject reason (the row
    rules of staging) and, for a usable row, the domicile rule (docs/rules.md): 31 December when its
    commune is known, else 30 June, else none; the sector always from the chosen date, and only when it
    belongs to the chosen (2025) commune. The beneficiaries (int_beneficiaries_domiciled), the rejected
    rows and the ledger all read it. Only the finest unit is written: its commune and every level above
    come from int_geo_unit_ancestors. The stratum stays the birth year and the BIM flag: the counts
    label it once counted (int_indicator_strata). -#}

{{ config_yearly_batches() }}

with

population_rows as (

    select * from {{ ref('stg_atlas__population') }}
    where {{ in_batch_year('year') }}

),

communes_2025 as (

    select * from {{ ref('int_communes_mapped_to_2025') }}

),

sectors as (

    select sector_code, commune_nis
    from {{ ref('statistical_sectors') }}
    where not is_unknown_sector

),

communes_resolved as (

    select
        population_rows.*,
        dec31.commune_nis_2025 as commune_dec31_2025,
        jun30.commune_nis_2025 as commune_jun30_2025

    from population_rows
    left join communes_2025 as dec31 on dec31.commune_nis = population_rows.commune_dec31
    left join communes_2025 as jun30 on jun30.commune_nis = population_rows.commune_jun30

),

domicile_chosen as (

    select
        *,
        case
            when commune_dec31_2025 is not null then 'dec31'
            when commune_jun30_2025 is not null then 'jun30'
            else 'unknown'
        end as domicile_date,
        coalesce(commune_dec31_2025, commune_jun30_2025) as commune_nis,
        case
            when commune_dec31_2025 is not null then sector_dec31
            when commune_jun30_2025 is not null then sector_jun30
        end as given_sector_code

    from communes_resolved

),

final as (

    select
        domicile_chosen.person_id,
        domicile_chosen.year,
        domicile_chosen.birth_year,
        domicile_chosen.sex,
        domicile_chosen.increased_reimbursement,
        domicile_chosen.commune_dec31,
        domicile_chosen.sector_dec31,
        domicile_chosen.commune_jun30,
        domicile_chosen.sector_jun30,
        case
            when domicile_chosen.reject_reason is null then domicile_chosen.domicile_date
        end as domicile_date,
        case
            when domicile_chosen.reject_reason is not null or domicile_chosen.commune_nis is null then null
            when sectors.sector_code is not null then sectors.sector_code
            else {{ unknown_sector_code('domicile_chosen.commune_nis') }}
        end as sector_unit_code,
        domicile_chosen.reject_reason

    from domicile_chosen
    left join sectors
        on sectors.sector_code = domicile_chosen.given_sector_code
        and sectors.commune_nis = domicile_chosen.commune_nis

)

select * from final
