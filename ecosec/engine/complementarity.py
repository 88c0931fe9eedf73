"""Competition and complementarity of two countries: the SQL of section 1 of a partnership.

Notation (DESIGN.md): ``X[c,k]`` exports of country c of product k, ``M[c,k]`` its
imports, ``X[a→b,k]`` a's exports to b, ``W[k]`` world trade of k; shares are taken
within the products of a scope (all products, or one basket):
``x[c,k] = X[c,k] / Σ_k X[c,k]`` and ``m[c,k] = M[c,k] / Σ_k M[c,k]``.

- Trade complementarity (World Bank WITS definition, after Michaely 1996)
  ``TC[a,b] = 100 · (1 − ½ Σ_k |m[b,k] − x[a,k]|)``: how well a's exports match b's
  imports; 100 when the two structures coincide, 0 when they share no product.
- Export similarity (Finger & Kreinin 1979) ``ES[a,b] = 100 · Σ_k min(x[a,k], x[b,k])``:
  how alike the two export baskets are (symmetric; 100 for identical structures).
  Since ``1 − ½ Σ|p − q| = Σ min(p, q)`` for two distributions, TC and ES are the same
  kind of overlap and can be compared directly: TC above ES means that each exports
  what the other imports more than they sell the same things.
- Grubel–Lloyd (Grubel & Lloyd 1975) on the pair's bilateral trade,
  ``GL[k] = 1 − |X[a→b,k] − X[b→a,k]| / (X[a→b,k] + X[b→a,k])``, and its
  trade-weighted sum ``GL = 1 − Σ_k |X − M| / Σ_k (X + M)`` (0 one-way, 1 balanced).
- Trade intensity (WITS) ``TI[a,b] = (X[a→b] / X[a]) / (M[b] / (M[w] − M[a]))``: above 1
  when a sends b more than b's weight in world imports (net of a's own) predicts.
- Share of a's imports bought from b, ``X[b→a,k] / M[a,k]`` (and the reverse): given
  only where the data show a's imports of k from the world or from at least two
  suppliers — a source restricted to one partner (the sample's Korean imports from
  Japan) would otherwise read as 100 %.
- Revealed comparative advantage (Balassa 1965) ``RCA[c,k] = (X[c,k]/X[c]) / (W[k]/W)``
  over the products in the data, and the pair's joint RCA with ``X[a,k] + X[b,k]``.
  A product is *compete* when both have ``RCA ≥ 1``; *complement* when one has
  ``RCA ≥ 1`` and the other is a net importer of it (one exports what the other imports).

World figures (``W``, RCA, trade intensity, world shares) are computed only for
product-years whose data show trade between third countries (at least
``min_third_flows`` flows with neither partner on either side): a source holding only
the pair's own trade (Korea's customs, Korea's imports from Japan) says nothing about
the world. TC, ES and GL use the pair's own flows and are computed for every product.

HS4 variants read the ``totals`` table (country totals and partial top-10 partner
lists, e.g. the sample's chips, equipment, wafers, photoresist and batteries): RCA
there is relative to the headings present in that table, and the pair's bilateral
trade is known only where a top-partner list names it, so GL and trade intensity are
left empty at that level.

Every function returns one SQL string in DuckDB's dialect (CTE names prefixed
``pt_``, since the Spark transpilation flattens trade_sql's CTEs next to these).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecosec.engine.trade import sql_list, trade_sql, year_list
from ecosec.ingest.schema import sql_str

SCOPE_ALL = "all"
"""Scope name of the overview row over every product in the data."""


def _q(code: str) -> str:
    """A validated country code as a SQL literal."""
    return sql_list([code])[1:-1]


def scopes_sql(scopes: Mapping[str, Sequence[str]], *, column: str = "hs6") -> str:
    """A ``VALUES`` relation ``(scope, <column>)`` of the named product lists."""
    rows = [
        f"({sql_str(name)}, {sql_str(code)})" for name, codes in scopes.items() for code in codes
    ]
    if not rows:
        return f"SELECT 'none' AS scope, 'none' AS {column} WHERE FALSE"
    return f"SELECT scope, {column} FROM (VALUES {', '.join(rows)}) AS pt_v(scope, {column})"


def _relation(a: str, b: str, rca: float, *, ra: str, rb: str, p: str) -> str:
    """CASE expression naming a product's relation (see the module docstring)."""
    return f"""CASE WHEN {ra} IS NULL OR {rb} IS NULL THEN 'no world data'
            WHEN {ra} >= {rca} AND {rb} >= {rca} THEN 'compete'
            WHEN {ra} >= {rca} AND {p}b_imports_usd > {p}b_exports_usd
              THEN '{a} exports, {b} imports'
            WHEN {rb} >= {rca} AND {p}a_imports_usd > {p}a_exports_usd
              THEN '{b} exports, {a} imports'
            ELSE 'neither' END"""


