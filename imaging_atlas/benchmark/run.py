"""`make bench`: the dbt build against the floor of the whole family, the hand-written reference query.

Usage: imaging-atlas benchmark --data-dir data/bench-data --cases one-year-1.0 five-years
    nineteen-years yearly-update whole-project-one-year [--generate] [--repeat N] [--doc docs/benchmark.md]

The floor (reference_query.sql) computes every indicator of the registry at every level with every rule
in one DuckDB query over the raw files. Each case runs it over the same files just before and just after
the build (this machine is shared: the build is held to their mean, and the load average is recorded on
both sides) and checks that the built figures of every indicator equal it for every unit. A case builds
the seeds and every indicator's mart with everything upstream (`dbt build` without data and unit tests),
or, for the whole-project cases, what `make build` runs (every model and data test). The years built are
the extract's (`--event-time-start/--event-time-end`, as make build passes them); the yearly update
rebuilds the latest year of the 19-year extract, in the database of the nineteen-year case when there is
one. With --repeat N the build runs N times and the median run is recorded, every run's time beside it.
A one-year case also runs the build's own SQL of the indicator layer as one statement, without dbt
(one_statement.py), to tell the work of the SQL from what dbt adds to it. Results accumulate in
benchmarks/results.json (one entry per case, the latest run wins); with --doc the tables between the
bench markers of that page are rewritten from that file.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from imaging_atlas.benchmark.engine import DEFAULT_MEMORY_LIMIT
from imaging_atlas.benchmark.one_statement import differing_rows
from imaging_atlas.project import PROJECT_DIR, DbtRun, cli_executable, dbt_executable, event_time_flags
from imaging_atlas.registry import read_registry

RESULTS_FILE = PROJECT_DIR / "benchmarks" / "results.json"
DOC_START = "<!-- bench:start -->"
DOC_END = "<!-- bench:end -->"
HISTORY_YEARS = (2006, 2024)
FIVE_YEARS = (2020, 2024)
CASE_ORDER = (
    "one-year",
    "five-years",
    "nineteen-years",
    "whole-project",
    "yearly-update",
    "yearly-update-plain-files",
)


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one child process (and its children), and the most it held
    at once in the folder DuckDB spills into (None when not watched)."""

    seconds: float
    peak_mb: float
    failure: str | None = None
    peak_spill_mb: float | None = None


@dataclass(frozen=True)
class Case:
    """One line of the benchmark table: which extract, which years are built, into which database."""

    name: str
    scale: float
    years: str
    raw_dir: Path
    run_dir: Path
    refresh_year: int | None = None
    # The reference query runs once per folder (one year each for a history: the goal is then years x
    # the one-year reference); by default once over raw_dir.
    reference_raw_dirs: tuple[Path, ...] = ()
    # The whole project (`dbt build`: every model, Python ones included, and every data test) rather
    # than the seeds and the indicators' marts.
    whole_project: bool = False

    @property
    def single_year_from_empty(self) -> bool:
        """A build of one year's marts from an empty database: what the one statement repeats."""
        return not self.whole_project and self.refresh_year is None and "-" not in self.years


def indicator_marts() -> list[str]:
    """Every indicator's mart, from the registry: the family the reference query computes."""
    return sorted(read_registry()["indicator_code"])


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under a folder now; DuckDB creates and deletes its spill files as it goes."""
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:
            continue
    return total


class FolderPeak(threading.Thread):
    """The most a folder grows while a command runs, sampled twice a second: how much disk DuckDB needed
    beyond its memory limit (its spill files are gone when the command ends). Growth over the size it
    had before, so that files left by a run that was killed do not count as this one's."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.bytes_before = folder_bytes(folder)
        self.peak_bytes = self.bytes_before
        self.finished = threading.Event()

    def run(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, folder_bytes(self.folder))
            if self.finished.wait(0.5):
                return

    def stop(self) -> float:
        """Stop sampling; the peak growth in MB."""
        self.finished.set()
        self.join()
        return round((self.peak_bytes - self.bytes_before) / 1024**2, 1)


