{% macro atlas_indicator(indicator_code, measure, sector_level_since=none) %}
{#-
    The indicator logic shared by every mart (DESIGN.md §4).

    indicator_code: the indicator's key in seed indicator_exam_scope (its Atlas code, the mart's name).
    measure: 'patients' counts beneficiaries with at least one exam in scope, 'exams' counts net services.
    sector_level_since: first year published at the statistical-sector level (all years when none).

    Counts are made once at the finest unit (sector or a commune's unknown-sector bucket) and summed up
    the levels: a person lives in exactly one unit a year, so patient counts add up. Persons without a
    known domicile have no unit and reach the Belgian row only.
-#}
{%- set rollup_levels = [
    ('region', 'region_nis'),
    ('province', 'province_nis'),
    ('arrondissement', 'arrondissement_nis'),
    ('commune', 'commune_nis'),
    ('sector', 'sector_code'),
] -%}

with

exam_scope as (

    select category, provider
    from {{ ref('indicator_exam_scope') }}
    where indicator_code = '{{ indicator_code }}'

),

exams as (

    select * from {{ ref('int_imaging_exams_by_person') }}

),

beneficiaries_by_unit as (

    select * from {{ ref('int_beneficiaries_counted_by_unit') }}

),

geo_units as (

    select * from {{ ref('int_geo_units') }}

),

exams_in_scope_by_person as (

    select
        exams.year,
        exams.person_id,
        exams.sector_unit_code,
        sum(exams.exam_count) as exam_count

    from exams
    inner join exam_scope
        on exam_scope.category = exams.category
        and (exam_scope.provider = 'any' or exam_scope.provider = exams.provider)
    group by 1, 2, 3

),

numerator_by_unit as (

    select
        year,
        coalesce(sector_unit_code, 'no domicile') as unit_key,
        {% if measure == 'patients' -%}
        count(*) as numerator
        {%- elif measure == 'exams' -%}
        sum(exam_count) as numerator
        {%- else -%}
        {{ exceptions.raise_compiler_error("atlas_indicator: measure must be 'patients' or 'exams', not " ~ measure) }}
        {%- endif %}

    from exams_in_scope_by_person
    group by 1, 2

),

counts_by_unit as (

    select
        beneficiaries_by_unit.year,
        beneficiaries_by_unit.sector_unit_code,
        coalesce(numerator_by_unit.numerator, 0) as numerator,
        beneficiaries_by_unit.beneficiaries as denominator

    from beneficiaries_by_unit
    left join numerator_by_unit
        on numerator_by_unit.year = beneficiaries_by_unit.year
        and numerator_by_unit.unit_key = coalesce(beneficiaries_by_unit.sector_unit_code, 'no domicile')

),

counts_with_ancestors as (

    select
        counts_by_unit.year,
        counts_by_unit.numerator,
        counts_by_unit.denominator,
        sector_units.sector_code,
        sector_units.commune_nis,
        sector_units.arrondissement_nis,
        sector_units.province_nis,
        sector_units.region_nis

    from counts_by_unit
    left join geo_units as sector_units
        on sector_units.geo_level = 'sector'
        and sector_units.sector_code = counts_by_unit.sector_unit_code

),

counts_rolled_up as (

    select
        year,
        'country' as geo_level,
        '01000' as geo_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator

    from counts_with_ancestors
    group by 1, 2, 3
    {% for level, ancestor_column in rollup_levels %}

    union all

    select
        year,
        '{{ level }}' as geo_level,
        {{ ancestor_column }} as geo_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator

    from counts_with_ancestors
    where {{ ancestor_column }} is not null
    group by 1, 2, 3
    {%- endfor %}

),

published_units as (

    select
        years.year,
        geo_units.geo_level,
        geo_units.geo_code,
        geo_units.name_fr,
        geo_units.name_nl

    from (select distinct year from beneficiaries_by_unit) as years
    cross join geo_units
    {%- if sector_level_since is not none %}
    where geo_units.geo_level != 'sector' or years.year >= {{ sector_level_since }}
    {%- endif %}

),

final as (

    select
        cast(published_units.year as integer) as year,
        cast(published_units.geo_level as {{ type_text(16) }}) as geo_level,
        cast(published_units.geo_code as {{ type_text(9) }}) as geo_code,
        cast(coalesce(counts_rolled_up.numerator, 0) as bigint) as numerator,
        cast(coalesce(counts_rolled_up.denominator, 0) as bigint) as denominator,
        {{ per_hundred('coalesce(counts_rolled_up.numerator, 0)', 'counts_rolled_up.denominator') }} as value,
        cast(published_units.name_fr as {{ type_text(200) }}) as geo_name_fr,
        cast(published_units.name_nl as {{ type_text(200) }}) as geo_name_nl

    from published_units
    left join counts_rolled_up
        on counts_rolled_up.year = published_units.year
        and counts_rolled_up.geo_level = published_units.geo_level
        and counts_rolled_up.geo_code = published_units.geo_code

)

select * from final
{% endmacro %}
