{#-
    The input of the standardised rates: for every % indicator (its YAML meta says measure: patients),
    patients and beneficiaries by year, geographic unit (country down to commune), sex and 5-year age band.
    Only the strata that hold beneficiaries are kept. The indicator list comes from the dbt graph, so a
    new % indicator is standardised without touching this file.
-#}
{%- set percent_indicators = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- if node.config.meta.get('measure') == 'patients' -%}
            {%- do percent_indicators.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

{{ exams_in_scope_ctes(percent_indicators | sort) }}

{{ beneficiaries_in_strata_ctes() }}

beneficiaries_by_stratum as (

    select
        year,
        coalesce(unit_code, 'no domicile') as unit_key,
        unit_code,
        sex,
        age_band,
        count(*) as beneficiaries

    from beneficiaries_in_strata
    group by 1, 2, 3, 4, 5

),

patients_by_stratum as (

    select
        patients.indicator_code,
        beneficiaries_in_strata.year,
        coalesce(beneficiaries_in_strata.unit_code, 'no domicile') as unit_key,
        beneficiaries_in_strata.sex,
        beneficiaries_in_strata.age_band,
        count(*) as patients

    from (select distinct indicator_code, year, person_id from exams_in_scope_by_person) as patients
    inner join beneficiaries_in_strata
        on beneficiaries_in_strata.year = patients.year
        and beneficiaries_in_strata.person_id = patients.person_id
    group by 1, 2, 3, 4, 5

),

counts_by_unit as (

    select
        indicators.indicator_code,
        beneficiaries_by_stratum.year,
        beneficiaries_by_stratum.unit_code,
        beneficiaries_by_stratum.sex,
        beneficiaries_by_stratum.age_band,
        coalesce(patients_by_stratum.patients, 0) as patients,
        beneficiaries_by_stratum.beneficiaries

    from beneficiaries_by_stratum
    cross join (select distinct indicator_code from exam_scope) as indicators
    left join patients_by_stratum
        on patients_by_stratum.indicator_code = indicators.indicator_code
        and patients_by_stratum.year = beneficiaries_by_stratum.year
        and patients_by_stratum.unit_key = beneficiaries_by_stratum.unit_key
        and patients_by_stratum.sex = beneficiaries_by_stratum.sex
        and patients_by_stratum.age_band = beneficiaries_by_stratum.age_band

),

{{ geo_rollup_ctes(
    'counts_by_unit',
    measures=['patients', 'beneficiaries'],
    breakdowns=['indicator_code', 'sex', 'age_band'],
    unit_level='commune',
    complete_grid=false,
) }}

final as (

    select
        indicator_code,
        year,
        geo_level,
        geo_code,
        sex,
        age_band,
        patients,
        beneficiaries

    from counts_on_grid

)

select * from final
