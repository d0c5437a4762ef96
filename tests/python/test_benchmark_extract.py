"""The benchmark reuses a national extract only when it is whole: a generation stopped midway leaves
years out and its last file cut short, and the builds would fail on it minutes later."""

from __future__ import annotations

from pathlib import Path

import duckdb

from imaging_atlas.benchmark.run import extract_is_complete


def write_years(raw_dir: Path, years: range) -> None:
    with duckdb.connect() as connection:
        for year in years:
            for table in ("population", "claims"):
                folder = raw_dir / table / f"year={year}"
                folder.mkdir(parents=True)
                connection.execute(f"copy (select {year} as year) to '{folder / 'part-0.parquet'}'")


def test_a_whole_extract_is_reused(tmp_path: Path) -> None:
    write_years(tmp_path, range(2020, 2023))
    assert extract_is_complete(tmp_path, 2020, 2022)


def test_a_missing_year_or_table_means_generating_again(tmp_path: Path) -> None:
    write_years(tmp_path, range(2020, 2022))
    assert not extract_is_complete(tmp_path, 2020, 2022)
    (tmp_path / "claims" / "year=2021" / "part-0.parquet").unlink()
    assert not extract_is_complete(tmp_path, 2020, 2021)


def test_a_file_cut_short_means_generating_again(tmp_path: Path) -> None:
    write_years(tmp_path, range(2020, 2022))
    last = tmp_path / "claims" / "year=2021" / "part-0.parquet"
    last.write_bytes(last.read_bytes()[:-20])
    assert not extract_is_complete(tmp_path, 2020, 2021)
