"""DataFrames as JSON-ready records: the one conversion CLI, web API and results use."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):
        return _json_value(v.item())
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready records (NaN → null, numpy scalars → Python)."""
    cols = list(df.columns)
    return [
        {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]