def _profile_ctes(
    a: str, b: str, *, years: Sequence[int], row_filter: str, simple: bool, min_third_flows: int
) -> str:
    """CTEs ``pt_trade``, ``pt_flow``, ``pt_k`` (per year × hs6) and ``pt_tot`` (per year)."""
    qa, qb = _q(a), _q(b)
    pair = f"({qa}, {qb})"
    return f"""
    pt_trade AS ({trade_sql(hs=None, years=years, simple=simple)}),
    pt_flow AS (
      SELECT year, exporter, importer, hs6, value_usd, source FROM pt_trade
      WHERE {row_filter}
    ),
    pt_k AS (
      SELECT year, hs6,
             SUM(value_usd) AS world_usd,
             SUM(CASE WHEN exporter = {qa} THEN value_usd ELSE 0 END) AS a_exports_usd,
             SUM(CASE WHEN exporter = {qb} THEN value_usd ELSE 0 END) AS b_exports_usd,
             SUM(CASE WHEN importer = {qa} THEN value_usd ELSE 0 END) AS a_imports_usd,
             SUM(CASE WHEN importer = {qb} THEN value_usd ELSE 0 END) AS b_imports_usd,
             SUM(CASE WHEN exporter = {qa} AND importer = {qb} THEN value_usd ELSE 0 END)
               AS a_to_b_usd,
             SUM(CASE WHEN exporter = {qb} AND importer = {qa} THEN value_usd ELSE 0 END)
               AS b_to_a_usd,
             SUM(CASE WHEN exporter NOT IN {pair} AND importer NOT IN {pair} THEN 1 ELSE 0 END)
               >= {int(min_third_flows)} AS world_covered,
             MIN(source) AS source_min, MAX(source) AS source_max
      FROM pt_flow GROUP BY year, hs6
    ),
    pt_tot AS (
      SELECT year, SUM(world_usd) AS world_total, SUM(a_exports_usd) AS a_total,
             SUM(b_exports_usd) AS b_total
      FROM pt_k WHERE world_covered GROUP BY year
    ),
    pt_kr AS (
      SELECT k.*,
             CASE WHEN k.world_covered AND t.a_total > 0 AND k.world_usd > 0
                  THEN (k.a_exports_usd / t.a_total) / (k.world_usd / t.world_total) END AS rca_a,
             CASE WHEN k.world_covered AND t.b_total > 0 AND k.world_usd > 0
                  THEN (k.b_exports_usd / t.b_total) / (k.world_usd / t.world_total) END AS rca_b,
             CASE WHEN k.world_covered AND t.a_total + t.b_total > 0 AND k.world_usd > 0
                  THEN ((k.a_exports_usd + k.b_exports_usd) / (t.a_total + t.b_total))
                       / (k.world_usd / t.world_total) END AS rca_joint
      FROM pt_k AS k LEFT JOIN pt_tot AS t ON t.year = k.year
    )"""


