"""The scenario SQL is portable: sqlglot transpiles it to Spark with nothing unsupported,
and, where pyspark is installed, Spark returns the same tables as DuckDB on the sample.

Floating-point sums may differ in the last bits with summation order, so values are
compared with a relative tolerance of 1e-9; codes, counts and labels must be equal.
"""

from __future__ import annotations

import importlib.util

import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from ecosec.api_scenario import SECTIONS, scenario
from ecosec.engine.scenario import Params, scenario_sql, supplier_years_sql
from tests.conftest import assert_same_tables

PARAMS = [
    Params(supplier="CHN", hs=("811292", "850511"), year=2024, cut=1.0, targets=None,
           redirect=0.25),
    Params(supplier="S19", hs=("811292",), year=2022, cut=0.5, targets=("KOR", "JPN"),
           redirect=0.1, partners=("USA", "JPN")),
]  # fmt: skip


@pytest.mark.parametrize("simple", [True, False])
@pytest.mark.parametrize("p", PARAMS)
def test_sql_transpiles_to_spark(p: Params, simple: bool) -> None:
    for sql in (
        scenario_sql(p, simple=simple),
        supplier_years_sql(supplier=p.supplier, targets=p.targets, hs=p.hs, simple=simple),
    ):
        out = sqlglot.transpile(
            sql, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE
        )
        assert len(out) == 1 and out[0].startswith("WITH")


@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="needs ecosec[spark]")
def test_duckdb_equals_spark_on_sample() -> None:
    kw = {
        "products": "811292,850511",
        "targets": "KOR,JPN",
        "partners": "MSP,JPN",
        "year": 2024,
        "sample": True,
    }
    duck = scenario("CHN", engine="duckdb", **kw)  # type: ignore[arg-type]
    spark = scenario("CHN", engine="spark", **kw)  # type: ignore[arg-type]
    for name in SECTIONS:
        assert_same_tables(duck.section(name), spark.section(name), label=name, nonempty=False)
    assert duck.notes == spark.notes
