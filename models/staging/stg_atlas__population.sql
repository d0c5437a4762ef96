{{ config(event_time=year_start('year')) }}

with

source as (

    select * from {{ source('atlas_raw', 'population') }}

),

typed as (

    select
        {{ trimmed_text('person_id', 64) }} as person_id,
        cast(year as integer) as year,
        cast(birth_year as integer) as birth_year,
        case
            when sex in ('M', 'F') then cast(sex as {{ type_text(1) }})
            when upper(trim(cast(sex as {{ type_text(8) }}))) in ('M', 'F')
                then upper(trim(cast(sex as {{ type_text(8) }})))
            else 'U'
        end as sex,
        cast(increased_reimbursement as boolean) as increased_reimbursement,
        {{ trimmed_text('commune_dec31', 16) }} as commune_dec31,
        {{ trimmed_text('sector_dec31', 16) }} as sector_dec31,
        {{ trimmed_text('commune_jun30', 16) }} as commune_jun30,
        {{ trimmed_text('sector_jun30', 16) }} as sector_jun30

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
