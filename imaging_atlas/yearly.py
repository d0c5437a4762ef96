"""Python models one reference year at a time, so that a national history fits beside DuckDB.

Every cell of the Atlas belongs to one year, and nothing the Python models compute (secrecy, standardised
rates, smoothing) crosses years. A history holds 19 years of about 500,000 cells each (24 indicators
down to the statistical sector): read at once, pandas would hold them all with their names as Python
strings, several times over while it computes. Read year by year, pandas holds one year; the years
already done wait in DuckDB, compressed and spillable under its memory limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


def years_of(rows: duckdb.DuckDBPyRelation) -> list[int]:
    """The distinct years of `rows`, in order."""
    return [int(year) for (year,) in rows.project("year").distinct().order("year").fetchall()]


def year_by_year(
    session: duckdb.DuckDBPyConnection,
    name: str,
    frame_of_year: Callable[..., pd.DataFrame],
    **inputs: duckdb.DuckDBPyRelation,
) -> duckdb.DuckDBPyRelation:
    """`frame_of_year(**inputs)` on the rows of one year of every input, for each year of the first input,
    gathered in a temporary table.

    The model returns the relation and dbt-duckdb writes it with the same connection (a temporary table
    is not seen by another). Without any year, `frame_of_year` gets the empty inputs, so the table still
    has its columns.
    """
    gathered = f"{name}__year_by_year"
    session.execute(f"drop table if exists {gathered}")
    years = years_of(next(iter(inputs.values())))
    selections = [
        {input_name: rows.filter(f"year = {year}") for input_name, rows in inputs.items()} for year in years
    ] or [inputs]
    for position, selection in enumerate(selections):
        session.register("rows_of_year", frame_of_year(**selection))
        into = f"create temp table {gathered} as" if position == 0 else f"insert into {gathered} by name"
        session.execute(f"{into} select * from rows_of_year")
        session.unregister("rows_of_year")
    return session.table(gathered)
