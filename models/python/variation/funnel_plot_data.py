"""The points and control limits of two funnel plots per published indicator, year and level (region to
commune, Brussels-Capital at the province level): the standardised ratio against its expected count (the
default) and the crude value against the beneficiaries, exact and overdispersion-adjusted, with flags
before and after a false-discovery-rate adjustment. A thin shell around imaging_atlas.variation,
documented in _variation__models.yml. One year at a time: a funnel sets the units of one year against
Belgium's value of that year."""

from imaging_atlas.variation import STATISTIC_AND_NATIONAL_LEVELS, funnel_plot_data, read_cells
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")

    def funnels_of_year(published, ratios):
        return funnel_plot_data(read_cells(published, STATISTIC_AND_NATIONAL_LEVELS), ratios.df())

    return year_by_year(
        session,
        "funnel_plot_data",
        funnels_of_year,
        published=dbt.ref("published_indicators"),
        ratios=dbt.ref("standardised_ratios"),
    )
