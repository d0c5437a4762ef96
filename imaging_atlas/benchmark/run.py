"""`make bench`: time generation, the dbt build of the headline marts and the reference query.

Usage: python -m imaging_atlas.benchmark --scales 0.1 0.3 1.0 --years 2024 [--readme README.md]
Results accumulate in benchmarks/results.json (one entry per scale and year range, the latest run wins)
and, with --readme, the table between the bench markers of the README is rewritten from that file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from imaging_atlas.project import PROJECT_DIR, DbtRun, dbt_executable

RESULTS_FILE = PROJECT_DIR / "benchmarks" / "results.json"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
HEADLINE_MARTS = ("stat_013_001_at", "stat_013_023_at")


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one child process."""

    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class BenchResult:
    scale: float
    years: str
    input_rows: int
    generation: Measurement
    dbt_marts: Measurement
    reference: Measurement
    dbt_full: Measurement | None
    machine: str
    date: str

    @property
    def ratio(self) -> float:
        return self.dbt_marts.seconds / self.reference.seconds


def measure(command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run a command to completion; wait4 gives the peak RSS of that process (and not of ours)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output.decode(errors='replace')[-5000:]}")
    return Measurement(seconds=round(elapsed, 2), peak_mb=round(usage.ru_maxrss / 1024, 1))


def machine_description() -> str:
    """CPU model, cores and memory, so a reader knows what the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        cpu = names[0] if names else cpu
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB"


def count_input_rows(raw_dir: Path) -> int:
    """Rows of both raw tables, read from the Parquet footers."""
    query = "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)"
    total = 0
    with duckdb.connect() as connection:
        for table in ("population", "claims"):
            pattern = str(raw_dir / table / "**" / "*.parquet")
            total += int(connection.execute(query, [pattern]).fetchall()[0][0])
    return total


def compare_with_reference(db_path: Path, reference_file: Path) -> None:
    """The marts must hold exactly the reference figures for every unit with beneficiaries."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        differences = connection.execute(
            f"""
            with reference as (select * from read_parquet('{reference_file}')),
            marts as (
                select a.year, a.geo_level, a.geo_code, a.numerator as numerator_001,
                    b.numerator as numerator_023, a.denominator
                from {HEADLINE_MARTS[0]} as a
                left join {HEADLINE_MARTS[1]} as b using (year, geo_level, geo_code)
                where a.denominator > 0
            )
            select count(*) from reference full join marts using (year, geo_level, geo_code)
            where reference.denominator is distinct from marts.denominator
                or reference.numerator_001 is distinct from marts.numerator_001
                or (reference.numerator_023 is distinct from marts.numerator_023
                    and marts.numerator_023 is not null)
            """
        ).fetchall()[0][0]
    if differences:
        raise AssertionError(f"{differences} rows of the marts differ from the reference query")


def run_one(
    scale: float, years: str, workdir: Path, seed: int, reuse_raw: bool, full_build: bool = True
) -> BenchResult:
    """Generate (or reuse), build the headline marts from scratch, run the reference, compare."""
    run_dir = workdir / f"scale_{scale}_{years}"
    raw_dir = run_dir / "raw"
    run = DbtRun(raw_dir=raw_dir, db_path=run_dir / "atlas.duckdb", target_path=run_dir / "target")
    python = sys.executable
    if reuse_raw and raw_dir.exists():
        generation = Measurement(seconds=float("nan"), peak_mb=float("nan"))
    else:
        shutil.rmtree(raw_dir, ignore_errors=True)
        generation = measure(
            [python, "-m", "imaging_atlas", "generate", "--out", str(raw_dir), "--scale", str(scale),
             "--years", years, "--seed", str(seed), "--force", "--no-progress"]
        )  # fmt: skip
    run.db_path.unlink(missing_ok=True)
    env = run.environment()
    env.setdefault("IMAGING_TEMP_DIR", str(run_dir / "duckdb_tmp"))
    selection = " ".join(f"+{mart}" for mart in HEADLINE_MARTS)
    dbt_marts = measure(
        [dbt_executable(), "build", "--select", selection, "--exclude", "test_type:data"], env
    )
    reference_file = run_dir / "reference.parquet"
    reference = measure(
        [python, "-m", "imaging_atlas.benchmark.reference", "--raw-dir", str(raw_dir),
         "--seeds-dir", str(PROJECT_DIR / "seeds"), "--out", str(reference_file),
         "--memory-limit", env.get("IMAGING_MEMORY_LIMIT", "6GB")]
    )  # fmt: skip
    compare_with_reference(run.db_path, reference_file)
    run.db_path.unlink()
    dbt_full = measure([dbt_executable(), "build"], env) if full_build else None
    return BenchResult(
        scale=scale,
        years=years,
        input_rows=count_input_rows(raw_dir),
        generation=generation,
        dbt_marts=dbt_marts,
        reference=reference,
        dbt_full=dbt_full,
        machine=machine_description(),
        date=time.strftime("%Y-%m-%d"),
    )


