"""The raw contract (docs/raw_contract.md) as Arrow schemas: what the generator writes and tests build."""

from __future__ import annotations

import pyarrow as pa

POPULATION_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("year", pa.int32()),
        ("birth_year", pa.int32()),
        ("sex", pa.string()),
        ("increased_reimbursement", pa.bool_()),
        ("commune_dec31", pa.string()),
        ("sector_dec31", pa.string()),
        ("commune_jun30", pa.string()),
        ("sector_jun30", pa.string()),
    ]
)

CLAIMS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("service_date", pa.date32()),
        ("nomenclature_code", pa.string()),
        ("quantity", pa.int32()),
        ("amount_eur", pa.decimal128(12, 2)),
    ]
)