def measure(
    command: list[str], env: dict[str, str] | None = None, spill_dir: Path | None = None
) -> Measurement:
    """Run a command to completion; wait4 gives the peak RSS of that process (not of ours), and the folder
    it spills into, when given, is watched. A failure is recorded with the end of its output instead of
    stopping the benchmark: an out-of-memory build is a result too."""
    spill = FolderPeak(spill_dir) if spill_dir is not None else None
    if spill:
        spill.start()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    peak_spill_mb = spill.stop() if spill else None
    failure = None
    if os.waitstatus_to_exitcode(status) != 0:
        failure = output.decode(errors="replace")[-3000:]
        print(f"{' '.join(command[:3])} failed:\n{failure}", file=sys.stderr, flush=True)
    return Measurement(
        seconds=round(elapsed, 2),
        peak_mb=round(usage.ru_maxrss / 1024, 1),
        failure=failure,
        peak_spill_mb=peak_spill_mb,
    )


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


def link_years(history_dir: Path, first: int, last: int, out_dir: Path) -> Path:
    """An extract of some years of a hive-foldered history, as symbolic links to its files in real
    `year=` folders (DuckDB's `**` does not follow a linked folder): the five-year case reads the same
    files as the nineteen-year one, without a copy."""
    for table in ("population", "claims"):
        for year in range(first, last + 1):
            folder = out_dir / table / f"year={year}"
            folder.mkdir(parents=True, exist_ok=True)
            for source in sorted((history_dir / table / f"year={year}").glob("*.parquet")):
                link = folder / source.name
                if not link.exists():
                    link.symlink_to(source.resolve())
    return out_dir


def link_plain_files(history_dir: Path, out_dir: Path) -> Path:
    """The same extract in the other layout of the raw contract: every Parquet file directly in its
    table's folder (links named after their year folder), so that no folder name tells the year."""
    for table in ("population", "claims"):
        (out_dir / table).mkdir(parents=True, exist_ok=True)
        for source in sorted((history_dir / table).glob("*/*.parquet")):
            link = out_dir / table / f"{source.parent.name.replace('=', '_')}_{source.name}"
            if not link.exists():
                link.symlink_to(source.resolve())
    return out_dir


def compare_with_reference(db_path: Path, reference_files: str, only_year: int | None = None) -> int:
    """Rows where the built figures of every indicator (int_indicator_figures) differ from the reference
    figures, over every unit with beneficiaries; only the year of a yearly update, whose reference is
    computed over that year's files."""
    year_filter = f"and year = {only_year}" if only_year is not None else ""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(
            f"""
            with reference as (select * from read_parquet('{reference_files}')),
            built as (
                select indicator_code, year, geo_level, geo_code, numerator, denominator
                from int_indicator_figures
                where denominator > 0 {year_filter}
            )
            select count(*) from reference full join built using (indicator_code, year, geo_level, geo_code)
            where reference.numerator is distinct from built.numerator
                or reference.denominator is distinct from built.denominator
            """
        ).fetchall()[0][0]


def time_breakdown(run_results: Path, wall_seconds: float) -> dict:
    """Where a dbt build spends its time, from dbt's own run_results.json: start-up (parsing, imports,
    connection: the wall time dbt does not count as execution), seeds, unit tests and each model. With
    2 threads, nodes overlap, so the parts can add up to more than the wall time."""
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text())
    by_type: dict[str, float] = {}
    models: dict[str, float] = {}
    for result in results["results"]:
        kind, _, name = result["unique_id"].split(".", 2)
        seconds = float(result["execution_time"])
        by_type[kind] = by_type.get(kind, 0.0) + seconds
        if kind == "model":
            models[name.split(".")[-1]] = round(seconds, 2)
    return {
        "startup": round(wall_seconds - float(results["elapsed_time"]), 2),
        "seeds": round(by_type.get("seed", 0.0), 2),
        "unit_tests": round(by_type.get("unit_test", 0.0), 2),
        "data_tests": round(by_type.get("test", 0.0), 2),
        "models": dict(sorted(models.items(), key=lambda item: -item[1])),
    }


def build_command(case: Case) -> list[str]:
    """The production build (`make build`: no unit test, they run in CI, and the extract's years) of the
    whole project with its data tests, or of the seeds and every indicator's mart with the models
    upstream, without their data tests; a yearly update names its year instead."""
    excluded = ["unit_test"] if case.whole_project else ["unit_test", "test"]
    command = [dbt_executable(), "build", "--exclude-resource-type", *excluded]
    if not case.whole_project:
        command += ["--select", " ".join(f"+{mart}" for mart in indicator_marts())]
    if case.refresh_year is not None:
        year = case.refresh_year
        return [*command, "--event-time-start", f"{year}-01-01", "--event-time-end", f"{year + 1}-01-01"]
    return command + event_time_flags(case.raw_dir)


