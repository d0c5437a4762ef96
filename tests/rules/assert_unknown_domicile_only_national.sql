{#-
    National-only rule (docs/rules.md, national only): a beneficiary without a known domicile on either date is in the
    Belgian row, numerator and denominator, and in no region. So, per year, the Belgian row minus the sum
    of the regions must be exactly those persons, recounted from the communes as given on the usable
    population rows, and those of them with an exam, as counted with no unit.
-#}

with

beneficiaries as (

    select * from {{ ref('int_population_checked') }}
    where reject_reason is null

),

reference_communes as (

    select distinct commune_nis from {{ ref('communes') }}

),

without_domicile as (

    select beneficiaries.person_id, beneficiaries.year
    from beneficiaries
    left join reference_communes as dec31 on dec31.commune_nis = beneficiaries.commune_dec31
    left join reference_communes as jun30 on jun30.commune_nis = beneficiaries.commune_jun30
    where dec31.commune_nis is null and jun30.commune_nis is null

),

patients_without_domicile as (

    select exams.year, sum(exams.patients) as patients
    from {{ ref('int_exams_by_indicator_group') }} as exams
    inner join {{ ref('indicator_registry') }} as indicators
        on indicators.indicator_group = exams.indicator_group
    where indicators.indicator_code = 'stat_013_001_at' and exams.sector_unit_code is null
    group by 1

),

expected_gap as (

    select
        without_domicile.year,
        count(*) as beneficiaries,
        max(coalesce(patients_without_domicile.patients, 0)) as patients

    from without_domicile
    left join patients_without_domicile on patients_without_domicile.year = without_domicile.year
    group by 1

),

mart as (

    select * from {{ ref('stat_013_001_at') }}

),

published_gap as (

    select
        country.year,
        max(country.denominator) - sum(regions.denominator) as beneficiaries,
        max(country.numerator) - sum(regions.numerator) as patients

    from mart as country
    inner join mart as regions
        on regions.year = country.year
        and regions.geo_level = 'region'
    where country.geo_level = 'country'
    group by 1

)

select
    published_gap.year,
    published_gap.beneficiaries as published_beneficiaries_gap,
    published_gap.patients as published_patients_gap,
    coalesce(expected_gap.beneficiaries, 0) as beneficiaries_without_domicile,
    coalesce(expected_gap.patients, 0) as patients_without_domicile

from published_gap
left join expected_gap on expected_gap.year = published_gap.year
where published_gap.beneficiaries != coalesce(expected_gap.beneficiaries, 0)
    or published_gap.patients != coalesce(expected_gap.patients, 0)
