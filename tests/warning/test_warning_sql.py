"""The early-warning SQL: portable to Spark, and its list-free median checked against
Python's ``statistics.median`` (an independent implementation)."""

from __future__ import annotations

import doctest
import statistics

import duckdb
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

import ecosec._warning_format
import ecosec.api_warning
import ecosec.engine.warning
from ecosec.engine import warning as w
from ecosec.engine.spark import to_spark_sql

SCOPES = [
    w.Scope("M"),
    w.Scope("M", importers=("KOR",), hs=("281111",), exporters=("JPN",), read_from=201201,
            since=201901, until=202012),
    w.Scope("A", importers=("KOR", "JPN"), since=2024),
]  # fmt: skip


@pytest.mark.parametrize("scope", SCOPES, ids=["monthly-all", "monthly-window", "annual"])
def test_transpiles_to_spark(scope: w.Scope) -> None:
    """sqlglot turns the DuckDB SQL into Spark SQL that sqlglot's Spark parser reads back,
    with no DuckDB-only function left (list functions, mad, median windows)."""
    for sql in (w.alerts_sql(scope, w.AlertParams()), w.exposure_sql(scope)):
        spark = to_spark_sql(sql)
        sqlglot.parse_one(spark, read="spark")
        lowered = spark.lower()
        for name in ("list(", "list_", " mad(", "quantile", "arg_max(", "generate_series"):
            assert name not in lowered, name


def test_cte_names_are_prefixed() -> None:
    """Every CTE the engine writes is called ew_… (shared SQL namespace)."""
    sql = w.alerts_sql(SCOPES[1], w.AlertParams())
    ctes = [e.alias for e in sqlglot.parse_one(sql, read="duckdb").find_all(sqlglot.exp.CTE)]
    assert ctes and all(name.startswith("ew_") for name in ctes)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))),
        min_size=5,
        max_size=5,
    ),
    st.floats(-1e6, 1e6, allow_nan=False),
)
def test_median_and_mad_equal_the_statistics_module(values: list[float | None], now: float) -> None:
    """_robust's median and MAD of the five history values (nulls ignored) equal
    statistics.median of the values and of their absolute deviations; z follows the
    documented scale max(1.4826 MAD, 0.1 |median|, floor) with floor 1."""
    cols = ", ".join(
        f"CAST({'NULL' if v is None else repr(float(v))} AS DOUBLE) AS x_{i}"
        for i, v in enumerate(values, 1)
    )
    sql = (
        f"WITH ew_rows AS (SELECT 1 AS sid, 1 AS t_idx, CAST({now!r} AS DOUBLE) AS x, {cols}),"
        f"{w._robust({'x': 1.0}, 5, 'ew_rows')} SELECT x_med, x_mad, x_n, x_z FROM ew_rz"
    )
    med, mad, n, z = duckdb.connect().execute(sql).fetchone() or (None, None, None, None)
    present = [v for v in values if v is not None]
    assert n == len(present)
    if not present:
        assert med is None and mad is None and z is None
        return
    ref_med = statistics.median(present)
    ref_mad = statistics.median([abs(v - ref_med) for v in present])
    assert med == pytest.approx(ref_med, rel=1e-12, abs=1e-9)
    assert mad == pytest.approx(ref_mad, rel=1e-12, abs=1e-9)
    scale = max(1.4826 * ref_mad, 0.1 * abs(ref_med), 1.0)
    assert z == pytest.approx((now - ref_med) / scale, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "module", [ecosec.engine.warning, ecosec.api_warning, ecosec._warning_format]
)
def test_doctests(module: object) -> None:
    """The docstring examples run on the embedded sample."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
