"""Run the engine's DuckDB SQL on Spark: the same queries, transpiled by sqlglot.

Needs the ``ecosec[spark]`` extra and Java 17. The master URL is the ``spark-master``
setting (``ECOSEC_SPARK_MASTER``, default ``local[2]``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import socket
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlglot

from ecosec import settings
from ecosec.engine.executor import Catalog, to_pandas
from ecosec.engine.trade import expand_aggregates
from ecosec.errors import BadInput, EcosecError, EngineError, MissingExtra
from ecosec.ingest.schema import FLOWS_SCHEMA, TOTALS_SCHEMA


def to_spark_sql(sql: str) -> str:
    """DuckDB SQL → Spark SQL (sqlglot), ecosec's aggregates expanded for Spark."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    names: Counter[str] = Counter()
    for cte in tree.find_all(sqlglot.exp.CTE):
        cte.set("materialized", None)  # DuckDB's planner hint; Spark has no such syntax
        names[cte.alias] += 1
    # sqlglot moves nested CTEs to the top for Spark: a name used at two levels (here,
    # anywhere in the tree) would then be defined twice, which Spark refuses.
    twice = sorted(n for n, k in names.items() if k > 1)
    if twice:
        raise ValueError(f"engine query defines CTE {', '.join(twice)} twice for Spark")
    return expand_aggregates(tree.sql(dialect="spark"), "spark")


# Session-level SQL settings: set at start and again on each use, so that a change of
# the spark-conf setting between calls takes effect (a SparkSession outlives calls).
_SQL_DEFAULTS = (
    ("spark.sql.execution.arrow.pyspark.enabled", "true"),
    ("spark.sql.shuffle.partitions", "4"),
    ("spark.sql.session.timeZone", "UTC"),
    # The early-warning query has hundreds of aliases under several filters; the
    # optimizer's constraint propagation runs out of memory on it. Same results.
    ("spark.sql.constraintPropagation.enabled", "false"),
)


def session(master: str) -> Any:
    """The SparkSession for ``master``; a new one if the previous JVM has gone."""
    conf = spark_conf(settings.get("spark-conf"))
    spark = _session(master, conf)
    try:
        spark.sparkContext._jsc.sc().isStopped()
    except Exception:  # the JVM died (py4j raises several kinds): start afresh
        _session.cache_clear()
        spark = _session(master, conf)
    for key, value in dict(_SQL_DEFAULTS + conf).items():
        if key.startswith("spark.sql."):
            spark.conf.set(key, value)
    return spark


def spark_conf(text: str | None) -> tuple[tuple[str, str], ...]:
    """The ``spark-conf`` setting as (key, value) pairs.

    >>> spark_conf("spark.executor.memory=8g  spark.sql.shuffle.partitions=200")
    (('spark.executor.memory', '8g'), ('spark.sql.shuffle.partitions', '200'))
    """
    pairs = []
    for item in (text or "").split():
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("spark.") or not value:
            raise BadInput(
                f"ECOSEC_SPARK_CONF item {item!r} is not key=value with a "
                "spark.* key; write e.g. 'spark.executor.memory=8g spark.executor.cores=4'"
            )
        pairs.append((key, value))
    return tuple(pairs)


@functools.lru_cache(maxsize=2)
def _session(master: str, conf: tuple[tuple[str, str], ...] = ()) -> Any:
    # PySpark 4 warns on pandas 3 when it starts; ecosec's tests compare its results
    # with DuckDB's on every table, so the warning tells a user nothing. A process-wide
    # filter (catch_warnings would not be safe in the web app's worker threads).
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingExtra(
            "the Spark engine needs pyspark: pip install 'ecosec[spark]' (and Java 17)"
        ) from exc
    builder = (
        SparkSession.builder.master(master)
        .appName("ecosec")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The engine's plans inline every CTE; the 1 GB default driver heap runs out on
        # a whole-basket scenario (the JVM dies mid-query). Set at JVM launch.
        .config("spark.driver.memory", settings.get("spark-driver-memory") or "3g")
    )
    for key, value in _SQL_DEFAULTS + conf:
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # Spark's WARN lines (native libraries, hostname) are noise in a command's output,
    # and a failed query becomes one ecosec message (run_spark), so PySpark's own JSON
    # log of it (with the Java stack) is dropped too. Errors of the JVM still print.
    spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark


