"""Benchmark: generation, the dbt build of the headline marts, and the engine's floor, in one run.

Each phase runs in its own process so that its wall time and peak memory (from wait4's rusage) are its
own. The floor is one hand-written DuckDB query (reference_query.sql) over the same Parquet files; its
figures must equal the marts', so the benchmark doubles as a check that the pipeline is exact.
"""
