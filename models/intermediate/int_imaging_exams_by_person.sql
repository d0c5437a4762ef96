{#- One row per beneficiary, year, category and provider group with at least one exam (a service of net
    quantity > 0); its exam count is the volume. The person's finest unit comes with the used lines, so
    every indicator counts by a group by, without joining the population again. -#}

{{ config_incremental_by_year() }}

with

services as (

    select * from {{ ref('int_imaging_services_netted') }}
    where net_quantity > 0 and {{ years_to_build() }} and {{ dates_to_build('service_date') }}

),

final as (

    select
        person_id,
        year,
        category,
        provider,
        sector_unit_code,
        sum(net_quantity) as exam_count

    from services
    group by 1, 2, 3, 4, 5

)

select * from final
