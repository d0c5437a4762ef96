{{ config_incremental_by_year() }}

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
where cube_code = 'cube_013_023'
    and {{ years_to_build() }}
