"""The publication layer: every indicator the registry publishes, under IMA's statistical secrecy.

A thin shell: the rules live in imaging_atlas.secrecy and imaging_atlas.publication (tested on their
own). It reads the long table of every indicator (only the columns it needs), one year at a time
(secrecy protects each year on its own), the registry (which indicators are published, their measure
and pairs), the exam scope of each indicator and the categories and providers of the code list (the
attacker's definitional relations), and the geographic units (the tree the counts add up in, and the
names).
"""

from imaging_atlas.publication import publish_indicators
from imaging_atlas.yearly import year_by_year

FIGURE_COLUMNS = "indicator_code, year, geo_level, geo_code, numerator, denominator, value"


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("indicator_registry").df()
    geo_units = dbt.ref("int_geo_units").df()
    exam_scope = dbt.ref("indicator_exam_scope").df()
    codes = dbt.ref("int_imaging_codes_in_scope").project("category, provider").distinct().df()

    def published_of_year(figures):
        return publish_indicators(figures.df(), registry, geo_units, exam_scope, codes)

    figures = dbt.ref("int_indicator_figures").project(FIGURE_COLUMNS)
    return year_by_year(session, "published_indicators", published_of_year, figures=figures)
