"""What a reader knows from the published definitions: the indicator groups of the registry, the exams
each one counts (the seed `indicator_exam_scope` over the code list) and the linear relations that follow
between the counts of one unit.

A group's scope is a set of *atoms*, the (category, provider) pairs of the code list: a scope row with
provider `any` takes every provider the code list has for its category. Two scopes are then identical,
nested, disjoint or overlapping, and each case gives relations that hold for any population:

- identical scopes count the same patients and exams; an empty scope counts none;
- a scope inside another: its patients and exams are at most those of the larger one;
- pairwise disjoint scopes inside a scope U: their exams add up to at most U's exams, exactly U's when
  they cover it (each exam has one code, hence one atom);
- scopes that cover U: U's patients and exams are at most the sum of theirs (a patient of U has an exam
  in one of them), and at least the largest one's (the nested case).

So a new indicator brings its relations with it: it needs only its registry row and its scope rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

ANY_PROVIDER = "any"
ALL_IMAGING_GROUP = "all_imaging"
"""The registry group whose scope holds every imaging code (stat_013_001_at)."""
MAX_COVER_CANDIDATES = 16
"""Scopes nested in one scope beyond which minimal covers are not enumerated (2^16 subsets)."""

Atom = tuple[str, str]


def indicator_scopes(exam_scope: pd.DataFrame, codes: pd.DataFrame) -> dict[str, frozenset[Atom]]:
    """Per indicator of `exam_scope`, the atoms (category, provider) of the code list it counts."""
    atoms = codes[["category", "provider"]].drop_duplicates()
    rows = exam_scope[["indicator_code", "category", "provider"]].merge(
        atoms, on="category", how="left", suffixes=("_scope", "")
    )
    kept = rows[
        rows["provider"].notna()
        & ((rows["provider_scope"] == ANY_PROVIDER) | (rows["provider_scope"] == rows["provider"]))
    ]
    scopes: dict[str, frozenset[Atom]] = {code: frozenset() for code in exam_scope["indicator_code"].unique()}
    for code, group in kept.groupby("indicator_code", sort=True):
        scopes[str(code)] = frozenset(zip(group["category"], group["provider"], strict=True))
    return scopes


@dataclass(frozen=True)
class Groups:
    """The indicator groups of the registry: per group its % indicator, its volume, what is published and
    its scope (atoms of the code list)."""

    names: list[str]
    patients_code: list[str]
    volume_code: list[str | None]
    patients_published: np.ndarray
    volume_published: np.ndarray
    scopes: list[frozenset[Atom]]

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def all_imaging(self) -> int:
        return self.names.index(ALL_IMAGING_GROUP)

    @property
    def published(self) -> np.ndarray:
        return self.patients_published | self.volume_published

    def indicator_columns(self) -> pd.DataFrame:
        """indicator_code -> (group column, measure, published)."""
        rows = [
            (code, g, "patients", self.patients_published[g]) for g, code in enumerate(self.patients_code)
        ]
        rows += [
            (code, g, "exams", self.volume_published[g])
            for g, code in enumerate(self.volume_code)
            if code is not None
        ]
        return pd.DataFrame(rows, columns=["indicator_code", "group", "measure", "published"])


def registry_groups(registry: pd.DataFrame, scopes: dict[str, frozenset[Atom]]) -> Groups:
    """One group per % indicator of the registry, with its paired volume when there is one, and its scope;
    a % and its volume must count the same exams."""
    published = registry["published"].astype(str).str.lower().isin(["true", "1"])
    flags = dict(zip(registry["indicator_code"], published, strict=True))
    patients = registry[registry["measure"] == "patients"].sort_values("indicator_code")
    volumes = registry[registry["measure"] == "exams"]
    volume_of = dict(zip(volumes["paired_code"], volumes["indicator_code"], strict=True))
    orphan_volumes = set(volumes["paired_code"]) - set(patients["indicator_code"])
    if orphan_volumes:
        raise ValueError(f"volumes paired with no % indicator of the registry: {sorted(orphan_volumes)}")
    names = patients["indicator_group"].tolist()
    if ALL_IMAGING_GROUP not in names:
        raise ValueError(f"the registry has no % indicator of group {ALL_IMAGING_GROUP}")
    codes = patients["indicator_code"].tolist()
    without_scope = sorted(set(registry["indicator_code"]) - set(scopes))
    if without_scope:
        raise ValueError(
            f"indicator_exam_scope has no row for {len(without_scope)} indicators: {without_scope}"
        )
    volume_codes = [volume_of.get(code) for code in codes]
    for code, volume in zip(codes, volume_codes, strict=True):
        if volume is not None and scopes[code] != scopes[volume]:
            raise ValueError(f"indicator_exam_scope: {code} and its volume {volume} count different exams")
    return Groups(
        names=names,
        patients_code=codes,
        volume_code=volume_codes,
        patients_published=np.array([flags[code] for code in codes], dtype=bool),
        volume_published=np.array([code is not None and flags[code] for code in volume_codes], dtype=bool),
        scopes=[scopes[code] for code in codes],
    )


@dataclass(frozen=True)
class Relation:
    """One linear relation between the counts of a unit: sum(coefficient x quantity) <= 0, or = 0.

    Quantities are numbered as in `quantity`: 0 the beneficiaries, then the patients of each group, then
    the exams of each group."""

    terms: tuple[tuple[int, float], ...]
    equality: bool
    reason: str


def beneficiaries() -> int:
    return 0


def patients(group: int) -> int:
    return 1 + group


def exams(group: int, n_groups: int) -> int:
    return 1 + n_groups + group


def n_quantities(n_groups: int) -> int:
    return 1 + 2 * n_groups


def maximal_disjoint_families(scopes: dict[int, frozenset[Atom]]) -> list[tuple[int, ...]]:
    """Maximal sets (2 or more) of pairwise disjoint scopes: the maximal cliques of the disjointness
    graph (Bron-Kerbosch; a dozen groups at most in practice)."""
    disjoint = {a: {b for b in scopes if b != a and not scopes[a] & scopes[b]} for a in scopes}
    found: list[tuple[int, ...]] = []

    def extend(clique: set[int], candidates: set[int], excluded: set[int]) -> None:
        if not candidates and not excluded:
            if len(clique) > 1:
                found.append(tuple(sorted(clique)))
            return
        for vertex in sorted(candidates):
            extend(clique | {vertex}, candidates & disjoint[vertex], excluded & disjoint[vertex])
            candidates = candidates - {vertex}
            excluded = excluded | {vertex}

    extend(set(), set(scopes), set())
    return sorted(found)


def minimal_covers(target: frozenset[Atom], scopes: dict[int, frozenset[Atom]]) -> list[tuple[int, ...]]:
    """Minimal sets (2 or more) of `scopes` whose union is `target`."""
    if len(scopes) > MAX_COVER_CANDIDATES:
        raise ValueError(
            f"{len(scopes)} scopes nested in one scope: more than {MAX_COVER_CANDIDATES},"
            " too many to enumerate their covers"
        )
    found: list[tuple[int, ...]] = []
    keys = sorted(scopes)
    for size in range(2, len(keys) + 1):
        for family in combinations(keys, size):
            if any(set(smaller) <= set(family) for smaller in found):
                continue
            if frozenset().union(*(scopes[g] for g in family)) == target:
                found.append(family)
    return found


def unit_relations(groups: Groups) -> list[Relation]:
    """Every relation between the counts of one unit that the attacker derives from the definitions."""
    g_count = groups.size
    b = beneficiaries()
    relations = []
    for g in range(g_count):
        p, e = patients(g), exams(g, g_count)
        relations.append(Relation(((p, 1.0), (b, -1.0)), False, "patients are beneficiaries"))
        relations.append(Relation(((p, 1.0), (e, -1.0)), False, "a patient has at least one exam"))
    representative: dict[frozenset[Atom], int] = {}
    for g, scope in enumerate(groups.scopes):
        first = representative.setdefault(scope, g)
        if not scope:
            for quantity in (patients(g), exams(g, g_count)):
                relations.append(Relation(((quantity, 1.0),), False, "an empty scope counts nobody"))
        elif first != g:
            for quantity in (patients, lambda group: exams(group, g_count)):
                relations.append(
                    Relation(((quantity(g), 1.0), (quantity(first), -1.0)), True, "identical scopes")
                )
    distinct = {g: scope for scope, g in representative.items() if scope}
    for u, union in distinct.items():
        inside = {g: scope for g, scope in distinct.items() if scope < union}
        for g, scope in inside.items():
            if any(scope < middle < union for middle in inside.values()):
                continue
            for quantity in (patients, lambda group: exams(group, g_count)):
                relations.append(Relation(((quantity(g), 1.0), (quantity(u), -1.0)), False, "nested scopes"))
        covers = minimal_covers(union, inside) if inside else []
        disjoint = maximal_disjoint_families(inside) if len(inside) > 1 else []
        for family in disjoint:
            covering = frozenset().union(*(inside[g] for g in family)) == union
            terms = (*((exams(g, g_count), 1.0) for g in family), (exams(u, g_count), -1.0))
            reason = "disjoint scopes partition a scope" if covering else "disjoint scopes inside a scope"
            relations.append(Relation(terms, covering, reason))
        for family in covers:
            partition = family in disjoint
            quantities = [patients] if partition else [patients, lambda group: exams(group, g_count)]
            for quantity in quantities:
                terms = ((quantity(u), 1.0), *((quantity(g), -1.0) for g in family))
                relations.append(Relation(terms, False, "scopes cover a scope"))
    return relations
