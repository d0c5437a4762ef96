{#-
    A cube is its indicator broken down by sex, age band and BIM status: summed over the strata, every
    cube row (Belgium down to commune) equals the indicator mart's row, patients and beneficiaries.
-#}
{%- set cubes = [('cube_013_001', 'stat_013_001_at'), ('cube_013_023', 'stat_013_023_at')] -%}

{% for cube, mart in cubes %}
select
    '{{ cube }}' as cube,
    marts.year,
    marts.geo_level,
    marts.geo_code,
    marts.numerator,
    cube_totals.patients,
    marts.denominator,
    cube_totals.beneficiaries

from {{ ref(mart) }} as marts
left join (
    select year, geo_level, geo_code, sum(patients) as patients, sum(beneficiaries) as beneficiaries
    from {{ ref(cube) }}
    group by 1, 2, 3
) as cube_totals
    on cube_totals.year = marts.year
    and cube_totals.geo_level = marts.geo_level
    and cube_totals.geo_code = marts.geo_code
where marts.geo_level != 'sector'
    and (
        cube_totals.year is null
        or cube_totals.patients != marts.numerator
        or cube_totals.beneficiaries != marts.denominator
    )
{% if not loop.last %}union all{% endif %}
{% endfor %}
