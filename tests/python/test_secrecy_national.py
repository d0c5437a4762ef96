"""The independent exact attacker on a whole built year, sectors included: what `make bench` runs on one
national year (case secrecy-one-year). Skipped unless IMAGING_SECRECY_DB names the built database;
IMAGING_SECRECY_COUNTS, when set, receives the counts found (pinned, inside [1, 4], short of
[v - 1, v + 1], reaching 0) per level."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from secrecy_attacker import attack_year

DATABASE = os.environ.get("IMAGING_SECRECY_DB")

pytestmark = pytest.mark.skipif(not DATABASE, reason="IMAGING_SECRECY_DB is not set (make bench sets it)")


def test_every_hidden_count_of_the_year_is_protected():
    queries = {
        "published": "select * from published_indicators",
        "figures": "select * from int_indicator_figures",
        "registry": "select * from indicator_registry",
        "exam_scope": "select * from indicator_exam_scope",
        "codes": "select distinct category, provider from int_imaging_codes_in_scope",
        "geo": "select * from int_geo_units",
    }
    with duckdb.connect(DATABASE, read_only=True) as connection:
        layer = {name: connection.execute(query).df() for name, query in queries.items()}
    counts = {}
    unprotected = []
    for year in sorted(layer["published"]["year"].unique()):
        attack = attack_year(
            layer["published"],
            layer["figures"],
            layer["registry"],
            layer["exam_scope"],
            layer["codes"],
            layer["geo"],
            int(year),
        )
        counts[int(year)] = {
            name: frame.groupby("geo_level").size().to_dict()
            for name, frame in [
                ("targets", attack.found),
                ("pinned", attack.pinned()),
                ("inside_one_to_four", attack.inside_one_to_four()),
                ("short", attack.short()),
                ("reaching_zero", attack.reaching_zero()),
            ]
        }
        unprotected.append(attack.unprotected())
    if os.environ.get("IMAGING_SECRECY_COUNTS"):
        Path(os.environ["IMAGING_SECRECY_COUNTS"]).write_text(json.dumps(counts, indent=2) + "\n")
    found = [frame for frame in unprotected if len(frame)]
    assert not found, found[0].head(20)
