"""An exact attacker written apart from the publication layer, to audit what the layer publishes.

It reads what a reader has: the published table, the registry, the exams each indicator counts (the seed
indicator_exam_scope over the code list's categories and providers) and the geographic units. It derives
the relations on its own: every subset of groups is tried (no clique or cover search), scopes are sets of
(category, provider) pairs. Per unit it knows:

- beneficiaries >= patients of every group, exams of a group >= its patients;
- a scope inside another: fewer patients and exams (equal for equal scopes; none for an empty scope);
- pairwise disjoint scopes inside a scope: their exams add up to at most its exams, exactly when they
  cover it; scopes covering a scope: its patients and exams are at most the sum of theirs;

and every parent is the sum of its children, Belgium the sum of its regions and of the persons without a
known domicile. Each hidden count of individuals (beneficiaries, patients, beneficiaries without an exam)
whose true value is 1 to 4 gets its exact interval: two linear programmes (min and max) over the
variables linked to it, solved with HiGHS through highspy, each programme built here from the rows above.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

NO_DOMICILE_LEVEL = "no_domicile"
BIG = 1e9
THRESHOLD = 5


def scopes_of(exam_scope: pd.DataFrame, codes: pd.DataFrame) -> dict[str, frozenset]:
    """indicator_code -> the set of (category, provider) pairs of the code list it counts."""
    pairs = set(map(tuple, codes[["category", "provider"]].drop_duplicates().to_numpy()))
    scopes: dict[str, set] = {}
    for code, category, provider in exam_scope[["indicator_code", "category", "provider"]].to_numpy():
        scopes.setdefault(code, set()).update(
            (c, p) for c, p in pairs if c == category and provider in ("any", p)
        )
    return {code: frozenset(atoms) for code, atoms in scopes.items()}


@dataclass(frozen=True)
class Model:
    """The groups (one per % indicator) with their % code, volume code and scope; quantities per unit:
    b, then p of each group, then e of each group."""

    groups: list[str]
    patients_code: dict[str, str]
    volume_code: dict[str, str]
    scope: dict[str, frozenset]

    @property
    def width(self) -> int:
        return 1 + 2 * len(self.groups)

    def p(self, group: str) -> int:
        return 1 + self.groups.index(group)

    def e(self, group: str) -> int:
        return 1 + len(self.groups) + self.groups.index(group)


def model_of(registry: pd.DataFrame, exam_scope: pd.DataFrame, codes: pd.DataFrame) -> Model:
    scopes = scopes_of(exam_scope, codes)
    rows = registry.sort_values("indicator_code")
    patients = rows[rows["measure"] == "patients"]
    volumes = rows[rows["measure"] == "exams"]
    groups = patients["indicator_group"].tolist()
    return Model(
        groups=groups,
        patients_code=dict(zip(groups, patients["indicator_code"], strict=True)),
        volume_code={
            group: code
            for group, code in zip(volumes["indicator_group"], volumes["indicator_code"], strict=True)
        },
        scope={
            group: scopes.get(code, frozenset())
            for group, code in zip(groups, patients["indicator_code"], strict=True)
        },
    )


def unit_rows(model: Model) -> list[tuple[dict[int, float], float, float]]:
    """Rows (coefficients by quantity, low, high) that hold at every unit."""
    rows: list[tuple[dict[int, float], float, float]] = []
    for group in model.groups:
        rows.append(({model.p(group): 1.0, 0: -1.0}, -np.inf, 0.0))
        rows.append(({model.p(group): 1.0, model.e(group): -1.0}, -np.inf, 0.0))
        if not model.scope[group]:
            rows.append(({model.p(group): 1.0}, -np.inf, 0.0))
            rows.append(({model.e(group): 1.0}, -np.inf, 0.0))
    for big in model.groups:
        for small in model.groups:
            if small != big and model.scope[small] <= model.scope[big]:
                rows.append(({model.p(small): 1.0, model.p(big): -1.0}, -np.inf, 0.0))
                rows.append(({model.e(small): 1.0, model.e(big): -1.0}, -np.inf, 0.0))
        inside = [
            g for g in model.groups if g != big and model.scope[g] and model.scope[g] < model.scope[big]
        ]
        # One group per distinct scope: equal scopes would count twice in a sum.
        distinct = list({model.scope[g]: g for g in reversed(inside)}.values())
        disjoint, covers = [], []
        for size in range(2, len(distinct) + 1):
            for family in combinations(distinct, size):
                union = frozenset().union(*(model.scope[g] for g in family))
                if sum(len(model.scope[g]) for g in family) == len(union):
                    disjoint.append((frozenset(family), union == model.scope[big]))
                if union == model.scope[big]:
                    covers.append(frozenset(family))
        # Counts are >= 0, so a sum over a disjoint family is at most the sum over a larger disjoint
        # family, and a cover's sum at least a smaller cover's: only the largest disjoint families and
        # the smallest covers add anything (every subset is still tried above).
        for family, covering in disjoint:
            if covering or not any(family < other for other, _ in disjoint):
                exams = {model.e(g): 1.0 for g in sorted(family)} | {model.e(big): -1.0}
                rows.append((exams, 0.0 if covering else -np.inf, 0.0))
        for family in covers:
            if not any(other < family for other in covers):
                rows.append(({model.p(big): 1.0} | {model.p(g): -1.0 for g in sorted(family)}, -np.inf, 0.0))
                rows.append(({model.e(big): 1.0} | {model.e(g): -1.0 for g in sorted(family)}, -np.inf, 0.0))
    return rows


def units_of(key: dict, rows: pd.DataFrame) -> np.ndarray:
    """Position of each row's unit."""
    pairs = pd.MultiIndex.from_frame(rows[["geo_level", "geo_code"]])
    index = pd.MultiIndex.from_tuples(list(key))
    return np.asarray(list(key.values()))[index.get_indexer(pairs)]


