{#-
    A % indicator and the volume of its group (the registry's pairs) count the same exams: every patient
    has at least one exam, so in every row the volume's numerator is at least the % one's, and both have
    the same denominator.
-#}

with

pairs as (

    select indicator_code as percent_code, paired_code as volume_code
    from {{ ref('indicator_registry') }}
    where measure = 'patients'

),

figures as (

    select * from {{ ref('int_indicator_figures') }}

),

final as (

    select
        pairs.volume_code,
        patients.year,
        patients.geo_level,
        patients.geo_code,
        patients.numerator as patients,
        exams.numerator as exams,
        patients.denominator as patients_denominator,
        exams.denominator as exams_denominator

    from pairs
    inner join figures as patients on patients.indicator_code = pairs.percent_code
    left join figures as exams
        on exams.indicator_code = pairs.volume_code
        and exams.year = patients.year
        and exams.geo_level = patients.geo_level
        and exams.geo_code = patients.geo_code
    where exams.year is null
        or exams.numerator < patients.numerator
        or exams.denominator != patients.denominator

)

select * from final
