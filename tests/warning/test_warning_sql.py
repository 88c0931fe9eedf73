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
        for name in ("list(", "list_", "mad(", "median(", "quantile", "arg_max("):
            assert name not in lowered, name


def test_cte_names_are_prefixed() -> None:
    """Every CTE the engine writes is called ew_… (shared SQL namespace)."""
    sql = w.alerts_sql(SCOPES[1], w.AlertParams())
    ctes = [e.alias for e in sqlglot.parse_one(sql, read="duckdb").find_all(sqlglot.exp.CTE)]
    assert ctes and all(name.startswith("ew_") for name in ctes)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3))),
        min_size=1,
        max_size=6,
    )
)
def test_median_without_lists_equals_statistics_median(values: list[float | None]) -> None:
    """The rank-based median of _median (NULLs ignored, ties included) equals
    statistics.median of the non-null values; NULL when all are NULL."""
    cols = [f"c{i}" for i in range(len(values))]
    ranks, median = w._median(cols, "m")
    select = ", ".join(
        f"CAST({'NULL' if v is None else repr(float(v))} AS DOUBLE) AS {c}"
        for v, c in zip(values, cols, strict=True)
    )
    sql = f"SELECT {median} FROM (SELECT *, {', '.join(ranks)} FROM (SELECT {select}))"
    got = duckdb.connect().execute(sql).fetchone()
    assert got is not None
    present = [v for v in values if v is not None]
    if not present:
        assert got[0] is None
    else:
        assert got[0] == pytest.approx(statistics.median(present), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("module", [ecosec.engine.warning, ecosec.api_warning])
def test_doctests(module: object) -> None:
    """The docstring examples run on the embedded sample."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
