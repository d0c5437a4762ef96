"""The exact audit: the attacker's linear programmes, solved with HiGHS, against tau-ARGUS's criterion.

A hidden count of individuals whose true value v is 1 to 4 (a *target*) is protected when the exact
interval [lo, hi] the attacker can derive for it (min and max of the count over every table consistent
with what is published and with every relation the attacker knows):

- covers [v - 1, v + 1]: lo <= v - 1 and hi >= v + 1 (hence it is not one value);
- does not lie inside [1, 4]: lo <= 0 or hi >= 5.

Each condition only asks for one feasible table beyond a threshold, so any solution of any programme
that reaches it settles it for every target at once. The audit therefore solves few programmes:

1. The free variables split into connected components (no row links two of them); a component without
   a target is never solved. Components are packed into batches of a bounded size, each one linear
   programme whose objective is separable, so one solve optimises every component of the batch at once.
2. The first two solves push every target down, then up; every solution is checked against every
   open condition (a bound an earlier solution already reaches is not solved for).
3. Then, round after round, each component with an open condition minimises or maximises the count of
   its first such target: an exact bound, which settles that target either way. The solves start from
   the previous basis (HiGHS keeps it when only the objective changes: a warm start).
4. A condition settled only by a fractional table, in a component small enough, is solved again as an
   integer programme (an attacker may reason on whole persons); a bounded search keeps it cheap and
   deterministic, and the linear verdict stands when the bound is reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from imaging_atlas.secrecy.system import Restricted

THRESHOLD = 5
CAP = 1e9
"""Upper bound of every count in the programmes: above any Belgian count, so that no maximum is
unbounded when a unit and all its parents are hidden."""
TOLERANCE = 1e-6
BATCH_COLUMNS = 8000
"""Columns per linear programme: large enough to share the solver's start-up, small enough that a
re-solve only prices the components whose objective changed."""
INTEGER_COLUMNS = 400
"""Largest component re-solved as an integer programme when a fractional table settles a condition."""
INTEGER_NODES = 200
"""Branch-and-bound nodes allowed to one integer re-solve (deterministic, unlike a time limit)."""

PRIMAL_SIMPLEX = 4
MIXED_SOLVES = 16
KINDS = ("beneficiaries", "patients", "non_patients")


@dataclass(frozen=True)
class Targets:
    """Hidden counts of individuals with a true value 1 to 4: per target its unit, kind, group (-1 for
    the beneficiaries), true value and linear form over the year's variables."""

    unit: np.ndarray
    kind: np.ndarray
    group: np.ndarray
    value: np.ndarray
    form: sparse.csr_matrix

    def __len__(self) -> int:
        return len(self.unit)

    def subset(self, keep: np.ndarray) -> Targets:
        return Targets(self.unit[keep], self.kind[keep], self.group[keep], self.value[keep], self.form[keep])


def sensitive_targets(
    values: np.ndarray, known: np.ndarray, present: np.ndarray, audited: np.ndarray
) -> Targets:
    """Every hidden count of individuals 1..4 of the `audited` units: beneficiaries, patients of a group,
    beneficiaries without an exam of the group (b - p). `values` and `known` are units x quantities."""
    n_units, n_quantities = values.shape
    n_groups = present.shape[1]
    b, p = values[:, 0], values[:, 1 : 1 + n_groups]
    b_known, p_known = known[:, 0], known[:, 1 : 1 + n_groups]
    candidates = [
        ("beneficiaries", -1, b, ~b_known, np.zeros(n_units, dtype=np.int64), None),
        *[
            ("patients", g, p[:, g], ~p_known[:, g] & present[:, g], np.full(n_units, 1 + g), None)
            for g in range(n_groups)
        ],
        *[
            (
                "non_patients",
                g,
                b - p[:, g],
                (~p_known[:, g] | ~b_known) & present[:, g],
                np.zeros(n_units, dtype=np.int64),
                1 + g,
            )
            for g in range(n_groups)
        ],
    ]
    units, kinds, groups, target_values, rows, columns, coefficients = [], [], [], [], [], [], []
    start = 0
    for kind, group, value, hidden, quantity, minus in candidates:
        chosen = np.flatnonzero(audited & hidden & (value >= 1) & (value < THRESHOLD))
        ids = start + np.arange(len(chosen))
        units.append(chosen)
        kinds.append(np.full(len(chosen), KINDS.index(kind)))
        groups.append(np.full(len(chosen), group))
        target_values.append(value[chosen])
        rows.append(ids)
        columns.append(chosen * n_quantities + quantity[chosen])
        coefficients.append(np.ones(len(chosen)))
        if minus is not None:
            rows.append(ids)
            columns.append(chosen * n_quantities + minus)
            coefficients.append(-np.ones(len(chosen)))
        start += len(chosen)
    form = sparse.csr_matrix(
        (np.concatenate(coefficients), (np.concatenate(rows), np.concatenate(columns))),
        shape=(start, n_units * n_quantities),
    )
    return Targets(
        unit=np.concatenate(units),
        kind=np.concatenate(kinds),
        group=np.concatenate(groups),
        value=np.concatenate(target_values).astype("float64"),
        form=form,
    )


