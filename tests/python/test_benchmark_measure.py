"""How the benchmark measures a child process: its time, and the most disk it held at once in the folder
DuckDB spills into (the spill files are gone when the process ends, so only a watch sees them)."""

from __future__ import annotations

import sys
from pathlib import Path

from imaging_atlas.benchmark.run import measure, seconds_and_peak

# Writes 3 MB and 1 MB, holds both for 1.5 s (4 MB at once), deletes the first, holds the second for
# 1.5 s, then deletes it: the folder ends empty, and its peak was 4 MB.
SPILLING_CHILD = """
import pathlib, sys, time
folder = pathlib.Path(sys.argv[1])
(folder / "a.tmp").write_bytes(bytes(3 * 1024**2))
(folder / "b.tmp").write_bytes(bytes(1024**2))
time.sleep(1.5)
(folder / "a.tmp").unlink()
time.sleep(1.5)
(folder / "b.tmp").unlink()
"""


def test_the_spill_peak_is_the_most_the_folder_held_at_once(tmp_path: Path) -> None:
    spill_dir = tmp_path / "duckdb_tmp"
    measurement = measure([sys.executable, "-c", SPILLING_CHILD, str(spill_dir)], spill_dir=spill_dir)
    assert measurement.failure is None
    assert measurement.peak_spill_mb == 4.0
    assert not any(spill_dir.iterdir())
    assert measurement.seconds >= 3.0


def test_files_left_in_the_folder_before_the_command_do_not_count(tmp_path: Path) -> None:
    spill_dir = tmp_path / "duckdb_tmp"
    spill_dir.mkdir()
    (spill_dir / "left_by_a_killed_run.tmp").write_bytes(bytes(2 * 1024**2))
    measurement = measure([sys.executable, "-c", SPILLING_CHILD, str(spill_dir)], spill_dir=spill_dir)
    assert measurement.peak_spill_mb == 4.0  # 6 MB at most in the folder, 2 MB of them there before


def test_a_command_not_watched_has_no_spill_figure() -> None:
    measurement = measure([sys.executable, "-c", "pass"])
    assert measurement.peak_spill_mb is None


def test_the_table_shows_the_spill_only_when_it_was_measured() -> None:
    watched = {"seconds": 79.32, "peak_mb": 4000.0, "peak_spill_mb": 336.0}
    assert seconds_and_peak(watched) == "79.3 s, 3.9 GB, 0.3 GB spilled"
    assert seconds_and_peak({"seconds": 79.32, "peak_mb": 4000.0}) == "79.3 s, 3.9 GB"
