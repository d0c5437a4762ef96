{{ config_yearly_batches() }}

select
    year,
    geo_level,
    geo_code,
    sex,
    age_band,
    bim_status,
    patients,
    beneficiaries,
    value

from {{ ref('int_cube_figures') }}
where cube_code = 'cube_013_001'
