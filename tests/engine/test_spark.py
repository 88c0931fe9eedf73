"""The same SQL on Spark (sqlglot-transpiled) gives the same tables as DuckDB on the sample.

Floating-point sums may differ in the last bits with summation order, so values are
compared with a relative tolerance of 1e-9; codes, counts and flags must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import ecosec
from tests.conftest import assert_same_tables

pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark


def _same_on_both(fn: Callable[..., pd.DataFrame], *args: str, keys: list[str], **kw: Any) -> None:
    """``fn`` gives the same table on DuckDB and on Spark."""
    assert_same_tables(fn(*args, engine="duckdb", **kw), fn(*args, engine="spark", **kw), keys=keys)


def test_dependencies_duckdb_equals_spark() -> None:
    kw = {"year": 2024, "basket": "critical-minerals", "sample": True}
    for who in ("KOR", "EU27"):
        _same_on_both(ecosec.dependencies, who, keys=["importer", "hs6", "year"], **kw)


def test_chokepoints_duckdb_equals_spark() -> None:
    kw = {"year": 2022, "basket": "critical-minerals", "sample": True}
    _same_on_both(ecosec.chokepoints, keys=["hs6", "year"], **kw)


def test_suppliers_and_rca_duckdb_equals_spark() -> None:
    # "On whom" nests the dependency table; it once failed on Spark (a CTE defined twice
    # after sqlglot moved nested CTEs to the top).
    kw = {"year": 2024, "basket": "critical-minerals", "sample": True}
    _same_on_both(ecosec.suppliers, "KOR", keys=["importer", "exporter", "year"], **kw)
    _same_on_both(ecosec.rca, "KOR,JPN", keys=["exporter", "hs6", "year"], **kw)


def test_spark_conf_setting_reaches_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecosec.engine.spark import session

    monkeypatch.setenv("ECOSEC_SPARK_CONF", "spark.sql.shuffle.partitions=3")
    assert session("local[2]").conf.get("spark.sql.shuffle.partitions") == "3"
    monkeypatch.delenv("ECOSEC_SPARK_CONF")
    assert session("local[2]").conf.get("spark.sql.shuffle.partitions") == "4"
