"""Benchmark the partnership analysis of one pair against the pair's dependency tables.

Compared in the same run, each in its own subprocess on the same store (a synthetic
full-size BACI year, or any store), timed inside the child around the call alone
(imports and interpreter start-up excluded on both sides):

- baseline: ``ecosec.dependencies(a)`` and ``ecosec.dependencies(b)`` — the two
  countries' dependency tables (every product), one after the other;
- ecosec: ``ecosec.api_partnership.partnership(a, b)`` — all seven sections (eight
  tables), with verdicts, notes and the cooperation agenda.

Runs alternate (baseline, partnership, baseline, …) and the best time of each side is
kept, so a busy machine penalises both alike. Peak memory is each child's maximum
resident set size, from ``os.wait4`` on that child.

Target (issue 4): partnership time ≤ 3 × baseline. The script prints PASS or MISS and
exits 0 either way; it exits 1 only when a run fails.

Usage::

    python benchmarks/bench_partnership.py                       # generate 11M rows, ingest, run
    python benchmarks/bench_partnership.py --zip /tmp/pt/BACI_HS17_V202601.zip --repeat 3
    python benchmarks/bench_partnership.py --store DIR --pair KOR,JPN   # a store already loaded
    python benchmarks/bench_partnership.py --rows 500000               # quick check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from make_synthetic_baci import DEFAULT_ROWS, generate

REPO_ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 3.0

BASELINE_CODE = """
import json, sys, time
import ecosec
store, a, b = sys.argv[1:4]
t = time.perf_counter()
da = ecosec.dependencies(a, store=store)
db = ecosec.dependencies(b, store=store)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(da) + len(db)}))
"""

PARTNERSHIP_CODE = """
import json, sys, time
from ecosec.api_partnership import partnership
store, a, b = sys.argv[1:4]
t = time.perf_counter()
p = partnership(a, b, store=store)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows": sum(len(s.table) for s in p.sections),
                  "year": p.year, "tables": {s.name: len(s.table) for s in p.sections}}))
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # timed inside the child, around the call
    peak_rss_bytes: int
    info: dict[str, object]


def child_env() -> dict[str, str]:
    """The environment for children, with the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def measure(code: str, args: Sequence[str]) -> Run:
    """Run ``code`` in a fresh interpreter; its own timing and its peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=REPO_ROOT,
            env=child_env(),
            stdout=out,
            stderr=err,
        )
        # wait4 rather than proc.wait(): it returns this child's rusage alone.
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            tail = "\n".join(err.read().decode(errors="replace").strip().splitlines()[-15:])
            raise SystemExit(f"benchmark child failed:\n{tail}")
        info = json.loads(out.read().decode().strip().splitlines()[-1])
        return Run(float(info["seconds"]), usage.ru_maxrss * 1024, info)


def ingest(zip_path: Path, store: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "ecosec", "ingest", "baci", str(zip_path), "--store", str(store)],
        check=True,
        cwd=REPO_ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
    )


def pick_pair(store: Path, wanted: str) -> tuple[str, str]:
    """The pair asked for, or the two largest exporters when either is not in the store."""
    sys.path.insert(0, str(REPO_ROOT))
    from ecosec.engine.executor import open_catalog, run

    cat = open_catalog(store, sample=False)
    top = run(
        cat,
        "SELECT exporter, SUM(value_usd) AS v FROM flows GROUP BY exporter ORDER BY v DESC",
        engine="duckdb",
    )["exporter"].tolist()
    a, b = (x.strip().upper() for x in wanted.split(","))
    if a in top and b in top:
        return a, b
    print(f"{a} or {b} does not export in {store}; using the two largest exporters instead")
    return top[0], top[1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="a BACI zip to ingest (else one is generated)")
    parser.add_argument("--store", type=Path, help="a store that already holds the data")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate")
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated zip")
    parser.add_argument("--pair", default="KOR,JPN", help="the two countries (default KOR,JPN)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best time kept")
    parser.add_argument("--workdir", type=Path, help="scratch space (default: system temp)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    with tempfile.TemporaryDirectory(prefix="ecosec-bench-", dir=args.workdir) as tmp:
        scratch = Path(tmp)
        store = args.store
        if store is None:
            zip_path = args.zip
            if zip_path is None:
                made = generate(rows=args.rows, out_dir=scratch / "input", seed=args.seed)
                zip_path = made.path
                print(f"generated {zip_path.name}: {made.rows:,} rows in {made.seconds:.1f} s")
            store = scratch / "store"
            start = time.perf_counter()
            ingest(zip_path.resolve(), store)
            print(f"ingested {zip_path.name} in {time.perf_counter() - start:.1f} s")
        a, b = pick_pair(store, args.pair)
        cli = [str(store), a, b]
        baseline: list[Run] = []
        ecosec: list[Run] = []
        for _ in range(args.repeat):
            baseline.append(measure(BASELINE_CODE, cli))
            ecosec.append(measure(PARTNERSHIP_CODE, cli))
        report(store=store, pair=(a, b), baseline=baseline, ecosec=ecosec)
    return 0


def report(
    *, store: Path, pair: tuple[str, str], baseline: Sequence[Run], ecosec: Sequence[Run]
) -> None:
    gb = 1e9
    best_base = min(baseline, key=lambda r: r.seconds)
    best = min(ecosec, key=lambda r: r.seconds)
    ratio = best.seconds / best_base.seconds
    print()
    print(
        f"Partnership benchmark: {pair[0]}-{pair[1]} on {store} (year {best.info['year']}), "
        f"best of {len(ecosec)}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, {platform.platform()}"
    )
    print(f"{'':44}{'query s':>9}{'peak RSS GB':>13}{'rows':>10}")
    print(
        f"{'baseline (dependency tables of both)':44}{best_base.seconds:9.2f}"
        f"{max(r.peak_rss_bytes for r in baseline) / gb:13.2f}{best_base.info['rows']:>10,}"
    )
    print(
        f"{'ecosec partnership (all sections)':44}{best.seconds:9.2f}"
        f"{max(r.peak_rss_bytes for r in ecosec) / gb:13.2f}{best.info['rows']:>10,}"
    )
    print(f"  rows per section: {best.info['tables']}")
    print(
        f"all runs, s: baseline {', '.join(f'{r.seconds:.2f}' for r in baseline)}; "
        f"partnership {', '.join(f'{r.seconds:.2f}' for r in ecosec)}"
    )
    print(
        f"time ratio partnership / dependency tables: {ratio:.2f}x "
        f"(target <= {RATIO_TARGET}x)  {verdict(ratio <= RATIO_TARGET)}"
    )


if __name__ == "__main__":
    sys.exit(main())
