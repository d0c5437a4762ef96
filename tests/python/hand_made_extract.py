"""A raw extract small enough to work out every mart row by hand.

Each person exercises one rule of docs/rules.md; the expected figures are derived in
test_end_to_end.py. Codes: 458850 CT, 589072 therapeutic interventional,
459491 MRI, 461134 echography, 450096 RX, 377090 dental imaging (valid to 2024-03-31),
461731 echography valid only from 2019-05-01.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from imaging_atlas.raw_contract import CLAIMS_SCHEMA, POPULATION_SCHEMA

# person_id, year, birth_year, sex, bim, commune_dec31, sector_dec31, commune_jun30, sector_jun30
POPULATION_ROWS = [
    # 2015: two Aartselaar residents.
    ("P01", 2015, 1950, "F", False, "11001", "11001A00-", "11001", "11001A00-"),
    ("P10", 2015, 1980, "M", True, "11001", "11001A01-", "11001", "11001A01-"),
    # 2016
    ("P01", 2016, 1950, "F", False, "11001", "11001A00-", "11001", "11001A00-"),
    # unknown on 31/12, Nevele (merged into Deinze 44083 in 2019) on 30/06: the fallback.
    ("P02", 2016, 1940, "M", True, None, None, "44049", "44049A001"),
    # no domicile on either date: national row only.
    ("P03", 2016, 1990, "F", False, None, None, None, None),
    # a commune code that exists in no reference: no known domicile.
    ("P04", 2016, 2000, "X", False, "99999", None, None, None),
    # Brussels, with a sector of another commune: the Brussels unknown-sector bucket.
    ("P05", 2016, 1970, "F", False, "21004", "11001A00-", "21004", "11001A00-"),
    ("P06", 2016, 1985, "M", False, "21004", "21004A001", "21004", "21004A001"),
    # Zwijndrecht (Antwerp), merged into Beveren-Kruibeke-Zwijndrecht 46030 (East Flanders) in 2025.
    ("P07", 2016, 1960, "F", False, "11056", None, "11056", None),
    # Aartselaar with the reference unknown-sector code on 31/12; lived in Brussels on 30/06.
    ("P08", 2016, 2010, "M", False, "11001", "11001ZZZZ", "21004", "21004A001"),
    # the same person-year twice: both rows rejected, and so are the person's claims.
    ("P09", 2016, 1955, "F", False, "11001", "11001A00-", "11001", "11001A00-"),
    ("P09", 2016, 1955, "F", False, "11001", "11001A00-", "11001", "11001A00-"),
    # no person id: rejected.
    (None, 2016, 1955, "F", False, "11001", "11001A00-", "11001", "11001A00-"),
]

# person_id, service_date, nomenclature_code, quantity, amount_eur
CLAIM_ROWS = [
    ("P10", date(2015, 3, 2), "589072", 1, "250.00"),
    ("P01", date(2015, 5, 4), "012345", 1, "20.00"),
    ("P01", date(2016, 2, 1), "458850", 1, "110.00"),
    ("P01", date(2016, 2, 1), "12345", 1, "20.00"),
    ("P02", date(2016, 6, 10), "589072", 1, "250.00"),
    ("P03", date(2016, 9, 9), "459491", 1, "90.00"),
    # P05: an echography cancelled entirely by its correction.
    ("P05", date(2016, 4, 4), "461134", 1, "30.00"),
    ("P05", date(2016, 4, 4), "461134", -1, "-30.00"),
    # P06: two RX billed, one corrected away: one exam remains.
    ("P06", date(2016, 7, 7), "450096", 2, "40.00"),
    ("P06", date(2016, 7, 7), "450096", -1, "-20.00"),
    # P07: an echography code billed three years before it existed: not imaging.
    ("P07", date(2016, 8, 8), "461731", 1, "30.00"),
    # P08: a dental radiograph with spaces around the code.
    ("P08", date(2016, 10, 10), " 377090 ", 1, "15.00"),
    ("P09", date(2016, 1, 5), "458850", 1, "110.00"),
    ("P10", date(2016, 3, 3), "458850", 1, "110.00"),
    (None, date(2016, 3, 3), "458850", 1, "110.00"),
    ("P01", date(2005, 12, 30), "458850", 1, "110.00"),
    ("P01", date(2016, 11, 11), "ABC123", 1, "10.00"),
    ("P01", None, "458850", 1, "110.00"),
]


def write_hand_made_extract(raw_dir: Path) -> None:
    """Write the extract in the raw contract layout, one hive folder per year as real extracts come."""
    population = pa.Table.from_pylist(
        [dict(zip(POPULATION_SCHEMA.names, row, strict=True)) for row in POPULATION_ROWS],
        schema=POPULATION_SCHEMA,
    )
    claims = pa.Table.from_pylist(
        [dict(zip(CLAIMS_SCHEMA.names, (*row[:4], Decimal(row[4])), strict=True)) for row in CLAIM_ROWS],
        schema=CLAIMS_SCHEMA,
    )
    (raw_dir / "population").mkdir(parents=True, exist_ok=True)
    (raw_dir / "claims").mkdir(parents=True, exist_ok=True)
    pq.write_table(population, raw_dir / "population" / "population.parquet")
    pq.write_table(claims, raw_dir / "claims" / "claims.parquet")
