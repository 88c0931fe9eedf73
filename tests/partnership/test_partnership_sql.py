"""The partnership SQL transpiles to Spark (sqlglot), and Spark returns DuckDB's tables.

Transpilation is checked on every query, in both forms trade_sql produces (the simple
form for a BACI-only store, and the full reconciliation): sqlglot must parse the DuckDB
SQL and write Spark SQL whose flattened CTE names are unique (a repeated name would be
an error on Spark) and where ecosec's own aggregates are expanded. The Spark run
compares whole tables on the sample, values with a relative tolerance of 1e-9 (sums in
another order), text exactly.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlglot
from sqlglot import exp

from ecosec.engine import complementarity as c
from ecosec.engine import partnership as pt
from ecosec.engine import partnership_totals as p4
from ecosec.engine.spark import to_spark_sql
from tests.conftest import assert_same_tables

P = pt.PartnershipParams()
DEPS = [
    pt.Dependency("KOR", "850511", "CHN", 0.78, 0.41, 8.6, 3.9),
    pt.Dependency("KOR", "720293", "BRA", 0.86, 0.59, 66.5),
    pt.Dependency("JPN", "720293", "BRA", 0.95, 0.59, 957.2),
]


def _queries(simple: bool) -> dict[str, str]:
    scopes = {"semiconductors": ["854232", "281111"], "energy": ["271111"]}
    return {
        "profile": c.profile_sql(
            "KOR", "JPN", year=2024, fallback=[(2017, "271111")], simple=simple
        ),
        "overview": c.overview_sql(
            "KOR", "JPN", year=2024, scopes=scopes, include_all=True, simple=simple
        ),
        "profile4": c.profile4_sql("KOR", "JPN", year=2024),
        "overview4": c.overview4_sql(
            "KOR", "JPN", year=2024, scopes={"x": ["8542"]}, include_all=True
        ),
        "derisking": pt.derisking_sql("KOR", "JPN", year=2024, deps=DEPS, simple=simple),
        "shared": pt.shared_sql("KOR", "JPN", year=2024, deps=DEPS, simple=simple),
        "third": pt.third_markets_sql(
            "KOR", "JPN", year=2024, prev_year=2022, joint=["740311"], simple=simple, p=P
        ),
        "derisking4": p4.derisking4_sql("KOR", "JPN", year=2024, p=P),
        "shared4": p4.shared4_sql("KOR", "JPN", year=2024, p=P),
        "third4": p4.third_markets4_sql("KOR", "JPN", year=2024, prev_year=2022, p=P),
        "coverage": pt.coverage_sql("KOR", "JPN"),
        "world_years": pt.world_years_sql("KOR", "JPN", before=2024, min_third_flows=10),
    }


@pytest.mark.parametrize("simple", [True, False], ids=["simple", "reconciled"])
@pytest.mark.parametrize("name", list(_queries(True)))
def test_transpiles_to_spark(name: str, simple: bool) -> None:
    spark = to_spark_sql(_queries(simple)[name])
    tree = sqlglot.parse_one(spark, read="spark")
    names = Counter(cte.alias for cte in tree.find_all(exp.CTE))
    assert not [n for n, k in names.items() if k > 1], names
    assert "TOP_BY" not in spark.upper() and "TOP3_SUM" not in spark.upper()


@pytest.mark.spark
def test_duckdb_equals_spark_on_the_sample() -> None:
    pytest.importorskip("pyspark")
    from ecosec.engine.executor import is_simple, run, sample_catalog

    cat = sample_catalog()
    simple = is_simple(cat)
    queries = {
        "profile": c.profile_sql(
            "KOR", "JPN", year=2024, fallback=[(2017, "271111")], simple=simple
        ),
        "derisking": pt.derisking_sql("KOR", "JPN", year=2024, deps=DEPS, simple=simple),
        "shared": pt.shared_sql("KOR", "JPN", year=2024, deps=DEPS, simple=simple),
        "third": pt.third_markets_sql(
            "KOR", "JPN", year=2024, prev_year=2022, joint=["740311", "711021"], simple=simple, p=P
        ),
        "third4": p4.third_markets4_sql("KOR", "JPN", year=2024, prev_year=2022, p=P),
    }
    for name, sql in queries.items():
        a, b = run(cat, sql, engine="duckdb"), run(cat, sql, engine="spark")
        assert_same_tables(a, b, label=name)