def tree_of(geo: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every unit (and the no-domicile cell) with the position of its parent (-1 for Belgium)."""
    units = geo[["geo_level", "geo_code"]].copy()
    level = units["geo_level"]
    conditions = [
        level == "sector",
        level == "commune",
        (level == "arrondissement") & geo["province_nis"].notna(),
        level.isin(["arrondissement", "province"]),
        level == "region",
    ]
    parent_code = np.select(
        conditions,
        [geo["commune_nis"], geo["arrondissement_nis"], geo["province_nis"], geo["region_nis"], "01000"],
        default="",
    )
    parent_level = np.select(
        conditions, ["commune", "arrondissement", "province", "region", "country"], default=""
    )
    units = pd.concat(
        [
            units.assign(parent_level=parent_level, parent_code=parent_code),
            pd.DataFrame(
                [
                    {
                        "geo_level": NO_DOMICILE_LEVEL,
                        "geo_code": "01000",
                        "parent_level": "country",
                        "parent_code": "01000",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    key = dict(zip(zip(units["geo_level"], units["geo_code"], strict=True), units.index, strict=True))
    parent = np.array(
        [
            key.get((level, code), -1)
            for level, code in zip(units["parent_level"], units["parent_code"], strict=True)
        ]
    )
    return units, parent


LAYER_QUERIES = {
    "published": "select * from published_indicators",
    "figures": "select * from int_indicator_figures",
    "registry": "select * from indicator_registry",
    "exam_scope": "select * from indicator_exam_scope",
    "codes": "select distinct category, provider from int_imaging_codes_in_scope",
    "geo": "select * from int_geo_units",
}


def built_layer(db_path: str) -> dict[str, pd.DataFrame]:
    """A built publication layer, the true figures and what the attacker reads beside them."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as connection:
        return {name: connection.execute(query).df() for name, query in LAYER_QUERIES.items()}


def attack_layer(
    layer: dict[str, pd.DataFrame], sector_sample: int | None = None, exact: bool = True
) -> list[Attack]:
    """The attack of every year of a built layer; with `sector_sample`, the sectors of that many
    communes drawn at random (seeded) per year, every other level whole (`exact`: see attack_year)."""
    rng = np.random.default_rng(0)
    communes = sorted(layer["geo"].loc[layer["geo"]["geo_level"] == "commune", "geo_code"])
    attacks = []
    for year in sorted(layer["published"]["year"].unique()):
        sample = (
            None if sector_sample is None else set(rng.choice(communes, size=sector_sample, replace=False))
        )
        attacks.append(
            attack_year(
                layer["published"],
                layer["figures"],
                layer["registry"],
                layer["exam_scope"],
                layer["codes"],
                layer["geo"],
                int(year),
                sector_sample=sample,
                exact=exact,
            )
        )
    return attacks


@dataclass
class Attack:
    """The hidden counts of individuals 1..4 the attacker bounds: unit, kind, group, true value and exact
    interval."""

    found: pd.DataFrame

    def pinned(self) -> pd.DataFrame:
        return self.found[self.found["low"] >= self.found["high"] - 1e-6]

    def inside_one_to_four(self) -> pd.DataFrame:
        return self.found[(self.found["low"] >= 1 - 1e-6) & (self.found["high"] <= 4 + 1e-6)]

    def short(self) -> pd.DataFrame:
        """Intervals that miss [v - 1, v + 1]."""
        f = self.found
        return f[(f["low"] > f["value"] - 1 + 1e-6) | (f["high"] < f["value"] + 1 - 1e-6)]

    def unprotected(self) -> pd.DataFrame:
        """Short of [v - 1, v + 1], or inside [1, 4]: tau-ARGUS's criterion missed."""
        bad = self.short().index.union(self.inside_one_to_four().index)
        return self.found.loc[bad]

    def reaching_zero(self) -> pd.DataFrame:
        return self.found[self.found["low"] <= 1e-6]


def attack_year(
    published: pd.DataFrame,
    figures: pd.DataFrame,
    registry: pd.DataFrame,
    exam_scope: pd.DataFrame,
    codes: pd.DataFrame,
    geo: pd.DataFrame,
    year: int,
    sector_sample: set[str] | None = None,
    exact: bool = True,
) -> Attack:
    """Exact intervals of the hidden counts of individuals 1..4 of one year. `published` is the layer
    (suppressed flag, shown numerator and denominator); `figures` the true counts (int_indicator_figures).
    With `sector_sample`, only the sectors of those communes are bounded (every other level always).
    With `exact` false, a bound that some table already reaches beyond what the criterion asks (a low of
    0, a high of 5 or more) is not solved for: the low is then exactly 0 (counts are >= 0) and the high
    is a value the attacker cannot rule out, at least 5; every verdict of `Attack` stays exact."""
    model = model_of(registry, exam_scope, codes)
    units, parent = tree_of(geo)
    n_units, width = len(units), model.width
    key = {pair: k for k, pair in enumerate(zip(units["geo_level"], units["geo_code"], strict=True))}
    truth = np.zeros((n_units, width))
    present = np.zeros((n_units, width), dtype=bool)
    present[:, 0] = True
    known = np.zeros((n_units, width), dtype=bool)
    quantity_of = {code: model.p(g) for g, code in model.patients_code.items()}
    quantity_of |= {code: model.e(g) for g, code in model.volume_code.items()}
    rows_of_year = figures[(figures["year"] == year) & figures["indicator_code"].isin(quantity_of)]
    unit = units_of(key, rows_of_year)
    quantity = rows_of_year["indicator_code"].map(quantity_of).to_numpy()
    truth[unit, 0] = rows_of_year["denominator"].to_numpy()
    truth[unit, quantity] = rows_of_year["numerator"].to_numpy()
    present[unit, quantity] = True
    country, no_domicile = key[("country", "01000")], key[(NO_DOMICILE_LEVEL, "01000")]
    regions = np.flatnonzero(units["geo_level"].to_numpy() == "region")
    truth[no_domicile] = truth[country] - truth[regions].sum(axis=0)
    present[no_domicile] = present[country]
    shown = published[
        (published["year"] == year)
        & ~published["suppressed"].astype(bool)
        & published["indicator_code"].isin(quantity_of)
    ]
    unit = units_of(key, shown)
    quantity = shown["indicator_code"].map(quantity_of).to_numpy()
    known[unit, 0] = True
    known[unit, quantity] = True
    # A shown 0 patients tells the exams too.
    patients_code = {code: model.e(g) for g, code in model.patients_code.items()}
    zero = (shown["numerator"] == 0).to_numpy() & shown["indicator_code"].isin(patients_code).to_numpy()
    exams_of_zero = np.array(
        [patients_code[code] for code in shown["indicator_code"].to_numpy()[zero]], dtype=int
    )
    known[unit[zero], exams_of_zero] = True
    # Rows of the year, over variables unit * width + quantity.
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lows, highs = [], []
    n_rows = 0
    for coefficients, low, high in unit_rows(model):
        ids = n_rows + np.arange(n_units)
        for quantity, coefficient in coefficients.items():
            entries.append((ids, np.arange(n_units) * width + quantity, np.full(n_units, coefficient)))
        lows.append(np.full(n_units, low))
        highs.append(np.full(n_units, high))
        n_rows += n_units
    children = np.flatnonzero(parent >= 0)
    parents = np.unique(parent[children])
    for quantity in range(width):
        ids = n_rows + np.searchsorted(parents, parent[children])
        entries.append((n_rows + np.arange(len(parents)), parents * width + quantity, np.ones(len(parents))))
        entries.append((ids, children * width + quantity, -np.ones(len(children))))
        lows.append(np.zeros(len(parents)))
        highs.append(np.zeros(len(parents)))
        n_rows += len(parents)
    matrix = sparse.csr_matrix(
        (
            np.concatenate([e[2] for e in entries]),
            (np.concatenate([e[0] for e in entries]), np.concatenate([e[1] for e in entries])),
        ),
        shape=(n_rows, n_units * width),
    )
    low, high = np.concatenate(lows), np.concatenate(highs)
    fixed = known.ravel()
    constant = matrix[:, fixed] @ truth.ravel()[fixed]
    hidden = np.flatnonzero(~fixed)
    reduced = matrix[:, hidden].tocsr()
    keep = np.diff(reduced.indptr) > 0
    reduced, low, high = reduced[keep], low[keep] - constant[keep], high[keep] - constant[keep]
    incidence = reduced.copy()
    incidence.data[:] = 1
    graph = sparse.bmat([[None, incidence], [incidence.T, None]], format="csr")
    _, labels = csgraph.connected_components(graph, directed=False)
    labels = labels[reduced.shape[0] :]
    position = np.full(n_units * width, -1)
    position[hidden] = np.arange(len(hidden))
    # The targets: hidden counts of individuals with a true value 1..4 (absent counts are no targets).
    level = units["geo_level"].to_numpy()
    in_sample = np.ones(n_units, dtype=bool)
    if sector_sample is not None:
        commune_code = units["parent_code"].to_numpy()
        in_sample = (level != "sector") | np.isin(commune_code, list(sector_sample))
    targets = []
    b = truth[:, 0]
    for kind, quantity_list in [("beneficiaries", [0]), ("patients", [model.p(g) for g in model.groups])]:
        for q in quantity_list:
            chosen = in_sample & present[:, q] & ~known[:, q] & (truth[:, q] >= 1) & (truth[:, q] <= 4)
            group = "" if q == 0 else model.groups[q - 1]
            targets += [(u, kind, group, {q: 1.0}, truth[u, q]) for u in np.flatnonzero(chosen)]
    for g in model.groups:
        q = model.p(g)
        others = b - truth[:, q]
        chosen = in_sample & present[:, q] & (~known[:, q] | ~known[:, 0]) & (others >= 1) & (others <= 4)
        targets += [(u, "non_patients", g, {0: 1.0, q: -1.0}, others[u]) for u in np.flatnonzero(chosen)]
    found = bound_targets(reduced, low, high, labels, position, truth.ravel(), width, targets, exact)
    frame = pd.DataFrame(found, columns=["unit", "kind", "group", "value", "low", "high"])
    frame["geo_level"] = level[frame["unit"]] if len(frame) else []
    frame["geo_code"] = units["geo_code"].to_numpy()[frame["unit"]] if len(frame) else []
    frame["year"] = year
    return Attack(frame)


def bound_targets(reduced, low, high, labels, position, truth, width, targets, exact=True):
    """min and max of every target's count, component by component, each component's programme built
    once and solved again from its last basis for each objective. Without `exact`, every solution is
    read for every target of its component (the sum of the targets pushed down, then up, first), and a
    bound is solved for only when no table seen yet reaches 0 (low) or 5 (high)."""
    by_component: dict[int, list] = {}
    results = []
    for unit, kind, group, coefficients, value in targets:
        terms = {}
        constant = 0.0
        for quantity, coefficient in coefficients.items():
            variable = unit * width + quantity
            if position[variable] >= 0:
                terms[position[variable]] = coefficient
            else:
                constant += coefficient * truth[variable]
        component = labels[next(iter(terms))]
        by_component.setdefault(int(component), []).append((unit, kind, group, value, terms, constant))
    # Columns and rows sorted by component once, so that each component's programme is a slice.
    column_order = np.argsort(labels, kind="stable")
    column_start = np.searchsorted(labels[column_order], np.arange(labels.max() + 2))
    csr = reduced.tocsr()
    row_component = labels[csr.indices[csr.indptr[:-1]]]
    row_order = np.argsort(row_component, kind="stable")
    row_start = np.searchsorted(row_component[row_order], np.arange(labels.max() + 2))
    by_rows = csr[row_order][:, column_order].tocsr()
    low, high = low[row_order], high[row_order]
    for component, members in sorted(by_component.items()):
        columns = column_order[column_start[component] : column_start[component + 1]]
        local = {column: k for k, column in enumerate(columns)}
        rows = slice(row_start[component], row_start[component + 1])
        sub = by_rows[rows][:, column_start[component] : column_start[component + 1]].tocsc()
        members = [
            (*member[:4], {local[t]: c for t, c in member[4].items()}, member[5]) for member in members
        ]
        results += bound_component(sub, low[rows], high[rows], members, exact)
    return results


def bound_component(sub, low, high, members, exact):
    """The bounds of the targets of one component (`sub`: its rows and columns, `low` <= rows <= `high`)."""
    import highspy

    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = sub.shape[1], sub.shape[0]
    lp.col_cost_ = np.zeros(sub.shape[1])
    lp.col_lower_ = np.zeros(sub.shape[1])
    lp.col_upper_ = np.full(sub.shape[1], BIG)
    lp.row_lower_ = np.where(np.isinf(low), -highspy.kHighsInf, low)
    lp.row_upper_ = np.where(np.isinf(high), highspy.kHighsInf, high)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = sub.indptr.astype(np.int32)
    lp.a_matrix_.index_ = sub.indices.astype(np.int32)
    lp.a_matrix_.value_ = sub.data.astype(float)
    solver.passModel(lp)
    forms = sparse.csr_matrix(
        (
            [c for *_, terms, _ in members for c in terms.values()],
            (
                [k for k, (*_, terms, _) in enumerate(members) for _ in terms],
                [t for *_, terms, _ in members for t in terms],
            ),
        ),
        shape=(len(members), sub.shape[1]),
    )
    constants = np.array([constant for *_, constant in members])
    seen_low = np.full(len(members), np.inf)
    seen_high = np.full(len(members), -np.inf)

    def solve(cost: np.ndarray) -> float:
        solver.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        solver.run()
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # The primal simplex from the last basis may stop without a verdict: solve afresh.
            solver.clearSolver()
            solver.setOptionValue("simplex_strategy", 1)
            solver.run()
        assert solver.getModelStatus() == highspy.HighsModelStatus.kOptimal, (
            f"the tables contradict: {solver.modelStatusToString(solver.getModelStatus())}"
        )
        solver.setOptionValue("simplex_strategy", 4)
        reached = forms @ np.asarray(solver.getSolution().col_value) + constants
        np.minimum(seen_low, reached, out=seen_low)
        np.maximum(seen_high, reached, out=seen_high)
        return solver.getInfo().objective_function_value

    if not exact:
        # Push every target still open down (then up) together, while that settles some.
        for sign, is_open in [(1.0, lambda: seen_low > 1e-6), (-1.0, lambda: seen_high < THRESHOLD - 1e-6)]:
            while is_open().any():
                before = int(is_open().sum())
                solve(sign * np.asarray(forms[is_open()].sum(axis=0)).ravel())
                if int(is_open().sum()) == before:
                    break
    results = []
    for k, (unit, kind, group, value, _, constant) in enumerate(members):
        form = forms[k].toarray().ravel()
        bounds = [seen_low[k], seen_high[k]]
        if exact or seen_low[k] > 1e-6:
            bounds[0] = solve(form) + constant
        if exact or seen_high[k] < THRESHOLD - 1e-6:
            bounds[1] = -solve(-form) + constant
        if not exact and bounds[0] <= 1e-6:
            bounds[0] = 0.0
        assert bounds[0] - 1e-6 <= value <= bounds[1] + 1e-6, "the true value lies outside its interval"
        results.append((unit, kind, group, value, bounds[0], bounds[1]))
    return results
