"""Indirectly standardised ratios (observed / age-sex expected count) of every published indicator, region
to commune with Brussels-Capital at the province level, with the exact interval of the measure's model
(binomial for a %, quasi-Poisson for a volume); only where the published cell is shown. A thin shell
around imaging_atlas.variation, documented in _variation__models.yml. One year at a time: a unit is
expected the national rates of its own year."""

from imaging_atlas.standardise import strata_by_sex_and_age
from imaging_atlas.variation import (
    STATISTIC_AND_NATIONAL_LEVELS,
    expected_counts,
    quoted,
    read_cells,
    standardised_ratios,
)
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("indicator_registry").df()

    def ratios_of_year(published, strata):
        cells = read_cells(published, STATISTIC_AND_NATIONAL_LEVELS)
        return standardised_ratios(cells, expected_counts(strata_by_sex_and_age(strata), registry))

    levels = quoted(STATISTIC_AND_NATIONAL_LEVELS)
    return year_by_year(
        session,
        "standardised_ratios",
        ratios_of_year,
        published=dbt.ref("published_indicators"),
        strata=dbt.ref("int_indicator_strata").filter(f"geo_level in ({levels})"),
    )
