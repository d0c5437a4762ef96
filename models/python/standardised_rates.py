"""Age-and-sex standardised % for every % indicator, down to commune: a thin shell around
imaging_atlas.standardise (direct method on a fixed standard population, strata collapsed or the rate
withheld where a unit lacks them, Fay-Feuer 95% interval), documented in _python__models.yml.
One year at a time: a unit's rate of one year needs only that year's strata and the standard."""

from imaging_atlas.standardise import standard_weights, standardise, strata_by_sex_and_age
from imaging_atlas.yearly import year_by_year


def model(dbt, session):
    dbt.config(materialized="table")
    standard = standard_weights(dbt.ref("int_standard_population").df())

    def rates_of_year(strata):
        return standardise(strata_by_sex_and_age(strata), standard)

    return year_by_year(session, "standardised_rates", rates_of_year, strata=dbt.ref("int_indicator_strata"))
