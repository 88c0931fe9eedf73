"""Benchmark the partnership brief against the partnership analysis alone (same run).

On a store holding a full-size synthetic BACI year (make_synthetic_baci.py, ingested
with ``ecosec ingest baci``), each measured in its own fresh interpreter:

- partnership: ``ecosec.partnership(A, B)``;
- brief: ``ecosec.report.brief.write_brief(A, B, out.html)`` (partnership, both
  countries' dependencies and suppliers, chokepoints, a scenario, alerts, HTML).

Target: brief ≤ 3 × partnership.

Usage::

    python benchmarks/bench_brief.py --store DIR [--pair KOR JPN] [--repeat 2]
    python benchmarks/bench_brief.py --zip BACI_HS17_V202601.zip
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _child import run_child, store_for

PARTNERSHIP = """
import sys, time
import ecosec
t = time.perf_counter()
ecosec.partnership(sys.argv[2], sys.argv[3], store=sys.argv[1])
print(time.perf_counter() - t)
"""

BRIEF = """
import sys, time, tempfile
from pathlib import Path
from ecosec.report.brief import write_brief
out = Path(tempfile.mkdtemp()) / "brief.html"
t = time.perf_counter()
write_brief(sys.argv[2], sys.argv[3], out, store=sys.argv[1])
print(time.perf_counter() - t)
"""


def _child(code: str, *args: str) -> tuple[float, float]:
    out, rss = run_child(code, *args)
    return float(out.split()[-1]), rss


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path)
    p.add_argument("--zip", type=Path)
    p.add_argument("--pair", nargs=2, default=["KOR", "JPN"])
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    tmp = tempfile.TemporaryDirectory()
    store = store_for(a.store, a.zip, Path(tmp.name))
    args = (str(store), *a.pair)
    part = min(_child(PARTNERSHIP, *args) for _ in range(a.repeat))
    brief = min(_child(BRIEF, *args) for _ in range(a.repeat))
    ratio = brief[0] / part[0]
    print(f"pair {a.pair[0]}-{a.pair[1]}, store {store}, best of {a.repeat}")
    print(f"partnership alone  {part[0]:8.2f} s   peak RSS {part[1]:.2f} GB")
    print(f"brief              {brief[0]:8.2f} s   peak RSS {brief[1]:.2f} GB")
    print(f"brief / partnership: {ratio:.2f}x (target <= 3x)  {'PASS' if ratio <= 3 else 'MISS'}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
