"""Benchmark the full dependency table (all importers × all products) on a full-size year.

Compared in the same run, each in its own subprocess on the same store:

- floor: one bare DuckDB GROUP BY over the flows that computes the same totals and
  HHIs (imports, supplier count, top share, supplier HHI per importer × product, and
  the product's world export HHI, which needs its own aggregation by exporter) — the
  practical floor on this machine;
- ecosec: ``ecosec.dependencies("all", year=Y, store=DIR)`` (every column of the
  dependency table, with world HHI, own exports, criteria and persistence);
- pandas: a straightforward pandas implementation of the same core columns;
- spark (``--spark``): the same ecosec call with ``engine="spark"`` on ``local[2]``.

Targets: ecosec ≤ 1.3 × floor, ecosec ≥ 2 × faster than pandas, peak RSS < 2 GB.

Usage::

    python benchmarks/bench_dependency.py --zip /tmp/baci11/BACI_HS17_V202601.zip [--spark]
    python benchmarks/bench_dependency.py --store DIR   # a store that already holds the year
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _child import run_child

FLOOR = """
import sys, time, duckdb
from ecosec.engine.executor import connect, open_catalog
con = connect(open_catalog(sys.argv[1], sample=False))
t = time.perf_counter()
con.execute('''
  CREATE TABLE out AS
  WITH x AS (SELECT importer, exporter, hs6, value_usd AS v FROM flows WHERE period = {year}),
  w AS (SELECT hs6, SUM(e * e) / (SUM(e) * SUM(e)) AS hhi_world
        FROM (SELECT hs6, exporter, SUM(v) AS e FROM x GROUP BY hs6, exporter) GROUP BY hs6)
  SELECT importer, x.hs6, SUM(v) AS imports_usd, COUNT(*) AS n_suppliers,
         MAX(v) / SUM(v) AS top_share, SUM(v * v) / (SUM(v) * SUM(v)) AS hhi_imports,
         ANY_VALUE(w.hhi_world) AS hhi_world
  FROM x JOIN w ON w.hs6 = x.hs6 GROUP BY importer, x.hs6''')
n = con.execute('SELECT count(*) FROM out').fetchone()[0]
print(time.perf_counter() - t, n)
"""

ECOSEC = """
import sys, time
import ecosec
t = time.perf_counter()
d = ecosec.dependencies("all", year={year}, store=sys.argv[1], engine=sys.argv[2])
print(time.perf_counter() - t, len(d))
"""

PANDAS = """
import sys, time
import pandas as pd
from ecosec.engine.executor import connect, open_catalog
flows = connect(open_catalog(sys.argv[1], sample=False)).execute(
    "SELECT importer, exporter, hs6, value_usd FROM flows WHERE period = {year}").df()
t = time.perf_counter()
m = flows.groupby(["importer", "hs6", "exporter"], sort=False)["value_usd"].sum()
g = m.groupby(level=[0, 1])
tot = g.sum()
share = m / tot.reindex(m.index.droplevel(2)).to_numpy()
out = pd.DataFrame({{
    "imports_usd": tot,
    "n_suppliers": g.size(),
    "top_share": g.max() / tot,
    "hhi_imports": (share ** 2).groupby(level=[0, 1]).sum(),
}})
x = flows.groupby(["hs6", "exporter"])["value_usd"].sum()
w = ((x / x.groupby(level=0).transform("sum")) ** 2).groupby(level=0).sum()
out = out.join(w.rename("hhi_world"), on="hs6")
print(time.perf_counter() - t, len(out))
"""


def _child(code: str, *args: str) -> tuple[float, float, int]:
    """Run ``code`` in a fresh interpreter; (its own timed seconds, peak RSS GB, rows)."""
    out, rss = run_child(code, *args)
    secs, rows = out.split()[-2:]
    return float(secs), rss, int(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", type=Path, help="a BACI zip to ingest into a temporary store")
    p.add_argument("--store", type=Path, help="a store that already holds the year")
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--spark", action="store_true", help="also time engine=spark (local[2])")
    a = p.parse_args()
    tmp = tempfile.TemporaryDirectory()
    store = a.store
    if store is None:
        if a.zip is None:
            raise SystemExit("give --zip (make one with make_synthetic_baci.py) or --store")
        store = Path(tmp.name) / "store"
        subprocess.run(
            [sys.executable, "-m", "ecosec", "ingest", "baci", str(a.zip), "--store", str(store)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    s = str(store)
    runs: dict[str, list[tuple[float, float, int]]] = {"floor": [], "ecosec": [], "pandas": []}
    for _ in range(a.repeat):
        runs["floor"].append(_child(FLOOR.replace("{year}", str(a.year)), s))
        runs["ecosec"].append(_child(ECOSEC.format(year=a.year), s, "duckdb"))
        runs["pandas"].append(_child(PANDAS.format(year=a.year), s))
    if a.spark:
        runs["spark"] = [_child(ECOSEC.format(year=a.year), s, "spark")]
    best = {k: min(v) for k, v in runs.items()}
    print(f"dependency table, all importers x all products, year {a.year}, best of {a.repeat}")
    print(f"{'':28s}{'query s':>10s}{'peak RSS GB':>13s}{'rows':>12s}")
    for k, (secs, rss, rows) in best.items():
        print(f"{k:28s}{secs:10.2f}{rss:13.2f}{rows:12,d}")
    ratio = best["ecosec"][0] / best["floor"][0]
    speedup = best["pandas"][0] / best["ecosec"][0]
    rss = max(r[1] for r in runs["ecosec"])
    verdict = "PASS" if ratio <= 1.3 else "MISS"
    print(f"ecosec / bare GROUP BY: {ratio:.2f}x (target <= 1.3x)  {verdict}")
    print(f"pandas / ecosec: {speedup:.2f}x (target >= 2x)  {'PASS' if speedup >= 2 else 'MISS'}")
    print(f"ecosec peak RSS: {rss:.2f} GB (target < 2 GB)  {'PASS' if rss < 2 else 'MISS'}")
    tmp.cleanup()


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark wall time {time.perf_counter() - start:.0f} s)")