def profile_sql(
    a: str,
    b: str,
    *,
    year: int,
    fallback: Sequence[tuple[int, str]] = (),
    simple: bool,
    min_third_flows: int = 10,
    rca: float = 1.0,
) -> str:
    """Per (year, hs6) traded by a or b: the pair's trade, RCA, relation and buyer weight.

    Rows are for ``year``, plus each ``(year, hs6)`` of ``fallback`` (a product whose
    latest year with world data is earlier; used by the joint-buyer-weight section).
    Columns: ``year, hs6, world_covered, world_usd, a_exports_usd, b_exports_usd,
    a_imports_usd, b_imports_usd, a_to_b_usd, b_to_a_usd, rca_a, rca_b, rca_joint,
    gl, share_a_imports_from_b, share_b_imports_from_a, joint_import_share,
    relation``, and for buyer weight ``n_suppliers, n_common_suppliers,
    top_joint_supplier, top_joint_share, hhi_joint_suppliers, supplier_overlap``
    (``Σ_s min(share in a's imports, share in b's imports)``, 0–1), ``a_top_supplier,
    b_top_supplier``. Values USD; shares 0–1.
    """
    years = sorted({year, *(y for y, _ in fallback)})
    row_filter = f"year = {int(year)}"
    if fallback:
        pairs = " OR ".join(
            f"(year = {int(y)} AND hs6 = {sql_str(h)})" for y, h in sorted(set(fallback))
        )
        row_filter = f"({row_filter} OR {pairs})"
    qa, qb = _q(a), _q(b)
    ctes = _profile_ctes(
        a, b, years=years, row_filter=row_filter, simple=simple, min_third_flows=min_third_flows
    )
    return f"""
    WITH {ctes},
    pt_sup AS (
      SELECT year, hs6, exporter,
             SUM(CASE WHEN importer = {qa} THEN value_usd ELSE 0 END) AS va,
             SUM(CASE WHEN importer = {qb} THEN value_usd ELSE 0 END) AS vb,
             SUM(value_usd) AS vab
      FROM pt_flow WHERE importer IN ({qa}, {qb}) AND value_usd > 0
      GROUP BY year, hs6, exporter
    ),
    pt_supk AS (
      SELECT s.year, s.hs6,
             COUNT(*) AS n_suppliers,
             SUM(CASE WHEN s.va > 0 THEN 1 ELSE 0 END) AS n_a_suppliers,
             SUM(CASE WHEN s.vb > 0 THEN 1 ELSE 0 END) AS n_b_suppliers,
             SUM(CASE WHEN s.va > 0 AND s.vb > 0 THEN 1 ELSE 0 END) AS n_common_suppliers,
             TOP_BY(s.exporter, s.vab) AS top_joint_supplier,
             MAX(s.vab) / SUM(s.vab) AS top_joint_share,
             SUM(s.vab * s.vab) / (SUM(s.vab) * SUM(s.vab)) AS hhi_joint_suppliers,
             CASE WHEN SUM(s.va) > 0 AND SUM(s.vb) > 0
                  THEN SUM(LEAST(s.va / NULLIF(k.a_imports_usd, 0),
                                 s.vb / NULLIF(k.b_imports_usd, 0))) END
               AS supplier_overlap,
             CASE WHEN SUM(s.va) > 0 THEN TOP_BY(s.exporter, s.va) END AS a_top_supplier,
             CASE WHEN SUM(s.vb) > 0 THEN TOP_BY(s.exporter, s.vb) END AS b_top_supplier
      FROM pt_sup AS s JOIN pt_k AS k ON k.year = s.year AND k.hs6 = s.hs6
      GROUP BY s.year, s.hs6
    )
    SELECT k.year, k.hs6, k.world_covered,
           CASE WHEN k.world_covered THEN k.world_usd END AS world_usd,
           k.a_exports_usd, k.b_exports_usd, k.a_imports_usd, k.b_imports_usd,
           k.a_to_b_usd, k.b_to_a_usd, k.rca_a, k.rca_b, k.rca_joint,
           CASE WHEN k.a_to_b_usd + k.b_to_a_usd > 0
                THEN 1 - ABS(k.a_to_b_usd - k.b_to_a_usd) / (k.a_to_b_usd + k.b_to_a_usd)
                END AS gl,
           CASE WHEN k.world_covered OR s.n_a_suppliers >= 2
                THEN k.b_to_a_usd / NULLIF(k.a_imports_usd, 0) END AS share_a_imports_from_b,
           CASE WHEN k.world_covered OR s.n_b_suppliers >= 2
                THEN k.a_to_b_usd / NULLIF(k.b_imports_usd, 0) END AS share_b_imports_from_a,
           CASE WHEN k.world_covered
                THEN (k.a_imports_usd + k.b_imports_usd) / NULLIF(k.world_usd, 0) END
             AS joint_import_share,
           {_relation(a, b, rca, ra="k.rca_a", rb="k.rca_b", p="k.")} AS relation,
           s.n_suppliers, s.n_common_suppliers, s.top_joint_supplier, s.top_joint_share,
           s.hhi_joint_suppliers, s.supplier_overlap, s.a_top_supplier, s.b_top_supplier,
           CASE WHEN k.source_min = k.source_max THEN k.source_min
                ELSE CONCAT(k.source_min, '+', k.source_max) END AS source
    FROM pt_kr AS k
    LEFT JOIN pt_supk AS s ON s.year = k.year AND s.hs6 = k.hs6
    WHERE k.a_exports_usd + k.b_exports_usd + k.a_imports_usd + k.b_imports_usd > 0
    ORDER BY k.year DESC, k.a_exports_usd + k.b_exports_usd + k.a_imports_usd + k.b_imports_usd DESC,
             k.hs6
    """


