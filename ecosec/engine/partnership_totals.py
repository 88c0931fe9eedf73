"""Sections 2–4 of a partnership at HS4, from the ``totals`` table.

The ``totals`` table holds what a source gives only as country totals and partial
partner lists (the sample's chips, equipment, wafers, photoresist and batteries: each
country's exports and imports of a heading, and its top-10 partners for its dominant
flow). The functions here compute what those allow, with the same columns as their
HS6 counterparts in :mod:`ecosec.engine.partnership`:

- a dependency cannot be established (import concentration is known only over the
  listed origins), so de-risking uses a weaker screen that says so: the top listed
  origin holds at least ``hs4_top_share`` of the country's imports; its listed import
  HHI is a lower bound, the world export HHI and the imports/exports ratio are exact;
- bilateral values come from the lists and are lower bounds (a partner missing from a
  top-10 list counts as zero);
- comparative advantage (Balassa 1965) is relative to the headings of the table.

SQL in DuckDB's dialect, CTEs prefixed ``pt_``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecosec.engine.complementarity import _q, _totals_ctes
from ecosec.engine.partnership import (
    _COVERAGE_COLUMNS,
    _SHARED_COLUMNS,
    PartnershipParams,
    _alternatives,
    _prev_year_sql,
    _ranked_markets,
)


def _origin_ctes(a: str, b: str) -> str:
    """``pt_orig`` (a's and b's listed import origins with shares) and ``pt_top``
    (per country × heading: top listed origin, its share, listed HHI), over ``pt_tt``."""
    qa, qb = _q(a), _q(b)
    return f"""
    pt_ctot AS (
      SELECT year, hs, country, SUM(COALESCE(exports_usd, 0)) AS x,
             SUM(COALESCE(imports_usd, 0)) AS m
      FROM pt_tt WHERE partner IS NULL GROUP BY year, hs, country
    ),
    pt_hw AS (
      SELECT year, hs, SUM(x) AS world_x, SUM(x * x) / NULLIF(SUM(x) * SUM(x), 0) AS hhi_world
      FROM pt_ctot GROUP BY year, hs
    ),
    pt_orig AS (
      SELECT t.year, t.hs, t.country, t.partner, t.imports_usd AS v,
             t.imports_usd / NULLIF(c.m, 0) AS share
      FROM pt_tt AS t
      JOIN pt_ctot AS c ON c.year = t.year AND c.hs = t.hs AND c.country = t.country
      WHERE t.partner IS NOT NULL AND t.imports_usd > 0 AND t.country IN ({qa}, {qb})
        AND c.m > 0
    ),
    pt_top AS (
      SELECT year, hs, country, TOP_BY(partner, v) AS top_origin, MAX(share) AS top_share,
             SUM(share * share) AS hhi_listed, SUM(share) AS listed_share
      FROM pt_orig GROUP BY year, hs, country
    ),
    pt_bil AS (
      SELECT year, hs, country AS exporter, partner AS importer, exports_usd AS v
      FROM pt_tt WHERE partner IS NOT NULL AND exports_usd > 0
      UNION ALL
      SELECT year, hs, partner AS exporter, country AS importer, imports_usd AS v
      FROM pt_tt WHERE partner IS NOT NULL AND imports_usd > 0
    ),
    pt_bilk AS (
      SELECT year, hs, exporter, importer, MAX(v) AS v FROM pt_bil
      GROUP BY year, hs, exporter, importer
    )"""


def derisking4_sql(a: str, b: str, *, year: int, p: PartnershipParams) -> str:
    """The :func:`derisking_sql` table at HS4 from country totals and top-10 lists.

    Rows: a (or b) whose top listed import origin S (not the partner) holds at least
    ``hs4_top_share`` of its imports of the heading. Extra columns: ``hhi_listed``
    (over listed origins: a lower bound of the import HHI) and ``listed_share``.
    """
    qa, qb = _q(a), _q(b)
    return f"""
    WITH {_totals_ctes(a, b, years=[year])},
    {_origin_ctes(a, b)},
    pt_r AS (
      SELECT t.country AS dependent,
             CASE WHEN t.country = {qa} THEN {qb} ELSE {qa} END AS partner,
             t.hs, t.year, t.top_origin AS risky_supplier, t.hhi_listed, t.listed_share,
             w.hhi_world, c.m AS imports_usd, c.x AS own_exports_usd,
             t.top_share * c.m AS imports_from_risky_usd, t.top_share AS risky_share
      FROM pt_top AS t
      JOIN pt_ctot AS c ON c.year = t.year AND c.hs = t.hs AND c.country = t.country
      JOIN pt_hw AS w ON w.year = t.year AND w.hs = t.hs
      WHERE t.top_share >= {float(p.hs4_top_share)}
    ),
    pt_row AS (
      SELECT r.*,
             COALESCE(pc.x, 0) AS partner_exports_usd,
             COALESCE(bk.v, 0) AS partner_exports_to_dependent_usd,
             CASE WHEN r.partner = {qa} THEN h.rca_a ELSE h.rca_b END AS partner_rca
      FROM pt_r AS r
      LEFT JOIN pt_ctot AS pc ON pc.year = r.year AND pc.hs = r.hs AND pc.country = r.partner
      LEFT JOIN pt_bilk AS bk ON bk.year = r.year AND bk.hs = r.hs AND bk.exporter = r.partner
        AND bk.importer = r.dependent
      LEFT JOIN pt_hr AS h ON h.year = r.year AND h.hs = r.hs
      WHERE r.risky_supplier <> r.partner
    )
    SELECT dependent, partner, hs, year, risky_supplier, hhi_listed, listed_share, hhi_world,
           imports_usd / NULLIF(own_exports_usd, 0) AS import_export_ratio,
           imports_usd, imports_from_risky_usd, risky_share, partner_exports_usd,
           partner_exports_to_dependent_usd, partner_rca,{_COVERAGE_COLUMNS}
    FROM pt_row
    ORDER BY coverable_usd DESC, dependent, hs
    """


def shared4_sql(a: str, b: str, *, year: int, p: PartnershipParams) -> str:
    """The :func:`shared_sql` table at HS4: both a and b list the same top origin S
    (neither of them) with at least ``hs4_top_share`` of their imports; alternatives
    are the other exporters of the heading, spare = exports − listed exports to a and b.
    """
    qa, qb = _q(a), _q(b)
    return f"""
    WITH {_totals_ctes(a, b, years=[year])},
    {_origin_ctes(a, b)},
    pt_pair AS (
      SELECT ta.hs, ta.top_origin AS supplier
      FROM pt_top AS ta JOIN pt_top AS tb ON tb.hs = ta.hs AND tb.top_origin = ta.top_origin
      WHERE ta.country = {qa} AND tb.country = {qb} AND ta.top_origin NOT IN ({qa}, {qb})
        AND ta.top_share >= {float(p.hs4_top_share)} AND tb.top_share >= {float(p.hs4_top_share)}
    ),
    pt_p AS (
      SELECT pr.hs, pr.supplier,
             COALESCE(sx.x, 0) / NULLIF(w.world_x, 0) AS supplier_share_of_world,
             ca.m AS a_imports_usd, cb.m AS b_imports_usd,
             oa.v AS a_from_supplier_usd, ob.v AS b_from_supplier_usd
      FROM pt_pair AS pr
      JOIN pt_hw AS w ON w.hs = pr.hs
      LEFT JOIN pt_ctot AS sx ON sx.hs = pr.hs AND sx.country = pr.supplier
      JOIN pt_ctot AS ca ON ca.hs = pr.hs AND ca.country = {qa}
      JOIN pt_ctot AS cb ON cb.hs = pr.hs AND cb.country = {qb}
      JOIN pt_orig AS oa ON oa.hs = pr.hs AND oa.country = {qa} AND oa.partner = pr.supplier
      JOIN pt_orig AS ob ON ob.hs = pr.hs AND ob.country = {qb} AND ob.partner = pr.supplier
    ),
    {
        _alternatives(
            f'''SELECT pr.hs, c.country AS exporter,
                     c.x - COALESCE(ba.v, 0) - COALESCE(bb.v, 0) AS spare_usd
              FROM pt_pair AS pr
              JOIN pt_ctot AS c ON c.hs = pr.hs
              LEFT JOIN pt_bilk AS ba ON ba.hs = pr.hs AND ba.exporter = c.country
                AND ba.importer = {qa}
              LEFT JOIN pt_bilk AS bb ON bb.hs = pr.hs AND bb.exporter = c.country
                AND bb.importer = {qb}
              WHERE c.country NOT IN ({qa}, {qb}) AND c.country <> pr.supplier''',
            key="hs",
        )
    }
    SELECT p.hs, {int(year)} AS year, p.supplier, {_SHARED_COLUMNS}
    FROM pt_p AS p LEFT JOIN pt_alt AS al ON al.hs = p.hs
    ORDER BY combined_from_supplier_usd DESC, p.hs
    """


def third_markets4_sql(
    a: str,
    b: str,
    *,
    year: int,
    prev_year: int | None,
    p: PartnershipParams,
    only: Sequence[str] | None = None,
) -> str:
    """The :func:`third_markets_sql` table at HS4 from country totals (joint RCA over the
    headings of the table; the pair's exports to a market from the top-10 lists, a
    lower bound)."""
    qa, qb = _q(a), _q(b)
    pair = f"({qa}, {qb})"
    years = [year] if prev_year is None else [prev_year, year]
    py = _prev_year_sql(prev_year)
    return f"""
    WITH {_totals_ctes(a, b, years=years)},
    {_origin_ctes(a, b)},
    pt_joint AS (
      SELECT hs FROM pt_hr WHERE year = {int(year)} AND rca_joint >= {float(p.rca)}
        {f"AND hs IN {_codes(only)}" if only else ""}
    ),
    pt_prev AS (SELECT DISTINCT hs FROM pt_ctot WHERE year = {py}),
    pt_mk AS (
      SELECT c.country AS importer, c.hs,
             SUM(CASE WHEN c.year = {int(year)} THEN c.m ELSE 0 END) AS imports_usd,
             SUM(CASE WHEN c.year = {py} THEN c.m ELSE 0 END) AS imports_prev_usd
      FROM pt_ctot AS c JOIN pt_joint AS j ON j.hs = c.hs
      WHERE c.country NOT IN {pair}
      GROUP BY c.country, c.hs
    ),
    pt_pairx AS (
      SELECT hs, importer, SUM(v) AS pair_usd FROM pt_bilk
      WHERE year = {int(year)} AND exporter IN {pair} GROUP BY hs, importer
    ),
    pt_mkg AS (
      SELECT m.*, COALESCE(x.pair_usd, 0) AS pair_usd,
             m.imports_usd - COALESCE(x.pair_usd, 0) AS gap_usd,
             CASE WHEN v.hs IS NOT NULL THEN 1 ELSE 0 END AS in_prev
      FROM pt_mk AS m
      LEFT JOIN pt_pairx AS x ON x.hs = m.hs AND x.importer = m.importer
      LEFT JOIN pt_prev AS v ON v.hs = m.hs
    ),
    pt_m AS (
      SELECT importer, SUM(imports_usd) AS imports_usd, SUM(pair_usd) AS pair_exports_usd,
             SUM(CASE WHEN in_prev = 1 THEN imports_usd ELSE 0 END) AS imports_same_usd,
             SUM(CASE WHEN in_prev = 1 THEN imports_prev_usd ELSE 0 END) AS imports_prev_usd,
             SUM(CASE WHEN imports_usd > 0 THEN 1 ELSE 0 END) AS n_products,
             TOP_BY(hs, gap_usd) AS top_product, MAX(gap_usd) AS top_product_opportunity_usd
      FROM pt_mkg GROUP BY importer
    ),
    {_ranked_markets(year=year, prev_year=prev_year, p=p)}"""


def _codes(codes: Sequence[str]) -> str:
    """A SQL list of validated HS headings or subheadings."""
    for c in codes:
        if not (c.isdigit() and len(c) in (2, 4, 6)):
            raise ValueError(f"{c!r} is not an HS code")
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")"
