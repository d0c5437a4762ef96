{% macro register_raw_sources() %}
{#-
    Make the raw extract (docs/raw_contract.md) readable as the sources of `atlas_raw` on every engine; called
    by on-run-start. DuckDB needs nothing: dbt-duckdb reads the Parquet files through the sources'
    `external_location`. Engines with a catalog get one table per source over its Parquet folder.
-#}
    {{ return(adapter.dispatch('register_raw_sources', 'imaging_atlas')()) }}
{% endmacro %}


{% macro default__register_raw_sources() %}
    {{ return('') }}
{% endmacro %}


{% macro spark__register_raw_sources() %}
{#-
    One unmanaged Parquet table per source, re-created on every run so that its schema is read from the
    files present now. recursiveFileLookup reads any sub-folders (hive folders such as `year=2024/`
    included) without turning their names into columns, like the DuckDB source's hive_partitioning =
    false; mergeSchema is the counterpart of union_by_name. A table location must be absolute (Spark
    resolves a relative one against its warehouse), so a relative IMAGING_RAW_DIR is taken from the
    directory dbt runs in, as on DuckDB: the JVM's working directory, which is that of dbt.
-#}
    {%- if execute -%}
        {%- set raw_dir = env_var('IMAGING_RAW_DIR', 'data/raw').rstrip('/') -%}
        {%- if not raw_dir.startswith('/') and ':' not in raw_dir -%}
            {%- set working_dir = run_query(
                "select reflect('java.lang.System', 'getProperty', 'user.dir')"
            ).columns[0].values()[0] -%}
            {%- set raw_dir = working_dir ~ '/' ~ raw_dir -%}
        {%- endif -%}
        {%- for source in graph.sources.values() | selectattr('source_name', 'equalto', 'atlas_raw') -%}
            {%- set relation = api.Relation.create(schema=source.schema, identifier=source.identifier) -%}
            {%- do run_query('create schema if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ ' using parquet'
                ~ " options (recursiveFileLookup 'true', mergeSchema 'true', pathGlobFilter '*.parquet')"
                ~ " location '" ~ raw_dir ~ '/' ~ source.identifier ~ "'"
            ) -%}
            {{ log('Raw source ' ~ relation ~ ' reads ' ~ raw_dir ~ '/' ~ source.identifier, info=true) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
