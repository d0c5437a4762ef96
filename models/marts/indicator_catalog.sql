{#-
    One row per indicator with its metadata, read from the dbt graph at compile time (the config.meta of
    every model whose meta has a `measure`): the YAML is the only place the metadata is written.
    Each field of the Atlas metadata page is a pair of meta keys, `FR · <label>` and `NL · <label>`.
-#}
{%- set atlas_fields = [
    ('name', 'Nom', 'Naam'),
    ('description', 'Description', 'Omschrijving'),
    ('codification', 'Codification', 'Codering'),
    ('source_variables', 'Variables sources', 'Bronvariabelen'),
    ('remarks', 'Remarques', 'Opmerkingen'),
    ('code_list_remark', 'Liste de codes', 'Codelijst'),
    ('known_gaps', 'Lacunes connues de la liste de codes', 'Gekende lacunes van de codelijst'),
    ('equivalent_variables', 'Variables équivalentes', 'Gelijkaardige variabelen'),
    ('update_frequency', 'Fréquence et moment de mise à jour', 'Frequentie en tijdstip van update'),
    ('keywords', 'Mots-clés', 'Trefwoorden'),
    ('smallest_level', 'Plus petit niveau géographique', 'Kleinste geografische niveau'),
    ('calculation_method', 'Méthode de calcul', 'Berekeningswijze'),
    ('available_since', 'Disponible depuis', 'Beschikbaar sinds'),
    ('recommended_reference', 'Référence recommandée', 'Aanbevolen referentie'),
    ('metadata_updated', 'Dernière mise à jour des métadonnées', 'Laatste update metadata'),
] -%}
{%- set indicators = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.config.meta.get('measure') -%}
            {%- do indicators.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

indicators as (
    {% for node in indicators %}
    {%- set meta = node.config.meta %}
    select
        {{ catalog_text(node.name) }} as indicator_code,
        {{ catalog_text(meta.get('atlas_code')) }} as atlas_code,
        {{ catalog_text(meta.get('code_status')) }} as code_status,
        {{ catalog_text(meta.get('measure')) }} as measure,
        {{ 'true' if meta.get('code_list_complete') else 'false' }} as code_list_complete,
        {{ catalog_text(node.description.split('\n\n')[0] | replace('\n', ' ') | trim) }} as description_en,
        {%- for column, label_fr, label_nl in atlas_fields %}
        {{ catalog_text(meta.get('FR · ' ~ label_fr)) }} as {{ column }}_fr,
        {{ catalog_text(meta.get('NL · ' ~ label_nl)) }} as {{ column }}_nl{{ "," if not loop.last }}
        {%- endfor %}

    {% if not loop.last %}union all{% endif %}
    {%- else %}
    {#- At parse time the graph is empty: the same columns, no row. #}
    select
        {{ catalog_text(none) }} as indicator_code,
        {{ catalog_text(none) }} as atlas_code,
        {{ catalog_text(none) }} as code_status,
        {{ catalog_text(none) }} as measure,
        false as code_list_complete,
        {{ catalog_text(none) }} as description_en,
        {%- for column, label_fr, label_nl in atlas_fields %}
        {{ catalog_text(none) }} as {{ column }}_fr,
        {{ catalog_text(none) }} as {{ column }}_nl{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}

),

final as (

    select * from indicators

)

select * from final
