{#-
    Each % indicator and the volume of the same group (odd code, next even code) count the same exams:
    every patient has at least one exam, so in every row the volume's numerator is at least the % one's,
    and both have the same denominator.
-#}
{%- set pairs = [
    ('stat_013_003_at', 'stat_013_004_at'), ('stat_013_005_at', 'stat_013_006_at'),
    ('stat_013_007_at', 'stat_013_008_at'), ('stat_013_009_at', 'stat_013_010_at'),
    ('stat_013_011_at', 'stat_013_012_at'), ('stat_013_013_at', 'stat_013_014_at'),
    ('stat_013_015_at', 'stat_013_016_at'), ('stat_013_017_at', 'stat_013_018_at'),
    ('stat_013_019_at', 'stat_013_020_at'), ('stat_013_021_at', 'stat_013_022_at'),
    ('stat_013_023_at', 'stat_013_024_at'),
] -%}

{% for percent, volume in pairs %}
select
    '{{ volume }}' as volume,
    patients.year,
    patients.geo_level,
    patients.geo_code,
    patients.numerator as patients,
    exams.numerator as exams,
    patients.denominator as patients_denominator,
    exams.denominator as exams_denominator

from {{ ref(percent) }} as patients
left join {{ ref(volume) }} as exams
    on exams.year = patients.year
    and exams.geo_level = patients.geo_level
    and exams.geo_code = patients.geo_code
where exams.year is null
    or exams.numerator < patients.numerator
    or exams.denominator != patients.denominator
{% if not loop.last %}union all{% endif %}
{% endfor %}
