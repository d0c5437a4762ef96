"""How the benchmark holds a case to its baseline: the ratio arithmetic, worked by hand."""

from __future__ import annotations

import pytest

from imaging_atlas.benchmark.run import Measurement, build_cell, comparison, mean_of, median_build


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


def test_a_build_is_held_to_the_mean_of_the_reference_before_and_after_it() -> None:
    # The reference took 14.7 s before the build and 21.9 s after it: the build (42.8 s) is held to
    # (14.7 + 21.9) / 2 = 18.3 s, 42.8 / 18.3 = 2.339, not to 2.91 (before) or 1.95 (after).
    before = Measurement(seconds=14.7, peak_mb=2000.0, peak_spill_mb=0.0)
    after = Measurement(seconds=21.9, peak_mb=2100.0, peak_spill_mb=None)
    reference = mean_of(before, after)
    assert (reference.seconds, reference.peak_mb, reference.peak_spill_mb) == (18.3, 2100.0, 0.0)
    build = entry("one-year-1.0", 42.8, reference.seconds)
    build["reference_runs"] = {"before": 14.7, "after": 21.9}
    compared, ratio = comparison(build, [])
    assert ratio == pytest.approx(2.3388, abs=1e-4)
    assert compared.endswith("(mean of 14.7 s before and 21.9 s after)")


def test_a_failed_reference_run_fails_the_mean() -> None:
    before = Measurement(seconds=14.7, peak_mb=2000.0)
    after = Measurement(seconds=3.0, peak_mb=4100.0, failure="Out of Memory Error")
    assert mean_of(before, after).failure == "Out of Memory Error"


def test_repeated_builds_are_held_by_their_median_run() -> None:
    # Three builds of 27.9, 26.4 and 28.6 s: the median is 27.9 s, with that run's breakdown; the peaks
    # are the largest of the three (3,600 MB of memory, 120 MB spilled).
    builds = [
        (Measurement(seconds=27.9, peak_mb=3500.0, peak_spill_mb=0.0), {"startup": 2.4}),
        (Measurement(seconds=26.4, peak_mb=3600.0, peak_spill_mb=120.0), {"startup": 2.6}),
        (Measurement(seconds=28.6, peak_mb=3400.0, peak_spill_mb=None), {"startup": 2.5}),
    ]
    median, breakdown = median_build(builds)
    assert (median.seconds, median.peak_mb, median.peak_spill_mb) == (27.9, 3600.0, 120.0)
    assert breakdown == {"startup": 2.4}
    build = {"dbt": {"seconds": median.seconds, "peak_mb": median.peak_mb}, "dbt_runs": [27.9, 26.4, 28.6]}
    assert build_cell(build) == "27.9 s, 3.5 GB; median of 3 runs: 27.9, 26.4, 28.6"  # 3,600 MB = 3.5 GB


def test_an_even_count_of_builds_is_held_by_the_slower_middle_run() -> None:
    builds = [(Measurement(seconds=seconds, peak_mb=1000.0), {}) for seconds in (27.0, 29.0, 26.0, 28.0)]
    assert median_build(builds)[0].seconds == 28.0  # sorted 26, 27, 28, 29: the slower of 27 and 28


def test_one_failed_build_makes_the_result_a_failure() -> None:
    builds = [
        (Measurement(seconds=27.0, peak_mb=3500.0), {}),
        (Measurement(seconds=3.0, peak_mb=4100.0, failure="Out of Memory Error"), {}),
    ]
    assert median_build(builds)[0].failure == "Out of Memory Error"
