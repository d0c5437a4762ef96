"""Synthetic raw extract (population and claims) for the imaging indicators of the IMA-AIM Atlas.

A persistent population of persons, built from the 2022 Statbel commune x sex x age grid and living
in real statistical sectors, ages, moves, is born, dies and migrates year by year from 2006. Each
person-year has, per imaging category, a probability of at least one exam that depends on age, sex,
region, BIM status, a yearly level and a latent propensity shared by the categories; these parameters
are calibrated so that the expected shares match the published IMA-AIM figures. Claims carry every
defect of real extracts at small documented rates, as extra rows wherever possible.

See README.md in this folder for the model, the defect rates and the calibration; every number is in
`parameters.py`.
"""

from imaging_atlas.synthetic.generator import GenerationSummary, YearSummary, generate

__all__ = ["GenerationSummary", "YearSummary", "generate"]
