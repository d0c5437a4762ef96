"""Statistics of variation (EQ, EQ5-95, CV, weighted CV, SCV, EB with its interval) of every % indicator,
year and level from province to commune, over the shown units of the published layer. A thin shell around
imaging_atlas.variation, documented in _variation__models.yml."""

from imaging_atlas.variation import STATISTIC_AND_NATIONAL_LEVELS, read_percent_cells, variation_statistics


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("indicator_registry").df()
    cells = read_percent_cells(dbt.ref("published_indicators"), registry, STATISTIC_AND_NATIONAL_LEVELS)
    return variation_statistics(cells, dbt.ref("standardised_ratios").df())
