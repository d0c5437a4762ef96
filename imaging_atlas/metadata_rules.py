"""The project's own dbt-score rules, beside dbt-score's built-in ones (`make lint`).

dbt-score checks descriptions of models, seeds and macros out of the box, but its uniqueness rule only
looks at declared primary-key constraints, which no model here has; its column rule only sees the
columns a YAML file lists, so a model listing none passes; and it has no rule for exposures. These rules
fill those gaps of the project's metadata standard: every model states its grain with a uniqueness test,
lists and documents its columns, and every exposure says what it is.
"""

from dbt_score import Exposure, Model, RuleViolation, Severity, rule

# Generic tests that assert a grain: one column (`unique`) or several (`unique_combination`, this
# project's test in tests/generic/, and dbt-utils' equivalent should it ever be installed).
GRAIN_TESTS = frozenset({"unique", "unique_combination", "unique_combination_of_columns"})


def grain_tests(model: Model) -> list[str]:
    """Names of the model's tests, model-level or on a column, that assert uniqueness."""
    model_level = [test.name for test in model.tests if test.type in GRAIN_TESTS]
    column_level = [
        test.name for column in model.columns for test in column.tests if test.type in GRAIN_TESTS
    ]
    return model_level + column_level


# The meta key of a model whose rows have no key at all (one row per raw input row, where identical raw
# rows are legitimate): its value says which test guards the row count instead.
GRAIN_WITHOUT_KEY = "grain_without_key"

# The meta key of a view whose key is its group by, over inputs whose own grain tests make the key
# unique, and which a test would recompute over the whole extract: its value names those tests.
GRAIN_GUARDED_BY = "grain_guarded_by"


@rule(severity=Severity.HIGH)
def model_has_grain_test(model: Model) -> RuleViolation | None:
    """A model states its grain with a uniqueness test (unique, or unique_combination of its key).

    A table whose grain is untested can silently double its rows after a join, and every figure built
    on it with them. A model of raw rows, which have no key, says so in its meta (`grain_without_key`,
    naming the test that balances its row count) instead; so does a view whose key is its group by over
    inputs with tested grains (`grain_guarded_by`, naming those tests), when testing it would recompute
    it over the whole extract.
    """
    stated = (str(model.meta.get(key, "")).strip() for key in (GRAIN_WITHOUT_KEY, GRAIN_GUARDED_BY))
    if grain_tests(model) or any(stated):
        return None
    return RuleViolation(message="No uniqueness test on the model's grain (unique or unique_combination).")


@rule(severity=Severity.HIGH)
def model_lists_its_columns(model: Model) -> RuleViolation | None:
    """A model lists its columns in YAML, so that dbt-score's column rule sees each one's description."""
    if model.columns:
        return None
    return RuleViolation(message="The model's YAML lists no column.")


@rule(severity=Severity.HIGH)
def exposure_has_description(exposure: Exposure) -> RuleViolation | None:
    """An exposure says who uses which tables, and for what."""
    if exposure.description.strip():
        return None
    return RuleViolation(message="Exposure lacks a description.")
