"""Age-and-sex standardised % for every % indicator, down to commune: a thin shell around
imaging_atlas.standardise (direct method, Fay-Feuer 95% interval), documented in _python__models.yml."""

from imaging_atlas.standardise import (
    standard_population,
    standard_population_year,
    standardise,
    strata_by_sex_and_age,
)


def model(dbt, session):
    dbt.config(materialized="table")
    counts = strata_by_sex_and_age(dbt.ref("int_indicator_strata"))
    year = standard_population_year(dbt.config.get("standard_population_year"), counts)
    rates = standardise(counts, standard_population(counts, year))
    rates["standard_population_year"] = year
    return rates