def _overview_select(a: str, b: str, rca: float, *, level: str, bilateral: bool) -> str:
    """The per-scope aggregation shared by the HS6 and HS4 overviews (over ``pt_s``)."""
    gl = (
        "1 - SUM(ABS(s.a_to_b_usd - s.b_to_a_usd)) / NULLIF(SUM(s.a_to_b_usd + s.b_to_a_usd), 0)"
        if bilateral
        else "CAST(NULL AS DOUBLE)"
    )
    ti_ab = (
        """(SUM(CASE WHEN s.world_covered THEN s.a_to_b_usd ELSE 0 END) / NULLIF(c.xa_w, 0))
           / NULLIF(c.mb_w / NULLIF(c.w_w - c.ma_w, 0), 0)"""
        if bilateral
        else "CAST(NULL AS DOUBLE)"
    )
    ti_ba = (
        """(SUM(CASE WHEN s.world_covered THEN s.b_to_a_usd ELSE 0 END) / NULLIF(c.xb_w, 0))
           / NULLIF(c.ma_w / NULLIF(c.w_w - c.mb_w, 0), 0)"""
        if bilateral
        else "CAST(NULL AS DOUBLE)"
    )
    return f"""
    pt_st AS (
      SELECT scope,
             SUM(a_exports_usd) AS xa, SUM(b_exports_usd) AS xb,
             SUM(a_imports_usd) AS ma, SUM(b_imports_usd) AS mb,
             SUM(CASE WHEN world_covered THEN a_exports_usd ELSE 0 END) AS xa_w,
             SUM(CASE WHEN world_covered THEN b_exports_usd ELSE 0 END) AS xb_w,
             SUM(CASE WHEN world_covered THEN a_imports_usd ELSE 0 END) AS ma_w,
             SUM(CASE WHEN world_covered THEN b_imports_usd ELSE 0 END) AS mb_w,
             SUM(CASE WHEN world_covered THEN world_usd ELSE 0 END) AS w_w
      FROM pt_s GROUP BY scope
    )
    SELECT s.scope, '{level}' AS level, MAX(s.year) AS year,
           COUNT(*) AS n_products,
           SUM(CASE WHEN s.world_covered THEN 1 ELSE 0 END) AS n_world_covered,
           MAX(c.xa) AS a_exports_usd, MAX(c.xb) AS b_exports_usd,
           MAX(c.ma) AS a_imports_usd, MAX(c.mb) AS b_imports_usd,
           SUM(s.a_to_b_usd) AS a_to_b_usd, SUM(s.b_to_a_usd) AS b_to_a_usd,
           CASE WHEN MAX(c.xa) > 0 AND MAX(c.mb) > 0
                THEN 100 * (1 - 0.5 * SUM(ABS(s.b_imports_usd / NULLIF(c.mb, 0)
                                             - s.a_exports_usd / NULLIF(c.xa, 0))))
                END AS tc_a_to_b,
           CASE WHEN MAX(c.xb) > 0 AND MAX(c.ma) > 0
                THEN 100 * (1 - 0.5 * SUM(ABS(s.a_imports_usd / NULLIF(c.ma, 0)
                                             - s.b_exports_usd / NULLIF(c.xb, 0))))
                END AS tc_b_to_a,
           CASE WHEN MAX(c.xa) > 0 AND MAX(c.xb) > 0
                THEN 100 * SUM(LEAST(s.a_exports_usd / NULLIF(c.xa, 0),
                                     s.b_exports_usd / NULLIF(c.xb, 0))) END AS es,
           {gl} AS gl,
           {ti_ab} AS ti_a_to_b,
           {ti_ba} AS ti_b_to_a,
           SUM(CASE WHEN s.relation = 'compete' THEN 1 ELSE 0 END) AS n_compete,
           SUM(CASE WHEN s.relation = '{a} exports, {b} imports' THEN 1 ELSE 0 END)
             AS n_complement_a_to_b,
           SUM(CASE WHEN s.relation = '{b} exports, {a} imports' THEN 1 ELSE 0 END)
             AS n_complement_b_to_a,
           SUM(CASE WHEN s.relation = 'compete'
                    THEN s.a_exports_usd + s.b_exports_usd ELSE 0 END) AS compete_exports_usd,
           SUM(CASE WHEN s.relation = '{a} exports, {b} imports' THEN s.b_imports_usd
                    WHEN s.relation = '{b} exports, {a} imports' THEN s.a_imports_usd
                    ELSE 0 END) AS complement_imports_usd
    FROM pt_s AS s JOIN pt_st AS c ON c.scope = s.scope
    GROUP BY s.scope, c.xa, c.xb, c.ma, c.mb, c.xa_w, c.xb_w, c.ma_w, c.mb_w, c.w_w
    ORDER BY CASE WHEN s.scope = '{SCOPE_ALL}' THEN 0 ELSE 1 END, s.scope
    """