def build_once(
    case: Case, run: DbtRun, env: dict[str, str], spill_dir: Path, keep_database: bool
) -> tuple[Measurement, dict]:
    """One timed build, from an empty database unless the database is kept (the yearly update), and
    where its time went."""
    if not keep_database:
        run.db_path.unlink(missing_ok=True)
    (run.target_path / "run_results.json").unlink(missing_ok=True)
    dbt = measure(build_command(case), env, spill_dir)
    return dbt, time_breakdown(run.target_path / "run_results.json", dbt.seconds)


def median_build(builds: list[tuple[Measurement, dict]]) -> tuple[Measurement, dict]:
    """The build of median time (the slower middle one of an even count), with its own breakdown, and
    the largest peak of memory and spill of all of them; a failed build is the result if any failed."""
    failed = [build for build in builds if build[0].failure]
    if failed:
        return failed[0]
    dbt, breakdown = sorted(builds, key=lambda build: build[0].seconds)[len(builds) // 2]
    spills = [build[0].peak_spill_mb for build in builds if build[0].peak_spill_mb is not None]
    median = Measurement(
        seconds=dbt.seconds,
        peak_mb=max(build[0].peak_mb for build in builds),
        peak_spill_mb=max(spills) if spills else None,
    )
    return median, breakdown


def run_case(case: Case, db_path: Path, keep_database: bool, repeat: int = 1) -> dict:
    """Build the database from empty, or refresh one year of a kept database (the yearly update), `repeat`
    times, then check it against the reference query over the same files (for the update: the refreshed
    year's)."""
    case.run_dir.mkdir(parents=True, exist_ok=True)
    run = DbtRun(raw_dir=case.raw_dir, db_path=db_path, target_path=case.run_dir / "target")
    env = run.environment()
    env.setdefault("IMAGING_TEMP_DIR", str(case.run_dir / "duckdb_tmp"))
    spill_dir = PROJECT_DIR / env["IMAGING_TEMP_DIR"]
    keep_database = keep_database and db_path.exists()
    database_before = f"{db_path.stat().st_size / 1024**2:,.0f} MB" if keep_database else "empty"
    print(f"{case.name}: dbt on {case.raw_dir} into {db_path} ({database_before})", flush=True)
    # The build is timed the way a data engineer meets it after the first command: with the project
    # parsed (dbt's partial parsing); the first parse is measured apart.
    first_parse = measure([dbt_executable(), "parse"], env)
    for stale in case.run_dir.glob("reference-*.parquet"):
        stale.unlink()
    memory_limit = env.get("IMAGING_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    reference_before = run_reference(case, memory_limit)
    load_before = os.getloadavg()[0]
    builds = [build_once(case, run, env, spill_dir, keep_database) for _ in range(repeat)]
    load_after = os.getloadavg()[0]
    dbt, breakdown = median_build(builds)
    reference_after = run_reference(case, memory_limit)
    reference = mean_of(reference_before, reference_after)
    reference_runs = {"before": reference_before.seconds, "after": reference_after.seconds}
    differences = None
    if dbt.failure is None and reference is not None and reference.failure is None:
        reference_files = str(case.run_dir / "reference-*.parquet")
        differences = compare_with_reference(run.db_path, reference_files, case.refresh_year)
        if differences:
            raise AssertionError(f"{case.name}: {differences} rows of the figures differ from the reference")
    statement = None
    if dbt.failure is None and case.single_year_from_empty:
        statement = run_one_statement(case, run, memory_limit, spill_dir)
    return {
        "case": case.name,
        "scale": case.scale,
        "years": case.years,
        "refresh_year": case.refresh_year,
        "database_before": database_before,
        "input_rows": count_input_rows(case.raw_dir),
        "dbt": asdict(dbt),
        "dbt_runs": [build[0].seconds for build in builds] if repeat > 1 else None,
        "reference": asdict(reference) if reference else None,
        "reference_runs": reference_runs,
        "rows_differing_from_reference": differences,
        "one_statement": asdict(statement) if statement else None,
        "breakdown": breakdown,
        "first_parse_seconds": first_parse.seconds,
        "database_mb": round(run.db_path.stat().st_size / 1024**2) if run.db_path.exists() else None,
        "machine": machine_description(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": {"before": round(load_before, 1), "after": round(load_after, 1)},
    }


def run_reference(case: Case, memory_limit: str) -> Measurement:
    """The reference query over each of the case's reference folders, one process each: the times add
    up, the peak is the largest."""
    runs = []
    for index, raw_dir in enumerate(case.reference_raw_dirs or (case.raw_dir,)):
        print(f"{case.name}: reference query over {raw_dir}", flush=True)
        out = case.run_dir / f"reference-{index:02d}.parquet"
        spill_dir = case.run_dir / "reference_tmp"
        runs.append(measure(
            [cli_executable(), "floor", "--raw-dir", str(raw_dir),
             "--seeds-dir", str(PROJECT_DIR / "seeds"), "--out", str(out), "--memory-limit", memory_limit,
             "--temp-dir", str(spill_dir)],
            spill_dir=spill_dir,
        ))  # fmt: skip
    failures = [run.failure for run in runs if run.failure]
    return Measurement(
        seconds=round(sum(run.seconds for run in runs), 2),
        peak_mb=max(run.peak_mb for run in runs),
        failure=failures[0] if failures else None,
        peak_spill_mb=max(run.peak_spill_mb or 0.0 for run in runs),
    )


def mean_of(before: Measurement, after: Measurement) -> Measurement:
    """The reference query timed before and after the build, as one measurement: the mean of the two
    times, the larger peaks. A shared machine's speed drifts within an hour (docs/benchmark.md), so a
    build is held to the reference bracketing it, not to one run on one side."""
    failure = before.failure or after.failure
    spills = [m.peak_spill_mb for m in (before, after) if m.peak_spill_mb is not None]
    return Measurement(
        seconds=round((before.seconds + after.seconds) / 2, 2),
        peak_mb=max(before.peak_mb, after.peak_mb),
        failure=failure,
        peak_spill_mb=max(spills) if spills else None,
    )


def run_one_statement(case: Case, run: DbtRun, memory_limit: str, spill_dir: Path) -> Measurement:
    """The build's own SQL of the headline path as one statement, without dbt (one_statement.py), in a
    process of its own that spills where the build did; its figures must equal the built ones."""
    print(f"{case.name}: the project's SQL in one statement", flush=True)
    out = case.run_dir / "one-statement.parquet"
    statement = measure(
        [cli_executable(), "one-statement", "--db", str(run.db_path),
         "--manifest", str(run.target_path / "manifest.json"), "--out", str(out),
         "--memory-limit", memory_limit, "--temp-dir", str(spill_dir)],
        spill_dir=spill_dir,
    )  # fmt: skip
    if statement.failure is None:
        differences = differing_rows(run.db_path, out)
        if differences:
            raise AssertionError(f"{case.name}: {differences} rows of the statement differ from the build")
    return statement


def year_folders(history_dir: Path, first: int, last: int, workdir: Path) -> tuple[Path, ...]:
    """One linked one-year extract per year of a history, for the reference query run year by year."""
    return tuple(
        link_years(history_dir, year, year, workdir / f"history-{year}-raw")
        for year in range(first, last + 1)
    )


def extract_is_complete(raw_dir: Path, first: int, last: int) -> bool:
    """Every year's population and claims written, each file with its Parquet footer: a generation that
    was stopped leaves years out and its last file cut short."""
    files = [
        raw_dir / table / f"year={year}" / "part-0.parquet"
        for year in range(first, last + 1)
        for table in ("population", "claims")
    ]
    if not all(path.exists() for path in files):
        return False
    try:
        with duckdb.connect() as connection:
            paths = ", ".join(f"'{path}'" for path in files)
            connection.execute(f"select count(*) from parquet_metadata([{paths}])").fetchall()
    except duckdb.Error:
        return False
    return True


def generate(raw_dir: Path, scale: float, first: int, last: int, seed: int) -> None:
    """Write a synthetic extract unless a complete one is there already (national data take minutes to
    hours); an incomplete one is written again."""
    if extract_is_complete(raw_dir, first, last):
        return
    command = [cli_executable(), "generate", "--out", str(raw_dir)]
    command += ["--scale", str(scale), "--years", f"{first}-{last}", "--seed", str(seed)]
    command += ["--force", "--no-progress"]
    subprocess.run(command, cwd=PROJECT_DIR, check=True)


def plan_case(name: str, data_dir: Path, workdir: Path, seed: int, make_data: bool) -> Case:
    """Case names: one-year-<scale> (2024), five-years (2020-2024) and nineteen-years (2006-2024) of the
    national history; whole-project-one-year and whole-project-nineteen-years (`dbt build` of everything
    over the national 2024 and 2006-2024); yearly-update (2024 rebuilt from the 19-year extract in hive
    folders, in the nineteen-year database when there is one, else in an empty one) and
    yearly-update-plain-files (the same from the same files laid out flat)."""
    history_dir = data_dir / f"scale-1.0-{HISTORY_YEARS[0]}-{HISTORY_YEARS[1]}"
    history_run = workdir / "nineteen-years"
    last = HISTORY_YEARS[1]
    if name.startswith("one-year-") or name == "whole-project-one-year":
        scale = 1.0 if name == "whole-project-one-year" else float(name.removeprefix("one-year-"))
        raw_dir = data_dir / f"scale-{scale}-{last}"
        if make_data:
            generate(raw_dir, scale, last, last, seed)
        whole_project = name.startswith("whole-project")
        return Case(name, scale, str(last), raw_dir, workdir / name, whole_project=whole_project)
    histories = ("five-years", "nineteen-years", "whole-project-nineteen-years", "yearly-update")
    if make_data and name in (*histories, "yearly-update-plain-files"):
        generate(history_dir, 1.0, *HISTORY_YEARS, seed)
    years = "{}-{}".format(*HISTORY_YEARS)
    last_year_only = None
    if name.startswith("yearly-update"):
        last_year_only = link_years(history_dir, last, last, workdir / f"history-{last}-raw")
    if name == "five-years":
        raw_dir = link_years(history_dir, *FIVE_YEARS, workdir / "five-years-raw")
        by_year = year_folders(history_dir, *FIVE_YEARS, workdir)
        return Case(name, 1.0, "{}-{}".format(*FIVE_YEARS), raw_dir, workdir / name, None, by_year)
    if name == "nineteen-years":
        return Case(
            name,
            1.0,
            years,
            history_dir,
            history_run,
            None,
            year_folders(history_dir, *HISTORY_YEARS, workdir),
        )
    if name == "whole-project-nineteen-years":
        return Case(
            name,
            1.0,
            years,
            history_dir,
            workdir / name,
            reference_raw_dirs=year_folders(history_dir, *HISTORY_YEARS, workdir),
            whole_project=True,
        )
    if name == "yearly-update":
        return Case(name, 1.0, years, history_dir, workdir / name, last, (last_year_only,))
    if name == "yearly-update-plain-files":
        raw_dir = link_plain_files(history_dir, workdir / "nineteen-years-plain-raw")
        return Case(name, 1.0, years, raw_dir, workdir / name, last, (last_year_only,))
    raise ValueError(f"unknown benchmark case {name!r}")


def load_results() -> list[dict]:
    return json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else []


def case_rank(entry: dict) -> tuple:
    """Table order: one year by scale, then five and nineteen years, the whole project (one year, then
    nineteen), then the updates."""
    families = [i for i, prefix in enumerate(CASE_ORDER) if entry["case"].startswith(prefix)]
    family = families[0] if families else len(CASE_ORDER)
    return (family, entry["scale"], entry["input_rows"], entry["case"])


def save_result(entry: dict) -> list[dict]:
    """Keep one entry per case: the latest measurement replaces the earlier one."""
    results = [r for r in load_results() if r.get("case") != entry["case"]]
    results.append(entry)
    results.sort(key=case_rank)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
    return results


def build_cell(entry: dict) -> str:
    """The build's time and peaks, and when it ran several times, every run's time (the median shown)."""
    text = seconds_and_peak(entry["dbt"])
    runs = entry.get("dbt_runs")
    if runs:
        text += f"; median of {len(runs)} runs: " + ", ".join(f"{seconds:,.1f}" for seconds in runs)
    return text


def seconds_and_peak(measurement: dict | None) -> str:
    if not measurement:
        return "-"
    text = f"{measurement['seconds']:,.1f} s, {measurement['peak_mb'] / 1024:.1f} GB"
    if measurement.get("peak_spill_mb") is not None:
        text += f", {measurement['peak_spill_mb'] / 1024:.1f} GB spilled"
    return text + (" (failed)" if measurement.get("failure") else "")


def year_alone(entry: dict, results: list[dict]) -> dict | None:
    """For a yearly update: the build of that year alone (the case named by its `baseline_case`, by
    default the one-year national extract) as it stood when the update was measured, with the reference
    query timed beside it."""
    if entry.get("baseline_seconds") is not None:
        return {"seconds": entry["baseline_seconds"], "reference": entry.get("baseline_reference_seconds")}
    name = entry.get("baseline_case", "one-year-1.0")
    alone = next((r for r in results if r["case"] == name), None)
    if alone is None:
        return None
    reference = alone["reference"]["seconds"] if alone["reference"] else None
    return {"seconds": alone["dbt"]["seconds"], "reference": reference}


def bracket(entry: dict) -> str:
    """The two runs of the reference query a mean was taken of, when it was timed on both sides."""
    runs = entry.get("reference_runs")
    if not runs:
        return ""
    return f" (mean of {runs['before']:,.1f} s before and {runs['after']:,.1f} s after)"


def comparison(entry: dict, results: list[dict]) -> tuple[str, float | None]:
    """What a case is compared with, and the ratio. A case is held to its own reference query over the
    same files. A yearly update is held to building that year alone (goal 1.2x); the two are measured
    minutes apart, and a shared machine's speed drifts by more than the goal over an hour, so when both
    runs have the reference query of that year timed beside them, the ratio compares dbt's time in
    reference-query units:
    (update / its reference) / (year alone / its reference)."""
    if entry["refresh_year"] is None:
        if entry["reference"] is None:
            return "-", None
        ratio = entry["dbt"]["seconds"] / entry["reference"]["seconds"]
        return seconds_and_peak(entry["reference"]) + bracket(entry), ratio
    alone = year_alone(entry, results)
    if alone is None:
        return "-", None
    name = entry.get("baseline_case", "one-year-1.0")
    text = f"`{name}` (the year built alone): {alone['seconds']:,.1f} s"
    if alone["reference"] and entry["reference"]:
        text += f"; reference {alone['reference']:,.1f} s then, {entry['reference']['seconds']:,.1f} s now"
        update_in_references = entry["dbt"]["seconds"] / entry["reference"]["seconds"]
        return text, update_in_references / (alone["seconds"] / alone["reference"])
    return text, entry["dbt"]["seconds"] / alone["seconds"]


def load_cell(entry: dict) -> str:
    """The load average of the shared machine when the build started and ended, when it was recorded."""
    load = entry.get("load")
    return f", load {load['before']} / {load['after']}" if load else ""


def results_table(results: list[dict]) -> str:
    """The main table: dbt, the reference it is held to, the ratio, and the peak memory and spill of dbt."""
    lines = [
        "| case | scale | years | input rows | dbt build (peak RSS, disk spilled) | compared with | ratio "
        "| rows differing from the reference | database | machine, date, load (1 min, before / after) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        compared, ratio_value = comparison(r, results)
        ratio = f"{ratio_value:.2f}" if ratio_value and not r["dbt"].get("failure") else "-"
        differences = r["rows_differing_from_reference"]
        differing = "-" if differences is None else str(differences)
        database = f"{r['database_mb']:,} MB" if r.get("database_mb") is not None else "-"
        label = r["case"]
        if r["refresh_year"] is not None:
            label += f" ({r['refresh_year']}; database before: {r.get('database_before', '-')})"
        lines.append(
            f"| {label} | {r['scale']} | {r['years']} | {r['input_rows']:,} "
            f"| {build_cell(r)} | {compared} | {ratio} | {differing} | {database} "
            f"| {r['machine']}, {r['date']}{load_cell(r)} |"
        )
    return "\n".join(lines)


def linear_cost_table(results: list[dict]) -> str:
    """Cost per row across scales and history lengths: linear growth keeps these columns flat."""
    lines = [
        "| case | input rows | dbt s | dbt s per 100 M rows | reference s per 100 M rows | dbt peak GB "
        "| dbt spilled GB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if r["refresh_year"] is not None or r["dbt"].get("failure"):
            continue
        per_rows = 1e8 / r["input_rows"]
        reference = f"{r['reference']['seconds'] * per_rows:.1f}" if r["reference"] else "-"
        spilled = r["dbt"].get("peak_spill_mb")
        spilled_gb = "-" if spilled is None else f"{spilled / 1024:.1f}"
        lines.append(
            f"| {r['case']} | {r['input_rows']:,} | {r['dbt']['seconds']:,.1f} "
            f"| {r['dbt']['seconds'] * per_rows:.1f} | {reference} | {r['dbt']['peak_mb'] / 1024:.1f} "
            f"| {spilled_gb} |"
        )
    return "\n".join(lines)


def breakdown_table(results: list[dict], top_models: int = 6) -> str:
    """Where the time of each dbt build goes, from run_results.json."""
    lines = [
        "| case | dbt wall s | start-up s | seeds s | unit tests s | data tests s | models s (slowest first) "
        "| first parse s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results:
        parts = r.get("breakdown") or {}
        if not parts:
            continue
        slowest = list(parts["models"].items())[:top_models]
        models = ", ".join(f"`{name}` {seconds:,.1f}" for name, seconds in slowest)
        first_parse = f"{r['first_parse_seconds']:,.1f}" if r.get("first_parse_seconds") else "-"
        lines.append(
            f"| {r['case']} | {r['dbt']['seconds']:,.1f} | {parts['startup']:,.1f} | {parts['seeds']:,.1f} "
            f"| {parts['unit_tests']:,.1f} | {parts.get('data_tests', 0.0):,.1f} | {models} | {first_parse} |"
        )
    return "\n".join(lines)


def work_table(results: list[dict]) -> str:
    """The ratio to the reference split in two: the work of the indicator layer (the project's SQL in one
    statement against the reference query) and what dbt adds to it (the build against that statement)."""
    lines = [
        "| case | reference query | the project's SQL in one statement | dbt build | statement / reference "
        "| dbt build / statement |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        statement = r.get("one_statement")
        if not statement or not r["reference"]:
            continue
        ratios = "- | -"
        if not statement.get("failure"):
            seconds = statement["seconds"]
            ratios = f"{seconds / r['reference']['seconds']:.2f} | {r['dbt']['seconds'] / seconds:.2f}"
        lines.append(
            f"| {r['case']} | {seconds_and_peak(r['reference'])} | {seconds_and_peak(statement)} "
            f"| {seconds_and_peak(r['dbt'])} | {ratios} |"
        )
    return "\n".join(lines)


def write_doc_tables(doc: Path, results: list[dict]) -> None:
    """Rewrite the generated part of the benchmark page, keeping its prose."""
    text = doc.read_text()
    start, end = text.index(DOC_START) + len(DOC_START), text.index(DOC_END)
    tables = (
        "\n" + results_table(results) + "\n\nLinear cost:\n\n" + linear_cost_table(results)
        + "\n\nWhere the time goes:\n\n" + breakdown_table(results)
        + "\n\nThe work apart from dbt:\n\n" + work_table(results) + "\n"
    )  # fmt: skip
    doc.write_text(text[:start] + tables + text[end:])


def run_benchmark(
    cases: list[str],
    data_dir: Path,
    workdir: Path,
    generate_missing: bool = False,
    seed: int = 42,
    doc: Path | None = None,
    save: bool = True,
    repeat: int = 1,
) -> None:
    """`imaging-atlas benchmark`: measure each case, print its lines of the tables, and record them."""
    for name in cases:
        if name == "secrecy-one-year":
            from imaging_atlas.benchmark.secrecy import run_secrecy_case

            run_secrecy_case(data_dir, workdir, seed, generate_missing)
            continue
        case = plan_case(name, data_dir, workdir, seed, generate_missing)
        history_db = workdir / "nineteen-years" / "atlas.duckdb"
        in_history = case.refresh_year is not None and history_db.exists()
        db_path = history_db if in_history else case.run_dir / "atlas.duckdb"
        entry = run_case(case, db_path, in_history, repeat)
        if entry["refresh_year"] is not None:
            # Held to the year built alone as measured now: a later run of that case, perhaps on
            # another machine, must not change this ratio.
            alone = year_alone(entry, load_results()) or {}
            entry["baseline_seconds"] = alone.get("seconds")
            entry["baseline_reference_seconds"] = alone.get("reference")
        print(results_table([entry]), flush=True)
        if entry["one_statement"]:
            print(work_table([entry]), flush=True)
        if save:
            results = save_result(entry)
            if doc:
                write_doc_tables(doc, results)
