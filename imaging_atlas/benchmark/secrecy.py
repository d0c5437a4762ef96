"""`make bench` case `secrecy-one-year`: the secrecy layer and its exact audit on one national year.

It builds the national 2024 extract (scale 1.0, generated when missing) up to the publication layer,
takes the time of the model `published_indicators` from dbt's run results, times the layer again alone
(`publish_indicators` on the year's figures, in this process: the audit, its repairs and the intervals),
then runs the independent exact attacker of the tests on every hidden count of individuals of the year,
sectors included (`tests/python/test_secrecy_national.py`, which fails if one is not protected). The
results go to benchmarks/secrecy.json; docs/benchmark.md and docs/statistical_secrecy.md give them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from imaging_atlas.benchmark.run import generate, machine_description
from imaging_atlas.project import PROJECT_DIR, DbtRun, run_dbt

CASE = "secrecy-one-year"
YEAR = 2024
RESULTS_FILE = PROJECT_DIR / "benchmarks" / "secrecy.json"
ATTACK_TEST = PROJECT_DIR / "tests" / "python" / "test_secrecy_national.py"


def layer_inputs(db_path: Path) -> dict:
    """What the layer reads, as the dbt model reads it."""
    queries = {
        "figures": "select indicator_code, year, geo_level, geo_code, numerator, denominator, value"
        " from int_indicator_figures",
        "registry": "select * from indicator_registry",
        "geo_units": "select * from int_geo_units",
        "exam_scope": "select * from indicator_exam_scope",
        "codes": "select distinct category, provider from int_imaging_codes_in_scope",
    }
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return {name: connection.execute(query).df() for name, query in queries.items()}


def time_layer(db_path: Path) -> dict:
    """The layer alone on the year: CPU and wall seconds, what its audit did, the shares suppressed."""
    from imaging_atlas.publication import publish_indicators

    inputs = layer_inputs(db_path)
    reports: list = []
    cpu, wall = time.process_time(), time.perf_counter()
    published = publish_indicators(**inputs, reports=reports)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    shares = published.groupby(["indicator_code", "geo_level"])["suppressed"].mean().round(4)
    return {
        "cpu_seconds": round(cpu, 1),
        "wall_seconds": round(wall, 1),
        "reports": [report.__dict__ for report in reports],
        "suppressed_share": shares.unstack().to_dict("index"),
    }


def run_secrecy_case(data_dir: Path, workdir: Path, seed: int, make_data: bool) -> dict:
    raw_dir = data_dir / f"scale-1.0-{YEAR}"
    if make_data:
        generate(raw_dir, 1.0, YEAR, YEAR, seed)
    run_dir = workdir / CASE
    run_dir.mkdir(parents=True, exist_ok=True)
    run = DbtRun(raw_dir=raw_dir, db_path=run_dir / "atlas.duckdb", target_path=run_dir / "target")
    started = time.perf_counter()
    run_dbt(run, "build", "--select", "+published_indicators", "--exclude-resource-type", "unit_test", "test")
    build_seconds = time.perf_counter() - started
    results = json.loads((run.target_path / "run_results.json").read_text())
    model_seconds = next(
        result["execution_time"]
        for result in results["results"]
        if result["unique_id"].endswith(".published_indicators")
    )
    layer = time_layer(run.db_path)
    counts_file = run_dir / "attack.json"
    attack_started = time.perf_counter()
    attack = subprocess.run(
        [sys.executable, "-m", "pytest", str(ATTACK_TEST), "-q", "-p", "no:cacheprovider"],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "IMAGING_SECRECY_DB": str(run.db_path),
            "IMAGING_SECRECY_COUNTS": str(counts_file),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    attack_seconds = time.perf_counter() - attack_started
    entry = {
        "case": CASE,
        "year": YEAR,
        "machine": machine_description(),
        "measured": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": os.getloadavg()[0],
        "build_seconds": round(build_seconds, 1),
        "published_indicators_seconds": round(model_seconds, 1),
        "layer": layer,
        "attack_seconds": round(attack_seconds, 1),
        "attack_passed": attack.returncode == 0,
        "attack": json.loads(counts_file.read_text()) if counts_file.exists() else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if attack.returncode != 0:
        print(attack.stdout[-4000:], file=sys.stderr)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(entry, indent=2) + "\n")
    print(
        f"{CASE}: build {entry['build_seconds']} s"
        f" (published_indicators {entry['published_indicators_seconds']} s),"
        f" layer alone {layer['cpu_seconds']} s CPU, independent attack {entry['attack_seconds']} s:"
        f" {'passed' if entry['attack_passed'] else 'FAILED'}",
        flush=True,
    )
    return entry
