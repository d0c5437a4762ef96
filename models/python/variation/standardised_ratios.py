"""Indirectly standardised ratios (observed / age-sex expected patients) of every % indicator, province to
commune, with an exact Poisson interval; only where the published cell is shown. A thin shell around
imaging_atlas.variation, documented in _variation__models.yml. The strata are summed over BIM status in
DuckDB first: pandas then holds a third of the rows."""

from imaging_atlas.variation import expected_counts, percent_cells, standardised_ratios


def model(dbt, session):
    dbt.config(materialized="table")
    cells = percent_cells(dbt.ref("published_indicators").df(), dbt.ref("indicator_registry").df())
    strata = (
        dbt.ref("int_indicator_strata")
        .aggregate(
            "indicator_code, year, geo_level, geo_code, sex, age_band, "
            "sum(patients) as patients, sum(beneficiaries) as beneficiaries",
            "indicator_code, year, geo_level, geo_code, sex, age_band",
        )
        .df()
    )
    return standardised_ratios(cells, expected_counts(strata))
