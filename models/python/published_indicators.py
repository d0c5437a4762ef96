"""The publication layer: the % indicator marts under IMA's statistical secrecy, with Wilson intervals.

A thin shell: the rules live in imaging_atlas.publication (tested on their own). The marts are listed
one by one because dbt reads a Python model's refs from its source; add a line per new % indicator.
"""

from imaging_atlas.publication import publish_indicators


def model(dbt, session):
    dbt.config(materialized="table")
    marts = {
        "stat_013_001_at": dbt.ref("stat_013_001_at").df(),
        "stat_013_023_at": dbt.ref("stat_013_023_at").df(),
    }
    return publish_indicators(marts, dbt.ref("int_geo_units").df())
