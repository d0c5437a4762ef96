"""The secrecy package: the relations it derives from the definitions, the exact audit against planted
leaks, the sectors' construction checked against exact intervals, the repair, and the pattern's
determinism; every verdict checked by the independent attacker of secrecy_attacker.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secrecy_attacker import attack_year
from secrecy_toy import (
    BALANCED,
    TOY_CODES,
    TOY_LEAVES,
    TOY_PARTITION_REGISTRY,
    TOY_REGISTRY,
    TOY_SCOPE,
    crowd,
    toy_figures,
    toy_geo_units,
    toy_persons,
)

from imaging_atlas.project import PROJECT_DIR
from imaging_atlas.publication import publish_indicators
from imaging_atlas.secrecy.counts import shown_cells, year_counts
from imaging_atlas.secrecy.relations import (
    exams,
    indicator_scopes,
    patients,
    registry_groups,
    unit_relations,
)
from imaging_atlas.secrecy.sectors import partial_sector_moves
from imaging_atlas.secrecy.suppression import (
    YearReport,
    audit_round,
    repair,
    suppression_masks,
)
from imaging_atlas.secrecy.tree import NO_DOMICILE, build_tree

SEEDS = PROJECT_DIR / "seeds"


def project_groups():
    registry = pd.read_csv(SEEDS / "indicators" / "indicator_registry.csv")
    scope = pd.read_csv(SEEDS / "indicators" / "indicator_exam_scope.csv")
    codes = pd.read_csv(SEEDS / "nomenclature" / "imaging_codes.csv", dtype=str)
    return registry, scope, codes


def relation_set(groups) -> set[tuple[frozenset, bool]]:
    """Each relation as ({(quantity name, coefficient)}, equality)."""
    n = groups.size

    def name(quantity: int) -> str:
        if quantity == 0:
            return "b"
        kind = "p" if quantity <= n else "e"
        return f"{kind}:{groups.names[(quantity - 1) % n]}"

    return {
        (frozenset((name(q), c) for q, c in relation.terms), relation.equality)
        for relation in unit_relations(groups)
    }


# --- The relations, from the project's own registry, exam scope and code list. ---


def test_the_modalities_partition_all_imaging_so_their_exams_add_up_to_it():
    registry, scope, codes = project_groups()
    groups = registry_groups(registry, indicator_scopes(scope, codes))
    modalities = [
        "dentists",  # the representative of dental radiographs, whose scope is the same
        "rx",
        "ct",
        "mri",
        "ultrasound",
        "scintigraphy",
        "interventional_diagnostic",
        "interventional_therapeutic",
    ]
    partition = frozenset({*((f"e:{m}", 1.0) for m in modalities), ("e:all_imaging", -1.0)})
    assert (partition, True) in relation_set(groups)
    # ... and the patients of all imaging are at most the sum of theirs.
    cover = frozenset({("p:all_imaging", 1.0), *((f"p:{m}", -1.0) for m in modalities)})
    assert (cover, False) in relation_set(groups)


def test_the_provider_groups_are_disjoint_but_leave_codes_of_unknown_provider_out():
    registry, scope, codes = project_groups()
    relations = relation_set(registry_groups(registry, indicator_scopes(scope, codes)))
    # CT and ultrasound codes of unknown provider count in no provider group: no equality, an inequality
    # that takes therapy (only unknown-provider codes) along.
    providers = ["radiologists", "dentists", "other_specialists", "interventional_therapeutic"]
    disjoint = frozenset({*((f"e:{g}", 1.0) for g in providers), ("e:all_imaging", -1.0)})
    assert (disjoint, False) in relations
    assert (disjoint, True) not in relations


def test_identical_and_nested_scopes():
    registry, scope, codes = project_groups()
    groups = registry_groups(registry, indicator_scopes(scope, codes))
    relations = relation_set(groups)
    # Dental radiographs are the dentists' codes: dental imaging and the dentists' cone-beam CT.
    assert (
        groups.scopes[groups.names.index("dentists")]
        == groups.scopes[groups.names.index("dental_radiographs")]
    )
    for kind in ("p", "e"):
        assert (
            frozenset({(f"{kind}:dental_radiographs", 1.0), (f"{kind}:dentists", -1.0)}),
            True,
        ) in relations
        # MRI codes are all radiologists' codes; scintigraphy all other specialists'.
        assert (frozenset({(f"{kind}:mri", 1.0), (f"{kind}:radiologists", -1.0)}), False) in relations
        assert (
            frozenset({(f"{kind}:scintigraphy", 1.0), (f"{kind}:other_specialists", -1.0)}),
            False,
        ) in relations


def test_a_new_indicator_brings_its_relations():
    registry, scope, codes = project_groups()
    new_rows = pd.DataFrame(
        [
            (
                "stat_013_025_at",
                "stat_013_025_At",
                "cone_beam_ct",
                "patients",
                "stat_013_026_at",
                2006,
                "inferred",
                True,
                None,
            ),
            (
                "stat_013_026_at",
                "stat_013_026_At",
                "cone_beam_ct",
                "exams",
                "stat_013_025_at",
                2006,
                "inferred",
                True,
                None,
            ),
        ],
        columns=registry.columns,
    )
    new_scope = pd.DataFrame(
        [("stat_013_025_at", "CT_cone_beam", "any"), ("stat_013_026_at", "CT_cone_beam", "any")],
        columns=scope.columns,
    )
    groups = registry_groups(
        pd.concat([registry, new_rows], ignore_index=True),
        indicator_scopes(pd.concat([scope, new_scope], ignore_index=True), codes),
    )
    relations = relation_set(groups)
    assert (frozenset({("e:cone_beam_ct", 1.0), ("e:all_imaging", -1.0)}), False) in relations
    # It overlaps CT (radiologists' cone beam) and the dentists' (theirs): neither nested nor disjoint.
    assert not any("e:cone_beam_ct" in dict(terms) and "e:ct" in dict(terms) for terms, _ in relations)


def test_a_volume_must_count_what_its_percentage_counts():
    registry, scope, codes = project_groups()
    scope = scope[~((scope["indicator_code"] == "stat_013_014_at") & (scope["category"] == "CT_cone_beam"))]
    with pytest.raises(
        ValueError, match="stat_013_013_at and its volume stat_013_014_at count different exams"
    ):
        registry_groups(registry, indicator_scopes(scope, codes))


# --- The audit, against leaks planted by hand. ---


def toy_year(counts: dict, registry: pd.DataFrame, masked_codes: dict[str, set[str]], year: int = 2020):
    """The layer's arrays of a toy year with hand-made masks {group: {geo_code, ...}} (the no-domicile
    cell hidden), and the published table those masks give."""
    geo = toy_geo_units()
    tree = build_tree(geo)
    groups = registry_groups(registry, indicator_scopes(TOY_SCOPE, TOY_CODES))
    figures = toy_figures(toy_persons(counts), year, registry)
    counts_of_year = year_counts(
        figures, tree.positions(figures["geo_level"], figures["geo_code"]), tree, groups
    )
    masked = np.zeros_like(counts_of_year.present)
    for group, codes in masked_codes.items():
        masked[
            np.isin(tree.geo_code, list(codes)) & (tree.geo_level != NO_DOMICILE[0]),
            groups.names.index(group),
        ] = True
    masked[tree.no_domicile] = True
    masked &= counts_of_year.present
    group_of = groups.indicator_columns().set_index("indicator_code")["group"]
    unit = tree.positions(figures["geo_level"], figures["geo_code"])
    published = figures.assign(suppressed=masked[unit, figures["indicator_code"].map(group_of).to_numpy()])
    return tree, groups, counts_of_year, masked, figures, published


def failing_units(tree, groups, counts, masked) -> set[tuple[str, str, str]]:
    """(geo_code, kind, group) of every target the layer's own audit finds short of the criterion."""
    relations = unit_relations(groups)
    found = audit_round(tree, counts, groups, relations, masked, set(), YearReport())
    origin = found.collapsed.origin[found.targets.unit]
    return {
        (
            str(tree.geo_code[origin[t]]),
            ["beneficiaries", "patients", "non_patients"][found.targets.kind[t]],
            groups.names[found.targets.group[t]] if found.targets.group[t] >= 0 else "",
        )
        for t, _ in found.failing
    }


