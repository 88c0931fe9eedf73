"""The reconciled annual bilateral trade relation every indicator starts from.

Sources overlap: BACI gives reconciled flows (``reporter_side = 'R'``), Comtrade files
give each reporter's declaration (``'M'`` importer, ``'X'`` exporter), customs tables
are monthly. For each (year, exporter, importer, hs6) one figure is kept, in this
order of preference (the mirror-data rule of DESIGN.md and issue 3):

1. an annual figure before a sum of months (months count only for a reporter, source
   and year with all 12 months present, so a partial year never passes for a year);
2. the reconciled figure (``R``), else the importer's report (``M``), else the
   exporter's (``X``) — the column ``reported_by`` says which;
3. then by source name, so the choice is deterministic.

All SQL here is DuckDB's dialect, also run on Spark after sqlglot transpiles it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecosec.errors import BadInput

_CODE = re.compile(r"^[A-Z0-9]{3}$")
_HS6 = re.compile(r"^[0-9]{6}$")


def sql_list(values: Sequence[str], pattern: re.Pattern[str] = _CODE) -> str:
    """A SQL list literal of validated codes (never raw user text: codes are checked)."""
    for v in values:
        if not pattern.match(v):
            raise BadInput(f"{v!r} is not a valid code here")  # validated upstream; defensive
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def hs_list(values: Sequence[str]) -> str:
    return sql_list(values, _HS6)


def year_list(years: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(y)) for y in years) + ")"


def trade_sql(*, hs: Sequence[str] | None, years: Sequence[int] | None, simple: bool) -> str:
    """SELECT year, exporter, importer, hs6, value_usd, qty_t, reported_by, source.

    ``simple`` (every flow annual and reconciled, as after a BACI ingest) skips the
    reconciliation, which then has nothing to choose between.
    """
    hs_filter = f"AND hs6 IN {hs_list(hs)}" if hs else ""
    year_filter_a = f"AND period IN {year_list(years)}" if years else ""
    year_filter_m = f"AND CAST(period / 100 AS INTEGER) IN {year_list(years)}" if years else ""
    if simple:
        return f"""
        SELECT period AS year, exporter, importer, hs6, value_usd, qty_t,
               'reconciled' AS reported_by, source
        FROM flows
        WHERE freq = 'A' AND exporter <> importer {hs_filter} {year_filter_a}
        """
    return f"""
    WITH t_months AS ({months_sql(year_filter_m)}),
    t_complete AS ({complete_years_sql("t_months")}),
    t_monthly AS (
      SELECT * FROM t_months WHERE TRUE {hs_filter}
    ),
    t_candidates AS (
      SELECT period AS year, exporter, importer, hs6, value_usd, qty_t, reporter_side, source,
             0 AS freq_rank
      FROM flows
      WHERE freq = 'A' AND exporter <> importer {hs_filter} {year_filter_a}
      UNION ALL
      SELECT m.year, m.exporter, m.importer, m.hs6, SUM(m.value_usd), SUM(m.qty_t),
             m.reporter_side, m.source, 1 AS freq_rank
      FROM t_monthly AS m
      JOIN t_complete AS c
        ON c.year = m.year AND c.reporter = m.reporter AND c.source = m.source
       AND c.reporter_side = m.reporter_side
      GROUP BY m.year, m.exporter, m.importer, m.hs6, m.reporter_side, m.source
    ),
    t_ranked AS (
      SELECT *,
             ROW_NUMBER() OVER (
               PARTITION BY year, exporter, importer, hs6
               ORDER BY freq_rank,
                        CASE reporter_side WHEN 'R' THEN 0 WHEN 'M' THEN 1 ELSE 2 END,
                        source, value_usd DESC
             ) AS pick
      FROM t_candidates
    )
    SELECT year, exporter, importer, hs6, value_usd, qty_t,
           CASE reporter_side WHEN 'R' THEN 'reconciled' WHEN 'M' THEN 'importer'
                ELSE 'exporter' END AS reported_by,
           source
    FROM t_ranked
    WHERE pick = 1
    """


def months_sql(year_filter: str = "") -> str:
    """Monthly flows with their ``year`` and ``reporter`` (the declaring country)."""
    return f"""
      SELECT CAST(FLOOR(period / 100) AS INTEGER) AS year, period, exporter, importer, hs6,
             value_usd, qty_t, reporter_side, source,
             CASE WHEN reporter_side = 'X' THEN exporter ELSE importer END AS reporter
      FROM flows
      WHERE freq = 'M' AND exporter <> importer {year_filter}"""


def complete_years_sql(months: str) -> str:
    """(year, reporter, source, reporter_side) whose monthly flows cover all 12 months.

    ``months`` is a relation of :func:`months_sql` over every product: a reporter's year
    is complete when its flows of any product cover each month, decided before any
    product filter (a product not traded in a month has no flow that month), so a year
    is complete or not whatever the products asked.
    """
    return f"""
      SELECT year, reporter, source, reporter_side
      FROM {months}
      GROUP BY year, reporter, source, reporter_side
      HAVING COUNT(DISTINCT period) = 12"""


_TOP_BY = re.compile(r"TOP_BY\(\s*([\w.]+)\s*,\s*([\w.]+)\s*\)", re.IGNORECASE)
_TOP3 = re.compile(r"TOP3_SUM\(\s*([\w.]+)\s*\)", re.IGNORECASE)


def expand_aggregates(sql: str, dialect: str) -> str:
    """Expand ecosec's two aggregates for an engine.

    ``TOP_BY(code, value)``: the code with the largest value, the smallest code on a
    tie (deterministic, so DuckDB and Spark agree). ``TOP3_SUM(value)``: the sum of
    the three largest values. As aggregates they avoid a window over every flow,
    which costs about twice as much on a full BACI year.
    """
    if dialect == "duckdb":
        sql = _TOP_BY.sub(r"ARG_MIN(\1, (-(\2), \1))", sql)
        return _TOP3.sub(r"LIST_SUM(MAX(\1, 3))", sql)
    if dialect == "spark":
        sql = _TOP_BY.sub(r"MIN_BY(\1, STRUCT(-(\2), \1))", sql)
        return _TOP3.sub(
            r"AGGREGATE(SLICE(SORT_ARRAY(COLLECT_LIST(\1), FALSE), 1, 3), CAST(0 AS DOUBLE),"
            r" (acc, val) -> acc + val)",
            sql,
        )
    raise ValueError(dialect)
