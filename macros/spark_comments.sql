{#-
    Table comments on Spark (persist_docs). A Hive metastore keeps a table's comment in a 4,000-character
    column (TABLE_PARAMS.PARAM_VALUE), and an indicator's description with its Atlas metadata is longer:
    the table then fails to be created. This override of the adapter's macro keeps whole paragraphs of the
    description up to that limit and ends a shortened comment with a pointer to the dbt docs, where the
    full text is, as a Spark string literal (string_literal).
-#}

{% macro spark__comment_clause() %}
    {%- set raw_persist_docs = config.get('persist_docs', {}) -%}
    {%- if raw_persist_docs is not mapping -%}
        {%- if raw_persist_docs -%}
            {{ exceptions.raise_compiler_error(
                "Invalid value provided for 'persist_docs'. Expected dict but got value: " ~ raw_persist_docs
            ) }}
        {%- endif -%}
    {%- elif raw_persist_docs.get('relation', false) -%}
        comment {{ string_literal(metastore_comment(model.description)) }}
    {%- endif -%}
{%- endmacro %}


{% macro metastore_comment(description, limit=4000) -%}
    {%- set pointer = ' [...] Full description in the dbt docs.' -%}
    {%- if description | length <= limit -%}
        {{ return(description) }}
    {%- endif -%}
    {%- set kept = [] -%}
    {%- for paragraph in description.split('\n\n') -%}
        {%- set candidate = (kept + [paragraph]) | join('\n\n') -%}
        {%- if candidate | length + pointer | length <= limit and kept | length == loop.index0 -%}
            {%- do kept.append(paragraph) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set shortened = kept | join('\n\n') if kept else description[:limit - pointer | length] -%}
    {{ return(shortened ~ pointer) }}
{%- endmacro %}
