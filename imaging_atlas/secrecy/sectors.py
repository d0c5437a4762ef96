"""The sectors' protection by construction: tables the attacker cannot tell from the true one, built from
the true counts by moving persons between hidden sectors of one commune.

Every such table keeps every published figure and every sum of the commune (what leaves a sector enters
another), and satisfies every relation of `relations` at each sector; so it is a solution of the
attacker's programme, and a whole-number one. Two kinds of moves (docs/statistical_secrecy.md gives the
proof):

- **Wholly hidden sectors** (every count hidden, the beneficiaries too). The counts of a unit that obey
  the relations form a cone (they are linear and homogeneous), so moving all of one hidden sector into
  another, or all the others into it, gives tables of the cone: a count of such a sector reaches 0, and
  its value plus what the commune's other wholly hidden sectors hold of it. It is protected when those
  others hold at least one (`whole_sector_protected`); where they hold none, the sum of the wholly hidden
  sectors (a unit of the programme, see `counts.collapse_hidden_sectors`) equals it, and the exact audit
  takes that sum as a target instead.
- **Partly hidden sectors** (the beneficiaries shown). A move of k patients of one group along a
  direction (the patients only; the patients and their exams; a person with one exam of one atom, in
  every group counting that atom) from sector s to sectors t of the commune that hide every count the
  direction touches: each relation row tolerates it as long as its slack at the true counts allows
  (`move_capacity`). The largest moves down and up give an interval the attacker cannot narrow; a target
  whose interval meets tau-ARGUS's criterion needs no programme. The others go to the exact audit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imaging_atlas.secrecy.audit import THRESHOLD
from imaging_atlas.secrecy.relations import Groups, Relation, exams, n_quantities, patients


def relation_matrix(relations: list[Relation], n_q: int) -> tuple[np.ndarray, np.ndarray]:
    """The relations as a dense matrix (relations x quantities) and their equality flags."""
    matrix = np.zeros((len(relations), n_q))
    for k, relation in enumerate(relations):
        for quantity, coefficient in relation.terms:
            matrix[k, quantity] += coefficient
    return matrix, np.array([relation.equality for relation in relations], dtype=bool)


def move_directions(groups: Groups) -> list[tuple[int, np.ndarray]]:
    """Per group g, the directions of a move of one patient of g (group, vector over the quantities):
    its patients only, its patients and one exam, and one person with one exam of an atom of g (the
    patients and exams of every group whose scope holds that atom). A group of identical scope moves
    along with g."""
    n_g = groups.size
    n_q = n_quantities(n_g)
    directions = []
    for g, scope in enumerate(groups.scopes):
        if not scope:
            continue
        twins = [h for h, other in enumerate(groups.scopes) if other == scope]
        only_patients = np.zeros(n_q)
        only_patients[[patients(h) for h in twins]] = 1
        with_exam = only_patients.copy()
        with_exam[[exams(h, n_g) for h in twins]] = 1
        directions += [(g, only_patients), (g, with_exam)]
        for atom in sorted(scope):
            holders = [h for h, other in enumerate(groups.scopes) if atom in other]
            person = np.zeros(n_q)
            person[[patients(h) for h in holders]] = 1
            person[[exams(h, n_g) for h in holders]] = 1
            directions.append((g, person))
    return directions


def move_capacity(
    values: np.ndarray, slack: np.ndarray, relation: np.ndarray, equality: np.ndarray, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, how many times `direction` can be added to its true counts, and taken from them, with
    every relation still holding and every count >= 0 (whole moves: floor of the slack; `slack` is
    -relation @ values per unit and relation)."""
    change = relation @ direction
    if (equality & (change != 0)).any():
        zero = np.zeros(len(values), dtype=np.int64)
        return zero, zero
    big = np.iinfo(np.int64).max // 4
    add = np.full(len(values), big)
    remove = np.full(len(values), big)
    rising, falling = np.flatnonzero(change > 0), np.flatnonzero(change < 0)
    if len(rising):
        add = np.floor((slack[:, rising] / change[rising]).min(axis=1) + 1e-9).astype(np.int64)
    if len(falling):
        remove = np.floor((slack[:, falling] / -change[falling]).min(axis=1) + 1e-9).astype(np.int64)
    moved = np.flatnonzero(direction > 0)
    remove = np.minimum(remove, np.floor((values[:, moved] / direction[moved]).min(axis=1)).astype(np.int64))
    return np.maximum(add, 0), np.maximum(remove, 0)


@dataclass(frozen=True)
class SectorMoves:
    """Per sector and group: the largest move of patients of the group out of the sector (`down`) and
    into it (`up`) that some table consistent with the publication allows."""

    down: np.ndarray
    up: np.ndarray


