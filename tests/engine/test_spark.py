"""The same SQL on Spark (sqlglot-transpiled) gives the same tables as DuckDB on the sample.

Floating-point sums may differ in the last bits with summation order, so values are
compared with a relative tolerance of 1e-9; codes, counts and flags must be equal.
"""

from __future__ import annotations

import pytest

import ecosec
from tests.conftest import assert_same_tables

pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark


def test_dependencies_duckdb_equals_spark() -> None:
    kw = {"year": 2024, "basket": "critical-minerals", "sample": True}
    assert_same_tables(
        ecosec.dependencies("KOR", engine="duckdb", **kw),
        ecosec.dependencies("KOR", engine="spark", **kw),
        keys=["importer", "hs6", "year"],
    )
    assert_same_tables(
        ecosec.dependencies("EU27", engine="duckdb", **kw),
        ecosec.dependencies("EU27", engine="spark", **kw),
        keys=["importer", "hs6", "year"],
    )


def test_chokepoints_duckdb_equals_spark() -> None:
    kw = {"year": 2022, "basket": "critical-minerals", "sample": True}
    assert_same_tables(
        ecosec.chokepoints(engine="duckdb", **kw),
        ecosec.chokepoints(engine="spark", **kw),
        keys=["hs6", "year"],
    )


def test_suppliers_and_rca_duckdb_equals_spark() -> None:
    # "On whom" nests the dependency table; it once failed on Spark (a CTE defined twice
    # after sqlglot moved nested CTEs to the top).
    kw = {"year": 2024, "basket": "critical-minerals", "sample": True}
    assert_same_tables(
        ecosec.suppliers("KOR", engine="duckdb", **kw),
        ecosec.suppliers("KOR", engine="spark", **kw),
        keys=["importer", "exporter", "year"],
    )
    assert_same_tables(
        ecosec.rca("KOR,JPN", engine="duckdb", **kw),
        ecosec.rca("KOR,JPN", engine="spark", **kw),
        keys=["exporter", "hs6", "year"],
    )


def test_spark_conf_setting_reaches_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecosec.engine.spark import session

    monkeypatch.setenv("ECOSEC_SPARK_CONF", "spark.sql.shuffle.partitions=3")
    assert session("local[2]").conf.get("spark.sql.shuffle.partitions") == "3"
    monkeypatch.delenv("ECOSEC_SPARK_CONF")
    assert session("local[2]").conf.get("spark.sql.shuffle.partitions") == "4"
