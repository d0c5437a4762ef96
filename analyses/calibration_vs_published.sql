{#- The synthetic Belgium next to the published figures: run
    `.venv/bin/dbt show --select calibration_vs_published --limit 50` after a build (or `make calibration`).
    On a real extract, the same query reproduces the published figures. -#}
{%- set compared_marts = [
    'stat_013_001_at', 'stat_013_009_at', 'stat_013_013_at', 'stat_013_015_at', 'stat_013_017_at',
] -%}

with

published as (

    select * from {{ ref('published_imaging_figures') }}

),

computed as (
    {% for mart in compared_marts %}
    select '{{ mart }}' as indicator_code, year, geo_code, value
    from {{ ref(mart) }}
    where geo_level in ('country', 'region')
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        published.indicator_code,
        published.year,
        published.geo_code,
        published.published_value,
        round(computed.value, 2) as computed_value,
        round(computed.value - published.published_value, 2) as difference

    from published
    left join computed
        on computed.indicator_code = published.indicator_code
        and computed.year = published.year
        and computed.geo_code = published.geo_code

)

select * from final
order by indicator_code, geo_code, year
