"""The attacker's linear system of one year: every count of every unit as a variable, the geographic sums
and the definitional relations as rows, the published counts as fixed values.

Variables are numbered unit-major: unit u, quantity q (0 beneficiaries, then patients and exams of each
group, see `relations`) is `u * n_quantities + q`. Every variable is >= 0. The rows are
`low <= A x <= high`: one per parent unit and quantity (parent - sum of children = 0) and one per unit
and relation of `relations.unit_relations`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from imaging_atlas.secrecy.relations import Relation

CONSISTENCY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LinearSystem:
    """low <= matrix @ x <= high, x >= 0; `row_reason` names the rule of each row (for messages)."""

    matrix: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray
    row_reason: np.ndarray

    @property
    def n_variables(self) -> int:
        return self.matrix.shape[1]


def year_system(parent: np.ndarray, relations: list[Relation], n_quantities: int) -> LinearSystem:
    """The rows of one year over units whose parents are `parent` (-1 for the root)."""
    n_units = len(parent)
    child = np.flatnonzero(parent >= 0)
    parents, parent_row = np.unique(parent[child], return_inverse=True)
    quantities = np.arange(n_quantities)
    # Hierarchy: row (parent k, quantity q) = k * Q + q; +1 on the parent, -1 on each child.
    rows = [(np.arange(len(parents))[:, None] * n_quantities + quantities).ravel()]
    columns = [(parents[:, None] * n_quantities + quantities).ravel()]
    values = [np.ones(len(parents) * n_quantities)]
    rows.append((parent_row[:, None] * n_quantities + quantities).ravel())
    columns.append((child[:, None] * n_quantities + quantities).ravel())
    values.append(-np.ones(len(child) * n_quantities))
    n_hierarchy = len(parents) * n_quantities
    units = np.arange(n_units)
    for k, relation in enumerate(relations):
        for quantity, coefficient in relation.terms:
            rows.append(n_hierarchy + k * n_units + units)
            columns.append(units * n_quantities + quantity)
            values.append(np.full(n_units, coefficient))
    n_rows = n_hierarchy + len(relations) * n_units
    matrix = sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n_rows, n_units * n_quantities),
    )
    low = np.zeros(n_rows)
    high = np.zeros(n_rows)
    reason = np.empty(n_rows, dtype=object)
    reason[:n_hierarchy] = "a parent is the sum of its children"
    for k, relation in enumerate(relations):
        block = slice(n_hierarchy + k * n_units, n_hierarchy + (k + 1) * n_units)
        if not relation.equality:
            low[block] = -np.inf
        reason[block] = relation.reason
    return LinearSystem(matrix=matrix, low=low, high=high, row_reason=reason)


@dataclass(frozen=True)
class Restricted:
    """The system over its free variables (`columns`, positions in the year system); the fixed ones moved
    to the bounds. Only rows with a free variable are kept (`rows`, positions in the year system)."""

    matrix: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray
    columns: np.ndarray
    rows: np.ndarray

    @property
    def n_columns(self) -> int:
        return len(self.columns)


def restrict(system: LinearSystem, free: np.ndarray, values: np.ndarray) -> Restricted:
    """Fix every variable that is not `free` at its value; raise when the fixed values alone break a row
    (the figures contradict a relation the attacker is told: the model of the definitions is wrong)."""
    fixed = ~free
    constant = system.matrix[:, fixed] @ values[fixed]
    free_part = system.matrix[:, free].tocsr()
    has_free = np.diff(free_part.indptr) > 0
    broken = ~has_free & (
        (constant < system.low - CONSISTENCY_TOLERANCE) | (constant > system.high + CONSISTENCY_TOLERANCE)
    )
    if broken.any():
        reasons = sorted(set(system.row_reason[broken]))
        raise ValueError(
            f"{int(broken.sum())} relations do not hold on the figures ({', '.join(reasons)}): "
            "the indicators contradict the registry and indicator_exam_scope"
        )
    rows = np.flatnonzero(has_free)
    return Restricted(
        matrix=free_part[rows],
        low=system.low[rows] - constant[rows],
        high=system.high[rows] - constant[rows],
        columns=np.flatnonzero(free),
        rows=rows,
    )


def components(restricted: Restricted) -> np.ndarray:
    """Connected component of each free variable: two variables are linked when a row holds both."""
    n_rows = restricted.matrix.shape[0]
    incidence = restricted.matrix.copy()
    incidence.data = np.ones_like(incidence.data)
    graph = sparse.bmat([[None, incidence], [incidence.T, None]], format="csr")
    _, labels = csgraph.connected_components(graph, directed=False)
    _, labels = np.unique(labels[n_rows:], return_inverse=True)
    return labels
