"""The points and control limits of a funnel plot per % indicator, year and level (province to commune),
plain and overdispersion-adjusted, with a flag per unit. A thin shell around imaging_atlas.variation,
documented in _variation__models.yml."""

from imaging_atlas.variation import STATISTIC_AND_NATIONAL_LEVELS, funnel_plot_data, read_percent_cells


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("indicator_registry").df()
    cells = read_percent_cells(dbt.ref("published_indicators"), registry, STATISTIC_AND_NATIONAL_LEVELS)
    return funnel_plot_data(cells)
