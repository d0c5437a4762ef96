{% macro atlas_indicator(indicator_code, measure, sector_level_since=none) %}
{#-
    The indicator logic shared by every mart (DESIGN.md §4).

    indicator_code: the indicator's key in seed indicator_exam_scope (its Atlas code, the mart's name).
    measure: 'patients' counts beneficiaries with at least one exam in scope, 'exams' counts net services.
    sector_level_since: first year published at the statistical-sector level (all years when none).

    Counts are made once at the finest unit (sector or a commune's unknown-sector bucket) and summed up
    the levels by geo_rollup_ctes: a person lives in exactly one unit a year, so patient counts add up.
    Persons without a known domicile have no unit and reach the Belgian row only.
-#}
{{ config_incremental_by_year() }}
{%- if measure not in ('patients', 'exams') -%}
    {{ exceptions.raise_compiler_error("atlas_indicator: measure must be 'patients' or 'exams', not " ~ measure) }}
{%- endif %}

with

{{ exams_in_scope_ctes(indicator_code) }}

beneficiaries_by_unit as (

    select * from {{ ref('int_beneficiaries_counted_by_unit') }}
    where {{ years_to_build() }}

),

numerator_by_unit as (

    select
        year,
        coalesce(sector_unit_code, 'no domicile') as unit_key,
        {% if measure == 'patients' -%}
        count(*) as numerator
        {%- else -%}
        sum(exam_count) as numerator
        {%- endif %}

    from exams_in_scope_by_person
    group by 1, 2

),

counts_by_unit as (

    select
        beneficiaries_by_unit.year,
        beneficiaries_by_unit.sector_unit_code as unit_code,
        coalesce(numerator_by_unit.numerator, 0) as numerator,
        beneficiaries_by_unit.beneficiaries as denominator

    from beneficiaries_by_unit
    left join numerator_by_unit
        on numerator_by_unit.year = beneficiaries_by_unit.year
        and numerator_by_unit.unit_key = coalesce(beneficiaries_by_unit.sector_unit_code, 'no domicile')

),

{{ geo_rollup_ctes('counts_by_unit', measures=['numerator', 'denominator'], sector_level_since=sector_level_since) }}

final as (

    select
        cast(year as integer) as year,
        cast(geo_level as {{ type_text(16) }}) as geo_level,
        cast(geo_code as {{ type_text(9) }}) as geo_code,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        {{ per_hundred('numerator', 'denominator') }} as value,
        cast(geo_name_fr as {{ type_text(200) }}) as geo_name_fr,
        cast(geo_name_nl as {{ type_text(200) }}) as geo_name_nl

    from counts_on_grid

)

select * from final
{% endmacro %}


{% macro atlas_cube(indicator_code) %}
{#-
    An indicator's cube (the Atlas `cube_013_xxx`): patients with at least one exam in scope and
    beneficiaries by year, geographic unit (country down to commune), sex, 5-year age band and BIM status,
    on the complete grid of units x the strata present in that year. Same scope, counts and roll-up as
    the indicator mart: summed over the strata, a cube row equals the mart row.
-#}
{{ config_incremental_by_year() }}
with

{{ exams_in_scope_ctes(indicator_code) }}

{{ beneficiaries_in_strata_ctes() }}

patients as (

    select distinct year, person_id
    from exams_in_scope_by_person

),

counts_by_unit as (

    select
        beneficiaries_in_strata.year,
        beneficiaries_in_strata.unit_code,
        beneficiaries_in_strata.sex,
        beneficiaries_in_strata.age_band,
        beneficiaries_in_strata.bim_status,
        count(patients.person_id) as patients,
        count(*) as beneficiaries

    from beneficiaries_in_strata
    left join patients
        on patients.year = beneficiaries_in_strata.year
        and patients.person_id = beneficiaries_in_strata.person_id
    group by 1, 2, 3, 4, 5

),

{{ geo_rollup_ctes(
    'counts_by_unit',
    measures=['patients', 'beneficiaries'],
    breakdowns=['sex', 'age_band', 'bim_status'],
    unit_level='commune',
) }}

final as (

    select
        cast(year as integer) as year,
        cast(geo_level as {{ type_text(16) }}) as geo_level,
        cast(geo_code as {{ type_text(9) }}) as geo_code,
        cast(sex as {{ type_text(1) }}) as sex,
        cast(age_band as {{ type_text(8) }}) as age_band,
        cast(bim_status as {{ type_text(8) }}) as bim_status,
        cast(patients as bigint) as patients,
        cast(beneficiaries as bigint) as beneficiaries,
        {{ per_hundred('patients', 'beneficiaries') }} as value

    from counts_on_grid

)

select * from final
{% endmacro %}


{% macro exams_in_scope_ctes(indicator_codes) %}
{#- CTEs exam_scope, exams and exams_in_scope_by_person, each followed by a comma: one row per indicator,
    person and year with exams of the indicator's categories and providers, with the person's finest
    unit and the sum of those exams. indicator_codes: one code or a list. -#}
{%- set codes = [indicator_codes] if indicator_codes is string else indicator_codes -%}
exam_scope as (

    select indicator_code, category, provider
    from {{ ref('indicator_exam_scope') }}
    where indicator_code in ('{{ codes | join("', '") }}')

),

exams as (

    select * from {{ ref('int_imaging_exams_by_person') }}
    where {{ years_to_build() }}

),

exams_in_scope_by_person as (

    select
        exam_scope.indicator_code,
        exams.year,
        exams.person_id,
        exams.sector_unit_code,
        sum(exams.exam_count) as exam_count

    from exams
    inner join exam_scope
        on exam_scope.category = exams.category
        and (exam_scope.provider = 'any' or exam_scope.provider = exams.provider)
    group by 1, 2, 3, 4

),
{% endmacro %}


{% macro geo_rollup_ctes(counts_cte, measures, breakdowns=[], unit_level='sector', sector_level_since=none, complete_grid=true) %}
{#-
    The roll-up over the geographic levels, shared by the indicator marts, the cubes and the inputs of the
    standardised rates. Emits CTEs, each followed by a comma, ending with `counts_on_grid`:
    year, geo_level, geo_code, geo_name_fr, geo_name_nl, <breakdowns>, <measures>.

    counts_cte: a CTE with year, unit_code, <breakdowns>, <measures>; unit_code is a unit of `unit_level`
        ('sector': a reference sector or a `<commune>ZZZZ` bucket; 'commune': a 2025 commune), null for the
        persons without a known domicile, who reach the Belgian row only.
    measures: additive counts, summed up the levels.
    breakdowns: extra grouping columns (not null), e.g. sex and age band.
    unit_level: the finest published level; counts are first summed to it.
    sector_level_since: first year published at the sector level (all years when none).
    complete_grid: every unit of the reference for every year and stratum present that year, with 0
        where nobody counts (DESIGN.md §4); false keeps only the rows that have counts.
-#}
{%- set all_levels = [
    ('region', 'region_nis'),
    ('province', 'province_nis'),
    ('arrondissement', 'arrondissement_nis'),
    ('commune', 'commune_nis'),
    ('sector', 'sector_code'),
] -%}
{%- set ns = namespace(levels=[], published=['country']) -%}
{%- for level, column in all_levels -%}
    {%- if ns.published[-1] != unit_level -%}
        {%- set ns.levels = ns.levels + [(level, column)] -%}
        {%- set ns.published = ns.published + [level] -%}
    {%- endif -%}
{%- endfor -%}
{%- if unit_level not in ns.published -%}
    {{ exceptions.raise_compiler_error("geo_rollup_ctes: unit_level must be commune or sector, not " ~ unit_level) }}
{%- endif -%}
{%- set ancestor_columns = ns.levels | map(attribute=1) | list -%}
{%- set breakdown_list = breakdowns | join(', ') -%}
rollup_geo_units as (

    select * from {{ ref('int_geo_units') }}

),

counts_at_finest_unit as (

    select
        {{ counts_cte }}.year,
        {%- for column in ancestor_columns %}
        finest_units.{{ column }},
        {%- endfor %}
        {%- for breakdown in breakdowns %}
        {{ counts_cte }}.{{ breakdown }},
        {%- endfor %}
        {%- for measure in measures %}
        sum({{ counts_cte }}.{{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ counts_cte }}
    left join rollup_geo_units as finest_units
        on finest_units.geo_level = '{{ unit_level }}'
        and finest_units.geo_code = {{ counts_cte }}.unit_code
    group by {% for position in range(1, ancestor_columns | length + breakdowns | length + 2) %}{{ position }}{{ ", " if not loop.last }}{% endfor %}

),

counts_rolled_up as (

    select
        year,
        'country' as geo_level,
        '01000' as geo_code,
        {%- for breakdown in breakdowns %}
        {{ breakdown }},
        {%- endfor %}
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from counts_at_finest_unit
    group by 1, 2, 3{% for breakdown in breakdowns %}, {{ breakdown }}{% endfor %}
    {% for level, ancestor_column in ns.levels %}

    union all

    select
        year,
        '{{ level }}' as geo_level,
        {{ ancestor_column }} as geo_code,
        {%- for breakdown in breakdowns %}
        {{ breakdown }},
        {%- endfor %}
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from counts_at_finest_unit
    where {{ ancestor_column }} is not null
    group by 1, 2, 3{% for breakdown in breakdowns %}, {{ breakdown }}{% endfor %}
    {%- endfor %}

),

{%- if complete_grid %}
published_units as (

    select
        strata.year,
        {%- for breakdown in breakdowns %}
        strata.{{ breakdown }},
        {%- endfor %}
        rollup_geo_units.geo_level,
        rollup_geo_units.geo_code,
        rollup_geo_units.name_fr,
        rollup_geo_units.name_nl

    from (select distinct year{% for breakdown in breakdowns %}, {{ breakdown }}{% endfor %} from {{ counts_cte }}) as strata
    cross join rollup_geo_units
    where rollup_geo_units.geo_level in ('{{ ns.published | join("', '") }}')
    {%- if sector_level_since is not none %}
        and (rollup_geo_units.geo_level != 'sector' or strata.year >= {{ sector_level_since }})
    {%- endif %}

),

counts_on_grid as (

    select
        published_units.year,
        published_units.geo_level,
        published_units.geo_code,
        published_units.name_fr as geo_name_fr,
        published_units.name_nl as geo_name_nl,
        {%- for breakdown in breakdowns %}
        published_units.{{ breakdown }},
        {%- endfor %}
        {%- for measure in measures %}
        coalesce(counts_rolled_up.{{ measure }}, 0) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from published_units
    left join counts_rolled_up
        on counts_rolled_up.year = published_units.year
        and counts_rolled_up.geo_level = published_units.geo_level
        and counts_rolled_up.geo_code = published_units.geo_code
        {%- for breakdown in breakdowns %}
        and counts_rolled_up.{{ breakdown }} = published_units.{{ breakdown }}
        {%- endfor %}

),
{%- else %}
counts_on_grid as (

    select
        counts_rolled_up.year,
        counts_rolled_up.geo_level,
        counts_rolled_up.geo_code,
        rollup_geo_units.name_fr as geo_name_fr,
        rollup_geo_units.name_nl as geo_name_nl,
        {%- for breakdown in breakdowns %}
        counts_rolled_up.{{ breakdown }},
        {%- endfor %}
        {%- for measure in measures %}
        counts_rolled_up.{{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from counts_rolled_up
    inner join rollup_geo_units
        on rollup_geo_units.geo_level = counts_rolled_up.geo_level
        and rollup_geo_units.geo_code = counts_rolled_up.geo_code
    {%- if sector_level_since is not none %}
    where counts_rolled_up.geo_level != 'sector' or counts_rolled_up.year >= {{ sector_level_since }}
    {%- endif %}

),
{%- endif %}
{% endmacro %}


{% macro beneficiaries_in_strata_ctes() %}
{#- CTEs beneficiaries and beneficiaries_in_strata, each followed by a comma: one row per beneficiary and
    year with the 2025 commune as unit_code (null without a known domicile), sex (M, F, U), 5-year age band
    (age = reference year - birth year) and BIM status. -#}
beneficiaries as (

    select * from {{ ref('int_beneficiaries_domiciled') }}
    where {{ years_to_build() }}

),

beneficiaries_in_strata as (

    select
        year,
        person_id,
        commune_nis as unit_code,
        sex,
        {{ age_band_5y('year - birth_year') }} as age_band,
        {{ bim_status('increased_reimbursement') }} as bim_status

    from beneficiaries

),
{% endmacro %}


{% macro age_band_5y(age) -%}
    {#- 5-year age band of the Atlas cubes: 00-04 ... 80-84, 85+; unknown without a plausible age. -#}
    case
        when {{ age }} is null or {{ age }} < 0 or {{ age }} > 130 then 'unknown'
        {%- for lower in range(0, 85, 5) %}
        when {{ age }} < {{ lower + 5 }} then '{{ "%02d" | format(lower) }}-{{ "%02d" | format(lower + 4) }}'
        {%- endfor %}
        else '85+'
    end
{%- endmacro %}


{% macro bim_status(increased_reimbursement) -%}
    {#- BIM / VT: beneficiaries of the increased reimbursement (intervention majorée, verhoogde tegemoetkoming). -#}
    case
        when {{ increased_reimbursement }} then 'bim'
        when not {{ increased_reimbursement }} then 'non_bim'
        else 'unknown'
    end
{%- endmacro %}


{% macro catalog_text(value) -%}
    {#- A metadata text as a SQL string literal (quotes escaped the engine's way), or a typed null. -#}
    {%- if value is none -%}
        cast(null as {{ type_text(4000) }})
    {%- else -%}
        cast('{{ dbt.escape_single_quotes(value | string) }}' as {{ type_text(4000) }})
    {%- endif -%}
{%- endmacro %}
