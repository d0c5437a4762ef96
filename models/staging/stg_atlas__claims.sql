with

source as (

    select * from {{ source('atlas_raw', 'claims') }}

),

typed as (

    select
        {{ trimmed_text('person_id', 64) }} as person_id,
        cast(service_date as date) as service_date,
        cast(nomenclature_code as {{ type_text(32) }}) as nomenclature_code_raw,
        {{ normalised_code('nomenclature_code', 6) }} as nomenclature_code,
        cast(quantity as integer) as quantity,
        cast(amount_eur as decimal(12, 2)) as amount_eur

    from source

),

final as (

    select
        person_id,
        service_date,
        cast(extract(year from service_date) as integer) as year,
        nomenclature_code_raw,
        nomenclature_code,
        quantity,
        amount_eur,
        case
            when person_id is null then 'person_id missing'
            when service_date is null then 'service_date missing'
            when service_date < cast('{{ var("first_year") }}-01-01' as date)
                then 'service_date before {{ var("first_year") }}'
            when service_date > current_date then 'service_date in the future'
            when nomenclature_code is null or length(nomenclature_code) != 6
                or not {{ is_all_digits('nomenclature_code') }}
                then 'nomenclature_code not 6 digits'
            when quantity is null then 'quantity missing'
        end as reject_reason

    from typed

)

select * from final
