"""The Python models' year-by-year helper: each year's rows alone, every year gathered, nothing lost."""

from __future__ import annotations

import duckdb
import pandas as pd

from imaging_atlas.yearly import year_by_year, years_of


def connection_with_cells() -> duckdb.DuckDBPyConnection:
    """Three cells in 2020, two in 2021 (patients 1..5), and a 2021 national rate per indicator."""
    connection = duckdb.connect()
    connection.execute(
        "create table cells as select * from (values"
        " ('a', 2020, 1), ('b', 2020, 2), ('c', 2020, 3), ('a', 2021, 4), ('b', 2021, 5))"
        " as cells(geo_code, year, patients)"
    )
    connection.execute("create table rates as select * from (values (2020, 10), (2021, 20)) as r(year, rate)")
    return connection


def test_each_year_is_computed_from_its_own_rows_and_all_are_kept():
    """2020: 1 + 2 + 3 = 6 patients over 3 cells, times its rate 10 = 60;
    2021: 4 + 5 = 9 over 2 cells, times 20 = 180."""
    connection = connection_with_cells()
    seen_years = []

    def totals(cells: duckdb.DuckDBPyRelation, rates: duckdb.DuckDBPyRelation) -> pd.DataFrame:
        frame, rate = cells.df(), rates.df()
        seen_years.append(sorted(set(frame["year"]) | set(rate["year"])))
        return pd.DataFrame(
            {
                "year": [int(frame["year"].iloc[0])],
                "cells": [len(frame)],
                "weighted": [int(frame["patients"].sum() * rate["rate"].iloc[0])],
            }
        )

    result = year_by_year(
        connection, "totals", totals, cells=connection.table("cells"), rates=connection.table("rates")
    )
    assert result.order("year").fetchall() == [(2020, 3, 60), (2021, 2, 180)]
    assert seen_years == [[2020], [2021]]


def test_without_any_year_the_table_keeps_its_columns():
    connection = connection_with_cells()
    empty = connection.table("cells").filter("year > 2100")
    result = year_by_year(connection, "copy", lambda cells: cells.df(), cells=empty)
    assert result.columns == ["geo_code", "year", "patients"]
    assert result.fetchall() == []


def test_a_second_run_replaces_the_first():
    connection = connection_with_cells()
    cells = connection.table("cells")
    year_by_year(connection, "copy", lambda cells: cells.df(), cells=cells)
    again = year_by_year(connection, "copy", lambda cells: cells.df(), cells=cells)
    assert again.aggregate("count(*), sum(patients)").fetchall() == [(5, 15)]


def test_years_of_lists_each_year_once_in_order():
    assert years_of(connection_with_cells().table("cells")) == [2020, 2021]
