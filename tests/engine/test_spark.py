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


def test_spark_master_typo_is_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """A master URL Spark cannot parse is refused before a JVM starts (it used to exit
    with 80 lines of Java and Python trace)."""
    from typer.testing import CliRunner

    from ecosec.cli import app

    monkeypatch.setenv("ECOSEC_SPARK_MASTER", "foo://bar")
    args = ["dependencies", "KOR", "--year", "2024", "--hs", "850511", "--engine", "spark"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "ECOSEC_SPARK_MASTER is 'foo://bar'; give local[N], spark://host:port" in r.output
    assert "Traceback" not in r.output


def test_unreachable_spark_master_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark retries an unreachable standalone master for about a minute and then ends
    with a stopped-context trace; ecosec checks the port first (loopback here: a port
    just closed, so nothing listens)."""
    import socket
    import time

    from ecosec.errors import EngineError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ECOSEC_SPARK_MASTER", f"spark://127.0.0.1:{port}")
    t = time.perf_counter()
    with pytest.raises(
        EngineError, match=rf"cannot reach the Spark master spark://127.0.0.1:{port}"
    ):
        ecosec.dependencies("KOR", year=2024, hs="850511", sample=True, engine="spark")
    assert time.perf_counter() - t < 10


def test_spark_failure_is_one_line() -> None:
    """A query Spark refuses (here a column that does not exist) is an EngineError with
    Spark's reason, not a py4j/Java trace."""
    from ecosec.engine.executor import sample_catalog
    from ecosec.engine.spark import run_spark
    from ecosec.errors import EngineError

    with pytest.raises(EngineError) as info:
        run_spark(sample_catalog(), "SELECT no_such_column FROM flows")
    msg = str(info.value)
    assert msg.startswith("Spark failed (master local[2]): ") and "no_such_column" in msg
    assert "\n" not in msg and "at org.apache" not in msg
