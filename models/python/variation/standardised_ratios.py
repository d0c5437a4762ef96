"""Indirectly standardised ratios (observed / age-sex expected patients) of every % indicator, province to
commune, with an exact Poisson interval; only where the published cell is shown. A thin shell around
imaging_atlas.variation, documented in _variation__models.yml."""

from imaging_atlas.variation import expected_counts, percent_cells, standardised_ratios


def model(dbt, session):
    dbt.config(materialized="table")
    cells = percent_cells(dbt.ref("published_indicators").df(), dbt.ref("indicator_registry").df())
    expected = expected_counts(dbt.ref("int_imaging_patients_by_age_sex").df())
    return standardised_ratios(cells, expected)
