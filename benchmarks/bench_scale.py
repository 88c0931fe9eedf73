"""Time the main analyses on one full-size year, on DuckDB and on Spark ``local[2]``.

The figures for ``docs/scale.md``. Each engine runs in its own fresh interpreter on
the same store, the analyses one after another in that process (as a user's session
would), each timed from the call to the DataFrame in hand; for Spark the session start
(JVM launch) is timed on its own. Peak RSS is the child's (Spark's JVM is a separate
process: its heap is bounded by the ``spark-driver-memory`` setting, 3 GB by default).

Usage::

    python benchmarks/bench_scale.py --store DIR [--year 2022] [--engines duckdb spark]
    python benchmarks/bench_scale.py --zip /tmp/baci11/BACI_HS17_V202601.zip
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _child import run_child, store_for

CHILD = """
import json, sys, time
import ecosec
store, engine, year = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {}
if engine == "spark":
    from ecosec import settings
    from ecosec.engine.spark import session
    t = time.perf_counter()
    session(settings.get("spark-master") or "local[2]")
    out["Spark session start (JVM)"] = [time.perf_counter() - t, 0]
def timed(label, fn):
    t = time.perf_counter()
    r = fn()
    rows = len(r) if hasattr(r, "__len__") else 0
    out[label] = [time.perf_counter() - t, rows]
kw = dict(store=store, engine=engine)
timed("dependencies, all importers x all products",
      lambda: ecosec.dependencies("all", year=year, **kw))
timed("dependencies, one country (KOR)", lambda: ecosec.dependencies("KOR", year=year, **kw))
timed("chokepoints, all products", lambda: ecosec.chokepoints(year=year, **kw))
timed("RCA, all exporters x all products", lambda: ecosec.rca(year=year, **kw))
timed("suppliers (on whom), KOR", lambda: ecosec.suppliers("KOR", year=year, **kw))
timed("partnership KOR-JPN, every section",
      lambda: ecosec.partnership("KOR", "JPN", year=year, **kw).sections)
print(json.dumps(out))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", type=Path, help="a BACI zip to ingest into a temporary store")
    p.add_argument("--store", type=Path, help="a store that already holds the year")
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    a = p.parse_args()
    tmp = tempfile.TemporaryDirectory()
    t = time.perf_counter()
    store = store_for(a.store, a.zip, Path(tmp.name))
    if a.store is None:
        print(f"ingest (ecosec ingest baci): {time.perf_counter() - t:.1f} s")
    results: dict[str, dict[str, list[float]]] = {}
    rss: dict[str, float] = {}
    for engine in a.engines:
        out, rss[engine] = run_child(CHILD, str(store), engine, str(a.year))
        results[engine] = json.loads(out.strip().splitlines()[-1])
    labels = list(dict.fromkeys(k for r in results.values() for k in r))
    print(f"year {a.year}, store {store}")
    print(f"| analysis | rows | {' | '.join(f'{e} s' for e in a.engines)} |")
    print(f"|---|---:|{'---:|' * len(a.engines)}")
    for label in labels:
        rows = next(int(r[label][1]) for r in results.values() if label in r)
        cells = [f"{results[e][label][0]:.1f}" if label in results[e] else "" for e in a.engines]
        print(f"| {label} | {rows:,} | {' | '.join(cells)} |")
    peaks = " | ".join(f"{rss[e]:.2f}" for e in a.engines)
    print(f"| peak RSS of the Python process, GB | | {peaks} |")
    tmp.cleanup()


if __name__ == "__main__":
    main()
