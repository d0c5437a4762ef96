"""One year's counts on the tree, and what the published tables show of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from imaging_atlas.secrecy.relations import Groups
from imaging_atlas.secrecy.tree import Tree


@dataclass(frozen=True)
class YearCounts:
    """One year's counts on the tree: beneficiaries (units), patients and exams (units x groups).

    A group is absent at a unit when its tables have no row there (therapeutic interventional imaging
    below the commune before 2016); absent counts are 0 here and unknown to the attacker."""

    beneficiaries: np.ndarray
    patients: np.ndarray
    exams: np.ndarray
    present: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """units x quantities, in the order of `relations`: beneficiaries, patients, exams."""
        return np.column_stack([self.beneficiaries, self.patients, self.exams]).astype("float64")


def year_counts(figures: pd.DataFrame, unit: np.ndarray, tree: Tree, groups: Groups) -> YearCounts:
    """Counts of one year's rows of int_indicator_figures (`unit`: their positions in the tree), the
    no-domicile cell computed as Belgium minus its regions."""
    columns = groups.indicator_columns().set_index("indicator_code")
    group = figures["indicator_code"].map(columns["group"]).to_numpy()
    is_patients = (figures["indicator_code"].map(columns["measure"]) == "patients").to_numpy()
    shape = (tree.size, groups.size)
    patients = np.zeros(shape, dtype=np.int64)
    exams = np.zeros(shape, dtype=np.int64)
    present = np.zeros(shape, dtype=bool)
    numerator = figures["numerator"].to_numpy(dtype=np.int64)
    patients[unit[is_patients], group[is_patients]] = numerator[is_patients]
    exams[unit[~is_patients], group[~is_patients]] = numerator[~is_patients]
    present[unit, group] = True
    denominator = figures["denominator"].to_numpy(dtype=np.int64)
    beneficiaries = np.zeros(tree.size, dtype=np.int64)
    beneficiaries[unit] = denominator
    if (beneficiaries[unit] != denominator).any():
        raise ValueError("the indicators disagree on the beneficiaries of a unit: one denominator is shared")
    counts = np.column_stack([beneficiaries, patients, exams])
    no_domicile, country = tree.no_domicile, tree.country
    counts[no_domicile] = counts[country] - tree.children_sum(counts)[country]
    if (counts[no_domicile] < 0).any():
        raise ValueError("the regions hold more persons than Belgium: the figures do not add up")
    present[no_domicile] = present[country]
    g = groups.size
    return YearCounts(
        beneficiaries=counts[:, 0], patients=counts[:, 1 : 1 + g], exams=counts[:, 1 + g :], present=present
    )


@dataclass(frozen=True)
class Shown:
    """What the published tables show of one year: per unit and group, the % cell and the volume cell."""

    patients: np.ndarray
    exams: np.ndarray

    @property
    def beneficiaries(self) -> np.ndarray:
        """A unit's beneficiaries are known as soon as one published cell of the unit shows them."""
        return (self.patients | self.exams).any(axis=1)

    def known(self, counts: YearCounts) -> np.ndarray:
        """units x quantities: the counts a reader knows exactly. A shown 0 patients of a group also tells
        its exams (0: an exam makes a patient)."""
        zero_patients = self.patients & (counts.patients == 0)
        return np.column_stack([self.beneficiaries, self.patients, self.exams | zero_patients])


def shown_cells(masked: np.ndarray, counts: YearCounts, groups: Groups) -> Shown:
    visible = counts.present & ~masked
    return Shown(patients=visible & groups.patients_published, exams=visible & groups.volume_published)


@dataclass(frozen=True)
class Collapsed:
    """The units of the attacker's programme once every wholly hidden sector of a commune is replaced by
    one unit, their sum (see `collapse_hidden_sectors`). `origin` is each unit's position in the tree,
    -1 for such a sum; `parent` positions are in the collapsed units."""

    parent: np.ndarray
    origin: np.ndarray
    values: np.ndarray
    known: np.ndarray
    present: np.ndarray


def collapse_hidden_sectors(
    tree: Tree, values: np.ndarray, known: np.ndarray, present: np.ndarray
) -> Collapsed:
    """Replace the sectors of a commune whose every count is hidden by one unit holding their sum.

    Exact for the attacker: every relation of a unit is linear and homogeneous (a cone K), a hidden sector
    is any point of K, and the sums of points of K are exactly the points of K; the sectors enter the
    rest of the system only through their commune's sums. The programme loses two thirds of its columns
    on the default data without any loss of precision."""
    whole = tree.is_sector & ~known.any(axis=1)
    kept = np.flatnonzero(~whole)
    communes, of_sector = np.unique(tree.parent[whole], return_inverse=True)
    new_position = np.full(tree.size, -1)
    new_position[kept] = np.arange(len(kept))
    parent = np.concatenate(
        [np.where(tree.parent[kept] >= 0, new_position[tree.parent[kept]], -1), new_position[communes]]
    )
    sums = np.zeros((len(communes), values.shape[1]))
    np.add.at(sums, of_sector, values[whole])
    sector_present = np.zeros((len(communes), present.shape[1]), dtype=bool)
    np.logical_or.at(sector_present, of_sector, present[whole])
    return Collapsed(
        parent=parent,
        origin=np.concatenate([kept, np.full(len(communes), -1)]),
        values=np.vstack([values[kept], sums]),
        known=np.vstack([known[kept], np.zeros((len(communes), known.shape[1]), dtype=bool)]),
        present=np.vstack([present[kept], sector_present]),
    )
