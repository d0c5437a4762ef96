{#-
    dbt-spark 1.11 loads seeds in a local session by pasting each value into the SQL text between quotes,
    unescaped, and None as the text 'None': a name such as "Province d'Anvers" breaks the statement and
    an empty cell becomes the string 'None' instead of null. This override of the adapter's macro (the
    root project's spark__load_csv_rows wins over the adapter's) writes every value as an escaped SQL
    literal, so that seeds load on Spark exactly as on DuckDB.
-#}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(
            column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))
        ) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ column_types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                )
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{% macro spark_seed_literal(value) -%}
    {#- A CSV cell as a Spark SQL literal: null, a boolean, a number, or escaped quoted text. -#}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
