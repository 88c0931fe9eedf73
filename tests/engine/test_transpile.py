"""Every shape of the dependency queries transpiles to Spark SQL that Spark accepts.

No Spark needed: sqlglot moves nested CTEs to the top for Spark, so a CTE name used at
two levels would be defined twice (Spark refuses that); :func:`to_spark_sql` checks.
"""

from __future__ import annotations

import pytest

from ecosec.engine import dependency as dep
from ecosec.engine.spark import to_spark_sql

IMPORTERS = [
    dep.Importer(None),
    dep.Importer("KOR", ("KOR",)),
    dep.Importer("EU27", ("DEU", "FRA", "ITA")),
]


@pytest.mark.parametrize("importer", IMPORTERS, ids=["all", "country", "group"])
@pytest.mark.parametrize("simple", [True, False], ids=["simple", "reconciled"])
@pytest.mark.parametrize("on_whom", [False, True], ids=["table", "on-whom"])
@pytest.mark.parametrize("in_data", [[2024], [2022, 2023, 2024]], ids=["1y", "3y"])
def test_dependency_sql_transpiles(
    importer: dep.Importer, simple: bool, on_whom: bool, in_data: list[int]
) -> None:
    sql = dep.dependency_sql(
        importer,
        hs=["850511"],
        years=[2024],
        method="geodep",
        t=dep.Thresholds(),
        simple=simple,
        years_in_data=in_data,
        on_whom=on_whom,
    )
    spark = to_spark_sql(sql)
    assert "MATERIALIZED" not in spark.upper()
    assert ("dependencies_held" in spark) is on_whom


def test_duplicate_cte_is_refused() -> None:
    nested = "WITH a AS (WITH t AS (SELECT 1 AS x) SELECT x FROM t), t AS (SELECT 2 AS x) "
    with pytest.raises(ValueError, match="CTE t twice"):
        to_spark_sql(nested + "SELECT * FROM a, t")


def test_spark_conf_setting() -> None:
    import doctest

    from ecosec.engine import spark
    from ecosec.errors import BadInput

    assert doctest.testmod(spark, optionflags=doctest.ELLIPSIS).failed == 0
    assert spark.spark_conf(None) == ()
    for bad in ("executor.memory=8g", "spark.executor.memory", "spark.x="):
        with pytest.raises(BadInput, match="key=value"):
            spark.spark_conf(bad)
