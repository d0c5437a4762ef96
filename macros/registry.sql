{% macro indicator_groups() -%}
{#- The registry's indicator groups in name order, read from the loaded seed when a model compiles
    (none while dbt parses). The seed's table in the target schema, not ref(): a unit test's ref() names
    its fixture, and the groups are those of the registry whatever the fixture holds. -#}
{%- if not execute -%}
    {{ return([]) }}
{%- endif -%}
{%- set registry = adapter.get_relation(
    database=target.database, schema=target.schema, identifier='indicator_registry'
) -%}
{%- if registry is none -%}
    {{ exceptions.raise_compiler_error(
        'The indicator groups are read from the seed indicator_registry, which is not loaded: run dbt seed'
    ) }}
{%- endif -%}
{%- set groups = run_query('select distinct indicator_group from ' ~ registry ~ ' order by 1') -%}
{{ return(groups.columns[0].values() | list) }}
{%- endmacro %}


{% macro catalog_model_texts(meta_fields) -%}
{#- The texts of every model whose config.meta has a French name, read from the dbt graph, as one select
    per model joined by union all: its name, the first paragraph of its description and each meta field
    in French and Dutch. At parse time the graph is empty: the same columns, no row. A macro, so that the
    SQL linter maps its output back to one call. -#}
{%- set documented_models = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.config.meta.get('FR · Nom') -%}
            {%- do documented_models.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- for node in documented_models %}
    {%- set meta = node.config.meta %}
    select
        {{ catalog_text(node.name) }} as model_name,
        {{ catalog_text(node.description.split('\n\n')[0] | replace('\n', ' ') | trim) }} as description_en,
        {%- for column, label_fr, label_nl in meta_fields %}
        {{ catalog_text(meta.get('FR · ' ~ label_fr)) }} as {{ column }}_fr,
        {{ catalog_text(meta.get('NL · ' ~ label_nl)) }} as {{ column }}_nl{{ "," if not loop.last }}
        {%- endfor %}
    {% if not loop.last %}union all{% endif %}
{%- else %}
    select
        {{ catalog_text(none) }} as model_name,
        {{ catalog_text(none) }} as description_en,
        {%- for column, label_fr, label_nl in meta_fields %}
        {{ catalog_text(none) }} as {{ column }}_fr,
        {{ catalog_text(none) }} as {{ column }}_nl{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
{%- endfor %}
{%- endmacro %}
