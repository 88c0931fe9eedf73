"""Benchmark ``ecosec.alerts`` against a bare DuckDB window-function pass, same run.

Input: a synthetic monthly import panel the size of one country's full imports,
written as a store dataset in the canonical flows schema (ecosec/ingest/schema.py):
one importer (KOR), 200 suppliers × 5,000 HS6 products × 60 months (2020-01 to
2024-12), of which about 12 % of supplier × product pairs trade at all, each in most
months. Values are log-normal with a seasonal cycle and noise; a few pairs get a
step down, a spike or a stop, so the alert table is not empty.

Both sides run in this process on the same Parquet files, each with DuckDB's default
threads and the same memory limit (the ``memory-limit`` setting, 3 GB by default):

- baseline: one DuckDB query with the rolling statistics the alerts need, as window
  functions: for value, volume and unit value the median and MAD (DuckDB's ``mad``)
  over the same month of the previous 5 years, the value a year earlier, and the
  trailing 12-month sum; it then counts rows whose robust z-score passes 3.5, so
  that no window is optimised away;
- ecosec: ``ecosec.api_warning.alerts(country="KOR", store=...)``, the public API
  call (validation, dense series, every signal, events, severity, names), whose SQL
  is also valid Spark SQL after sqlglot, so it cannot use DuckDB's ``mad``.

Target: ecosec time ≤ 2 × baseline. Prints PASS or MISS and exits 0 either way.

Usage::

    python benchmarks/bench_warning.py                    # full size, best of 3
    python benchmarks/bench_warning.py --products 500     # quick check
    python benchmarks/bench_warning.py --repeat 5 --workdir /tmp
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ecosec import refdata, settings  # noqa: E402
from ecosec.ingest._common import describe  # noqa: E402
from ecosec.ingest.schema import FLOWS_SCHEMA  # noqa: E402
from ecosec.ingest.store import Store  # noqa: E402

TIME_RATIO_TARGET = 2.0
IMPORTER = "KOR"
FIRST_YEAR = 2020


@dataclass(frozen=True)
class Panel:
    store: Path
    files: list[Path]
    rows: int
    pairs: int
    seconds: float


def generate(
    root: Path,
    *,
    suppliers: int = 200,
    products: int = 5000,
    months: int = 60,
    density: float = 0.12,
    seed: int = 0,
) -> Panel:
    """Write the synthetic panel into a store at ``root`` (one dataset, ``synthetic``)."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    codes = list(dict.fromkeys(c for c in refdata.countries()["code"] if c != IMPORTER))
    exporters = np.array(codes[:suppliers])
    hs6 = np.array([f"{100000 + 37 * i:06d}"[-6:] for i in range(products)])
    n_pairs = round(suppliers * products * density)
    pair = rng.choice(suppliers * products, size=n_pairs, replace=False)
    sup, prod = pair // products, pair % products
    # Per pair: level (log-normal), seasonal amplitude and phase, how often it trades.
    level = rng.lognormal(mean=11.0, sigma=2.0, size=n_pairs)
    amp = rng.uniform(0.0, 0.4, size=n_pairs)
    phase = rng.uniform(0, 2 * np.pi, size=n_pairs)
    p_active = rng.beta(8, 1.2, size=n_pairs)
    unit_value = rng.lognormal(mean=8.0, sigma=1.5, size=products)[prod]  # USD per tonne
    m = np.arange(months)
    season = 1 + amp[:, None] * np.sin(2 * np.pi * m[None, :] / 12 + phase[:, None])
    trend = np.exp(rng.normal(0.0, 0.01, size=(n_pairs, 1)) * m[None, :])
    value = level[:, None] * season * trend * rng.lognormal(0.0, 0.3, size=(n_pairs, months))
    active = rng.random((n_pairs, months)) < p_active[:, None]
    # Known breaks in about 1 % of pairs each: a step down, a spike, a stop.
    kind = rng.random(n_pairs)
    at = rng.integers(36, months - 3, size=n_pairs)
    after = m[None, :] >= at[:, None]
    value = np.where((kind < 0.01)[:, None] & after, value * 0.15, value)
    value = np.where((kind > 0.99)[:, None] & (m[None, :] == at[:, None]), value * 8.0, value)
    active &= ~(((kind > 0.01) & (kind < 0.02))[:, None] & after)
    qty = value / unit_value[:, None] * rng.lognormal(0.0, 0.1, size=(n_pairs, months))
    ii, mm = np.nonzero(active)
    periods = ((FIRST_YEAR + mm // 12) * 100 + mm % 12 + 1).astype(np.int32)
    n = len(ii)
    table = pa.table(
        {
            "period": periods,
            "freq": pa.array(["M"] * n, pa.string()),
            "exporter": exporters[sup[ii]],
            "importer": pa.array([IMPORTER] * n, pa.string()),
            "hs6": hs6[prod[ii]],
            "hs_rev": pa.array(["HS17"] * n, pa.string()),
            "value_usd": np.round(value[ii, mm], 0),
            "qty_t": np.round(qty[ii, mm], 3),
            "source": pa.array(["synthetic"] * n, pa.string()),
            "reporter_side": pa.array(["M"] * n, pa.string()),
        },
        schema=FLOWS_SCHEMA,
    )
    with Store(root).stage("synthetic") as st:
        pq.write_table(table, st.flows_path, row_group_size=1 << 20)
        st.manifest.update(describe(st))
    dataset = Store(root).get("synthetic")
    assert dataset is not None
    return Panel(root, dataset.flows_files, n, n_pairs, time.perf_counter() - start)


def baseline_sql(files: Sequence[Path], history: int = 5) -> str:
    """The bare window pass: the rolling statistics of the alerts, nothing else."""
    paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    w = (
        "(PARTITION BY importer, exporter, hs6, period % 100 ORDER BY period "
        f"ROWS BETWEEN {history} PRECEDING AND 1 PRECEDING)"
    )
    stats = ",\n".join(
        f"median({c}) OVER {w} AS {c}_med, mad({c}) OVER {w} AS {c}_mad"
        for c in ("value_usd", "qty_t", "uv")
    )
    z = " + ".join(
        f"CASE WHEN ABS({c} - {c}_med) > 3.5 * 1.4826 * {c}_mad THEN 1 ELSE 0 END"
        for c in ("value_usd", "qty_t", "uv")
    )
    return f"""
    SELECT COUNT(*) AS rows, SUM({z}) AS outliers, SUM(value_usd / NULLIF(v_1, 0)) AS yoy,
           SUM(v_12) AS trailing
    FROM (
      SELECT *, {stats},
             LAG(value_usd) OVER (PARTITION BY importer, exporter, hs6, period % 100
                                  ORDER BY period) AS v_1,
             SUM(value_usd) OVER (PARTITION BY importer, exporter, hs6 ORDER BY period
                                  ROWS BETWEEN 12 PRECEDING AND 1 PRECEDING) AS v_12
      FROM (SELECT *, value_usd / NULLIF(qty_t, 0) AS uv
            FROM read_parquet([{paths}]) WHERE freq = 'M')
    )
    """


def run_baseline(files: Sequence[Path]) -> float:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    limit = settings.get("memory-limit")
    if limit:
        con.execute("SET memory_limit = ?", [limit])
    start = time.perf_counter()
    con.execute(baseline_sql(files)).fetchall()
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def run_ecosec(store: Path) -> tuple[float, int, int]:
    from ecosec.api_warning import alerts

    start = time.perf_counter()
    df = alerts(country=IMPORTER, store=store)
    seconds = time.perf_counter() - start
    return seconds, len(df), int(df.attrs.get("series_periods", 0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--density", type=float, default=0.12, help="share of pairs that trade")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best time kept")
    parser.add_argument("--workdir", type=Path, help="scratch space (default: system temp)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory(prefix="ecosec-bench-warning-", dir=args.workdir) as tmp:
        panel = generate(
            Path(tmp) / "store",
            suppliers=args.suppliers,
            products=args.products,
            months=args.months,
            density=args.density,
            seed=args.seed,
        )
        print(
            f"generated {panel.rows:,} rows ({panel.pairs:,} supplier x product pairs, "
            f"{args.suppliers} suppliers x {args.products} products x {args.months} months) "
            f"in {panel.seconds:.1f} s"
        )
        # Warm the page cache and the imports once, untimed, on both sides; then
        # alternate the two so that both see the same machine load.
        run_baseline(panel.files)
        run_ecosec(panel.store)
        bases, runs = [], []
        for _ in range(args.repeat):
            bases.append(run_baseline(panel.files))
            runs.append(run_ecosec(panel.store))
        base = min(bases)
        secs, n_alerts, scanned = min(runs)
        ratio = secs / base
        print(
            f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, {platform.platform()}"
        )
        print(f"{'':44}{'wall s':>9}")
        print(f"{'baseline (DuckDB windows: median, mad, lag)':44}{base:9.2f}")
        print(f"{'ecosec alerts':44}{secs:9.2f}")
        rate = 1000 * n_alerts / scanned if scanned else float("nan")
        print(f"alerts: {n_alerts:,} over {scanned:,} series-months ({rate:.2f} per 1,000)")
        verdict = "PASS" if ratio <= TIME_RATIO_TARGET else "MISS"
        target = f"target <= {TIME_RATIO_TARGET}x"
        print(f"time ratio ecosec / baseline: {ratio:.2f}x ({target})  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
