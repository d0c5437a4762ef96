"""Repair with the least loss: where the audit finds a target the attacker narrows too much, mask the
cheapest published counts whose freedom restores its protection.

For one failing condition (e.g. no table puts the count at v + 1 or more), the repair solves a linear
programme (Fischetti and Salazar's attacker subproblem): the target's component is free, the published
counts of the rows around it may move away from their true value at a cost per unit of movement (the
cost of masking their cell), everything further stays at its true value, and the condition is imposed.
The counts that move are the cheapest set whose masking makes that very table consistent with the
publication; their cells are masked. One programme serves every failing condition of a component in
turn (`repair_component`); when it finds no table, a search in growing rings of rows around the target
(`cheapest_masking`) tries again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from imaging_atlas.secrecy.audit import CAP, THRESHOLD, TOLERANCE, new_solver, pass_programme
from imaging_atlas.secrecy.system import LinearSystem

RINGS = 5
"""Rings of rows around a target searched for counts to mask."""


@dataclass(frozen=True)
class RepairInput:
    """The collapsed year: its system, true values and what is fixed (flat over variables), which
    variables may be masked and at what cost, the component of each free variable (-1 if fixed), and the
    variables whose true value the layer does not have (a group without rows at a unit)."""

    system: LinearSystem
    columns: sparse.csc_matrix
    values: np.ndarray
    fixed: np.ndarray
    maskable: np.ndarray
    cost: np.ndarray
    component: np.ndarray
    unknown_truth: np.ndarray


def rows_of(columns: sparse.csc_matrix, variables: np.ndarray) -> np.ndarray:
    return np.unique(columns[:, variables].indices)


def variables_of(system: LinearSystem, rows: np.ndarray) -> np.ndarray:
    return np.unique(system.matrix[rows].indices)


def cheapest_masking(data: RepairInput, form: np.ndarray, value: float, side: str) -> np.ndarray | None:
    """Variables to unfix so that a table with the target's count (`form` over the variables) beyond the
    threshold of `side` ('low': <= v - 1, 'high': >= v + 1, 'wide': <= 0 or >= 5) exists; None when the
    rings searched hold none."""
    if side == "wide":
        options = [cheapest_beyond(data, form, -np.inf, 0.0), cheapest_beyond(data, form, THRESHOLD, np.inf)]
        found = [option for option in options if option is not None]
        return min(found, key=lambda chosen: data.cost[chosen].sum()) if found else None
    if side == "low":
        return cheapest_beyond(data, form, -np.inf, value - 1)
    return cheapest_beyond(data, form, value + 1, np.inf)


def cheapest_beyond(data: RepairInput, form: np.ndarray, low: float, high: float) -> np.ndarray | None:
    """See `cheapest_masking`: one side, `low <= form @ x <= high`. The table is sought in rings of rows
    around the target, everything beyond them at its true value: a smaller programme, and any table it
    finds is one of the whole year."""
    reach = np.flatnonzero(form)
    for _ in range(RINGS):
        rows = rows_of(data.columns, reach)
        reach = np.union1d(reach, variables_of(data.system, rows))
        free = reach[~data.fixed[reach]]
        candidates = reach[data.fixed[reach] & data.maskable[reach]]
        chosen = solve_deviation(data, form, low, high, free, candidates, rows)
        if chosen is not None:
            return chosen
    return None


def with_unknown_truth(
    data: RepairInput, free: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows around the free variables and the candidates, and the free variables grown by every
    variable of those rows whose true value is not known (it cannot be held at it)."""
    rows = rows_of(data.columns, np.union1d(free, candidates))
    around = variables_of(data.system, rows)
    free = np.union1d(free, around[data.unknown_truth[around] & ~data.fixed[around]])
    return free, rows_of(data.columns, np.union1d(free, candidates))


def solve_deviation(
    data: RepairInput,
    form: np.ndarray,
    low: float,
    high: float,
    free: np.ndarray,
    candidates: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray | None:
    """min sum(cost * |x - truth|) over the candidates, the free variables free, everything else at its
    true value, rows and the target's bound imposed; the candidates that moved, None if infeasible."""
    import highspy

    free, rows = with_unknown_truth(data, free, candidates)
    matrix = data.system.matrix[rows]
    # Everything but the free variables at its true value (a candidate is its true value + its moves).
    anchored = data.values.copy()
    anchored[free] = 0.0
    constant = matrix @ anchored
    form_constant = form @ anchored
    # Columns: the free variables, then each candidate's movement up and down from its true value.
    blocks = sparse.hstack([matrix[:, free], matrix[:, candidates], -matrix[:, candidates]], format="csr")
    target_row = sparse.csr_matrix(np.r_[form[free], form[candidates], -form[candidates]][None, :])
    full = sparse.vstack([blocks, target_row], format="csr")
    row_low = np.r_[data.system.low[rows] - constant, low - form_constant]
    row_high = np.r_[data.system.high[rows] - constant, high - form_constant]
    n_free, n_candidates = len(free), len(candidates)
    solver = new_solver()
    pass_programme(
        solver, full, row_low, row_high, np.r_[np.full(n_free + n_candidates, CAP), data.values[candidates]]
    )
    cost = np.r_[np.zeros(n_free), data.cost[candidates], data.cost[candidates]]
    solver.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost.astype("float64"))
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(solver.getSolution().col_value)
    moved = (x[n_free : n_free + n_candidates] + x[n_free + n_candidates :]) > TOLERANCE
    return candidates[moved]