def overview_sql(
    a: str,
    b: str,
    *,
    year: int,
    scopes: Mapping[str, Sequence[str]],
    include_all: bool,
    simple: bool,
    min_third_flows: int = 10,
    rca: float = 1.0,
) -> str:
    """Per scope (all products and/or named HS6 lists) in ``year``: TC both ways, ES, GL,
    trade intensity both ways, and the count of products that compete or complement.

    Columns: ``scope, level, year, n_products, n_world_covered, a_exports_usd,
    b_exports_usd, a_imports_usd, b_imports_usd, a_to_b_usd, b_to_a_usd, tc_a_to_b,
    tc_b_to_a, es, gl, ti_a_to_b, ti_b_to_a, n_compete, n_complement_a_to_b,
    n_complement_b_to_a, compete_exports_usd, complement_imports_usd``.
    """
    ctes = _profile_ctes(
        a,
        b,
        years=[year],
        row_filter=f"year = {int(year)}",
        simple=simple,
        min_third_flows=min_third_flows,
    )
    every = (
        f"SELECT '{SCOPE_ALL}' AS scope, hs6 FROM pt_k UNION ALL " if include_all else ""
    ) + scopes_sql(scopes)
    return f"""
    WITH {ctes},
    pt_scope AS ({every}),
    pt_rel AS (
      SELECT k.*, {_relation(a, b, rca, ra="k.rca_a", rb="k.rca_b", p="k.")} AS relation
      FROM pt_kr AS k
      WHERE k.a_exports_usd + k.b_exports_usd + k.a_imports_usd + k.b_imports_usd > 0
    ),
    pt_s AS (SELECT sc.scope, r.* FROM pt_rel AS r JOIN pt_scope AS sc ON sc.hs6 = r.hs6),
    {_overview_select(a, b, rca, level="HS6 bilateral flows", bilateral=True)}
    """


# --- HS4 country totals -----------------------------------------------------------


