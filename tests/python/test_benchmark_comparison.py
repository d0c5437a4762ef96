"""How the benchmark holds a case to its baseline: the ratio arithmetic, worked by hand."""

from __future__ import annotations

import pytest

from imaging_atlas.benchmark.run import comparison


def entry(case: str, dbt: float, reference: float | None, refresh_year: int | None = None) -> dict:
    return {
        "case": case,
        "refresh_year": refresh_year,
        "dbt": {"seconds": dbt, "peak_mb": 4096.0},
        "reference": {"seconds": reference, "peak_mb": 2048.0} if reference else None,
    }


def test_a_build_is_held_to_its_own_reference_query() -> None:
    _, ratio = comparison(entry("one-year-1.0", 48.1, 17.0), [])
    assert ratio == pytest.approx(2.8294, abs=1e-4)  # 48.1 / 17.0


def test_an_update_is_held_to_the_year_alone_in_reference_query_units() -> None:
    # The machine slowed down between the two runs: the reference over the year took 24.6 s beside the
    # year built alone (65.2 s) and 31.0 s beside the update (86.6 s). In seconds the update is 1.33 x;
    # in reference units it is (86.6 / 31.0) / (65.2 / 24.6) = 2.7935 / 2.6504 = 1.054.
    update = entry("yearly-update", 86.6, 31.0, refresh_year=2024)
    update |= {"baseline_seconds": 65.2, "baseline_reference_seconds": 24.6}
    compared, ratio = comparison(update, [])
    assert ratio == pytest.approx(1.054, abs=1e-3)
    assert "65.2 s" in compared and "24.6 s then, 31.0 s now" in compared


def test_an_update_without_references_is_held_to_the_year_alone_in_seconds() -> None:
    update = entry("yearly-update", 86.6, None, refresh_year=2024)
    alone = entry("one-year-1.0", 65.2, None)
    _, ratio = comparison(update, [alone])
    assert ratio == pytest.approx(1.3282, abs=1e-4)  # 86.6 / 65.2


def test_an_update_without_the_year_alone_has_no_ratio() -> None:
    assert comparison(entry("yearly-update", 86.6, 31.0, refresh_year=2024), []) == ("-", None)
