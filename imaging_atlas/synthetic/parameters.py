"""Every number of the synthetic model, in one place.

The generator code holds no magic numbers: demography, BIM status, imaging propensities, calibration
targets and defect rates live here, so that the README and a reviewer can check them against the
published figures (seeds/reference/published_imaging_figures.csv) without reading the mechanics.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

# --- time frame -----------------------------------------------------------------------------------

BASE_YEAR: Final = 2006
"""The simulation always starts on 1 January of this year (the first Atlas year), whatever years are
written, so that a year's data do not depend on which other years were asked for."""

LAST_SUPPORTED_YEAR: Final = 2030

PRE_2019_LAST_YEAR: Final = 2018
"""Years up to this one carry the commune codes of before the 2019 mergers."""

PRE_2025_LAST_YEAR: Final = 2024
"""Years 2019 up to this one carry the 2019-2024 commune codes; later years the 2025 codes."""

# --- random streams (one independent generator per year and purpose) ------------------------------

STREAM_INITIAL_POPULATION: Final = 1
STREAM_COMMUNE_DEPRIVATION: Final = 2
STREAM_DEMOGRAPHY: Final = 3
STREAM_IMAGING: Final = 4
STREAM_OTHER_CARE: Final = 5
STREAM_POPULATION_DEFECTS: Final = 6
STREAM_CLAIM_DEFECTS: Final = 7

# --- demography -----------------------------------------------------------------------------------

INITIAL_POPULATION_FACTOR: Final = 0.915
"""The 2022 commune x sex x age table times this factor gives the population of 1 January 2006
(about 10.6 million at scale 1); net migration then grows it to about 11.6 million in 2022."""

PERSON_ID_PREFIX: Final = "P"
PERSON_ID_DIGITS: Final = 10

BIRTH_RATE: Final = 0.0105
"""Births per resident per year (Belgium: about 115,000 a year)."""

MOTHER_AGE_RANGE: Final = (20, 44)
"""A newborn takes the domicile, area and BIM draw of a random resident woman of these ages."""

IMMIGRATION_RATE: Final = 0.0105
EMIGRATION_RATE: Final = 0.0065
IMMIGRANT_AGE_MEAN: Final = 29.0
IMMIGRANT_AGE_SD: Final = 12.0

GOMPERTZ_A: Final = 2.45e-5
GOMPERTZ_B: Final = 0.0935
"""Annual death probability a * exp(b * age) (times a sex factor): about 0.1% at 40 and 4% at 80,
which gives the Belgian crude death rate of about 1% a year."""

INFANT_DEATH_PROBABILITY: Final = 0.0035
MAX_DEATH_PROBABILITY: Final = 0.6
MALE_MORTALITY_FACTOR: Final = 1.25
FEMALE_MORTALITY_FACTOR: Final = 0.8

MOVE_RATE: Final = 0.05
"""Share of residents who change statistical sector during a year."""

MOVE_OTHER_COMMUNE_SHARE: Final = 0.6
"""Of the movers, the share who leave their commune (the others move within it)."""

EMPTY_SECTOR_WEIGHT: Final = 1.0
"""Weight, in households, of a real sector without a 2019 household count; `...ZZZZ` codes get none."""

# --- BIM (increased reimbursement) ----------------------------------------------------------------

BIM_TARGET_SHARE: Final = 0.21
BIM_AGE_KNOTS: Final = (0, 15, 25, 45, 60, 65, 75, 85, 100)
BIM_AGE_LOGIT: Final = (0.35, 0.25, 0.0, -0.25, -0.05, 0.55, 0.85, 1.25, 1.5)
BIM_REGION_LOGIT: Final = (0.0, 0.55, 0.95)
"""Flanders, Wallonia, Brussels (region order of REGIONS)."""

COMMUNE_DEPRIVATION_SD: Final = 0.35
"""Synthetic area effect (logit) per commune, drawn from the seed: poorer communes have more BIM."""

CHILD_DEPRIVATION_FACTOR: Final = 2.0
CHILD_MAX_AGE: Final = 17
"""Children's BIM status depends this many times more on their area than adults'."""

# --- geography ------------------------------------------------------------------------------------

REGIONS: Final = ("02000", "03000", "04000")
BELGIUM: Final = "01000"

# --- imaging model --------------------------------------------------------------------------------

CATEGORIES: Final = (
    "RX",
    "echography",
    "dental_imaging",
    "CT",
    "CT_cone_beam",
    "MRI",
    "scintigraphy",
    "interventional_diagnostic",
    "interventional_therapeutic",
)
"""Categories generated. RX_thorax has no code in the code list, so it is not generated."""

