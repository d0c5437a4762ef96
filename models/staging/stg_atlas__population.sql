with

source as (

    select * from {{ source('atlas_raw', 'population') }}

),

typed as (

    select
        nullif(trim(cast(person_id as {{ type_text(64) }})), '') as person_id,
        cast(year as integer) as year,
        cast(birth_year as integer) as birth_year,
        case
            when upper(trim(cast(sex as {{ type_text(8) }}))) in ('M', 'F')
                then upper(trim(cast(sex as {{ type_text(8) }})))
            else 'U'
        end as sex,
        cast(increased_reimbursement as boolean) as increased_reimbursement,
        nullif(trim(cast(commune_dec31 as {{ type_text(16) }})), '') as commune_dec31,
        nullif(trim(cast(sector_dec31 as {{ type_text(16) }})), '') as sector_dec31,
        nullif(trim(cast(commune_jun30 as {{ type_text(16) }})), '') as commune_jun30,
        nullif(trim(cast(sector_jun30 as {{ type_text(16) }})), '') as sector_jun30

    from source

),

flagged as (

    select
        *,
        count(*) over (partition by person_id, year) as rows_for_person_year

    from typed

),

final as (

    select
        person_id,
        year,
        birth_year,
        sex,
        increased_reimbursement,
        commune_dec31,
        sector_dec31,
        commune_jun30,
        sector_jun30,
        case
            when person_id is null then 'person_id missing'
            when year is null then 'year missing'
            when year < {{ var('first_year') }} then 'year before {{ var("first_year") }}'
            when year > extract(year from current_date) then 'year in the future'
            when rows_for_person_year > 1 then 'person-year duplicated'
        end as reject_reason

    from flagged

)

select * from final
