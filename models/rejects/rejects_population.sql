with

population_rows as (

    select * from {{ ref('stg_atlas__population') }}

),

final as (

    select * from population_rows
    where reject_reason is not null

)

select * from final