def run_history(scale: float, years: str, workdir: Path, seed: int, reuse_raw: bool) -> dict:
    """A national history built as it is maintained: from an empty database, one year per dbt run
    (var refresh_years), so that memory stays at the size of one year whatever the number of years."""
    run_dir = workdir / f"scale_{scale}_{years}"
    raw_dir = run_dir / "raw"
    run = DbtRun(raw_dir=raw_dir, db_path=run_dir / "atlas.duckdb", target_path=run_dir / "target")
    first, _, last = years.partition("-")
    if not (reuse_raw and raw_dir.exists()):
        shutil.rmtree(raw_dir, ignore_errors=True)
        measure(
            [sys.executable, "-m", "imaging_atlas", "generate", "--out", str(raw_dir), "--scale", str(scale),
             "--years", years, "--seed", str(seed), "--force", "--no-progress"]
        )  # fmt: skip
    run.db_path.unlink(missing_ok=True)
    env = run.environment()
    env.setdefault("IMAGING_TEMP_DIR", str(run_dir / "duckdb_tmp"))
    selection = " ".join(f"+{mart}" for mart in HEADLINE_MARTS)
    steps = []
    for year in range(int(first), int(last or first) + 1):
        step = measure(
            [dbt_executable(), "build", "--select", selection, "--exclude", "test_type:data",
             "--vars", f"{{refresh_years: [{year}]}}"],
            env,
        )  # fmt: skip
        steps.append({"year": year, **asdict(step)})
        print(f"{year}: {step.seconds} s, peak {step.peak_mb:.0f} MB", flush=True)
    history = {
        "scale": scale,
        "years": years,
        "input_rows": count_input_rows(raw_dir),
        "dbt_seconds": round(sum(step["seconds"] for step in steps), 1),
        "dbt_peak_mb": max(step["peak_mb"] for step in steps),
        "database_mb": round(run.db_path.stat().st_size / 1024**2),
        "steps": steps,
        "machine": machine_description(),
        "date": time.strftime("%Y-%m-%d"),
    }
    (RESULTS_FILE.parent / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    return history


def load_results() -> list[dict]:
    return json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else []


def save_result(result: BenchResult) -> list[dict]:
    """Keep one entry per (scale, years): the latest measurement replaces the earlier one."""
    entry = {**asdict(result), "ratio": round(result.ratio, 2)}
    results = [r for r in load_results() if (r["scale"], r["years"]) != (result.scale, result.years)]
    results.append(entry)
    results.sort(key=lambda r: (r["years"], r["scale"]))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
    return results


def results_table(results: list[dict]) -> str:
    """The README table: one row per measured scale and year range."""
    lines = [
        "| scale | years | input rows | generation s (peak MB) | dbt build of the marts s (peak MB) "
        "| reference query s (peak MB) | ratio dbt / reference | input rows / s (dbt) "
        "| whole dbt build with all tests s (peak MB) | machine, date |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        gen, dbt, ref, full = r["generation"], r["dbt_marts"], r["reference"], r["dbt_full"]
        full_text = f"{full['seconds']} ({full['peak_mb']:.0f})" if full else "not measured"
        lines.append(
            f"| {r['scale']} | {r['years']} | {r['input_rows']:,} | {gen['seconds']} ({gen['peak_mb']:.0f}) "
            f"| {dbt['seconds']} ({dbt['peak_mb']:.0f}) | {ref['seconds']} ({ref['peak_mb']:.0f}) "
            f"| {r['ratio']} | {r['input_rows'] / dbt['seconds']:,.0f} "
            f"| {full_text} "
            f"| {r['machine']}, {r['date']} |"
        )
    return "\n".join(lines)


def write_readme_table(readme: Path, results: list[dict]) -> None:
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + results_table(results) + "\n" + text[end:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1])
    parser.add_argument("--years", default="2024", help="a year or a range such as 2006-2024")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "data" / "bench")
    parser.add_argument("--reuse-raw", action="store_true", help="keep generated data of an earlier run")
    parser.add_argument("--readme", type=Path, help="rewrite the benchmark table of this README")
    parser.add_argument("--no-save", action="store_true", help="do not record the results (smoke runs)")
    parser.add_argument(
        "--no-full-build", action="store_true", help="skip the whole dbt build (long histories)"
    )
    parser.add_argument("--history", action="store_true", help="build the years one dbt run at a time")
    args = parser.parse_args(argv)
    if args.history:
        for scale in args.scales:
            history = run_history(scale, args.years, args.workdir, args.seed, args.reuse_raw)
            print({key: value for key, value in history.items() if key != "steps"})
        return
    for scale in args.scales:
        result = run_one(scale, args.years, args.workdir, args.seed, args.reuse_raw, not args.no_full_build)
        print(results_table([{**asdict(result), "ratio": round(result.ratio, 2)}]), flush=True)
        if not args.no_save:
            results = save_result(result)
            if args.readme:
                write_readme_table(args.readme, results)