@dataclass(frozen=True)
class Condition:
    """A failing condition of one target: its count's linear form over the variables, its true value
    and the side of the criterion it misses ('low', 'high' or 'wide')."""

    form: np.ndarray
    value: float
    side: str

    def bounds(self) -> list[tuple[float, float]]:
        """The ranges of the count, one of which a table must reach."""
        if self.side == "low":
            return [(-np.inf, self.value - 1)]
        if self.side == "high":
            return [(self.value + 1, np.inf)]
        return [(-np.inf, 0.0), (THRESHOLD, np.inf)]


def repair_component(data: RepairInput, conditions: list[Condition]) -> list[np.ndarray | None]:
    """The variables to unfix for each failing condition of one component, from one programme: the
    component free, the published counts of the rows around it movable at their cost, one row per
    condition's count (bounded in turn, the others left free). A count chosen for one condition costs
    nothing to the next ones (it is masked already), and each solve starts from the previous basis."""
    import highspy

    variables = np.unique(np.concatenate([np.flatnonzero(condition.form) for condition in conditions]))
    components = np.unique(data.component[variables[data.component[variables] >= 0]])
    free = np.flatnonzero(np.isin(data.component, components))
    rows = rows_of(data.columns, free)
    ring = variables_of(data.system, rows)
    candidates = ring[data.fixed[ring] & data.maskable[ring]]
    free, rows = with_unknown_truth(data, free, candidates)
    matrix = data.system.matrix[rows]
    anchored = data.values.copy()
    anchored[free] = 0.0
    constant = matrix @ anchored
    forms = sparse.csr_matrix(np.vstack([condition.form for condition in conditions]))
    form_constant = forms @ anchored
    blocks = sparse.vstack(
        [
            sparse.hstack([matrix[:, free], matrix[:, candidates], -matrix[:, candidates]]),
            sparse.hstack([forms[:, free], forms[:, candidates], -forms[:, candidates]]),
        ],
        format="csr",
    )
    n_rows, n_free, n_candidates = len(rows), len(free), len(candidates)
    n_conditions = len(conditions)
    row_low = np.r_[data.system.low[rows] - constant, np.full(n_conditions, -np.inf)]
    row_high = np.r_[data.system.high[rows] - constant, np.full(n_conditions, np.inf)]
    solver = new_solver()
    # Every row is kept (a condition's row must stay a row, to be bounded in turn).
    pass_rows(
        solver, blocks, row_low, row_high, np.r_[np.full(n_free + n_candidates, CAP), data.values[candidates]]
    )
    cost = np.r_[np.zeros(n_free), data.cost[candidates], data.cost[candidates]]
    solver.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost.astype("float64"))
    chosen_all: list[np.ndarray | None] = [None] * n_conditions
    reached = np.zeros(n_conditions, dtype=bool)
    for k, condition in enumerate(conditions):
        if reached[k]:
            chosen_all[k] = np.zeros(0, dtype=np.int64)
            continue
        best: tuple[float, np.ndarray, np.ndarray] | None = None
        for low, high in condition.bounds():
            shift = form_constant[k]
            solver.changeRowBounds(
                n_rows + k,
                -highspy.kHighsInf if np.isinf(low) else low - shift,
                highspy.kHighsInf if np.isinf(high) else high - shift,
            )
            solver.run()
            if solver.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                x = np.asarray(solver.getSolution().col_value)
                moved = (x[n_free : n_free + n_candidates] + x[n_free + n_candidates :]) > TOLERANCE
                objective = float(solver.getInfo().objective_function_value)
                if best is None or objective < best[0]:
                    best = (objective, moved, x)
            solver.changeRowBounds(n_rows + k, -highspy.kHighsInf, highspy.kHighsInf)
        if best is None:
            continue
        chosen_all[k] = candidates[best[1]]
        # The table found moves only counts masked now: it settles every later condition it reaches.
        counts_at = np.asarray(blocks[n_rows:] @ best[2]).ravel() + form_constant
        for later in range(k + 1, n_conditions):
            if any(
                low - TOLERANCE <= counts_at[later] <= high + TOLERANCE
                for low, high in conditions[later].bounds()
            ):
                reached[later] = True
        free_now = np.flatnonzero(best[1])
        for offset in (n_free, n_free + n_candidates):
            solver.changeColsCost(
                len(free_now), (offset + free_now).astype(np.int32), np.zeros(len(free_now))
            )
    return chosen_all


def pass_rows(
    solver, matrix: sparse.csr_matrix, low: np.ndarray, high: np.ndarray, upper: np.ndarray
) -> None:
    """Hand low <= matrix @ x <= high, 0 <= x <= upper to HiGHS, every row kept as a row."""
    import highspy

    columns = matrix.tocsc()
    columns.sort_indices()
    programme = highspy.HighsLp()
    programme.num_col_ = columns.shape[1]
    programme.num_row_ = columns.shape[0]
    programme.col_cost_ = np.zeros(columns.shape[1])
    programme.col_lower_ = np.zeros(columns.shape[1])
    programme.col_upper_ = upper.astype("float64")
    programme.row_lower_ = np.where(np.isinf(low), -highspy.kHighsInf, low)
    programme.row_upper_ = np.where(np.isinf(high), highspy.kHighsInf, high)
    programme.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    programme.a_matrix_.start_ = columns.indptr.astype(np.int32)
    programme.a_matrix_.index_ = columns.indices.astype(np.int32)
    programme.a_matrix_.value_ = columns.data.astype("float64")
    solver.passModel(programme)
