"""Preflight checks of a raw extract (docs/raw_contract.md), run before dbt so that bad input stops the run.

dbt reads `<raw>/<table>/**/*.parquet` with `union_by_name`: a missing folder, a file that is not
Parquet, a renamed column or a column of another type would otherwise surface as a cryptic SQL error,
or worse, as silently missing rows or nulls. Every problem found names the file, the column and the
rule broken. Row-level problems (bad codes, years out of range, duplicates, claims of non-beneficiaries)
are not checked here: those rows go to the reject tables with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_MAGIC = b"PAR1"


def _is_text(data_type: pa.DataType) -> bool:
    return pa.types.is_string(data_type) or pa.types.is_large_string(data_type)


def _is_whole_number(data_type: pa.DataType) -> bool:
    return pa.types.is_integer(data_type)


def _is_text_or_whole_number(data_type: pa.DataType) -> bool:
    return _is_text(data_type) or _is_whole_number(data_type)


def _is_date(data_type: pa.DataType) -> bool:
    return pa.types.is_date(data_type) or pa.types.is_timestamp(data_type)


def _is_amount(data_type: pa.DataType) -> bool:
    return pa.types.is_decimal(data_type) or pa.types.is_floating(data_type) or pa.types.is_integer(data_type)


@dataclass(frozen=True)
class ColumnRule:
    """A column of the raw contract and the Parquet types it may arrive in."""

    name: str
    accepts: Callable[[pa.DataType], bool]
    expected: str


RAW_CONTRACT: dict[str, tuple[ColumnRule, ...]] = {
    "population": (
        ColumnRule("person_id", _is_text_or_whole_number, "text (or whole number)"),
        ColumnRule("year", _is_whole_number, "a whole number"),
        ColumnRule("birth_year", _is_whole_number, "a whole number"),
        ColumnRule("sex", _is_text, "text ('M' or 'F')"),
        ColumnRule("increased_reimbursement", pa.types.is_boolean, "a boolean"),
        ColumnRule("commune_dec31", _is_text, "text (a NIS code)"),
        ColumnRule("sector_dec31", _is_text, "text (a sector code)"),
        ColumnRule("commune_jun30", _is_text, "text (a NIS code)"),
        ColumnRule("sector_jun30", _is_text, "text (a sector code)"),
    ),
    "claims": (
        ColumnRule("person_id", _is_text_or_whole_number, "text (or whole number)"),
        ColumnRule("service_date", _is_date, "a Parquet DATE (dates as text are ambiguous: 03/02/2016?)"),
        ColumnRule("nomenclature_code", _is_text_or_whole_number, "text or a whole number"),
        ColumnRule("quantity", _is_whole_number, "a whole number"),
        ColumnRule("amount_eur", _is_amount, "a decimal number"),
    ),
}


@dataclass(frozen=True)
class Problem:
    """One broken rule of the raw contract: where, which column, which rule."""

    path: Path
    rule: str
    column: str | None = None

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        return f"{self.path}{column}: {self.rule}"


def _data_files(table_dir: Path) -> list[Path]:
    """Every regular file of a table folder, hidden files (.DS_Store, .crc) and _SUCCESS markers aside."""
    return sorted(
        path
        for path in table_dir.rglob("*")
        if path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(table_dir).parts)
    )


def check_file(path: Path, table: str) -> tuple[list[Problem], int]:
    """The problems of one file of `table` and its row count (0 when unreadable)."""
    if path.suffix != ".parquet":
        return [Problem(path, "not a .parquet file: dbt reads only *.parquet, its rows would be ignored")], 0
    if path.stat().st_size == 0:
        return [Problem(path, "empty file (0 bytes), not a Parquet file")], 0
    with path.open("rb") as handle:
        head = handle.read(4)
    if head != PARQUET_MAGIC:
        return [Problem(path, "not a Parquet file (no PAR1 signature)")], 0
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as error:
        return [Problem(path, f"unreadable Parquet file: {error}")], 0

    problems = []
    contract = RAW_CONTRACT[table]
    expected_names = {rule.name for rule in contract}
    unexpected = sorted(set(schema.names) - expected_names)
    for rule in contract:
        if rule.name not in schema.names:
            hint = f" (found instead: {', '.join(unexpected)})" if unexpected else ""
            problems.append(Problem(path, f"required column missing or renamed{hint}", rule.name))
        elif not rule.accepts(schema.field(rule.name).type):
            problems.append(
                Problem(
                    path, f"wrong type {schema.field(rule.name).type}, expected {rule.expected}", rule.name
                )
            )
    return problems, metadata.num_rows


def check_raw_dir(raw_dir: Path) -> list[Problem]:
    """Every problem of the raw extract in `raw_dir`; an empty list means dbt may run."""
    if not raw_dir.is_dir():
        return [Problem(raw_dir, "raw directory missing (set IMAGING_RAW_DIR or run make generate)")]
    if not any(raw_dir.iterdir()):
        return [Problem(raw_dir, "raw directory empty: expected folders population/ and claims/")]
    problems = []
    for table in RAW_CONTRACT:
        table_dir = raw_dir / table
        if not table_dir.is_dir():
            problems.append(Problem(table_dir, f"table folder missing: expected {table}/**/*.parquet"))
            continue
        files = _data_files(table_dir)
        if not files:
            problems.append(Problem(table_dir, "table folder holds no Parquet file"))
            continue
        table_rows = 0
        for path in files:
            file_problems, rows = check_file(path, table)
            problems.extend(file_problems)
            table_rows += rows
        if table_rows == 0 and not any(problem.path in files for problem in problems):
            problems.append(Problem(table_dir, f"table {table} has no rows in {len(files)} file(s)"))
    return problems


def report(problems: list[Problem]) -> str:
    """The message printed when the extract is refused."""
    lines = [f"The raw extract breaks {len(problems)} rule(s) of the raw contract (docs/raw_contract.md):"]
    lines += [f"  - {problem}" for problem in problems]
    lines.append("No model was built. Fix the extract and run again.")
    return "\n".join(lines)
