"""Run measured code in a fresh interpreter and read its own peak memory (os.wait4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_child(code: str, *args: str) -> tuple[str, float]:
    """``python -c code args``: (its standard output, its peak RSS in GB).

    ``os.wait4`` gives this child's own maximum RSS (``RUSAGE_CHILDREN`` would carry an
    earlier, larger child's figure over).
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        err = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"benchmark child failed:\n{err[-2000:]}")
    return out, usage.ru_maxrss / 1e6


def store_for(store: Path | None, zip_path: Path | None, tmp: Path) -> Path:
    """The benchmark's store: ``--store`` as given, else ``--zip`` ingested into ``tmp``."""
    if store is not None:
        return store
    if zip_path is None:
        raise SystemExit("give --store DIR or --zip (make one with make_synthetic_baci.py)")
    store = tmp / "store"
    subprocess.run(
        [sys.executable, "-m", "ecosec", "ingest", "baci", str(zip_path), "--store", str(store)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return store
