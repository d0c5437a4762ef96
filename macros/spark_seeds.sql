{#-
    dbt-spark 1.11 loads seeds in a local session by pasting each value into the SQL text between quotes,
    unescaped, and None as the text 'None': a name such as "Province d'Anvers" breaks the statement and
    an empty cell becomes the string 'None' instead of null. This override of the adapter's macro (the
    root project's spark__load_csv_rows wins over the adapter's) writes every value as an escaped SQL
    literal, so that seeds load on Spark exactly as on DuckDB.
    Each batch is one inline table cast to the seed's column types once per column, and a text is escaped
    here as spark__string_literal escapes it, inline: a cast or a macro call per cell made the statistical
    sectors' seed load many times slower.
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
            insert into {{ this.render() }}
            select
                {%- for column_type in column_types %}
                cast(cell_{{ loop.index0 }} as {{ column_type }}){% if not loop.last %},{% endif %}
                {%- endfor %}
            from values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {%- if value is none -%} null
                    {%- elif value is sameas true -%} true
                    {%- elif value is sameas false -%} false
                    {%- elif value is number -%} {{ value }}
                    {%- else -%} '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                )
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
            as seed_rows (
                {%- for column_type in column_types -%}
                cell_{{ loop.index0 }}{% if not loop.last %}, {% endif %}
                {%- endfor -%}
            )
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
