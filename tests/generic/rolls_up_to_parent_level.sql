{% test rolls_up_to_parent_level(model) %}
{#-
    Every level adds up exactly to the level above: sector -> commune -> arrondissement -> province ->
    region, and Brussels-Capital (no province) from arrondissement 21000 straight to its region.
    Returns the parent rows whose numerator or denominator differs from the sum of their children.
-#}
{%- set child_parent_links = [
    ('sector', 'commune', 'commune_nis', 'true'),
    ('commune', 'arrondissement', 'arrondissement_nis', 'true'),
    ('arrondissement', 'province', 'province_nis', 'geo_units.province_nis is not null'),
    ('arrondissement', 'region', 'region_nis', 'geo_units.province_nis is null'),
    ('province', 'region', 'region_nis', 'true'),
] -%}

with

geo_units as (

    select * from {{ ref('int_geo_units') }}

),

children_summed as (
    {% for child_level, parent_level, parent_column, condition in child_parent_links %}
    select
        children.year,
        '{{ parent_level }}' as parent_level,
        geo_units.{{ parent_column }} as parent_code,
        sum(children.numerator) as numerator,
        sum(children.denominator) as denominator

    from {{ model }} as children
    inner join geo_units
        on geo_units.geo_level = children.geo_level
        and geo_units.geo_code = children.geo_code
    where children.geo_level = '{{ child_level }}'
        and {{ condition }}
    group by 1, 2, 3
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

parent_totals as (

    select
        parent_level,
        parent_code,
        year,
        sum(numerator) as numerator,
        sum(denominator) as denominator

    from children_summed
    group by 1, 2, 3

)

select
    parents.year,
    parents.geo_level,
    parents.geo_code,
    parents.numerator,
    parent_totals.numerator as children_numerator,
    parents.denominator,
    parent_totals.denominator as children_denominator

from {{ model }} as parents
inner join parent_totals
    on parent_totals.parent_level = parents.geo_level
    and parent_totals.parent_code = parents.geo_code
    and parent_totals.year = parents.year
where parents.numerator != parent_totals.numerator
    or parents.denominator != parent_totals.denominator

{% endtest %}
