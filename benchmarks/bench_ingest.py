"""Benchmark ``ecosec ingest baci`` against a plain DuckDB CSV → Parquet copy.

Both sides start from the same BACI zip and run in their own subprocess, timed from
launch to exit (interpreter start-up and imports included on both sides):

- baseline: ``python -c`` that extracts the year CSV(s) from the zip (DuckDB cannot
  read inside a zip, so extraction is part of the baseline), then runs
  ``COPY (SELECT * FROM read_csv(...)) TO 'baseline.parquet' (FORMAT parquet)``;
- ecosec: ``python -m ecosec ingest baci ZIP --store DIR`` into an empty store.

Peak memory is the child's maximum resident set size, taken from ``os.wait4`` on
that child alone. (``getrusage(RUSAGE_CHILDREN)`` would give the maximum over every
child waited for so far, so a later, smaller run would inherit an earlier run's
figure.) Like RUSAGE_CHILDREN it covers the child's own children once they are
waited for.

Targets: ecosec time ≤ 1.5 x baseline, ecosec peak RSS < 3 GB (10^9 bytes). The
script prints PASS or MISS for each and exits 0 either way; it exits 1 only when a
run fails.

Usage::

    python benchmarks/bench_ingest.py                      # generate 11M rows, run once
    python benchmarks/bench_ingest.py --rows 500000        # quick check
    python benchmarks/bench_ingest.py --zip BACI_HS17_V202601.zip --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from make_synthetic_baci import DEFAULT_ROWS, generate

REPO_ROOT = Path(__file__).resolve().parents[1]
TIME_RATIO_TARGET = 1.5
PEAK_RSS_TARGET_GB = 3.0
YEAR_CSV = re.compile(r"(?:.*/)?BACI_[A-Z0-9]+_Y\d{4}_V\w+\.csv")

# Runs in the baseline child: argv = zip, work dir, member names.
BASELINE_CODE = """
import json, shutil, sys, time, zipfile
import duckdb

zip_path, work, *members = sys.argv[1:]
start = time.perf_counter()
paths = []
with zipfile.ZipFile(zip_path) as zf:
    for member in members:
        path = f"{work}/{member.rsplit('/', 1)[-1]}"
        with zf.open(member) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 16 << 20)
        paths.append(path)
