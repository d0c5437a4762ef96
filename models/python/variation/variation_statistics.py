"""Statistics of variation (EQ, EQ5-95, CV, weighted CV, SCV, EB with its interval) of every published
indicator, year and level from region to commune, in the model of its measure, over the shown units of
the published layer, withheld where the units cannot carry them. A thin shell around
imaging_atlas.variation, documented in _variation__models.yml. One year at a time."""

from imaging_atlas.variation import STATISTIC_AND_NATIONAL_LEVELS, read_cells, variation_statistics
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")

    def statistics_of_year(published, ratios, funnel):
        cells = read_cells(published, STATISTIC_AND_NATIONAL_LEVELS)
        return variation_statistics(cells, ratios.df(), funnel.filter("funnel = 'ratio'").df())

    return year_by_year(
        session,
        "variation_statistics",
        statistics_of_year,
        published=dbt.ref("published_indicators"),
        ratios=dbt.ref("standardised_ratios"),
        funnel=dbt.ref("funnel_plot_data"),
    )