AGE_KNOTS: Final = (0, 5, 15, 25, 35, 45, 55, 65, 75, 85, 100)

AGE_SEX_LOGIT: Final = MappingProxyType(
    {
        # category: (men, women) logit offsets at AGE_KNOTS; only the shape matters, the yearly
        # intercept sets the level.
        "RX": (
            (-0.6, -0.8, -0.4, -0.7, -0.6, -0.3, 0.0, 0.4, 0.8, 1.1, 1.1),
            (-0.6, -0.8, -0.5, -0.7, -0.4, 0.3, 0.7, 0.7, 0.8, 1.0, 1.0),
        ),
        "echography": (
            (-0.8, -1.4, -1.3, -1.3, -1.0, -0.6, -0.2, 0.2, 0.4, 0.4, 0.2),
            (-0.8, -1.3, -0.9, 0.4, 0.5, 0.2, 0.2, 0.3, 0.3, 0.2, 0.0),
        ),
        "dental_imaging": (
            (-1.5, 0.3, 0.8, 0.2, 0.0, 0.0, -0.1, -0.2, -0.5, -1.2, -2.0),
            (-1.5, 0.35, 0.85, 0.25, 0.05, 0.05, -0.05, -0.15, -0.45, -1.15, -1.95),
        ),
        "CT": (
            (-2.0, -2.3, -1.8, -1.4, -1.1, -0.6, 0.0, 0.5, 1.0, 1.3, 1.3),
            (-2.1, -2.4, -1.9, -1.5, -1.2, -0.7, -0.1, 0.4, 0.9, 1.2, 1.2),
        ),
        "CT_cone_beam": (
            (-3.0, -1.5, -0.5, 0.0, 0.3, 0.5, 0.6, 0.5, 0.2, -0.6, -1.5),
            (-3.0, -1.5, -0.5, 0.0, 0.3, 0.5, 0.6, 0.5, 0.2, -0.6, -1.5),
        ),
        "MRI": (
            (-2.5, -2.0, -1.0, -0.4, -0.1, 0.2, 0.4, 0.4, 0.3, -0.2, -1.0),
            (-2.4, -1.9, -0.85, -0.25, 0.05, 0.35, 0.55, 0.55, 0.4, -0.1, -0.9),
        ),
        "scintigraphy": (
            (-3.0, -3.0, -2.3, -1.8, -1.2, -0.6, 0.0, 0.5, 0.8, 0.8, 0.5),
            (-3.0, -3.0, -2.2, -1.6, -1.0, -0.4, 0.1, 0.5, 0.8, 0.8, 0.5),
        ),
        "interventional_diagnostic": (
            (-3.0, -3.0, -2.5, -2.0, -1.3, -0.6, 0.0, 0.5, 0.8, 0.6, 0.0),
            (-3.2, -3.2, -2.7, -2.2, -1.5, -0.8, -0.2, 0.3, 0.6, 0.4, -0.2),
        ),
        "interventional_therapeutic": (
            (-3.0, -3.0, -2.5, -1.5, -0.8, -0.3, 0.2, 0.5, 0.7, 0.5, 0.0),
            (-3.0, -3.0, -2.5, -1.5, -0.8, -0.3, 0.2, 0.5, 0.7, 0.5, 0.0),
        ),
    }
)

BIM_LOGIT: Final = MappingProxyType(
    {
        "RX": 0.15,
        "echography": 0.0,
        "dental_imaging": -0.2,
        "CT": 0.2,
        "CT_cone_beam": -0.4,
        "MRI": -0.05,
        "scintigraphy": 0.1,
        "interventional_diagnostic": 0.15,
        "interventional_therapeutic": 0.15,
    }
)

REGION_CATEGORY_LOGIT: Final = MappingProxyType(
    {
        # Flanders, Wallonia, Brussels: Wallonia highest notably for X-ray, CT and ultrasound (2023).
        "RX": (0.0, 0.15, 0.0),
        "echography": (0.0, 0.1, 0.0),
        "CT": (0.0, 0.1, 0.0),
    }
)

PERSISTENT_PROPENSITY_SHARE: Final = 0.4
"""Share of the variance of the latent imaging propensity that a person keeps from year to year."""

GAUSS_HERMITE_NODES: Final = 16
"""Quadrature nodes for the expectation over the latent propensity (16 agree with 24 to 1e-7)."""

