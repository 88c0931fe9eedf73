"""Constructed monthly and annual series for the early-warning tests.

Every series is built by hand so that its expected signals follow from the definitions
in ``ecosec/engine/warning*.py`` (each test says how); values are USD, quantities tonnes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from tests.conftest import make_store

FIRST, LAST = (2014, 1), (2020, 12)


def months(first: tuple[int, int] = FIRST, last: tuple[int, int] = LAST) -> list[int]:
    """yyyymm periods from ``first`` to ``last`` inclusive."""
    out, (y, m) = [], first
    while (y, m) <= last:
        out.append(y * 100 + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def series(
    exporter: str,
    value: Callable[[int], float],
    *,
    qty: Callable[[int], float] | None = None,
    importer: str = "KOR",
    hs6: str = "281111",
    periods: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One flow, month by month; a zero value is left out, as customs tables do."""
    rows = []
    for p in periods if periods is not None else months():
        v = value(p)
        if v > 0:
            rows.append(
                {
                    "period": p,
                    "exporter": exporter,
                    "importer": importer,
                    "hs6": hs6,
                    "value_usd": float(v),
                    "qty_t": float(qty(p)) if qty is not None else math.nan,
                }
            )
    return pd.DataFrame(rows)


def flat(level: float = 1e6) -> Callable[[int], float]:
    return lambda p: level


def step(before: float, after: float, at: int) -> Callable[[int], float]:
    """``before`` until the month before ``at`` (yyyymm), ``after`` from ``at`` on."""
    return lambda p: after if p >= at else before


def monthly_store(root: Path, *frames: pd.DataFrame) -> Path:
    """A store holding the frames as importer-reported monthly flows (customs layout)."""
    return make_store(root, pd.concat(frames, ignore_index=True), side="M", freq="M")