@dataclass
class Verdicts:
    """Per target: whether each condition of the criterion holds (`low`: a table with the count <= v - 1,
    `high`: >= v + 1, `wide`: <= 0 or >= 5), and the exact bounds where they were solved for."""

    low: np.ndarray
    high: np.ndarray
    wide: np.ndarray
    lowest: np.ndarray
    highest: np.ndarray
    solves: int = 0
    integer_solves: int = 0
    fractional: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def protected(self) -> np.ndarray:
        return self.low & self.high & self.wide


def new_solver():
    """A silent HiGHS instance (its simplex runs on one thread)."""
    import highspy

    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    return solver


def pass_programme(
    solver, matrix: sparse.csr_matrix, low: np.ndarray, high: np.ndarray, upper: np.ndarray | None = None
) -> None:
    """Hand the programme low <= matrix @ x <= high, 0 <= x <= upper (default CAP) to HiGHS; a row with
    one variable becomes a bound of that variable (most rows at a partly hidden sector: the others are
    published)."""
    import highspy

    lower, upper, rows = column_bounds(matrix, low, high, upper)
    columns = matrix[rows].tocsc()
    columns.sort_indices()
    programme = highspy.HighsLp()
    programme.num_col_ = columns.shape[1]
    programme.num_row_ = columns.shape[0]
    programme.col_cost_ = np.zeros(columns.shape[1])
    programme.col_lower_ = lower
    programme.col_upper_ = upper
    programme.row_lower_ = np.where(np.isinf(low[rows]), -highspy.kHighsInf, low[rows])
    programme.row_upper_ = np.where(np.isinf(high[rows]), highspy.kHighsInf, high[rows])
    programme.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    programme.a_matrix_.start_ = columns.indptr.astype(np.int32)
    programme.a_matrix_.index_ = columns.indices.astype(np.int32)
    programme.a_matrix_.value_ = columns.data.astype("float64")
    solver.passModel(programme)