EXTRA_EXAMS_MEAN: Final = MappingProxyType(
    {
        # A patient has 1 + Poisson(mean) exam lines of the category in the year.
        "RX": 0.8,
        "echography": 0.55,
        "dental_imaging": 0.15,
        "CT": 0.52,
        "CT_cone_beam": 0.05,
        "MRI": 0.24,
        "scintigraphy": 0.3,
        "interventional_diagnostic": 0.1,
        "interventional_therapeutic": 0.4,
    }
)

DOUBLE_QUANTITY_PROBABILITY: Final = 0.05
"""An exam line bills quantity 2 with this probability (so CT: 1.52 lines x 1.05 = 1.6 exams)."""

HOSPITALISED_PROBABILITY: Final = MappingProxyType(
    {
        "RX": 0.3,
        "echography": 0.2,
        "dental_imaging": 0.02,
        "CT": 0.35,
        "CT_cone_beam": 0.05,
        "MRI": 0.2,
        "scintigraphy": 0.3,
        "interventional_diagnostic": 0.6,
        "interventional_therapeutic": 0.6,
    }
)
ELDERLY_HOSPITALISED_EXTRA: Final = 0.15
ELDERLY_MIN_AGE: Final = 75
UNKNOWN_SETTING_CODE_WEIGHT: Final = 0.3
UNCERTAIN_CODE_WEIGHT: Final = 0.5

AMOUNT_EUR: Final = MappingProxyType(
    {
        # Median reimbursed amount per service (CT: EUR 272 M / 2.34 M exams in 2017; MRI: 95 M / 1.05 M).
        "RX": 30.0,
        "echography": 38.0,
        "dental_imaging": 32.0,
        "CT": 115.0,
        "CT_cone_beam": 85.0,
        "MRI": 90.0,
        "scintigraphy": 140.0,
        "interventional_diagnostic": 180.0,
        "interventional_therapeutic": 210.0,
    }
)
AMOUNT_LOG_SD: Final = 0.15

COVID_YEAR: Final = 2020
COVID_LOCKDOWN: Final = ("2020-03-14", "2020-05-17")
COVID_LOCKDOWN_ACTIVITY: Final = 0.35
"""Relative daily activity during the first lockdown (service dates are thinned accordingly)."""

# --- calibration targets: % of beneficiaries with >= 1 exam, national (published_imaging_figures) -----
# Published figures where they exist; the other knots are smooth interpolations, with a Covid dip
# in 2020 of the same relative size for every category as for "any imaging". Years between knots are
# interpolated linearly; years outside are held at the nearest knot.

ANY_IMAGING_TARGET: Final = MappingProxyType(
    {
        2006: 53.1,
        2013: 55.2,
        2015: 56.8,
        2019: 57.9,
        2020: 52.2,
        2021: 57.4,
        2022: 58.4,
        2023: 59.0,
        2024: 59.5,
    }
)

CATEGORY_TARGET: Final = MappingProxyType(
    {
        "RX": MappingProxyType(
            {2006: 28.5, 2015: 28.3, 2019: 27.8, 2020: 24.0, 2021: 26.9, 2023: 26.4, 2024: 26.3}
        ),
        "echography": MappingProxyType(
            {2006: 31.0, 2015: 33.5, 2019: 34.8, 2020: 31.0, 2021: 35.3, 2023: 36.4, 2024: 36.8}
        ),
        "dental_imaging": MappingProxyType(
            {2006: 7.0, 2015: 8.0, 2019: 8.5, 2020: 7.2, 2021: 8.5, 2023: 8.8, 2024: 9.0}
        ),
        "CT": MappingProxyType(
            {2006: 10.3, 2015: 12.6, 2019: 13.5, 2020: 12.6, 2021: 13.8, 2023: 14.3, 2024: 14.5}
        ),
        "CT_cone_beam": MappingProxyType(
            {2006: 0.4, 2015: 0.9, 2019: 1.1, 2020: 0.9, 2021: 1.2, 2023: 1.4, 2024: 1.5}
        ),
        "MRI": MappingProxyType(
            {2006: 3.9, 2013: 6.5, 2015: 7.1, 2019: 8.1, 2020: 7.2, 2021: 8.5, 2023: 9.3, 2024: 9.5}
        ),
        "scintigraphy": MappingProxyType(
            {2006: 3.6, 2015: 3.5, 2019: 3.4, 2020: 3.1, 2021: 3.3, 2023: 3.3, 2024: 3.3}
        ),
        "interventional_diagnostic": MappingProxyType(
            {2006: 0.5, 2019: 0.5, 2020: 0.45, 2021: 0.5, 2024: 0.5}
        ),
        "interventional_therapeutic": MappingProxyType(
            {2006: 1.2, 2015: 1.6, 2019: 1.8, 2020: 1.6, 2021: 1.85, 2023: 2.0, 2024: 2.05}
        ),
    }
)

