"""The independent exact attacker on a whole built year, sectors included: what `make bench` runs on one
national year (case secrecy-one-year). Skipped unless IMAGING_SECRECY_DB names the built database;
IMAGING_SECRECY_COUNTS, when set, receives the counts found (pinned, inside [1, 4], short of
[v - 1, v + 1], reaching 0) per level."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from secrecy_attacker import attack_layer, built_layer

DATABASE = os.environ.get("IMAGING_SECRECY_DB")

pytestmark = pytest.mark.skipif(not DATABASE, reason="IMAGING_SECRECY_DB is not set (make bench sets it)")


def test_every_hidden_count_of_the_year_is_protected():
    attacks = attack_layer(built_layer(DATABASE), exact=False)
    counts = {
        int(attack.found["year"].iloc[0]): {
            name: frame.groupby("geo_level").size().to_dict()
            for name, frame in [
                ("targets", attack.found),
                ("pinned", attack.pinned()),
                ("inside_one_to_four", attack.inside_one_to_four()),
                ("short", attack.short()),
                ("reaching_zero", attack.reaching_zero()),
            ]
        }
        for attack in attacks
        if len(attack.found)
    }
    if os.environ.get("IMAGING_SECRECY_COUNTS"):
        Path(os.environ["IMAGING_SECRECY_COUNTS"]).write_text(json.dumps(counts, indent=2) + "\n")
    found = [attack.unprotected() for attack in attacks if len(attack.unprotected())]
    assert not found, found[0].head(20)
