"""Crude, Empirical-Bayes smoothed (beta-binomial for a %, gamma-Poisson for a volume) and, for the
communes of a %, age-sex standardised values of communes and sectors for every published indicator. A thin
shell around imaging_atlas.variation, documented in _variation__models.yml. One year at a time: a
smoothing pools the units of one indicator, year and level."""

from imaging_atlas.variation import SMOOTHING_LEVELS, read_cells, smoothed_rates
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")

    def rates_of_year(published, ratios, standardised):
        return smoothed_rates(read_cells(published, SMOOTHING_LEVELS), ratios.df(), standardised.df())

    return year_by_year(
        session,
        "smoothed_rates",
        rates_of_year,
        published=dbt.ref("published_indicators"),
        ratios=dbt.ref("standardised_ratios").filter("geo_level = 'commune'"),
        standardised=dbt.ref("standardised_rates").filter("geo_level = 'commune'"),
    )