def _totals_ctes(a: str, b: str, *, years: Sequence[int]) -> str:
    """CTEs over ``totals`` at HS4: ``pt_tt`` (one source per year × heading, the one
    covering most countries) and ``pt_h`` (per year × heading: world, a, b, bilateral
    where a top-partner list names it) and ``pt_hr`` (with RCA over the headings)."""
    qa, qb = _q(a), _q(b)
    return f"""
    pt_t AS (
      SELECT period AS year, country, partner, hs, exports_usd, imports_usd, source
      FROM totals
      WHERE freq = 'A' AND LENGTH(hs) = 4 AND period IN {year_list(years)}
    ),
    pt_src AS (
      SELECT year, hs, source,
             ROW_NUMBER() OVER (PARTITION BY year, hs ORDER BY COUNT(DISTINCT country) DESC,
                                source) AS rk
      FROM pt_t WHERE partner IS NULL GROUP BY year, hs, source
    ),
    pt_tt AS (
      SELECT t.* FROM pt_t AS t
      JOIN pt_src AS s ON s.year = t.year AND s.hs = t.hs AND s.source = t.source AND s.rk = 1
    ),
    pt_h AS (
      SELECT year, hs, MIN(source) AS source,
             SUM(CASE WHEN partner IS NULL THEN COALESCE(exports_usd, 0) ELSE 0 END)
               AS world_usd,
             SUM(CASE WHEN partner IS NULL THEN COALESCE(imports_usd, 0) ELSE 0 END)
               AS world_imports_usd,
             SUM(CASE WHEN partner IS NULL AND country = {qa} THEN COALESCE(exports_usd, 0)
                      ELSE 0 END) AS a_exports_usd,
             SUM(CASE WHEN partner IS NULL AND country = {qb} THEN COALESCE(exports_usd, 0)
                      ELSE 0 END) AS b_exports_usd,
             SUM(CASE WHEN partner IS NULL AND country = {qa} THEN COALESCE(imports_usd, 0)
                      ELSE 0 END) AS a_imports_usd,
             SUM(CASE WHEN partner IS NULL AND country = {qb} THEN COALESCE(imports_usd, 0)
                      ELSE 0 END) AS b_imports_usd,
             MAX(CASE WHEN country = {qa} AND partner = {qb} THEN exports_usd
                      WHEN country = {qb} AND partner = {qa} THEN imports_usd END) AS a_to_b_usd,
             MAX(CASE WHEN country = {qb} AND partner = {qa} THEN exports_usd
                      WHEN country = {qa} AND partner = {qb} THEN imports_usd END) AS b_to_a_usd,
             COUNT(DISTINCT CASE WHEN partner IS NULL THEN country END) AS n_countries
      FROM pt_tt GROUP BY year, hs
    ),
    pt_htot AS (
      SELECT year, SUM(world_usd) AS world_total, SUM(a_exports_usd) AS a_total,
             SUM(b_exports_usd) AS b_total
      FROM pt_h GROUP BY year
    ),
    pt_hr AS (
      SELECT h.*, TRUE AS world_covered,
             CASE WHEN t.a_total > 0 AND h.world_usd > 0
                  THEN (h.a_exports_usd / t.a_total) / (h.world_usd / t.world_total) END AS rca_a,
             CASE WHEN t.b_total > 0 AND h.world_usd > 0
                  THEN (h.b_exports_usd / t.b_total) / (h.world_usd / t.world_total) END AS rca_b,
             CASE WHEN t.a_total + t.b_total > 0 AND h.world_usd > 0
                  THEN ((h.a_exports_usd + h.b_exports_usd) / (t.a_total + t.b_total))
                       / (h.world_usd / t.world_total) END AS rca_joint
      FROM pt_h AS h JOIN pt_htot AS t ON t.year = h.year
    )"""


