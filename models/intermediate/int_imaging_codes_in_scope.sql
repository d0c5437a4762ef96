{#- The code list with its validity window; codes of status `uncertain` leave it when the variable
    include_uncertain_codes is false. -#}

with

codes as (

    select * from {{ ref('imaging_codes') }}

),

validity as (

    select * from {{ ref('imaging_codes_validity') }}

),

final as (

    select
        codes.code as nomenclature_code,
        codes.category,
        codes.provider,
        codes.setting,
        codes.status,
        validity.valid_from,
        validity.valid_to

    from codes
    left join validity on validity.code = codes.code
    {% if not var('include_uncertain_codes') %}
    where codes.status != 'uncertain'
    {% endif %}

)

select * from final
