{{ config_yearly_batches() }}

select
    year,
    geo_level,
    geo_code,
    numerator,
    denominator,
    value,
    geo_name_fr,
    geo_name_nl

from {{ ref('int_indicator_figures') }}
where indicator_code = 'stat_013_011_at'
