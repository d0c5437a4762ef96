"""Crude, global Empirical-Bayes smoothed and (communes) age-sex standardised % of communes and sectors
for every % indicator. A thin shell around imaging_atlas.variation, documented in _variation__models.yml."""

from imaging_atlas.variation import percent_cells, smoothed_rates


def model(dbt, session):
    dbt.config(materialized="table")
    cells = percent_cells(dbt.ref("published_indicators").df(), dbt.ref("indicator_registry").df())
    return smoothed_rates(cells, dbt.ref("standardised_rates").df())