def run_spark(catalog: Catalog, sql: str) -> pd.DataFrame:
    """The query's result on Spark; a failure to start, connect or run is one
    :class:`EngineError` naming Spark's reason (not a Java trace)."""
    master = settings.get("spark-master") or "local[2]"
    check_reachable(master)
    try:
        return _run(catalog, sql, master)
    except EcosecError:
        raise
    except Exception as exc:
        if not _is_spark_error(exc):
            raise
        raise EngineError(
            f"Spark failed (master {master}): {_reason(exc)}; check ECOSEC_SPARK_MASTER, "
            "that Java 17 is installed, and ECOSEC_SPARK_DRIVER_MEMORY / ECOSEC_SPARK_CONF, "
            "or run without --engine spark (DuckDB)"
        ) from exc


def check_reachable(master: str, timeout: float = 5.0) -> None:
    """For a ``spark://`` master, refuse at once when none of its hosts accepts a
    connection: Spark itself retries for about a minute before it gives up."""
    if not master.startswith("spark://"):
        return
    reasons = []
    for hostport in master[len("spark://") :].split(","):
        host, _, port = hostport.strip().rpartition(":")
        if not host or not port.isdigit():
            raise BadInput(
                f"ECOSEC_SPARK_MASTER {master!r}: {hostport!r} is not host:port; write "
                "e.g. spark://spark-master:7077"
            )
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return
        except OSError as exc:
            reasons.append(f"{hostport}: {exc.strerror or exc}")
    raise EngineError(
        f"cannot reach the Spark master {master} ({'; '.join(reasons)}); start it, check "
        "ECOSEC_SPARK_MASTER, or run without --engine spark (DuckDB)"
    )


def _is_spark_error(exc: BaseException) -> bool:
    """An error raised by PySpark or by the JVM behind it (py4j)."""
    kinds = [c.__module__.split(".")[0] for c in type(exc).__mro__]
    return "pyspark" in kinds or "py4j" in kinds


def _reason(exc: BaseException) -> str:
    """Spark's own reason in one line: the first line of the message, without the
    JVM's stack (py4j puts the Java exception after an 'An error occurred' line)."""
    text = str(exc).strip()
    java = getattr(exc, "java_exception", None)
    if java is not None:
        with contextlib.suppress(Exception):  # the JVM is gone: keep the Python message
            text = str(java.toString())
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = lines[0] if lines else type(exc).__name__
    line = re.sub(r"^(?:[\w$]+\.)+[\w$]+(?:Exception|Error): ", "", line)  # the Java class
    line = re.sub(r"^\[([A-Z_.]+)\]\s*", r"\1: ", line)
    return line[:300].rstrip(" ;.")


def _run(catalog: Catalog, sql: str, master: str) -> pd.DataFrame:
    spark = session(master)
    # The views read the same Parquet files as DuckDB's; per-dataset constants (kept in
    # the manifest, see ingest.schema.parquet_select) are added as literal columns.
    _register(
        spark,
        "flows",
        FLOWS_SCHEMA,
        [(d.flows_files, d.manifest.get("constants") or {}) for d in catalog.datasets],
    )
    _register(spark, "totals", TOTALS_SCHEMA, [(d.totals_files, {}) for d in catalog.datasets])
    # toArrow (PySpark 4) rather than toPandas, which warns and falls back on pandas 3.
    return to_pandas(spark.sql(to_spark_sql(sql)).toArrow())


_SPARK_TYPES = {"int32": "int", "string": "string", "double": "double"}


def _register(
    spark: Any, name: str, schema: pa.Schema, parts: list[tuple[list[Path], dict[str, str]]]
) -> None:
    from pyspark.sql import functions as F

    frames = []
    for files, constants in parts:
        if not files:
            continue
        df = spark.read.parquet(*[str(f) for f in files])
        cols = []
        for field in schema:
            typ = _SPARK_TYPES[str(field.type)]
            if field.name in constants:
                cols.append(F.lit(constants[field.name]).cast(typ).alias(field.name))
            else:
                cols.append(F.col(field.name).cast(typ).alias(field.name))
        frames.append(df.select(*cols))
    if frames:
        out = frames[0]
        for f in frames[1:]:
            out = out.unionByName(f)
    else:
        ddl = ", ".join(f"{f.name} {_SPARK_TYPES[str(f.type)]}" for f in schema)
        out = spark.createDataFrame([], ddl)
    out.createOrReplaceTempView(name)
