{#-
    Domicile fallback (docs/rules.md, domicile): a beneficiary whose 31 December commune is unknown (null
    or not a reference commune) but whose 30 June commune is known is counted in the 30 June commune.
    Recounts the commune denominators from the communes as given on the usable population rows and
    compares with the mart.
-#}

with

beneficiaries as (

    select * from {{ ref('int_population_checked') }}
    where reject_reason is null

),

communes_2025 as (

    select * from {{ ref('int_communes_mapped_to_2025') }}

),

expected_by_commune as (

    select
        beneficiaries.year,
        coalesce(dec31.commune_nis_2025, jun30.commune_nis_2025) as commune_nis,
        count(*) as beneficiaries

    from beneficiaries
    left join communes_2025 as dec31 on dec31.commune_nis = beneficiaries.commune_dec31
    left join communes_2025 as jun30 on jun30.commune_nis = beneficiaries.commune_jun30
    where coalesce(dec31.commune_nis_2025, jun30.commune_nis_2025) is not null
    group by 1, 2

),

published as (

    select year, geo_code as commune_nis, denominator
    from {{ ref('stat_013_001_at') }}
    where geo_level = 'commune'

)

select
    published.year,
    published.commune_nis,
    published.denominator,
    coalesce(expected_by_commune.beneficiaries, 0) as expected_denominator

from published
left join expected_by_commune
    on expected_by_commune.year = published.year
    and expected_by_commune.commune_nis = published.commune_nis
where published.denominator != coalesce(expected_by_commune.beneficiaries, 0)
