"""Crude, global Empirical-Bayes smoothed and (communes) age-sex standardised % of communes and sectors
for every % indicator. A thin shell around imaging_atlas.variation, documented in _variation__models.yml.
One year at a time: a smoothing pools the units of one indicator, year and level."""

from imaging_atlas.variation import SMOOTHING_LEVELS, read_percent_cells, smoothed_rates
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("indicator_registry").df()

    def rates_of_year(published, standardised):
        cells = read_percent_cells(published, registry, SMOOTHING_LEVELS)
        return smoothed_rates(cells, standardised.df())

    return year_by_year(
        session,
        "smoothed_rates",
        rates_of_year,
        published=dbt.ref("published_indicators"),
        standardised=dbt.ref("standardised_rates").filter("geo_level = 'commune'"),
    )
