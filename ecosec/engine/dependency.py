"""Import dependency, chokepoints, RCA and "on whom": the SQL of the core indicators.

Formulas (DESIGN.md; notation ``M[c,s,k]`` imports of c from supplier s of product k):

- supplier share ``M[c,s,k]/M[c,k]``; top supplier, its share, top-3 share;
- import concentration ``hhi_imports = Σ_s share²`` (World Bank WITS definition);
- world export concentration ``hhi_world = Σ_e (X[e,k]/W[k])²``;
- substitutability ``import_export_ratio = M[c,k]/X[c,k]``; with no exports the ratio
  is the sentinel :data:`NO_EXPORTS_RATIO` (so the criterion ``> 1`` holds);
- dependency, CEPII GeoDep rule (Lefebvre & Wibaux 2024): ``hhi_imports > 0.4`` and
  ``hhi_world > 0.4`` and ratio ``> 1``, holding in at least 2 of 3 consecutive years
  where the data have all three years for the product;
- EU Commission variant (SWD(2021) 352): ``hhi_imports > 0.4`` and the share of
  imports from outside the bloc in all its imports ``> 0.5`` and ratio ``> 1``;
- RCA (Balassa 1965): ``(X[c,k]/X[c]) / (X[w,k]/X[w])`` over the products in the data.

A country group is treated as one importer: its imports from outside the group, its
exports to outside it. Every function returns one SQL string in DuckDB's dialect with
two ecosec aggregates that each executor expands for its engine (see
:func:`ecosec.engine.trade.expand_aggregates`): ``TOP_BY(code, value)``, the code with
the largest value (ties: the smallest code), and ``TOP3_SUM(value)``, the sum of the
three largest values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecosec.engine.trade import hs_list, sql_list, trade_sql, year_list

NO_EXPORTS_RATIO = 1e9
"""``import_export_ratio`` when the importer exports none of the product."""


@dataclass(frozen=True)
class Thresholds:
    """Dependency criteria (defaults: CEPII GeoDep; ``share`` is the EU variant's)."""

    hhi_imports: float = 0.4
    hhi_world: float = 0.4
    ratio: float = 1.0
    extra_share: float = 0.5


@dataclass(frozen=True)
class Importer:
    """Who imports: one country, a group treated as one (``members``), or all countries."""

    label: str | None  # None: every country separately
    members: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.label is not None and (len(self.members) > 1 or self.label != self.members[0])


def _importer_parts(imp: Importer) -> tuple[str, str, str]:
    """(label expression, filter on flows into the importer, exports-of-importer SQL)."""
    if imp.label is None and not imp.members:
        return "importer", "TRUE", "SELECT year, exporter AS importer, hs6, x FROM xp"
    members = sql_list(imp.members)
    if imp.label is None or not imp.is_group:
        return (
            "importer",
            f"importer IN {members}",
            f"SELECT year, exporter AS importer, hs6, x FROM xp WHERE exporter IN {members}",
        )
    label = imp.label.replace("'", "")
    return (
        f"'{label}'",
        f"importer IN {members} AND exporter NOT IN {members}",
        f"""SELECT year, '{label}' AS importer, hs6, SUM(value_usd) AS x FROM trade
            WHERE exporter IN {members} AND importer NOT IN {members}
            GROUP BY year, hs6""",
    )


def dependency_sql(
    importer: Importer,
    *,
    hs: Sequence[str] | None,
    years: Sequence[int],
    method: str,
    t: Thresholds,
    simple: bool,
    years_in_data: Sequence[int] | None = None,
    on_whom: bool = False,
) -> str:
    """Per (importer, hs6, year) in ``years``: the dependency table with every criterion.

    The query reads the two years before each requested year too, for the persistence
    rule. ``years_in_data`` (the years the loaded data hold) lets the query skip the
    rule's joins when no requested year has an earlier year within two years.
    ``on_whom`` turns it into the "on whom" table (see :func:`supplier_sql`).
    """
    window = sorted({y - d for y in years for d in (0, 1, 2)})
    label, into, own_exports = _importer_parts(importer)
    if simple and not importer.is_group:
        # One row per (year, exporter, importer, hs6) already: no re-aggregation.
        imp_sql = f"""SELECT year, importer, exporter, hs6, value_usd AS v
                      FROM trade WHERE {into} AND value_usd > 0"""
        reported_by = "'reconciled'"  # simple: every flow is reconciled
    else:
        imp_sql = f"""SELECT year, {label} AS importer, exporter, hs6, SUM(value_usd) AS v,
                             MIN(reported_by) AS rb_min, MAX(reported_by) AS rb_max
                      FROM trade WHERE {into}
                      GROUP BY year, {label}, exporter, hs6
                      HAVING SUM(value_usd) > 0"""
        reported_by = "CASE WHEN MIN(rb_min) = MAX(rb_max) THEN MIN(rb_min) ELSE 'mixed' END"
    intra = ""
    extra_share = "CAST(1.0 AS DOUBLE)"
    if importer.is_group:
        members = sql_list(importer.members)
        intra = f""",
    intra AS (
      SELECT year, hs6, SUM(value_usd) AS v FROM trade
      WHERE importer IN {members} AND exporter IN {members}
      GROUP BY year, hs6
    )"""
        extra_share = "a.imports_usd / (a.imports_usd + COALESCE(i.v, 0))"
    if method == "eu":
        criteria = (
            f"hhi_imports > {t.hhi_imports} AND extra_share > {t.extra_share} "
            f"AND import_export_ratio > {t.ratio}"
        )
    else:
        criteria = (
            f"hhi_imports > {t.hhi_imports} AND hhi_world > {t.hhi_world} "
            f"AND import_export_ratio > {t.ratio}"
        )
    present = set(years_in_data) if years_in_data is not None else None
    if present is not None and not any(y - d in present for y in years for d in (1, 2)):
        # Only the requested years exist: each row's window holds its own year alone.
        persistence = ""
        final = f"""
    SELECT importer, hs6, year, imports_usd, n_suppliers, top_supplier, top_share,
           top3_share, hhi_imports, hhi_world, exports_usd, import_export_ratio,
           extra_share, met = 1 AS criteria_met, met AS years_met,
           FALSE AS persistence_applied, met = 1 AS dependent, reported_by
    FROM flagged
    WHERE year IN {year_list(years)}"""
        order = "ORDER BY year, importer, imports_usd DESC, hs6"
    else:
        persistence = """,
    span AS (
      SELECT f.importer, f.hs6, f.year,
             CAST(SUM(CASE WHEN g.year IS NOT NULL AND g.met = 1 THEN 1 ELSE 0 END) AS INTEGER)
               AS years_met
      FROM flagged AS f
      LEFT JOIN flagged AS g
        ON g.importer = f.importer AND g.hs6 = f.hs6
       AND g.year BETWEEN f.year - 2 AND f.year
      GROUP BY f.importer, f.hs6, f.year
    ),
    covered AS (
      SELECT w1.hs6, w1.year, COUNT(*) AS years_in_data
      FROM world AS w1 JOIN world AS w2
        ON w2.hs6 = w1.hs6 AND w2.year BETWEEN w1.year - 2 AND w1.year
      GROUP BY w1.hs6, w1.year
    )"""
        final = f"""
    SELECT f.importer, f.hs6, f.year, f.imports_usd, f.n_suppliers, f.top_supplier,
           f.top_share, f.top3_share, f.hhi_imports, f.hhi_world, f.exports_usd,
           f.import_export_ratio, f.extra_share,
           f.met = 1 AS criteria_met,
           s.years_met,
           c.years_in_data = 3 AS persistence_applied,
           CASE WHEN c.years_in_data = 3 THEN s.years_met >= 2 ELSE f.met = 1 END AS dependent,
           f.reported_by
    FROM flagged AS f
    JOIN span AS s ON s.importer = f.importer AND s.hs6 = f.hs6 AND s.year = f.year
    JOIN covered AS c ON c.hs6 = f.hs6 AND c.year = f.year
    WHERE f.year IN {year_list(years)}"""
        order = "ORDER BY f.year, f.importer, f.imports_usd DESC, f.hs6"
    if on_whom:
        final = supplier_sql(final)
        order = ""
    # Simple flows are cheaper to scan twice than to hold in memory for the two readers;
    # the reconciled relation is worth computing once.
    scan = "NOT MATERIALIZED" if simple else "MATERIALIZED"
    return f"""
    WITH trade AS {scan} ({trade_sql(hs=hs, years=window, simple=simple)}),
    xp AS (
      SELECT year, exporter, hs6, SUM(value_usd) AS x FROM trade GROUP BY year, exporter, hs6
    ),
    world AS (
      SELECT year, hs6, SUM(x) AS w, SUM(x * x) / (SUM(x) * SUM(x)) AS hhi_world
      FROM xp WHERE x > 0 GROUP BY year, hs6
    ),
    imp AS ({imp_sql}),
    agg AS (
      SELECT year, importer, hs6,
             SUM(v) AS imports_usd,
             COUNT(*) AS n_suppliers,
             TOP_BY(exporter, v) AS top_supplier,
             MAX(v) / SUM(v) AS top_share,
             TOP3_SUM(v) / SUM(v) AS top3_share,
             SUM(v * v) / (SUM(v) * SUM(v)) AS hhi_imports,
             {reported_by} AS reported_by
      FROM imp GROUP BY year, importer, hs6
    ),
    own AS ({own_exports}){intra},
    base AS (
      SELECT a.importer, a.hs6, a.year, a.imports_usd, a.n_suppliers, a.top_supplier,
             a.top_share, a.top3_share, a.hhi_imports, w.hhi_world,
             COALESCE(o.x, 0) AS exports_usd,
             CASE WHEN COALESCE(o.x, 0) > 0 THEN a.imports_usd / o.x
                  ELSE {NO_EXPORTS_RATIO} END AS import_export_ratio,
             {extra_share} AS extra_share,
             a.reported_by
      FROM agg AS a
      JOIN world AS w ON w.year = a.year AND w.hs6 = a.hs6
      LEFT JOIN own AS o ON o.year = a.year AND o.importer = a.importer AND o.hs6 = a.hs6
      {"LEFT JOIN intra AS i ON i.year = a.year AND i.hs6 = a.hs6" if intra else ""}
    ),
    flagged AS (
      SELECT *, CASE WHEN {criteria} THEN 1 ELSE 0 END AS met FROM base
    ){persistence}
    {final}
    {order}
    """


def chokepoint_sql(*, hs: Sequence[str] | None, years: Sequence[int], simple: bool) -> str:
    """Per (hs6, year): world exports, the three largest exporters and shares, world HHI."""
    return f"""
    WITH trade AS ({trade_sql(hs=hs, years=years, simple=simple)}),
    xp AS (
      SELECT year, exporter, hs6, SUM(value_usd) AS x FROM trade
      GROUP BY year, exporter, hs6 HAVING SUM(value_usd) > 0
    ),
    ranked AS (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY year, hs6 ORDER BY x DESC, exporter) AS rk
      FROM xp
    )
    SELECT hs6, year,
           SUM(x) AS world_exports_usd,
           COUNT(*) AS n_exporters,
           MAX(CASE WHEN rk = 1 THEN exporter END) AS top_exporter,
           MAX(CASE WHEN rk = 1 THEN x END) / SUM(x) AS top_share,
           MAX(CASE WHEN rk = 2 THEN exporter END) AS second_exporter,
           MAX(CASE WHEN rk = 2 THEN x END) / SUM(x) AS second_share,
           MAX(CASE WHEN rk = 3 THEN exporter END) AS third_exporter,
           MAX(CASE WHEN rk = 3 THEN x END) / SUM(x) AS third_share,
           SUM(CASE WHEN rk <= 3 THEN x ELSE 0 END) / SUM(x) AS top3_share,
           SUM(x * x) / (SUM(x) * SUM(x)) AS hhi_world
    FROM ranked
    GROUP BY hs6, year
    ORDER BY year, hhi_world DESC, hs6
    """


def rca_sql(
    *, exporters: Sequence[str] | None, hs: Sequence[str] | None, years: Sequence[int], simple: bool
) -> str:
    """Per (exporter, hs6, year): exports and Balassa RCA over all products in the data."""
    who = f"WHERE x.exporter IN {sql_list(exporters)}" if exporters else ""
    what = f"AND x.hs6 IN {hs_list(hs)}" if hs else ""
    if not who and what:
        what = "WHERE " + what[4:]
    return f"""
    WITH trade AS ({trade_sql(hs=None, years=years, simple=simple)}),
    xp AS (SELECT year, exporter, hs6, SUM(value_usd) AS x FROM trade GROUP BY year, exporter, hs6),
    xc AS (SELECT year, exporter, SUM(x) AS xc FROM xp GROUP BY year, exporter),
    xk AS (SELECT year, hs6, SUM(x) AS xk FROM xp GROUP BY year, hs6),
    xw AS (SELECT year, SUM(x) AS xw FROM xp GROUP BY year)
    SELECT x.exporter, x.hs6, x.year, x.x AS exports_usd,
           x.x / x.xc_ AS share_of_exporter, k.xk / w.xw AS share_of_world,
           (x.x / x.xc_) / (k.xk / w.xw) AS rca
    FROM (SELECT xp.*, xc.xc AS xc_ FROM xp JOIN xc USING (year, exporter)) AS x
    JOIN xk AS k ON k.year = x.year AND k.hs6 = x.hs6
    JOIN xw AS w ON w.year = x.year
    {who} {what}
    ORDER BY x.year, x.exporter, rca DESC, x.hs6
    """


def supplier_sql(dependencies: str) -> str:
    """Per (importer, supplier): how many of the importer's dependencies it supplies and
    holds (is the top supplier of), the value of those imports ("on whom"), and the
    codes of the dependencies it holds (``held_hs6``, comma-separated, "" for none).

    ``dependencies`` is the dependency table's final SELECT; this query continues the
    same chain of CTEs (its ``imp``, the importer's imports per supplier), so the flows
    are read once — and no CTE name repeats, which Spark would refuse once sqlglot has
    moved nested CTEs to the top.
    """
    return f""",
    dep AS ({dependencies}),
    dep_total AS (
      SELECT importer, year, SUM(imports_usd) AS total FROM dep WHERE dependent
      GROUP BY importer, year
    )
    SELECT d.importer, m.exporter, d.year,
           COUNT(*) AS dependencies_supplied,
           CAST(SUM(CASE WHEN d.top_supplier = m.exporter THEN 1 ELSE 0 END) AS INTEGER)
             AS dependencies_held,
           SUM(m.v) AS imports_usd,
           SUM(m.v) / MAX(t.total) AS share_of_dependent_imports,
           COALESCE(ARRAY_TO_STRING(LIST_SORT(
             LIST(d.hs6) FILTER (WHERE d.top_supplier = m.exporter)), ','), '') AS held_hs6
    FROM dep AS d
    JOIN imp AS m ON m.year = d.year AND m.importer = d.importer AND m.hs6 = d.hs6
    JOIN dep_total AS t ON t.importer = d.importer AND t.year = d.year
    WHERE d.dependent
    GROUP BY d.importer, m.exporter, d.year
    ORDER BY d.year, d.importer, dependencies_held DESC, imports_usd DESC, m.exporter
    """


def supplier_share_sql(
    importer: Importer, *, hs: Sequence[str] | None, years: Sequence[int] | None, simple: bool
) -> str:
    """Per (importer, hs6, year, supplier): imports and the supplier's share of them
    (``years`` None: every year in the data)."""
    label, into, _ = _importer_parts(importer)
    return f"""
    WITH trade AS ({trade_sql(hs=hs, years=years, simple=simple)}),
    ss_imp AS (
      SELECT year, {label} AS importer, exporter, hs6, SUM(value_usd) AS imports_usd
      FROM trade WHERE {into}
      GROUP BY year, {label}, exporter, hs6 HAVING SUM(value_usd) > 0
    )
    SELECT importer, hs6, year, exporter, imports_usd,
           imports_usd / SUM(imports_usd) OVER (PARTITION BY year, importer, hs6) AS share
    FROM ss_imp
    ORDER BY year, importer, hs6, imports_usd DESC, exporter
    """
