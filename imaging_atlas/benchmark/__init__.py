"""Benchmark: generation, the dbt build of the headline marts, and the engine's floor, in one run.

Each phase runs in its own process so that its wall time and peak memory (from wait4's rusage) are its
own. The floor is one hand-written DuckDB query (reference_query.sql) over the same Parquet files; its
figures must equal the marts', so the benchmark doubles as a check that the pipeline is exact. A one-year
case also runs the build's own SQL of the headline path as one statement without dbt (one_statement.py),
whose figures must equal the built ones: it tells the indicator layer's work from what dbt adds.
"""