MODALITY_LEAK = {
    **BALANCED,
    "11002": crowd(50, radiology=20, therapy=2, other=10),
    None: crowd(40, 10, 10, 10),
}
THERAPY_AT_11000 = {"interventional_therapeutic": {"11001", "11001A", "11001B", "11002"}}


def test_the_modality_sum_leak_is_found_by_both_attackers():
    """Therapy is masked at 11001 (and its sectors) and 11002 (2 patients), every other table shown.
    Radiologists, ultrasound and therapy partition all imaging: at 11001 therapy exams = all imaging 40 -
    radiology 16 - ultrasound 12 = 12, and (one exam each) its patients too: 40 - 16 - 12 (the cover
    bounds them below, the exams above). Arrondissement 11000 shows 14: 11002 holds 14 - 12 = 2."""
    tree, groups, counts, masked, figures, published = toy_year(
        MODALITY_LEAK, TOY_PARTITION_REGISTRY, THERAPY_AT_11000
    )
    attack = attack_year(
        published, figures, TOY_PARTITION_REGISTRY, TOY_SCOPE, TOY_CODES, toy_geo_units(), 2020
    )
    pinned = attack.pinned()
    row = pinned[(pinned["geo_code"] == "11002") & (pinned["kind"] == "patients")]
    assert row[["group", "low", "high"]].to_numpy().tolist() == [["interventional_therapeutic", 2.0, 2.0]]
    assert ("11002", "patients", "interventional_therapeutic") in failing_units(tree, groups, counts, masked)


