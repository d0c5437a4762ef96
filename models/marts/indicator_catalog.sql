{#-
    One row per indicator of the registry: its facts from the seed `indicator_registry`, its texts from
    the config.meta of its mart in the dbt graph (the mart's own texts merged with those the marts share
    in dbt_project.yml). Each fact and each text is written in one place; an indicator whose mart has no
    texts keeps its row with empty texts, which the not_null tests of the name and description report.
-#}
{%- set meta_fields = [
    ('name', 'Nom', 'Naam'),
    ('description', 'Description', 'Omschrijving'),
    ('keywords', 'Mots-clés', 'Trefwoorden'),
    ('calculation_method', 'Méthode de calcul', 'Berekeningswijze'),
    ('source_variables', 'Variables sources', 'Bronvariabelen'),
    ('remarks', 'Remarques', 'Opmerkingen'),
    ('code_list_remark', 'Liste de codes', 'Codelijst'),
    ('update_frequency', 'Fréquence et moment de mise à jour', 'Frequentie en tijdstip van update'),
    ('metadata_updated', 'Dernière mise à jour des métadonnées', 'Laatste update metadata'),
] -%}

with

indicator_registry as (

    select * from {{ ref('indicator_registry') }}

),

indicator_exam_scope as (

    select * from {{ ref('indicator_exam_scope') }}

),

code_list_gaps as (

    select * from {{ ref('code_list_gaps') }}

),

indicators_with_a_gap as (

    select distinct indicator_exam_scope.indicator_code

    from indicator_exam_scope
    inner join code_list_gaps
        on code_list_gaps.category = indicator_exam_scope.category
        and {{ scope_takes_provider('indicator_exam_scope.provider', 'code_list_gaps.provider') }}

),

model_texts as (

    {{ catalog_model_texts(meta_fields) }}

),

final as (

    select
        indicator_registry.indicator_code,
        indicator_registry.atlas_code,
        indicator_registry.indicator_group,
        indicator_registry.measure,
        indicator_registry.paired_code,
        indicator_registry.sector_level_since,
        indicator_registry.code_status,
        indicator_registry.published,
        indicator_registry.cube_code,
        indicators_with_a_gap.indicator_code is null as code_list_complete,
        {%- for column, label_fr, label_nl in meta_fields %}
        model_texts.{{ column }}_fr,
        model_texts.{{ column }}_nl,
        {%- endfor %}
        model_texts.description_en

    from indicator_registry
    left join indicators_with_a_gap
        on indicators_with_a_gap.indicator_code = indicator_registry.indicator_code
    left join model_texts
        on model_texts.model_name = indicator_registry.indicator_code

)

select * from final