REGION_ANY_IMAGING_TARGET: Final = (55.1, 58.1, 51.2)
"""Flanders, Wallonia, Brussels in 2015. Weighted by population they average 1.1 pp below the national
56.8%, so the calibration keeps the national figure and the published gaps between regions."""

# --- other (non-imaging) care ---------------------------------------------------------------------

DEFAULT_OTHER_LINES_PER_IMAGING_LINE: Final = 2.0
OTHER_CARE_AGE_SCALE: Final = 25.0
"""A person's share of non-imaging lines is proportional to (1 + age / this) x time insured."""

OTHER_CODE_RANGES: Final = ((10000, 99999), (101010, 299999))
"""Non-imaging codes are drawn from 010000-099999 and 101010-299999: imaging codes of the list live in
30xxxx/37xxxx (dental), 44xxxx-47xxxx (art. 17, 17bis, 17quater, 18) and 58xxxx (art. 34)."""

OTHER_LEADING_ZERO_RANGE_SHARE: Final = 0.1
OTHER_QUANTITY_PROBABILITIES: Final = (0.9, 0.07, 0.03)
OTHER_AMOUNT_MEDIAN_EUR: Final = 22.0
OTHER_AMOUNT_LOG_SD: Final = 0.8

CLAIMS_CHUNK_ROWS: Final = 4_000_000
"""Rows converted to Arrow and written at a time, which bounds peak memory at full scale."""


# --- defects --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefectRate:
    """A defect's frequency: `rate` per eligible row, but at least `minimum` rows a year."""

    rate: float
    minimum: int


POPULATION_DEFECTS: Final = MappingProxyType(
    {
        # extra rows: the same person-year written twice (the extract rejects both)
        "duplicate_person_year": DefectRate(2e-5, 3),
        # extra rows: a copy of a row with person_id null
        "null_person_id": DefectRate(1e-5, 2),
        # person-years whose commune is an invalid code ('99999', '00000') on both dates
        "invalid_commune_both_dates": DefectRate(3e-4, 3),
        # per known domicile: sector null / `...ZZZZ` / not in the reference / another commune's sector
        "sector_null": DefectRate(6e-3, 2),
        "sector_unknown_code": DefectRate(4e-3, 2),
        "sector_not_in_reference": DefectRate(2e-3, 2),
        "sector_of_other_commune": DefectRate(2e-3, 2),
    }
)

CLAIM_DEFECTS: Final = MappingProxyType(
    {
        # per imaging line of quantity 2: a -1 line (same person, code, date) follows
        "partial_correction": DefectRate(0.2, 3),
        # per imaging line: an extra +1 / -1 pair for a service that is cancelled entirely
        "cancelled_service": DefectRate(5e-3, 3),
        # per line: code written with surrounding spaces (' 458850 ')
        "code_with_spaces": DefectRate(5e-3, 3),
        # per non-imaging line with a code starting with 0: the leading zero is lost
        "leading_zero_lost": DefectRate(0.5, 3),
        # extra lines with unparsable codes ('ABC123', '1234567', '', null), per line
        "unparsable_code": DefectRate(1e-4, 4),
        # extra lines: an imaging code billed outside its validity window, per imaging line
        "code_outside_validity": DefectRate(2e-4, 5),
        # extra lines of persons unknown to the population, per imaging line
        "unknown_person": DefectRate(1e-4, 3),
        # extra lines of persons who died the year before, per imaging line
        "deceased_last_year": DefectRate(5e-5, 3),
        # extra lines (copies of imaging lines) with a null person_id / a null date / a date in 2005
        "null_person_id": DefectRate(2e-5, 2),
        "null_service_date": DefectRate(2e-5, 2),
        "service_date_before_2006": DefectRate(2e-5, 2),
    }
)

UNPARSABLE_CODES: Final = ("ABC123", "1234567", "", None)
INVALID_COMMUNE_CODES: Final = ("99999", "00000")
UNKNOWN_PERSON_FIRST_NUMBER: Final = 9_000_000_000
"""Ids of persons unknown to the population are numbered from here, never reached by real persons."""

YEAR_BEFORE_DATA: Final = 2005