def column_bounds(
    matrix: sparse.csr_matrix, low: np.ndarray, high: np.ndarray, upper: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds of each variable from the rows that hold it alone (and 0 <= x <= upper), and the other
    rows."""
    n_columns = matrix.shape[1]
    lower = np.zeros(n_columns)
    upper = np.full(n_columns, CAP) if upper is None else upper.astype("float64").copy()
    single = np.diff(matrix.indptr) == 1
    column = matrix.indices[matrix.indptr[:-1][single]]
    coefficient = matrix.data[matrix.indptr[:-1][single]]
    row_low, row_high = low[single] / coefficient, high[single] / coefficient
    below = np.where(coefficient > 0, row_low, row_high)
    above = np.where(coefficient > 0, row_high, row_low)
    np.maximum.at(lower, column, np.nan_to_num(below, neginf=0.0))
    np.minimum.at(upper, column, np.nan_to_num(above, posinf=CAP))
    return lower, np.maximum(upper, lower), np.flatnonzero(~single)


def solve(solver, cost: np.ndarray) -> np.ndarray:
    """Minimise cost @ x from the current basis; the optimal x."""
    import highspy

    solver.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost.astype("float64"))
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(
            f"HiGHS ended the attacker's programme with status {solver.modelStatusToString(status)}"
        )
    return np.asarray(solver.getSolution().col_value)


def integer_bound(
    matrix: sparse.csr_matrix, low: np.ndarray, high: np.ndarray, cost: np.ndarray
) -> float | None:
    """min cost @ x over whole numbers, or None when the bounded search did not prove its optimum."""
    import highspy

    solver = new_solver()
    pass_programme(solver, matrix, low, high)
    solver.changeColsIntegrality(
        len(cost),
        np.arange(len(cost), dtype=np.int32),
        np.full(len(cost), highspy.HighsVarType.kInteger),
    )
    solver.setOptionValue("mip_max_nodes", INTEGER_NODES)
    solver.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost.astype("float64"))
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(solver.getInfo().objective_function_value)
    return None


def batches(sizes: np.ndarray, limit: int = BATCH_COLUMNS) -> list[np.ndarray]:
    """Consecutive components packed into batches of at most `limit` columns (a larger one alone)."""
    out, current, total = [], [], 0
    for component, size in enumerate(sizes):
        if current and total + size > limit:
            out.append(np.array(current))
            current, total = [], 0
        current.append(component)
        total += size
    if current:
        out.append(np.array(current))
    return out


def audit(restricted: Restricted, labels: np.ndarray, targets: Targets, values: np.ndarray) -> Verdicts:
    """The criterion for every target, from the attacker's programme restricted to the hidden variables
    (`labels`: the component of each of its columns; `values`: the year's true values, flat)."""
    n = len(targets)
    verdicts = Verdicts(
        low=np.zeros(n, dtype=bool),
        high=np.zeros(n, dtype=bool),
        wide=np.zeros(n, dtype=bool),
        lowest=np.full(n, np.nan),
        highest=np.full(n, np.nan),
        fractional=np.zeros(n, dtype=bool),
    )
    if n == 0:
        return verdicts
    free = np.zeros(targets.form.shape[1], dtype=bool)
    free[restricted.columns] = True
    form = targets.form[:, restricted.columns].tocsr()
    constant = targets.form[:, ~free] @ values[~free]
    target_component = labels[form.indices[form.indptr[:-1]]]
    with_targets = np.unique(target_component)
    sizes = np.bincount(labels)[with_targets]
    for batch in batches(sizes):
        components = with_targets[batch]
        column_mask = np.isin(labels, components)
        columns = np.flatnonzero(column_mask)
        rows = np.flatnonzero(np.diff(restricted.matrix[:, column_mask].tocsr().indptr) > 0)
        matrix = restricted.matrix[rows][:, columns]
        in_batch = np.flatnonzero(np.isin(target_component, components))
        batch = Batch(
            matrix=matrix,
            low=restricted.low[rows],
            high=restricted.high[rows],
            form=form[in_batch][:, columns].tocsr(),
            constant=constant[in_batch],
            value=targets.value[in_batch],
            component=np.searchsorted(components, target_component[in_batch]),
            column_component=np.searchsorted(components, labels[columns]),
        )
        audit_batch(batch, in_batch, verdicts)
    return verdicts


@dataclass(frozen=True)
class Batch:
    """A few connected components audited with one solver: the attacker's rows over their hidden
    columns (`matrix` between `low` and `high`) and the targets as linear forms of those columns plus a
    constant, with their true values. `component` and `column_component` number the batch's components
    0, 1, ... for the targets and the columns."""

    matrix: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray
    form: sparse.csr_matrix
    constant: np.ndarray
    value: np.ndarray
    component: np.ndarray
    column_component: np.ndarray


def audit_batch(batch: Batch, into: np.ndarray, verdicts: Verdicts) -> None:
    """The solves of one batch (see the module's docstring), writing into `verdicts` at `into`."""
    matrix, low, high = batch.matrix, batch.low, batch.high
    form, constant, value = batch.form, batch.constant, batch.value
    component, column_component = batch.component, batch.column_component
    n = len(value)
    n_components = int(column_component.max()) + 1
    # Per condition (low, high, wide): settled, and settled by a fractional table only.
    settled = np.zeros((3, n), dtype=bool)
    fractional = np.zeros((3, n), dtype=bool)
    lowest = np.full(n, np.nan)
    highest = np.full(n, np.nan)
    solver = new_solver()
    pass_programme(solver, matrix, low, high)

    def check(x: np.ndarray) -> None:
        count = form @ x + constant
        off_integer = np.abs(x - np.round(x)) > TOLERANCE
        whole = np.bincount(column_component, weights=off_integer, minlength=n_components) == 0
        reached = np.vstack(
            [
                count <= value - 1 + TOLERANCE,
                count >= value + 1 - TOLERANCE,
                (count <= TOLERANCE) | (count >= THRESHOLD - TOLERANCE),
            ]
        )
        newly = reached & ~settled
        fractional[newly & ~whole[component]] = True
        settled[newly] = True
        # An integral table settles for good a condition a fractional one settled first.
        fractional[reached & whole[component]] = False

    total = np.asarray(form.sum(axis=0)).ravel()
    check(solve(solver, total))
    # From now on only the objective changes: the basis stays primal feasible, and the primal simplex
    # goes on from it (the dual simplex would start over).
    solver.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    check(solve(solver, -total))
    solves = 2
    # Tables that push a random half of the open targets down and the other half up settle most
    # conditions in a few solves; the seed is fixed, so the audit is deterministic.
    signs = np.random.default_rng(0)
    for _ in range(MIXED_SOLVES):
        open_target = ~settled.all(axis=0)
        if not open_target.any():
            break
        sign = np.where(open_target, signs.choice([-1.0, 1.0], size=n), 0.0)
        check(solve(solver, np.asarray(form.multiply(sign[:, None]).sum(axis=0)).ravel()))
        solves += 1
    min_done = np.zeros(n, dtype=bool)
    max_done = np.zeros(n, dtype=bool)
    while True:
        low_ok, high_ok, wide_ok = settled
        needs_min = (~low_ok | ~wide_ok) & ~min_done
        needs_max = (~high_ok | (~wide_ok & min_done)) & ~max_done
        candidates = np.flatnonzero(needs_min | needs_max)
        if not len(candidates):
            break
        _, first = np.unique(component[candidates], return_index=True)
        picked = candidates[first]
        sign = np.where(needs_min[picked], 1.0, -1.0)
        cost = np.asarray(form[picked].multiply(sign[:, None]).sum(axis=0)).ravel()
        x = solve(solver, cost)
        solves += 1
        count = form[picked] @ x + constant[picked]
        is_min = sign > 0
        lowest[picked[is_min]] = count[is_min]
        highest[picked[~is_min]] = count[~is_min]
        min_done[picked[is_min]] = True
        max_done[picked[~is_min]] = True
        check(x)
    integer_solves = recheck_as_integers(batch, settled, fractional)
    verdicts.low[into], verdicts.high[into], verdicts.wide[into] = settled
    verdicts.lowest[into] = lowest
    verdicts.highest[into] = highest
    verdicts.fractional[into] = fractional.any(axis=0)
    verdicts.solves += solves
    verdicts.integer_solves += integer_solves


def recheck_as_integers(batch: Batch, settled: np.ndarray, fractional: np.ndarray) -> int:
    """Conditions settled by fractional tables only, in components of at most INTEGER_COLUMNS columns:
    solved again over whole numbers; a proven integer bound that misses the threshold unsettles them."""
    matrix, low, high = batch.matrix, batch.low, batch.high
    form, constant, value = batch.form, batch.constant, batch.value
    component, column_component = batch.component, batch.column_component
    sizes = np.bincount(column_component)
    solves = 0
    for target in np.flatnonzero(fractional.any(axis=0) & (sizes[component] <= INTEGER_COLUMNS)):
        columns = np.flatnonzero(column_component == component[target])
        rows = np.flatnonzero(np.diff(matrix[:, columns].tocsr().indptr) > 0)
        sub = matrix[rows][:, columns]
        cost = form[target][:, columns].toarray().ravel()
        bounds = {}
        for sign in (1.0, -1.0):
            optimum = integer_bound(sub, low[rows], high[rows], sign * cost)
            solves += 1
            bounds[sign] = None if optimum is None else sign * optimum + constant[target]
        lowest, highest = bounds[1.0], bounds[-1.0]
        v = value[target]
        if lowest is not None and fractional[0, target] and lowest > v - 1 + TOLERANCE:
            settled[0, target] = False
        if highest is not None and fractional[1, target] and highest < v + 1 - TOLERANCE:
            settled[1, target] = False
        if (
            lowest is not None
            and highest is not None
            and fractional[2, target]
            and lowest > TOLERANCE
            and highest < THRESHOLD - TOLERANCE
        ):
            settled[2, target] = False
    return solves
