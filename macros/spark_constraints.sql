{#-
    Enforced contracts on Spark tables that are not Delta. dbt-spark declares not_null and check
    constraints with ALTER TABLE, which only Delta tables accept (a local session writes plain Parquet:
    "does not support ALTER COLUMN ... SET NOT NULL"). This override of the adapter's macro keeps the
    declaration for Delta tables and, for any other table, enforces the same constraints by counting the
    violating rows once the table is built (a check whose expression is null passes, as in SQL), failing
    the model with the table, rule and row count, as DuckDB's NOT NULL and CHECK would.
-#}

{% macro spark__persist_constraints(relation, model) %}
    {%- if not config.get('contract').enforced -%}
        {{ return('') }}
    {%- endif -%}
    {%- if config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- else -%}
        {%- do check_constraints_by_query(relation, model) -%}
    {%- endif -%}
{% endmacro %}


{% macro check_constraints_by_query(relation, model) %}
    {%- set rules = [] -%}
    {%- for column_name, column in model.columns.items() -%}
        {%- for constraint in column.constraints -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do rules.append((column_name ~ ' is not null', column_name ~ ' is not null')) -%}
            {%- elif constraint.type == 'check' and constraint.expression -%}
                {%- do rules.append((column_name ~ ' check ' ~ constraint.expression, constraint.expression)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in model.constraints -%}
        {%- if constraint.type == 'check' and constraint.expression -%}
            {%- do rules.append(('check ' ~ constraint.expression, constraint.expression)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counts -%}
        select
        {%- for label, condition in rules %}
            sum(case when not ({{ condition }}) then 1 else 0 end) as rule_{{ loop.index }}
            {{- "," if not loop.last }}
        {%- endfor %}
        from {{ relation }}
    {%- endset -%}
    {%- set result = run_query(counts) -%}
    {%- set violations = [] -%}
    {%- for label, condition in rules -%}
        {%- set violating_rows = result.columns[loop.index0].values()[0] or 0 -%}
        {%- if violating_rows > 0 -%}
            {%- do violations.append(label ~ ': ' ~ violating_rows ~ ' rows violate it') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if violations -%}
        {{ exceptions.raise_compiler_error(
            'Contract constraints violated in ' ~ relation ~ ' (' ~ model.original_file_path ~ '): '
            ~ violations | join('; ')
        ) }}
    {%- endif -%}
{% endmacro %}
