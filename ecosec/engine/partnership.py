"""What two partners can do for each other: the SQL of sections 2–4 of a partnership.

Notation as in :mod:`ecosec.engine.dependency`: ``M[c,s,k]`` imports of c from
supplier s of product k, ``X[e,k]`` exports of e, ``X[e→c,k]`` e's exports to c.

- **Mutual de-risking** (partner substitution, DESIGN.md): for each dependency of a
  (CEPII GeoDep rule, from :func:`ecosec.engine.dependency.dependency_sql`) whose top
  supplier S is not b: b's exports of k to the world and to a, b's Balassa RCA in k,
  b's *spare* exports ``X[b,k] − X[b→a,k]`` (what b sells to others and could
  redirect without cutting what a already gets), and the value a could cover,
  ``coverable = min(spare, M[a,S,k])`` with ``coverage_share = coverable / M[a,S,k]``.
  The same for b. Ranked by value covered.
- **Shared vulnerabilities**: products where a and b are both dependent with the same
  top supplier S (neither of them); their combined imports from S; the alternative
  exporters (not a, b or S) with their spare exports ``X[e,k] − X[e→a,k] − X[e→b,k]``
  (the three largest, and all together as a share of the pair's imports from S).
- **Third markets**: the products where a and b together have comparative advantage
  (joint Balassa RCA ``((X[a,k] + X[b,k]) / (X[a] + X[b])) / (W[k] / W) ≥ 1``); per
  importer c (not a or b): its imports of those products, their growth per year since
  the previous year in the data (over the products with world data in both years),
  the pair's share ``(X[a→c] + X[b→c]) / M[c]`` and the opening
  ``opportunity = M[c] − X[a→c] − X[b→c]``. Markets are kept when the pair's share is
  below ``max_pair_share`` and imports did not fall; ranked by opportunity.

The HS4 versions, from country totals and top-10 partner lists, are in
:mod:`ecosec.engine.partnership_totals`.

World figures need the world-coverage rule of :mod:`ecosec.engine.complementarity`.
SQL in DuckDB's dialect, CTEs prefixed ``pt_``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ecosec.engine.complementarity import _q
from ecosec.engine.trade import hs_list, sql_list, trade_sql, year_list
from ecosec.ingest.schema import sql_str


@dataclass(frozen=True)
class PartnershipParams:
    """Thresholds of the partnership analysis (every one a documented parameter).

    Attributes
    ----------
    rca
        Comparative advantage: Balassa RCA at or above this (Balassa 1965: 1).
    min_third_flows
        World figures for a product-year only when the data hold at least this many
        flows between third countries (see :mod:`ecosec.engine.complementarity`).
    hs4_top_share
        HS4 screen for a concentrated supply: the top listed origin's share of imports.
    joint_buyer_share
        Joint buyer weight: the pair's combined share of world imports at or above this.
    max_pair_share
        Third markets: the pair's current share of the market's imports below this.
    top_markets
        Third markets: how many importers to list.
    agenda_per_kind
        Cooperation agenda: at most this many projects of each kind.
    """

    rca: float = 1.0
    min_third_flows: int = 10
    hs4_top_share: float = 0.25
    joint_buyer_share: float = 0.10
    max_pair_share: float = 0.25
    top_markets: int = 20
    agenda_per_kind: int = 5


@dataclass(frozen=True)
class Dependency:
    """One flagged dependency, as the dependency engine found it (passed to the SQL),
    with the partner's Balassa RCA in the product (from
    :func:`ecosec.engine.complementarity.profile_sql`; NaN without world data)."""

    importer: str
    hs6: str
    top_supplier: str
    hhi_imports: float
    hhi_world: float
    import_export_ratio: float
    partner_rca: float = float("nan")


def _num(x: float) -> str:
    return "CAST(NULL AS DOUBLE)" if x is None or math.isnan(x) else repr(float(x))


def dependencies_sql(deps: Sequence[Dependency]) -> str:
    """The dependencies as a ``VALUES`` relation (importer, hs6, top_supplier, criteria,
    partner_rca)."""
    cols = "importer, hs6, top_supplier, hhi_imports, hhi_world, import_export_ratio, partner_rca"
    if not deps:
        return (
            "SELECT 'none' AS importer, 'none' AS hs6, 'none' AS top_supplier, "
            "CAST(0 AS DOUBLE) AS hhi_imports, CAST(0 AS DOUBLE) AS hhi_world, "
            "CAST(0 AS DOUBLE) AS import_export_ratio, CAST(0 AS DOUBLE) AS partner_rca "
            "WHERE FALSE"
        )
    rows = ", ".join(
        f"({_q(d.importer)}, {sql_str(d.hs6)}, {_q(d.top_supplier)}, "
        f"CAST({_num(d.hhi_imports)} AS DOUBLE), CAST({_num(d.hhi_world)} AS DOUBLE), "
        f"CAST({_num(d.import_export_ratio)} AS DOUBLE), CAST({_num(d.partner_rca)} AS DOUBLE))"
        for d in deps
    )
    return f"SELECT {cols} FROM (VALUES {rows}) AS pt_v({cols})"


# What the partner could redirect to the dependent, over columns partner_exports_usd,
# partner_exports_to_dependent_usd and imports_from_risky_usd (HS6 and HS4 alike).
_COVERAGE_COLUMNS = """
           GREATEST(partner_exports_usd - partner_exports_to_dependent_usd, 0)
             AS partner_spare_usd,
           LEAST(GREATEST(partner_exports_usd - partner_exports_to_dependent_usd, 0),
                 imports_from_risky_usd) AS coverable_usd,
           LEAST(GREATEST(partner_exports_usd - partner_exports_to_dependent_usd, 0),
                 imports_from_risky_usd) / NULLIF(imports_from_risky_usd, 0) AS coverage_share"""


def derisking_sql(
    a: str,
    b: str,
    *,
    year: int,
    deps: Sequence[Dependency],
    simple: bool,
) -> str:
    """Per dependency of a or b on a supplier other than the partner, in ``year``: what
    the partner could cover (``partner_rca`` comes with each dependency).

    Columns: ``dependent, partner, hs6, year, risky_supplier, hhi_imports, hhi_world,
    import_export_ratio, imports_usd, imports_from_risky_usd, risky_share,
    partner_exports_usd, partner_exports_to_dependent_usd, partner_rca,
    partner_spare_usd, coverable_usd, coverage_share`` (USD; shares 0–1).
    """
    qa, qb = _q(a), _q(b)
    hs = sorted({d.hs6 for d in deps}) or ["000000"]
    return f"""
    WITH pt_dep AS ({dependencies_sql(deps)}),
    pt_trade AS ({trade_sql(hs=hs, years=[year], simple=simple)}),
    pt_x AS (
      SELECT exporter, hs6, SUM(value_usd) AS x,
             SUM(CASE WHEN importer = {qa} THEN value_usd ELSE 0 END) AS x_to_a,
             SUM(CASE WHEN importer = {qb} THEN value_usd ELSE 0 END) AS x_to_b
      FROM pt_trade WHERE year = {int(year)} AND hs6 IN (SELECT hs6 FROM pt_dep)
      GROUP BY exporter, hs6
    ),
    pt_m AS (SELECT hs6, SUM(x_to_a) AS ma, SUM(x_to_b) AS mb FROM pt_x GROUP BY hs6),
    pt_risk AS (
      SELECT d.importer AS dependent,
             CASE WHEN d.importer = {qa} THEN {qb} ELSE {qa} END AS partner,
             d.hs6, d.top_supplier AS risky_supplier, d.hhi_imports, d.hhi_world,
             d.import_export_ratio, d.partner_rca
      FROM pt_dep AS d WHERE d.importer IN ({qa}, {qb})
    ),
    pt_row AS (
      SELECT r.*,
             CASE WHEN r.dependent = {qa} THEN m.ma ELSE m.mb END AS imports_usd,
             COALESCE(CASE WHEN r.dependent = {qa} THEN s.x_to_a ELSE s.x_to_b END, 0)
               AS imports_from_risky_usd,
             COALESCE(p.x, 0) AS partner_exports_usd,
             COALESCE(CASE WHEN r.dependent = {qa} THEN p.x_to_a ELSE p.x_to_b END, 0)
               AS partner_exports_to_dependent_usd
      FROM pt_risk AS r
      JOIN pt_m AS m ON m.hs6 = r.hs6
      LEFT JOIN pt_x AS s ON s.hs6 = r.hs6 AND s.exporter = r.risky_supplier
      LEFT JOIN pt_x AS p ON p.hs6 = r.hs6 AND p.exporter = r.partner
      WHERE r.risky_supplier <> r.partner
    )
    SELECT dependent, partner, hs6, {int(year)} AS year, risky_supplier, hhi_imports,
           hhi_world, import_export_ratio, imports_usd, imports_from_risky_usd,
           imports_from_risky_usd / NULLIF(imports_usd, 0) AS risky_share,
           partner_exports_usd, partner_exports_to_dependent_usd, partner_rca,{_COVERAGE_COLUMNS}
    FROM pt_row
    ORDER BY coverable_usd DESC, imports_from_risky_usd DESC, dependent, hs6
    """


def _alternatives(src: str, *, key: str) -> str:
    """Top three alternatives by spare exports and their total, per ``key`` (from ``src``
    with columns key, exporter, spare_usd)."""
    return f"""
    pt_alt_rk AS (
      SELECT a.*, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY spare_usd DESC, exporter) AS rk
      FROM ({src}) AS a WHERE spare_usd > 0
    ),
    pt_alt AS (
      SELECT {key}, COUNT(*) AS n_alternatives, SUM(spare_usd) AS alternatives_spare_usd,
             MAX(CASE WHEN rk = 1 THEN exporter END) AS alt1,
             MAX(CASE WHEN rk = 1 THEN spare_usd END) AS alt1_spare_usd,
             MAX(CASE WHEN rk = 2 THEN exporter END) AS alt2,
             MAX(CASE WHEN rk = 2 THEN spare_usd END) AS alt2_spare_usd,
             MAX(CASE WHEN rk = 3 THEN exporter END) AS alt3,
             MAX(CASE WHEN rk = 3 THEN spare_usd END) AS alt3_spare_usd
      FROM pt_alt_rk GROUP BY {key}
    )"""


_SHARED_COLUMNS = """
           p.supplier_share_of_world, p.a_imports_usd, p.b_imports_usd,
           p.a_from_supplier_usd, p.b_from_supplier_usd,
           p.a_from_supplier_usd / NULLIF(p.a_imports_usd, 0) AS a_supplier_share,
           p.b_from_supplier_usd / NULLIF(p.b_imports_usd, 0) AS b_supplier_share,
           p.a_from_supplier_usd + p.b_from_supplier_usd AS combined_from_supplier_usd,
           COALESCE(al.n_alternatives, 0) AS n_alternatives,
           COALESCE(al.alternatives_spare_usd, 0) AS alternatives_spare_usd,
           COALESCE(al.alternatives_spare_usd, 0)
             / NULLIF(p.a_from_supplier_usd + p.b_from_supplier_usd, 0) AS alternatives_cover,
           al.alt1, al.alt1_spare_usd, al.alt2, al.alt2_spare_usd, al.alt3, al.alt3_spare_usd"""


def shared_sql(
    a: str,
    b: str,
    *,
    year: int,
    deps: Sequence[Dependency],
    simple: bool,
) -> str:
    """Products where a and b both depend on the same third supplier, in ``year``.

    Columns: ``hs6, year, supplier, supplier_share_of_world, a_imports_usd,
    b_imports_usd, a_from_supplier_usd, b_from_supplier_usd, a_supplier_share,
    b_supplier_share, combined_from_supplier_usd, n_alternatives,
    alternatives_spare_usd, alternatives_cover, alt1, alt1_spare_usd, alt2 …`` (USD;
    shares 0–1; ``alternatives_cover`` = alternatives' spare exports / the pair's
    imports from the supplier).
    """
    qa, qb = _q(a), _q(b)
    both = {d.hs6 for d in deps if d.importer == a} & {d.hs6 for d in deps if d.importer == b}
    hs = sorted(both) or ["000000"]
    return f"""
    WITH pt_dep AS ({dependencies_sql(deps)}),
    pt_pair AS (
      SELECT da.hs6, da.top_supplier AS supplier
      FROM pt_dep AS da JOIN pt_dep AS db ON db.hs6 = da.hs6 AND db.top_supplier = da.top_supplier
      WHERE da.importer = {qa} AND db.importer = {qb} AND da.top_supplier NOT IN ({qa}, {qb})
    ),
    pt_trade AS ({trade_sql(hs=hs, years=[year], simple=simple)}),
    pt_x AS (
      SELECT exporter, hs6, SUM(value_usd) AS x,
             SUM(CASE WHEN importer = {qa} THEN value_usd ELSE 0 END) AS x_to_a,
             SUM(CASE WHEN importer = {qb} THEN value_usd ELSE 0 END) AS x_to_b
      FROM pt_trade WHERE year = {int(year)} AND hs6 IN {hs_list(hs)}
      GROUP BY exporter, hs6
    ),
    pt_p AS (
      SELECT p.hs6, p.supplier,
             SUM(CASE WHEN x.exporter = p.supplier THEN x.x ELSE 0 END) / SUM(x.x)
               AS supplier_share_of_world,
             SUM(x.x_to_a) AS a_imports_usd, SUM(x.x_to_b) AS b_imports_usd,
             SUM(CASE WHEN x.exporter = p.supplier THEN x.x_to_a ELSE 0 END) AS a_from_supplier_usd,
             SUM(CASE WHEN x.exporter = p.supplier THEN x.x_to_b ELSE 0 END) AS b_from_supplier_usd
      FROM pt_pair AS p JOIN pt_x AS x ON x.hs6 = p.hs6
      GROUP BY p.hs6, p.supplier
    ),
    {
        _alternatives(
            f'''SELECT p.hs6, x.exporter, x.x - x.x_to_a - x.x_to_b AS spare_usd
              FROM pt_pair AS p JOIN pt_x AS x ON x.hs6 = p.hs6
              WHERE x.exporter NOT IN ({qa}, {qb}) AND x.exporter <> p.supplier''',
            key="hs6",
        )
    }
    SELECT p.hs6, {int(year)} AS year, p.supplier, {_SHARED_COLUMNS}
    FROM pt_p AS p LEFT JOIN pt_alt AS al ON al.hs6 = p.hs6
    ORDER BY combined_from_supplier_usd DESC, p.hs6
    """


def _prev_year_sql(prev_year: int | None) -> str:
    """The previous year as a SQL literal (a typed NULL without one)."""
    return "CAST(NULL AS INTEGER)" if prev_year is None else str(int(prev_year))


def _ranked_markets(*, year: int, prev_year: int | None, p: PartnershipParams) -> str:
    """``pt_r`` and the final selection of third markets, HS6 and HS4 alike.

    Over ``pt_m`` (per importer: ``imports_usd``, ``pair_exports_usd``,
    ``imports_same_usd`` and ``imports_prev_usd`` — this and the previous year's imports
    of the products with data in the previous year —, ``n_products``, ``top_product``,
    ``top_product_opportunity_usd``): the pair's share, the opening and the growth per
    year; markets where the pair's share is below ``max_pair_share`` and imports did not
    fall, the ``top_markets`` largest openings.
    """
    py = _prev_year_sql(prev_year)
    span = 1 if prev_year is None else max(1, int(year) - int(prev_year))
    return f"""pt_r AS (
      SELECT importer, {int(year)} AS year, {py} AS prev_year, imports_usd, pair_exports_usd,
             pair_exports_usd / NULLIF(imports_usd, 0) AS pair_share,
             imports_usd - pair_exports_usd AS opportunity_usd,
             CASE WHEN imports_prev_usd > 0 THEN imports_prev_usd END AS imports_prev_usd,
             CASE WHEN imports_prev_usd > 0 AND imports_same_usd > 0
                  THEN POWER(imports_same_usd / imports_prev_usd, {1.0 / span}) - 1 END
               AS growth_pa,
             n_products, top_product, top_product_opportunity_usd
      FROM pt_m WHERE imports_usd > 0
    )
    SELECT * FROM pt_r
    WHERE pair_share < {float(p.max_pair_share)} AND (growth_pa IS NULL OR growth_pa >= 0)
    ORDER BY opportunity_usd DESC, importer
    LIMIT {int(p.top_markets)}
    """


def third_markets_sql(
    a: str,
    b: str,
    *,
    year: int,
    prev_year: int | None,
    joint: Sequence[str],
    simple: bool,
    p: PartnershipParams,
) -> str:
    """Importers of the pair's joint-advantage products, ranked by the opening for them.

    ``joint``: the HS6 products where a and b together have comparative advantage in
    ``year`` (``rca_joint >= rca`` in :func:`ecosec.engine.complementarity.profile_sql`,
    restricted to a basket when one is asked for).

    Columns: ``importer, year, prev_year, imports_usd, pair_exports_usd, pair_share,
    opportunity_usd, imports_prev_usd, growth_pa, n_products, top_product,
    top_product_opportunity_usd`` (USD; ``growth_pa`` per year, 0.05 = +5 %; null
    without an earlier year with world data for these products).
    """
    qa, qb = _q(a), _q(b)
    pair = f"({qa}, {qb})"
    years = [year] if prev_year is None else [prev_year, year]
    py = _prev_year_sql(prev_year)
    hs = sorted(set(joint)) or ["000000"]
    # products with world data in the previous year (growth is measured over them);
    # without a previous year an empty relation, so the flows are read once.
    prev = (
        f"""SELECT hs6 FROM pt_flow WHERE year = {py} GROUP BY hs6
            HAVING SUM(CASE WHEN exporter NOT IN {pair} AND importer NOT IN {pair}
                            THEN 1 ELSE 0 END) >= {int(p.min_third_flows)}"""
        if prev_year is not None
        else "SELECT CAST(NULL AS VARCHAR) AS hs6 WHERE FALSE"
    )
    return f"""
    WITH pt_trade AS ({trade_sql(hs=hs, years=years, simple=simple)}),
    pt_flow AS (
      SELECT year, exporter, importer, hs6, value_usd FROM pt_trade
      WHERE year IN {year_list(years)}
    ),
    pt_prev AS ({prev}),
    pt_mk AS (
      SELECT f.importer, f.hs6,
             SUM(CASE WHEN f.year = {int(year)} THEN f.value_usd ELSE 0 END) AS imports_usd,
             SUM(CASE WHEN f.year = {py} THEN f.value_usd ELSE 0 END) AS imports_prev_usd,
             SUM(CASE WHEN f.year = {int(year)} AND f.exporter IN {pair} THEN f.value_usd
                      ELSE 0 END) AS pair_usd
      FROM pt_flow AS f
      WHERE f.importer NOT IN {pair}
      GROUP BY f.importer, f.hs6
    ),
    pt_mkg AS (
      SELECT m.*, m.imports_usd - m.pair_usd AS gap_usd,
             CASE WHEN v.hs6 IS NOT NULL THEN 1 ELSE 0 END AS in_prev
      FROM pt_mk AS m LEFT JOIN pt_prev AS v ON v.hs6 = m.hs6
    ),
    pt_m AS (
      SELECT importer,
             SUM(imports_usd) AS imports_usd,
             SUM(pair_usd) AS pair_exports_usd,
             SUM(CASE WHEN in_prev = 1 THEN imports_usd ELSE 0 END) AS imports_same_usd,
             SUM(CASE WHEN in_prev = 1 THEN imports_prev_usd ELSE 0 END) AS imports_prev_usd,
             SUM(CASE WHEN imports_usd > 0 THEN 1 ELSE 0 END) AS n_products,
             TOP_BY(hs6, gap_usd) AS top_product,
             MAX(gap_usd) AS top_product_opportunity_usd
      FROM pt_mkg GROUP BY importer
    ),
    {_ranked_markets(year=year, prev_year=prev_year, p=p)}"""


def coverage_sql(a: str, b: str, *, years: Sequence[int] | None = None) -> str:
    """Per year of flows: how broadly each of a and b exports (distinct importers), and
    how many (importer, exporter) pairs the flows of either, in or out, link.

    The default year of a partnership is the latest whose breadth for the weaker of
    the two, and whose pairs, are at least half their best year's (see
    ``ecosec.api_partnership``).
    """
    qa, qb = _q(a), _q(b)
    ys = f"AND period IN {year_list(years)}" if years else ""
    return f"""
    SELECT CASE WHEN freq = 'A' THEN period ELSE CAST(FLOOR(period / 100) AS INTEGER) END
             AS year,
           COUNT(DISTINCT CASE WHEN exporter = {qa} THEN importer END) AS a_partners,
           COUNT(DISTINCT CASE WHEN exporter = {qb} THEN importer END) AS b_partners,
           COUNT(DISTINCT CASE WHEN exporter <> importer THEN importer || exporter END)
             AS pairs
    FROM flows
    WHERE (exporter IN ({qa}, {qb}) OR importer IN ({qa}, {qb})) AND value_usd > 0 {ys}
    GROUP BY 1 ORDER BY 1
    """


def world_years_sql(a: str, b: str, *, before: int, min_third_flows: int) -> str:
    """Per hs6: the latest annual year up to ``before`` with world data (flows between
    third countries), for products the joint-buyer-weight section may date back."""
    pair = sql_list([a, b])
    return f"""
    SELECT hs6, MAX(year) AS year FROM (
      SELECT period AS year, hs6 FROM flows
      WHERE freq = 'A' AND period <= {int(before)}
        AND exporter NOT IN {pair} AND importer NOT IN {pair}
      GROUP BY period, hs6 HAVING COUNT(*) >= {int(min_third_flows)}
    ) AS pt_w
    GROUP BY hs6
    """
