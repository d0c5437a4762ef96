"""The points and control limits of a funnel plot per % indicator, year and level (province to commune),
plain and overdispersion-adjusted, with a flag per unit. A thin shell around imaging_atlas.variation,
documented in _variation__models.yml."""

from imaging_atlas.variation import funnel_plot_data, percent_cells


def model(dbt, session):
    dbt.config(materialized="table")
    cells = percent_cells(dbt.ref("published_indicators").df(), dbt.ref("indicator_registry").df())
    return funnel_plot_data(cells)