extracted = time.perf_counter()
files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
out = f"{work}/baseline.parquet".replace("'", "''")
duckdb.connect().execute(
    f"COPY (SELECT * FROM read_csv({files})) TO '{out}' (FORMAT parquet)"
)
done = time.perf_counter()
print(json.dumps({"extract_s": extracted - start, "duckdb_s": done - extracted}))
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time, launch to exit
    peak_rss_bytes: int
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: Sequence[str], *, cwd: Path, env: dict[str, str]) -> Run:
    """Run ``cmd`` to completion; its wall time and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err)
        # wait4 rather than proc.wait(): it returns this child's rusage alone.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports kilobytes
            returncode=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def child_env() -> dict[str, str]:
    """The environment for children, with the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def year_members(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        members = [n for n in zf.namelist() if YEAR_CSV.fullmatch(n)]
    if not members:
        raise SystemExit(
            f"{zip_path} holds no BACI year file (BACI_HS17_Y2022_V202601.csv or alike); "
            "pass a BACI zip or omit --zip to generate one."
        )
    return members


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def fail(what: str, run: Run) -> None:
    tail = "\n".join(run.stderr.strip().splitlines()[-15:])
    print(f"\n{what} failed with exit code {run.returncode}:\n{tail}", file=sys.stderr)


def ecosec_cli_ready(env: dict[str, str]) -> str | None:
    """None when ``python -m ecosec ingest baci --help`` works, else why not."""
    check = subprocess.run(
        [sys.executable, "-m", "ecosec", "ingest", "baci", "--help"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if check.returncode == 0:
        return None
    lines = (check.stderr or check.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {check.returncode}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="an existing BACI zip (else one is generated)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate")
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated zip")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; best time kept")
    parser.add_argument("--workdir", type=Path, help="scratch space (default: system temp)")
    parser.add_argument(
        "--baseline-only", action="store_true", help="skip ecosec (e.g. before the CLI exists)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    env = child_env()

    with tempfile.TemporaryDirectory(prefix="ecosec-bench-", dir=args.workdir) as tmp:
        scratch = Path(tmp)
        if args.zip is None:
            made = generate(rows=args.rows, out_dir=scratch / "input", seed=args.seed)
            zip_path = made.path
            print(f"generated {zip_path.name}: {made.rows:,} rows in {made.seconds:.1f} s")
        else:
            zip_path = args.zip.resolve()
        members = year_members(zip_path)
        # Read the zip once so that neither side pays for a cold page cache.
        with zip_path.open("rb") as fh:
            while fh.read(64 << 20):
                pass

        why_not = None if args.baseline_only else ecosec_cli_ready(env)
        if why_not is not None:
            print(f"ecosec CLI not usable ({why_not}); measuring the baseline only.")

        baseline: list[Run] = []
        ecosec: list[Run] = []
        baseline_out = ecosec_out = 0
        for n in range(args.repeat):
            work = scratch / f"baseline-{n}"
            work.mkdir()
            run = measure(
                [sys.executable, "-c", BASELINE_CODE, str(zip_path), str(work), *members],
                cwd=REPO_ROOT,
                env=env,
            )
            if run.returncode != 0:
                fail("baseline", run)
                return 1
            baseline.append(run)
            baseline_out = (work / "baseline.parquet").stat().st_size
            shutil.rmtree(work)

            if args.baseline_only or why_not is not None:
                continue
            store = scratch / f"store-{n}"
            cmd = [sys.executable, "-m", "ecosec", "ingest", "baci", str(zip_path)]
            run = measure([*cmd, "--store", str(store)], cwd=REPO_ROOT, env=env)
            if run.returncode != 0:
                fail("ecosec ingest baci", run)
                return 1
            ecosec.append(run)
            ecosec_out = tree_bytes(store) if store.exists() else 0
            shutil.rmtree(store, ignore_errors=True)

        report(
            zip_path=zip_path,
            members=members,
            baseline=baseline,
            ecosec=ecosec,
            baseline_out=baseline_out,
            ecosec_out=ecosec_out,
        )
    return 0


def report(
    *,
    zip_path: Path,
    members: Sequence[str],
    baseline: Sequence[Run],
    ecosec: Sequence[Run],
    baseline_out: int,
    ecosec_out: int,
) -> None:
    gb = 1e9
    best_base = min(baseline, key=lambda r: r.seconds)
    phases = json.loads(best_base.stdout.strip().splitlines()[-1])
    print()
    print(
        f"BACI ingest benchmark: {zip_path.name} ({zip_path.stat().st_size / 1e6:.1f} MB, "
        f"{len(members)} year file(s)), best of {len(baseline)}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, {platform.platform()}"
    )
    print(f"{'':34}{'wall s':>9}{'peak RSS GB':>13}{'output MB':>11}")
    print(
        f"{'baseline (unzip + DuckDB copy)':34}{best_base.seconds:9.2f}"
        f"{max(r.peak_rss_bytes for r in baseline) / gb:13.2f}{baseline_out / 1e6:11.1f}"
        f"   (extract {phases['extract_s']:.2f} s, DuckDB {phases['duckdb_s']:.2f} s)"
    )
    if not ecosec:
        print("ecosec ingest baci: not measured")
        return
    best = min(ecosec, key=lambda r: r.seconds)
    peak = max(r.peak_rss_bytes for r in ecosec) / gb
    ratio = best.seconds / best_base.seconds
    print(f"{'ecosec ingest baci':34}{best.seconds:9.2f}{peak:13.2f}{ecosec_out / 1e6:11.1f}")
    print(
        f"time ratio ecosec / baseline: {ratio:.2f}x "
        f"(target <= {TIME_RATIO_TARGET}x)  {verdict(ratio <= TIME_RATIO_TARGET)}"
    )
    print(
        f"ecosec peak RSS: {peak:.2f} GB (target < {PEAK_RSS_TARGET_GB} GB)  "
        f"{verdict(peak < PEAK_RSS_TARGET_GB)}"
    )


if __name__ == "__main__":
    sys.exit(main())