def test_without_the_partition_the_same_pattern_is_protected():
    """Without ultrasound the groups do not cover all imaging: therapy at 11001 is only <= all imaging 40
    - radiology 16 = 24, so 11002 lies in [14 - 24, 32 - 20] = [0, 12] around 2: protected, for both."""
    tree, groups, counts, masked, figures, published = toy_year(MODALITY_LEAK, TOY_REGISTRY, THERAPY_AT_11000)
    attack = attack_year(published, figures, TOY_REGISTRY, TOY_SCOPE, TOY_CODES, toy_geo_units(), 2020)
    row = attack.found[(attack.found["geo_code"] == "11002") & (attack.found["kind"] == "patients")]
    assert row[["low", "high"]].to_numpy().tolist() == [[0.0, 12.0]]
    assert attack.unprotected().empty
    assert not failing_units(tree, groups, counts, masked)


INSIDE_ONE_TO_FOUR = {
    **BALANCED,
    "11001A": crowd(10, therapy=1),
    "11001B": crowd(10, other=1),
    "11002": crowd(50, radiology=20, therapy=3, other=10),
    None: crowd(40, 10, 10, 10),
}


def test_a_count_left_inside_one_to_four_is_found_by_both_attackers():
    """Arrondissement 11000 shows 4 therapy patients; 11001 (1) and 11002 (3) are masked, 11001 shows 2
    imaging patients, so it holds at most 2 therapy patients: 11002 lies in [2, 4]. Not pinned, and it
    covers [v - 1, v + 1] = [2, 4], but every value left is 1 to 4: the reader knows fewer than 5."""
    masks = {"interventional_therapeutic": {"11001", "11001A", "11001B", "11002"}}
    tree, groups, counts, masked, figures, published = toy_year(INSIDE_ONE_TO_FOUR, TOY_REGISTRY, masks)
    attack = attack_year(published, figures, TOY_REGISTRY, TOY_SCOPE, TOY_CODES, toy_geo_units(), 2020)
    inside = attack.inside_one_to_four()
    assert inside[["geo_code", "kind", "value", "low", "high"]].to_numpy().tolist() == [
        ["11002", "patients", 3.0, 2.0, 4.0]
    ]
    assert attack.pinned().empty
    # Sector 11001A shows its one imaging patient: its therapy patient lies in [0, 1], short above.
    short = attack.short()
    assert short[["geo_code", "low", "high"]].to_numpy().tolist() == [["11001A", 0.0, 1.0]]
    # 11001 itself: [0, 2] around 1, reaching 0 (group disclosure: the reader may learn there is none).
    one = attack.found[(attack.found["geo_code"] == "11001") & (attack.found["kind"] == "patients")]
    assert one[["low", "high"]].to_numpy().tolist() == [[0.0, 2.0]]
    assert ("11002", "patients", "interventional_therapeutic") in failing_units(tree, groups, counts, masked)


def test_the_repair_restores_every_planted_leak():
    for counts, registry, masks in [
        (MODALITY_LEAK, TOY_PARTITION_REGISTRY, THERAPY_AT_11000),
        (
            INSIDE_ONE_TO_FOUR,
            TOY_REGISTRY,
            {"interventional_therapeutic": {"11001", "11001A", "11001B", "11002"}},
        ),
    ]:
        tree, groups, year_counts_, masked, _, _ = toy_year(counts, registry, masks)
        relations = unit_relations(groups)
        report = YearReport()
        found = audit_round(tree, year_counts_, groups, relations, masked, set(), report)
        repaired = repair(tree, masked, year_counts_, groups, found, report)
        assert (repaired & ~masked).any() and not (masked & ~repaired).any()
        assert report.repairs_without_programme == 0
        assert not failing_units(tree, groups, year_counts_, repaired)


# --- The layer on random extracts: the independent attacker finds every count protected. ---