def partial_sector_moves(
    values: np.ndarray,
    known: np.ndarray,
    present: np.ndarray,
    commune: np.ndarray,
    is_sector: np.ndarray,
    groups: Groups,
    relations: list[Relation],
) -> SectorMoves:
    """The moves of `SectorMoves` for every sector (units x groups, 0 elsewhere). `commune` is each
    sector's commune position; `known` units x quantities."""
    n_units = len(values)
    n_q = values.shape[1]
    relation, equality = relation_matrix(relations, n_q)
    down = np.zeros((n_units, groups.size), dtype=np.int64)
    up = np.zeros((n_units, groups.size), dtype=np.int64)
    group_of_quantity = np.r_[-1, np.arange(groups.size), np.arange(groups.size)]
    sectors = np.flatnonzero(is_sector)
    _, commune_id = np.unique(commune[sectors], return_inverse=True)
    slack = -(values[sectors] @ relation.T)
    for g, direction in move_directions(groups):
        touched = np.flatnonzero(direction)
        touched_groups = group_of_quantity[touched]
        usable = ~known[sectors][:, touched].any(axis=1) & present[sectors][:, touched_groups].all(axis=1)
        add, remove = move_capacity(values[sectors], slack, relation, equality, direction)
        add, remove = np.where(usable, add, 0), np.where(usable, remove, 0)
        commune_add = np.bincount(commune_id, weights=add.astype("float64"))
        commune_remove = np.bincount(commune_id, weights=remove.astype("float64"))
        others_add = commune_add[commune_id] - add
        others_remove = commune_remove[commune_id] - remove
        down[sectors, g] = np.maximum(down[sectors, g], np.minimum(remove, others_add).astype(np.int64))
        up[sectors, g] = np.maximum(up[sectors, g], np.minimum(add, others_remove).astype(np.int64))
    return SectorMoves(down=down, up=up)


def meets_criterion(value: np.ndarray, down: np.ndarray, up: np.ndarray) -> np.ndarray:
    """tau-ARGUS's criterion on an interval [value - down, value + up] that the attacker cannot narrow."""
    return (down >= 1) & (up >= 1) & ((value - down <= 0) | (value + up >= THRESHOLD))


@dataclass(frozen=True)
class SectorVerdicts:
    """Which sector counts the construction leaves unproven (units x (beneficiaries, patients of each
    group, non-patients of each group)): of partly hidden sectors (`partial_exposed`, and the sectors
    that hold one, `partial_failing`), and of wholly hidden ones (`whole_exposed`), which the exact
    audit takes through the sum of their commune's wholly hidden sectors."""

    partial_failing: np.ndarray
    partial_exposed: np.ndarray
    whole_exposed: np.ndarray
    certified: int


def sector_verdicts(
    values: np.ndarray,
    known: np.ndarray,
    present: np.ndarray,
    parent: np.ndarray,
    is_sector: np.ndarray,
    groups: Groups,
    relations: list[Relation],
) -> SectorVerdicts:
    """tau-ARGUS's criterion on every hidden sector count from the moves alone (see the module)."""
    n_g = groups.size
    b, p = values[:, :1], values[:, 1 : 1 + n_g]
    held = np.hstack([b, p, b - p])
    hidden_p = ~known[:, 1 : 1 + n_g]
    hidden = np.hstack([~known[:, :1], hidden_p, hidden_p | ~known[:, :1]])
    relevant = np.hstack([np.ones((len(values), 1), dtype=bool), present, present])
    targets = is_sector[:, None] & hidden & relevant & (held >= 1) & (held < THRESHOLD)
    moves = partial_sector_moves(values, known, present, parent, is_sector, groups, relations)
    zero = np.zeros((len(values), 1), dtype=np.int64)
    down = np.hstack([zero, moves.down, moves.up])
    up = np.hstack([zero, moves.up, moves.down])
    whole = is_sector & ~known.any(axis=1)
    sectors = np.flatnonzero(whole)
    n_whole = np.zeros(len(values), dtype=np.int64)
    others = np.zeros(held.shape)
    if len(sectors):
        _, commune_id = np.unique(parent[sectors], return_inverse=True)
        totals = np.zeros((commune_id.max() + 1, held.shape[1]))
        np.add.at(totals, commune_id, held[sectors])
        n_whole[sectors] = np.bincount(commune_id)[commune_id]
        others[sectors] = totals[commune_id] - held[sectors]
    # A wholly hidden sector among two or more falls to 0 (all of it moved to another) and rises by what
    # the others hold (all of them moved into it); moves of persons may do better.
    down = np.where(whole[:, None] & (n_whole >= 2)[:, None], np.maximum(down, held), down)
    up = np.where(whole[:, None], np.maximum(up, others), up)
    certified = meets_criterion(held, down, up)
    failing = targets & ~certified
    return SectorVerdicts(
        partial_failing=failing.any(axis=1) & ~whole,
        partial_exposed=failing & ~whole[:, None],
        whole_exposed=failing & whole[:, None],
        certified=int((targets & certified).sum()),
    )
