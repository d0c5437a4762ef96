"""Conversion of numeric arrays to the raw contract's Arrow types, and where each year's Parquet file goes.

Strings (person ids, codes) are built with Arrow compute kernels or `take` from small dictionaries,
never with Python string operations per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from imaging_atlas.raw_contract import CLAIMS_SCHEMA
from imaging_atlas.synthetic import parameters as par
from imaging_atlas.synthetic.claims import ClaimLines

PARQUET_FILE_NAME = "part-0.parquet"


class CodeStyle(IntEnum):
    """How a numeric code is written in the extract."""

    PADDED = 0  # '012345', the normal form
    SPACED = 1  # ' 458850 '
    UNPADDED = 2  # '12345': leading zeros lost


def fixed_width_strings(prefix: str, number: np.ndarray, digits: int) -> pa.Array:
    """prefix + zero-padded non-negative numbers, written straight into an Arrow string buffer.

    All strings have the same length, so the offsets are an arithmetic sequence and the characters
    are a (rows x width) byte matrix filled digit by digit: about ten times faster than string kernels
    on the tens of millions of ids and codes of a full-scale year.
    """
    number = np.asarray(number, dtype=np.int64)
    width = len(prefix) + digits
    characters = np.empty((len(number), width), dtype=np.uint8)
    characters[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    remainder = number.copy()
    for position in range(width - 1, len(prefix) - 1, -1):
        characters[:, position] = ord("0") + remainder % 10
        remainder //= 10
    offsets = np.arange(0, (len(number) + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(number), [None, pa.py_buffer(offsets), pa.py_buffer(characters)]
    )


def format_person_ids(number: np.ndarray) -> pa.Array:
    """'P' + zero-padded person number, e.g. P0000001234."""
    return fixed_width_strings(par.PERSON_ID_PREFIX, number, par.PERSON_ID_DIGITS)


def format_codes(code: np.ndarray, style: np.ndarray) -> pa.Array:
    """Codes as text in the given styles: all padded to 6 digits, then the few lines written
    otherwise are replaced in place."""
    padded = fixed_width_strings("", code, 6)
    special = style != CodeStyle.PADDED
    if not special.any():
        return padded
    digits = pc.cast(pa.array(code[special], pa.int32()), pa.string())
    spaced = pc.binary_join_element_wise(" ", padded.filter(pa.array(special)), " ", "")
    replacement = pc.if_else(pa.array(style[special] == CodeStyle.SPACED), spaced, digits)
    return pc.replace_with_mask(padded, pa.array(special), replacement)


def decimal_from_cents(cents: np.ndarray) -> pa.Array:
    """decimal128(12, 2) from integer cents, by writing the 16-byte two's complement words directly
    (an exact and fast conversion; casts from integers would change the scale)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(words)])


def dates_from_epoch_days(day: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(day.astype(np.int32), pa.int32(), mask=missing).cast(pa.date32())


def take_with_nulls(dictionary: pa.Array, index: np.ndarray) -> pa.Array:
    """dictionary[index], null where index < 0."""
    return dictionary.take(pa.array(np.maximum(index, 0), pa.int32(), mask=index < 0))


def claims_table(
    person_id: pa.Array,
    day: np.ndarray,
    code: pa.Array,
    quantity: np.ndarray,
    cents: np.ndarray,
    day_missing: np.ndarray | None = None,
) -> pa.Table:
    """A claims table with the exact contract types."""
    return pa.Table.from_arrays(
        [
            person_id,
            dates_from_epoch_days(day, day_missing),
            code,
            pa.array(quantity.astype(np.int32), pa.int32()),
            decimal_from_cents(cents),
        ],
        schema=CLAIMS_SCHEMA,
    )


def claim_lines_tables(
    lines: ClaimLines, style: np.ndarray, person_ids: pa.Array, chunk_rows: int
) -> Iterator[pa.Table]:
    """Claim lines of beneficiaries as tables of at most `chunk_rows` rows, built lazily so that only
    one chunk of strings is in memory at a time."""
    for start in range(0, len(lines), chunk_rows):
        rows = slice(start, start + chunk_rows)
        yield claims_table(
            person_ids.take(pa.array(lines.person[rows])),
            lines.day[rows],
            format_codes(lines.code[rows], style[rows]),
            lines.quantity[rows],
            lines.cents[rows],
        )


def year_file(out_dir: Path, table_name: str, year: int) -> Path:
    """<out>/<table>/year=YYYY/part-0.parquet (hive folder = year of generation)."""
    folder = out_dir / table_name / f"year={year}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / PARQUET_FILE_NAME
