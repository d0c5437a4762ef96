"""Age-and-sex standardised % for every % indicator, down to commune: a thin shell around
imaging_atlas.standardise (direct method, Fay-Feuer 95% interval), documented in _python__models.yml.
One year at a time: a unit's rate of one year needs only that year's strata and the standard."""

from imaging_atlas.standardise import (
    standard_population,
    standard_population_year,
    standardise,
    strata_by_sex_and_age,
)
from imaging_atlas.yearly import year_by_year, years_of


def model(dbt, session):
    dbt.config(materialized="table")
    strata = dbt.ref("int_indicator_strata")
    year = standard_population_year(dbt.config.get("standard_population_year"), years_of(strata))
    standard = standard_population(strata_by_sex_and_age(strata.filter("geo_level = 'country'")), year)

    def rates_of_year(strata):
        rates = standardise(strata_by_sex_and_age(strata), standard)
        rates["standard_population_year"] = year
        return rates

    return year_by_year(session, "standardised_rates", rates_of_year, strata=strata)
