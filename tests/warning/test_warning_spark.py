"""The early-warning SQL on Spark (sqlglot-transpiled) gives the DuckDB alerts.

Reference: the DuckDB run of the same query on the embedded sample. Sums may differ in
the last bits with summation order, so floats are compared with a relative tolerance of
1e-9; codes, periods, signals and counts must be equal.
"""

from __future__ import annotations

import pytest

import ecosec.api_warning as ew
from tests.conftest import assert_same_tables

pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark


@pytest.mark.parametrize(
    "kw",
    [
        {"country": "KOR", "since": "2019-01", "until": "2020-12", "hs": "281111,370790"},
        {"country": "KOR", "freq": "A", "since": 2024},
    ],
    ids=["korea-monthly", "korea-annual"],
)
def test_alerts_duckdb_equals_spark(kw: dict[str, object]) -> None:
    a = ew.alerts(engine="duckdb", sample=True, **kw)  # type: ignore[arg-type]
    b = ew.alerts(engine="spark", sample=True, **kw)  # type: ignore[arg-type]
    assert a.attrs["series_periods"] == b.attrs["series_periods"] > 0
    assert_same_tables(a, b, keys=["importer", "exporter", "hs6", "signal", "start"])