person = st.tuples(
    st.sampled_from([*TOY_LEAVES, None]),
    st.sampled_from([0, 0, 0, 1, 2]),
    st.sampled_from([0, 0, 0, 0, 1, 3]),
    st.sampled_from([0, 0, 1]),
)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    people=st.lists(person, max_size=160),
    year=st.sampled_from([2015, 2020]),
    registry=st.sampled_from([TOY_REGISTRY, TOY_PARTITION_REGISTRY]),
)
def test_the_exact_attack_finds_every_count_protected_on_random_extracts(people, year, registry):
    persons = pd.DataFrame(people, columns=["leaf", "radiology_exams", "therapy_exams", "other_exams"])
    geo = toy_geo_units()
    figures = toy_figures(persons, year, registry)
    published = publish_indicators(figures, registry, geo, TOY_SCOPE, TOY_CODES)
    attack = attack_year(published, figures, registry, TOY_SCOPE, TOY_CODES, geo, year)
    assert attack.unprotected().empty, attack.unprotected()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    people=st.lists(person, min_size=20, max_size=160),
    hidden=st.lists(st.booleans(), min_size=36, max_size=36),
)
def test_the_moves_of_the_sectors_are_tables_the_exact_attacker_allows(people, hidden):
    """Whatever the pattern, the interval the sectors' moves claim, [v - down, v + up], lies inside the
    exact one: every move is a table consistent with the publication."""
    persons = pd.DataFrame(people, columns=["leaf", "radiology_exams", "therapy_exams", "other_exams"])
    geo = toy_geo_units()
    registry = TOY_PARTITION_REGISTRY
    figures = toy_figures(persons, 2020, registry)
    tree = build_tree(geo)
    groups = registry_groups(registry, indicator_scopes(TOY_SCOPE, TOY_CODES))
    counts = year_counts(figures, tree.positions(figures["geo_level"], figures["geo_code"]), tree, groups)
    masked = np.zeros_like(counts.present)
    sectors = np.flatnonzero(tree.is_sector)
    masked[sectors] = np.asarray(hidden[: len(sectors) * groups.size]).reshape(len(sectors), groups.size)
    masked[tree.no_domicile] = True
    masked &= counts.present
    known = shown_cells(masked, counts, groups).known(counts)
    moves = partial_sector_moves(
        counts.values, known, counts.present, tree.parent, tree.is_sector, groups, unit_relations(groups)
    )
    group_of = groups.indicator_columns().set_index("indicator_code")["group"]
    unit = tree.positions(figures["geo_level"], figures["geo_code"])
    published = figures.assign(suppressed=masked[unit, figures["indicator_code"].map(group_of).to_numpy()])
    found = attack_year(published, figures, registry, TOY_SCOPE, TOY_CODES, geo, 2020).found
    found = found[(found["geo_level"] == "sector") & (found["kind"] == "patients")]
    for row in found.itertuples():
        position = int(np.flatnonzero((tree.geo_code == row.geo_code) & tree.is_sector)[0])
        g = groups.names.index(row.group)
        assert row.low <= row.value - moves.down[position, g] + 1e-6
        assert row.high >= row.value + moves.up[position, g] - 1e-6


# --- Determinism: the same extract, the same pattern; a year added changes no earlier year. ---


def test_the_pattern_is_deterministic_and_each_year_stands_alone():
    people = {**BALANCED, "11002": crowd(50, radiology=20, therapy=3, other=10), "21002A": crowd(3, 1, 1, 1)}
    first = toy_figures(toy_persons(people), 2015, TOY_PARTITION_REGISTRY)
    second = toy_figures(
        toy_persons({**people, "12001": crowd(40, radiology=2, therapy=1)}), 2016, TOY_PARTITION_REGISTRY
    )
    geo = toy_geo_units()

    def masks(figures: pd.DataFrame) -> pd.DataFrame:
        out = suppression_masks(figures, TOY_PARTITION_REGISTRY, geo, TOY_SCOPE, TOY_CODES)
        return out.sort_values(["year", "indicator_code", "geo_level", "geo_code"]).reset_index(drop=True)

    alone = masks(first)
    both = masks(pd.concat([first, second], ignore_index=True))
    pd.testing.assert_frame_equal(both[both["year"] == 2015].reset_index(drop=True), alone)
    pd.testing.assert_frame_equal(masks(first), alone)
    assert alone["masked"].any() and both.loc[both["year"] == 2016, "masked"].any()


def test_figures_that_break_a_definition_are_refused_with_the_rule():
    figures = toy_figures(toy_persons(BALANCED), 2020, TOY_REGISTRY)
    # Radiology exams above all imaging's at one commune: the scopes say radiology is inside it.
    bad = (figures["indicator_code"] == "stat_013_004_at") & (figures["geo_code"] == "11002")
    figures.loc[bad, "numerator"] += 1000
    with pytest.raises(ValueError, match="nested scopes"):
        suppression_masks(figures, TOY_REGISTRY, toy_geo_units(), TOY_SCOPE, TOY_CODES)


def test_quantity_numbering():
    assert (patients(0), patients(2), exams(0, 3), exams(2, 3)) == (1, 3, 4, 6)