def profile4_sql(a: str, b: str, *, year: int, rca: float = 1.0) -> str:
    """Per HS4 heading of the ``totals`` table in ``year``: the :func:`profile_sql`
    columns that country totals allow (bilateral values only where a top-partner list
    names the partner; ``gl`` empty), plus ``source`` and ``n_countries``.

    Buyer weight uses the pair's import-origin lists (each country's top-10 origins,
    present only for net importers): ``a_top_supplier``/``b_top_supplier`` with their
    shares, and ``supplier_overlap`` over the origins both lists name (a lower bound).
    """
    qa, qb = _q(a), _q(b)
    return f"""
    WITH {_totals_ctes(a, b, years=[year])},
    pt_orig AS (
      SELECT t.hs, t.country, t.partner, t.imports_usd / NULLIF(h.imports, 0) AS share,
             t.imports_usd AS v
      FROM pt_tt AS t
      JOIN (SELECT hs, country, SUM(imports_usd) AS imports FROM pt_tt
            WHERE partner IS NULL AND country IN ({qa}, {qb}) GROUP BY hs, country) AS h
        ON h.hs = t.hs AND h.country = t.country
      WHERE t.partner IS NOT NULL AND t.imports_usd > 0 AND h.imports > 0
    ),
    pt_orig_top AS (
      SELECT hs,
             CASE WHEN SUM(CASE WHEN country = {qa} THEN 1 ELSE 0 END) > 0
                  THEN TOP_BY(pa, va) END AS a_top_supplier,
             MAX(CASE WHEN country = {qa} THEN share END) AS a_top_share,
             CASE WHEN SUM(CASE WHEN country = {qb} THEN 1 ELSE 0 END) > 0
                  THEN TOP_BY(pb, vb) END AS b_top_supplier,
             MAX(CASE WHEN country = {qb} THEN share END) AS b_top_share
      FROM (SELECT o.*, CASE WHEN country = {qa} THEN partner END AS pa,
                   CASE WHEN country = {qa} THEN v ELSE -1 END AS va,
                   CASE WHEN country = {qb} THEN partner END AS pb,
                   CASE WHEN country = {qb} THEN v ELSE -1 END AS vb
            FROM pt_orig AS o) AS x
      GROUP BY hs
    ),
    pt_overlap AS (
      SELECT oa.hs, SUM(LEAST(oa.share, ob.share)) AS supplier_overlap,
             COUNT(*) AS n_common_suppliers
      FROM pt_orig AS oa JOIN pt_orig AS ob ON ob.hs = oa.hs AND ob.partner = oa.partner
      WHERE oa.country = {qa} AND ob.country = {qb}
      GROUP BY oa.hs
    )
    SELECT h.year, h.hs, h.source, h.n_countries, h.world_covered, h.world_usd,
           h.world_imports_usd, h.a_exports_usd, h.b_exports_usd, h.a_imports_usd,
           h.b_imports_usd, h.a_to_b_usd, h.b_to_a_usd, h.rca_a, h.rca_b, h.rca_joint,
           CAST(NULL AS DOUBLE) AS gl,
           h.b_to_a_usd / NULLIF(h.a_imports_usd, 0) AS share_a_imports_from_b,
           h.a_to_b_usd / NULLIF(h.b_imports_usd, 0) AS share_b_imports_from_a,
           (h.a_imports_usd + h.b_imports_usd) / NULLIF(h.world_imports_usd, 0)
             AS joint_import_share,
           {_relation(a, b, rca, ra="h.rca_a", rb="h.rca_b", p="h.")} AS relation,
           o.a_top_supplier, o.a_top_share, o.b_top_supplier, o.b_top_share,
           v.supplier_overlap, v.n_common_suppliers
    FROM pt_hr AS h
    LEFT JOIN pt_orig_top AS o ON o.hs = h.hs
    LEFT JOIN pt_overlap AS v ON v.hs = h.hs
    WHERE h.a_exports_usd + h.b_exports_usd + h.a_imports_usd + h.b_imports_usd > 0
    ORDER BY h.a_exports_usd + h.b_exports_usd + h.a_imports_usd + h.b_imports_usd DESC, h.hs
    """


def overview4_sql(
    a: str,
    b: str,
    *,
    year: int,
    scopes: Mapping[str, Sequence[str]],
    include_all: bool,
    rca: float = 1.0,
) -> str:
    """The :func:`overview_sql` table over HS4 country totals (GL and trade intensity
    empty: the pair's bilateral trade is only partly known at this level)."""
    every = (
        f"SELECT '{SCOPE_ALL}' AS scope, hs FROM pt_h UNION ALL " if include_all else ""
    ) + scopes_sql(scopes, column="hs")
    return f"""
    WITH {_totals_ctes(a, b, years=[year])},
    pt_scope AS ({every}),
    pt_rel AS (
      SELECT h.*, COALESCE(h.a_to_b_usd, 0) AS ab0, COALESCE(h.b_to_a_usd, 0) AS ba0,
             {_relation(a, b, rca, ra="h.rca_a", rb="h.rca_b", p="h.")} AS relation
      FROM pt_hr AS h
      WHERE h.a_exports_usd + h.b_exports_usd + h.a_imports_usd + h.b_imports_usd > 0
    ),
    pt_s AS (
      SELECT sc.scope, r.year, r.hs, r.world_covered, r.world_usd, r.a_exports_usd,
             r.b_exports_usd, r.a_imports_usd, r.b_imports_usd, r.ab0 AS a_to_b_usd,
             r.ba0 AS b_to_a_usd, r.relation
      FROM pt_rel AS r JOIN pt_scope AS sc ON sc.hs = r.hs
    ),
    {_overview_select(a, b, rca, level="HS4 country totals", bilateral=False)}
    """
