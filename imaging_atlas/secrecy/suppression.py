"""Statistical secrecy of every published indicator: primary and complementary suppression, the sectors'
construction, the exact audit and the repair, one year at a time (docs/statistical_secrecy.md).

Per year, until the audit finds nothing:

1. *Primary*: a cell whose counts of individuals (patients, beneficiaries, beneficiaries without an
   exam) include one from 1 to 4 is masked; the % and the volume of a group share one pattern.
2. *Complementary*, per group and for the shared denominator: no equation parent = sum(children) keeps
   exactly one masked cell (a fast first pass, which spares the audit most of its repairs).
3. *The sectors by construction* (`sectors`): most hidden sector counts are shown protected by moves of
   persons between hidden sectors; the others become targets of the audit.
4. *The exact audit* (`audit`): every hidden count of individuals 1 to 4 from Belgium to the communes,
   the persons without a known domicile, and the sector targets of step 3, against tau-ARGUS's
   criterion, by linear programming over every published table of the year and every relation of
   `relations`.
5. *Repair* (`repair`): each failing target gets the cheapest masking that restores it; back to 2.

Nothing crosses years, and every step is deterministic: the same extract gives the same pattern, and a
year added leaves the earlier years' patterns as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imaging_atlas.secrecy.audit import THRESHOLD, Targets, audit, sensitive_targets
from imaging_atlas.secrecy.counts import (
    Collapsed,
    YearCounts,
    collapse_hidden_sectors,
    shown_cells,
    year_counts,
)
from imaging_atlas.secrecy.relations import (
    Groups,
    Relation,
    indicator_scopes,
    n_quantities,
    registry_groups,
    unit_relations,
)
from imaging_atlas.secrecy.repair import Condition, RepairInput, cheapest_masking, repair_component
from imaging_atlas.secrecy.sectors import sector_verdicts
from imaging_atlas.secrecy.system import LinearSystem, components, restrict, year_system
from imaging_atlas.secrecy.tree import Tree, build_tree

MAX_ROUNDS = 50
"""Rounds of suppression, audit and repair per year before giving up (a few are enough)."""
SECTOR_PROGRAMME_BENEFICIARIES = 50
"""A partly hidden sector of fewer beneficiaries whose counts the moves leave unproven is hidden whole
(its counts then fall under the cone's moves) rather than audited by programme: at a few persons per
sector (the synthetic 1% Belgium) there are tens of thousands of them a year, too many for the build's
time, and the programme would mask most of their cells anyway."""
SECTOR_PROGRAMME_TARGETS = 30_000
"""Sector counts the exact audit takes on in one year at most; beyond, their sectors are hidden whole.
Both rules look at the counts only, so the pattern stays deterministic."""
SIDES = ("low", "high", "wide")


def under_threshold(count: pd.Series | np.ndarray, threshold: int = THRESHOLD) -> pd.Series | np.ndarray:
    """True where a count of individuals is 1 to threshold - 1 (a 0 count holds nobody)."""
    return (count > 0) & (count < threshold)


def primary_suppression(
    numerator: pd.Series, denominator: pd.Series, threshold: int = THRESHOLD
) -> pd.Series:
    """Cells built on fewer than `threshold` patients, beneficiaries or beneficiaries without an exam."""
    return (
        under_threshold(numerator, threshold)
        | under_threshold(denominator, threshold)
        | under_threshold(denominator - numerator, threshold)
    )


def protect(
    tree: Tree,
    masked: np.ndarray,
    present: np.ndarray,
    may_stand_alone: np.ndarray,
    known_anyway: np.ndarray,
    priority: np.ndarray,
) -> np.ndarray:
    """Complementary suppression on one year, every layer (column) at once: mask more cells until no
    equation parent = sum(children) has exactly one unknown.

    Arrays are units x layers. A masked cell that `known_anyway` (other tables pin it) is no unknown;
    a cell that `may_stand_alone` (the no-domicile cell when it is not under the threshold) may be the
    one unknown. An exposed equation masks its child of lowest `priority` (ties: tree order), else its
    parent, whose own equation above then protects it in a later pass.
    """
    masked = masked.copy()
    n_layers = masked.shape[1]
    has_equation = present & (tree.children_sum(present.astype(np.int64)) > 0)
    child = tree.child_order
    parent_of_child = tree.parent[child]
    while True:
        unknown = masked & present & ~known_anyway
        exposing = unknown & ~may_stand_alone
        n_unknown = tree.children_sum(unknown.astype(np.int64)) + unknown
        n_exposing = tree.children_sum(exposing.astype(np.int64)) + exposing
        exposed = has_equation & (n_unknown == 1) & (n_exposing == 1)
        if not exposed.any():
            return masked
        candidate = exposed[parent_of_child] & present[child] & ~masked[child] & ~known_anyway[child]
        row, layer = np.nonzero(candidate)
        equation = parent_of_child[row] * n_layers + layer
        order = np.lexsort((row, priority[child[row], layer], equation))
        first = order[np.r_[True, equation[order][1:] != equation[order][:-1]]] if len(order) else order
        newly = np.zeros_like(masked)
        newly[child[row[first]], layer[first]] = True
        served = np.zeros_like(masked)
        served[parent_of_child[row[first]], layer[first]] = True
        newly |= exposed & ~served & ~masked
        if not newly.any():
            return masked
        masked |= newly


def sensitive_cells(counts: YearCounts) -> np.ndarray:
    """units x groups: cells with a count of individuals from 1 to 4 (primary suppression)."""
    b = counts.beneficiaries[:, None]
    p = counts.patients
    return counts.present & (under_threshold(p) | under_threshold(b - p) | under_threshold(b))


def protect_definitions(
    masked: np.ndarray, counts: YearCounts, relations: list[Relation], n_groups: int
) -> np.ndarray:
    """The definitional equalities (disjoint scopes that partition a scope, identical scopes) at one unit:
    where exactly one of their cells is hidden, the others would give its exams (and its patients would
    follow), so one more is masked: the one with the fewest patients (ties: the first group).
    A group without figures at the unit is unknown anyway."""
    masked = masked.copy()
    unknown_anyway = ~counts.present
    for relation in relations:
        if not relation.equality:
            continue
        members = sorted({(quantity - 1) % n_groups for quantity, _ in relation.terms if quantity > 0})
        hidden = masked[:, members] | unknown_anyway[:, members]
        exposed = hidden.sum(axis=1) == 1
        if not exposed.any():
            continue
        cost = np.where(hidden, np.inf, counts.patients[:, members].astype("float64"))
        chosen = np.asarray(members)[np.argmin(cost, axis=1)]
        rows = np.flatnonzero(exposed)
        masked[rows, chosen[rows]] = True
    return masked


def complementary(
    tree: Tree, masked: np.ndarray, counts: YearCounts, groups: Groups, relations: list[Relation]
) -> np.ndarray:
    """Steps 1 and 2 of the module: per group, across the groups of a unit where the definitions make an
    equality, then for the hidden denominators (a unit masked for them is masked in every group), until
    no equation is left with one unknown."""
    b = counts.beneficiaries
    p = counts.patients
    present = counts.present
    no_domicile = np.zeros(tree.size, dtype=bool)
    no_domicile[tree.no_domicile] = True
    few_beneficiaries = under_threshold(b)
    sensitive = sensitive_cells(counts)
    # A masked count that other tables pin anyway: its unit shows 0 imaging patients or 0 beneficiaries,
    # or (all imaging) some group's patients equal the beneficiaries.
    all_imaging = groups.all_imaging
    others = np.delete(p, all_imaging, axis=1)
    known_anyway = np.repeat(((p[:, all_imaging] == 0) | (b == 0))[:, None], p.shape[1], axis=1)
    known_anyway[:, all_imaging] = (b == 0) | (others.max(axis=1, initial=0) == b)
    known_anyway &= ~sensitive & ~no_domicile[:, None]
    priority = np.repeat(((b == 0) * 1e12 + b)[:, None], p.shape[1], axis=1).astype("float64")
    may_stand_alone = no_domicile[:, None] & ~sensitive
    while True:
        masked = protect(tree, masked, present, may_stand_alone, known_anyway, priority)
        across = protect_definitions(masked, counts, relations, groups.size)
        if (across != masked).any():
            masked = across
            continue
        shown = shown_cells(masked, counts, groups)
        hidden_b = ~shown.beneficiaries
        shown_in = (present & ~masked)[:, groups.published].sum(axis=1)
        b_masked = protect(
            tree,
            hidden_b[:, None],
            np.ones((tree.size, 1), dtype=bool),
            (no_domicile & ~few_beneficiaries)[:, None],
            np.zeros((tree.size, 1), dtype=bool),
            (shown_in * 1e13 + (b == 0) * 1e12 + b)[:, None].astype("float64"),
        )[:, 0]
        newly = b_masked & ~hidden_b
        if not newly.any():
            return masked
        masked = masked | (newly[:, None] & present)


@dataclass
class YearReport:
    """What the audit of one year did: rounds, targets audited by programme, solves, cells masked by
    the repair, and seconds."""

    year: int | None = None
    rounds: int = 0
    targets: int = 0
    certified_by_moves: int = 0
    solves: int = 0
    integer_solves: int = 0
    repaired_cells: int = 0
    repairs_without_programme: int = 0
    whole_sectors: int = 0
    seconds: float = 0.0
    failures_by_round: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Round:
    """One audit of one year: the collapsed programme, its targets and their verdicts."""

    collapsed: Collapsed
    targets: Targets
    failing: list[tuple[int, str]]
    sector_failing: np.ndarray
    settled_keys: set[tuple[int, int, int]]
    repair_input: RepairInput


def unit_levels(tree: Tree, collapsed: Collapsed) -> np.ndarray:
    """The level of each unit of the collapsed programme ('hidden_sectors' for a sum of sectors)."""
    return np.where(collapsed.origin >= 0, tree.geo_level[np.maximum(collapsed.origin, 0)], "hidden_sectors")


def individuals(values: np.ndarray, n_groups: int) -> np.ndarray:
    """units x (beneficiaries, patients of each group, non-patients of each group)."""
    b, p = values[:, :1], values[:, 1 : 1 + n_groups]
    return np.hstack([b, p, b - p])


def audit_round(
    tree: Tree,
    counts: YearCounts,
    groups: Groups,
    relations: list[Relation],
    masked: np.ndarray,
    settled: set[tuple[int, int, int]],
    report: YearReport,
) -> Round:
    """Build the collapsed programme of the current pattern, choose its targets (every level from
    Belgium to the communes, and the sector counts the construction does not settle) and audit them."""
    shown = shown_cells(masked, counts, groups)
    known = shown.known(counts)
    values = counts.values
    n_g = groups.size
    collapsed = collapse_hidden_sectors(tree, values, known, counts.present)
    levels = unit_levels(tree, collapsed)
    system = year_system(collapsed.parent, relations, n_quantities(n_g))
    restricted = restrict(system, ~collapsed.known.ravel(), collapsed.values.ravel())
    labels = components(restricted)
    upper = (levels != "sector") & (levels != "hidden_sectors")
    targets = sensitive_targets(collapsed.values, collapsed.known, collapsed.present, upper)
    sectors = sector_verdicts(values, known, counts.present, tree.parent, tree.is_sector, groups, relations)
    report.certified_by_moves += sectors.certified
    # Counts of wholly hidden sectors the moves do not settle: the sum of their commune's wholly hidden
    # sectors (a unit of the programme) equals them, and is audited instead.
    pseudo_units = np.flatnonzero(collapsed.origin < 0)
    pseudo_of_commune = dict(zip(collapsed.origin[collapsed.parent[pseudo_units]], pseudo_units, strict=True))
    unit_s, column = np.nonzero(sectors.whole_exposed)
    wanted = {(pseudo_of_commune[tree.parent[s]], c) for s, c in zip(unit_s, column, strict=True)}
    pseudo_targets = sensitive_targets(
        collapsed.values, collapsed.known, collapsed.present, levels == "hidden_sectors"
    )
    pseudo_column = target_columns(pseudo_targets, n_g)
    keep_pseudo = np.array(
        [(u, c) in wanted for u, c in zip(pseudo_targets.unit, pseudo_column, strict=True)], dtype=bool
    )
    # Counts of partly hidden sectors the moves do not settle: audited exactly in sectors large enough
    # while they are few enough for the build's time; the others' sectors are hidden whole.
    sector_targets = sensitive_targets(
        collapsed.values, collapsed.known, collapsed.present, levels == "sector"
    )
    sector_column = target_columns(sector_targets, n_g)
    target_sector = collapsed.origin[sector_targets.unit]
    large = counts.beneficiaries >= SECTOR_PROGRAMME_BENEFICIARIES
    keep_sector = sectors.partial_exposed[target_sector, sector_column] & large[target_sector]
    whole_instead = sectors.partial_failing & ~large
    if int(keep_sector.sum()) > SECTOR_PROGRAMME_TARGETS:
        keep_sector[:] = False
        whole_instead = sectors.partial_failing
    all_targets = concatenate_targets(
        [targets, pseudo_targets.subset(keep_pseudo), sector_targets.subset(keep_sector)]
    )
    keys = target_keys(collapsed, all_targets)
    open_target = np.array([key not in settled for key in keys], dtype=bool)
    all_targets = all_targets.subset(open_target)
    keys = [key for key, is_open in zip(keys, open_target, strict=True) if is_open]
    verdicts = audit(restricted, labels, all_targets, collapsed.values.ravel())
    report.targets += len(all_targets)
    report.solves += verdicts.solves
    report.integer_solves += verdicts.integer_solves
    is_pseudo = collapsed.origin[all_targets.unit] < 0
    newly_settled = {
        key for key, ok, pseudo in zip(keys, verdicts.protected, is_pseudo, strict=True) if ok and not pseudo
    }
    failing = [
        (int(t), side)
        for t in np.flatnonzero(~verdicts.protected)
        for side, ok in zip(SIDES, (verdicts.low[t], verdicts.high[t], verdicts.wide[t]), strict=True)
        if not ok
    ]
    component = np.full(system.n_variables, -1)
    component[restricted.columns] = labels
    return Round(
        collapsed=collapsed,
        targets=all_targets,
        failing=failing,
        sector_failing=whole_instead,
        settled_keys=newly_settled,
        repair_input=repair_input(system, collapsed, groups, component),
    )


def target_columns(targets: Targets, n_groups: int) -> np.ndarray:
    """Each target's column among a unit's counts of individuals (beneficiaries, patients of each
    group, non-patients of each group)."""
    column = np.where(targets.kind == 0, 0, targets.group + 1)
    return np.where(targets.kind == 2, column + n_groups, column)


def concatenate_targets(parts: list[Targets]) -> Targets:
    from scipy import sparse

    return Targets(
        unit=np.concatenate([part.unit for part in parts]),
        kind=np.concatenate([part.kind for part in parts]),
        group=np.concatenate([part.group for part in parts]),
        value=np.concatenate([part.value for part in parts]),
        form=sparse.vstack([part.form for part in parts], format="csr"),
    )


def target_keys(collapsed: Collapsed, targets: Targets) -> list[tuple[int, int, int]]:
    """(tree unit, kind, group) of each target: settled ones stay settled as masks only grow."""
    origin = collapsed.origin[targets.unit]
    return list(zip(origin.tolist(), targets.kind.tolist(), targets.group.tolist(), strict=True))


def repair_input(
    system: LinearSystem, collapsed: Collapsed, groups: Groups, component: np.ndarray
) -> RepairInput:
    """What the repair needs: which published counts may be masked (those of real units) and the cost of
    masking each. A cell costs 1 + its patients (tau-ARGUS's cell-value weight: the smaller cell goes
    first), for its patients and for its exams; the beneficiaries cost every cell of the unit."""
    n_g = groups.size
    real = collapsed.origin >= 0
    cell_cost = 1.0 + collapsed.values[:, 1 : 1 + n_g]
    beneficiaries_cost = cell_cost.sum(axis=1, keepdims=True) + 1.0 + collapsed.values[:, :1]
    cost = np.hstack([beneficiaries_cost, cell_cost, cell_cost])
    n_q = n_quantities(n_g)
    maskable = np.repeat(real[:, None], n_q, axis=1) & collapsed.known
    return RepairInput(
        system=system,
        columns=system.matrix.tocsc(),
        values=collapsed.values.ravel(),
        fixed=collapsed.known.ravel(),
        maskable=maskable.ravel(),
        cost=cost.ravel(),
        component=component,
        unknown_truth=np.hstack(
            [np.zeros((len(real), 1), dtype=bool), ~collapsed.present, ~collapsed.present]
        ).ravel(),
    )


def repair(
    tree: Tree, masked: np.ndarray, counts: YearCounts, groups: Groups, audit: Round, report: YearReport
) -> np.ndarray:
    """Mask, for every failing condition, the cheapest counts that restore it (see `repair`), one
    programme per component; where that finds none, a search in rings around the target, and where that
    finds none either, every group of the target's unit and of its siblings."""
    masked = masked.copy()
    n_g = groups.size
    n_q = n_quantities(n_g)
    collapsed = audit.collapsed
    present = counts.present
    data = audit.repair_input
    conditions = [
        Condition(audit.targets.form[t].toarray().ravel(), float(audit.targets.value[t]), side)
        for t, side in audit.failing
    ]
    first_variable = [int(np.flatnonzero((condition.form != 0) & ~data.fixed)[0]) for condition in conditions]
    component = data.component[first_variable]
    chosen: list[np.ndarray | None] = [None] * len(conditions)
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        for member, found in zip(
            members, repair_component(data, [conditions[m] for m in members]), strict=True
        ):
            chosen[member] = found
    for (target, _), condition, found in zip(audit.failing, conditions, chosen, strict=True):
        if found is None:
            found = cheapest_masking(data, condition.form, condition.value, condition.side)
        if found is None:
            report.repairs_without_programme += 1
            unit = collapsed.origin[audit.targets.unit[target]]
            if unit < 0:
                unit = collapsed.origin[collapsed.parent[audit.targets.unit[target]]]
            family = np.flatnonzero(tree.parent == tree.parent[unit]) if tree.parent[unit] >= 0 else [unit]
            masked[family] |= present[family]
            continue
        units = collapsed.origin[found // n_q]
        quantity = found % n_q
        whole_unit = quantity == 0
        masked[units[whole_unit]] |= present[units[whole_unit]]
        group = (quantity[~whole_unit] - 1) % n_g
        masked[units[~whole_unit], group] |= present[units[~whole_unit], group]
    return masked


def small_unproven_sectors(
    tree: Tree, counts: YearCounts, groups: Groups, relations: list[Relation], masked: np.ndarray
) -> np.ndarray:
    """Partly hidden sectors of fewer than SECTOR_PROGRAMME_BENEFICIARIES beneficiaries holding a count
    the moves leave unproven (see `sectors`)."""
    known = shown_cells(masked, counts, groups).known(counts)
    verdicts = sector_verdicts(
        counts.values, known, counts.present, tree.parent, tree.is_sector, groups, relations
    )
    return verdicts.partial_failing & (counts.beneficiaries < SECTOR_PROGRAMME_BENEFICIARIES)


def year_masks(
    tree: Tree,
    counts: YearCounts,
    groups: Groups,
    relations: list[Relation],
    report: YearReport | None = None,
) -> np.ndarray:
    """The masks of one year (units x groups): primary, complementary, audited and repaired until the
    exact audit finds no target short of the criterion."""
    report = report if report is not None else YearReport()
    started = time.perf_counter()
    no_domicile = np.zeros(tree.size, dtype=bool)
    no_domicile[tree.no_domicile] = True
    masked = sensitive_cells(counts) | (no_domicile[:, None] & counts.present)
    settled: set[tuple[int, int, int]] = set()
    for _ in range(MAX_ROUNDS):
        masked = complementary(tree, masked, counts, groups, relations)
        # Small sectors the moves leave unproven are hidden whole before any programme is built: the
        # programme is then smaller, and built once for a pattern that no longer changes there.
        small = small_unproven_sectors(tree, counts, groups, relations, masked)
        if small.any():
            masked = masked | (small[:, None] & counts.present)
            report.whole_sectors += int(small.sum())
            continue
        this_round = audit_round(tree, counts, groups, relations, masked, settled, report)
        report.rounds += 1
        failing_sectors = this_round.sector_failing
        report.failures_by_round.append(len(this_round.failing) + int(failing_sectors.sum()))
        settled |= this_round.settled_keys
        if not this_round.failing and not failing_sectors.any():
            report.seconds += time.perf_counter() - started
            return masked & ~no_domicile[:, None]
        before = masked.sum()
        # A sector the moves leave unproven is hidden whole: its counts then fall under the cone's moves.
        masked = masked | (failing_sectors[:, None] & counts.present)
        masked = repair(tree, masked, counts, groups, this_round, report)
        report.repaired_cells += int(masked.sum() - before)
    raise RuntimeError(f"no safe suppression pattern after {MAX_ROUNDS} rounds")


def suppression_masks(
    figures: pd.DataFrame,
    registry: pd.DataFrame,
    geo_units: pd.DataFrame,
    exam_scope: pd.DataFrame,
    codes: pd.DataFrame,
    reports: list[YearReport] | None = None,
) -> pd.DataFrame:
    """Every row of int_indicator_figures of a published indicator, with its final `masked` flag and
    its unit's position in the tree (`unit`). `exam_scope` is the seed indicator_exam_scope and `codes`
    the code list (category, provider) the indicators count."""
    tree = build_tree(geo_units)
    groups = registry_groups(registry, indicator_scopes(exam_scope, codes))
    relations = unit_relations(groups)
    columns = groups.indicator_columns()
    published_codes = columns.loc[columns["published"], "indicator_code"]
    group_of = columns.set_index("indicator_code")["group"]
    figures = figures[figures["indicator_code"].isin(columns["indicator_code"])]
    figures = figures.assign(unit=tree.positions(figures["geo_level"], figures["geo_code"]))
    frames = []
    for year, rows in figures.groupby("year", sort=True):
        report = YearReport(year=int(year))
        counts = year_counts(rows, rows["unit"].to_numpy(), tree, groups)
        masks = year_masks(tree, counts, groups, relations, report)
        if reports is not None:
            reports.append(report)
        rows = rows[rows["indicator_code"].isin(published_codes)]
        group = rows["indicator_code"].map(group_of).to_numpy()
        frames.append(rows.assign(masked=masks[rows["unit"].to_numpy(), group]))
    return pd.concat(frames, ignore_index=True) if frames else figures.assign(masked=False)
