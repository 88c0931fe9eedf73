"""Disruption scenarios: a supplier cuts exports; who loses, who can cover, what is short.

A partial-equilibrium accounting model (DESIGN.md, "Disruption scenario"; issue 5),
in the spirit of the supply-shock exercises of the EU Commission's strategic
dependencies reviews (SWD(2021) 352) and CEPII GeoDep (Lefebvre & Wibaux 2024): every
number is a sum of observed flows times a stated fraction. Notation: ``M[c,s,k]``
imports of c from s of product k in the chosen year, supplier ``S``, cut ``u``,
redirectable fraction ``r``.

- **Exposed importers** of k: the importers that buy k from S (only the targets among
  them when the cut is targeted; every one of them in a full cut).
- **Lost imports** ``L[c,k] = u · M[c,S,k]``.
- **Spare capacity** of every other exporter ``a ≠ S``:
  ``C[a,k] = r · Σ_j X[a→j,k]`` over third countries j (not exposed in k, not S).
- **Allocation** (one round per stage): a offers its capacity to the exposed importers
  other than itself in proportion to their remaining loss,
  ``o[a,c,k] = C[a,k] · R[c,k] / Σ_{c'≠a} R[c',k]``; c takes
  ``covered = min(R[c,k], Σ_a o[a,c,k])`` and each offer is scaled by the same
  factor. Partners' capacity is allocated first (``R = L``), the others' then cover
  what remains (``R = L − covered by partners``).
- **Shortfall** ``L − covered``; ``covered ≤ L`` per importer and product, so
  ``lost = covered + shortfall``.

Quantities follow the same rule on tonnes, where flows report them (a flow without a
quantity adds value but no tonnes).

In SQL the sum over ``c' ≠ a`` is a window total minus a's own loss:
``rate[a,k] = C[a,k] / (Σ_c R[c,k] − R[a,k])`` and the offers to c are
``R[c,k] · (Σ_a rate[a,k] − rate[c,k])``, so no exporter × importer join is needed
except for the substitution table, which lists the :data:`TOP_EXPORTERS` largest
sources per importer and product and sums the rest. The SQL is DuckDB's dialect, run
on Spark after sqlglot; every table comes out of one query (a ``section`` column), so
DuckDB reads the flows once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecosec.engine.trade import hs_list, sql_list, trade_sql

REDIRECT_DEFAULT = 0.25
"""Default redirectable fraction of exporters' sales to third countries (a convention)."""

SWEEP = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)
"""Redirect values of the sensitivity sweep (the chosen value is added)."""

STAGES = {1: "partner", 2: "other"}

TOP_EXPORTERS = 10
"""Alternative exporters listed one by one per importer and product (by value covered);
the others of each stage are summed in one row (``exporter`` empty)."""

# The one result relation: every section's columns (unused ones NULL), with SQL types.
OUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("section", "VARCHAR"),
    ("redirect", "DOUBLE"),
    ("exporter", "VARCHAR"),
    ("importer", "VARCHAR"),
    ("hs6", "VARCHAR"),
    ("stage", "VARCHAR"),
    ("n_products", "BIGINT"),
    ("n_suppliers", "BIGINT"),
    ("n_exporters", "BIGINT"),
    ("imports_usd", "DOUBLE"),
    ("imports_t", "DOUBLE"),
    ("supplier_usd", "DOUBLE"),
    ("supplier_t", "DOUBLE"),
    ("lost_usd", "DOUBLE"),
    ("lost_t", "DOUBLE"),
    ("alt_third_usd", "DOUBLE"),
    ("current_usd", "DOUBLE"),
    ("third_usd", "DOUBLE"),
    ("third_t", "DOUBLE"),
    ("capacity_usd", "DOUBLE"),
    ("capacity_t", "DOUBLE"),
    ("offered_usd", "DOUBLE"),
    ("offered_t", "DOUBLE"),
    ("covered_partners_usd", "DOUBLE"),
    ("covered_partners_t", "DOUBLE"),
    ("covered_usd", "DOUBLE"),
    ("covered_t", "DOUBLE"),
    ("shortfall_usd", "DOUBLE"),
    ("shortfall_t", "DOUBLE"),
    ("share_of_lost", "DOUBLE"),
)


@dataclass(frozen=True)
class Params:
    """Validated inputs of one scenario (codes already resolved)."""

    supplier: str
    hs: tuple[str, ...] | None
    year: int
    cut: float
    targets: tuple[str, ...] | None  # None: a full cut (every importer)
    redirect: float
    partners: tuple[str, ...] = ()
    sweep: tuple[float, ...] = SWEEP

    @property
    def redirect_values(self) -> tuple[float, ...]:
        return tuple(sorted({*self.sweep, self.redirect}))


def _num(x: float) -> str:
    return f"CAST({float(x)!r} AS DOUBLE)"


def supplier_years_sql(
    *, supplier: str, targets: Sequence[str] | None, hs: Sequence[str] | None, simple: bool
) -> str:
    """Years in which ``supplier`` sells the products to the targets (or to anyone).

    Columns ``year`` and ``annual`` (1 when annual flows, not only sums of complete
    months, hold such sales), so a default year can prefer annual data as the
    dependency tables do.
    """
    into = f"AND importer IN {sql_list(targets)}" if targets else ""
    who = f"exporter = '{_code(supplier)}' {into}"
    if simple:
        annual = ""
    else:
        annual = f"""
    UNION ALL
    SELECT DISTINCT period AS year, 1 AS annual FROM flows
    WHERE freq = 'A' AND {who} {f"AND hs6 IN {hs_list(hs)}" if hs else ""} AND value_usd > 0"""
    return f"""
    WITH sc_trade AS ({trade_sql(hs=hs, years=None, simple=simple)}),
    sc_years AS (
      SELECT DISTINCT year, {1 if simple else 0} AS annual FROM sc_trade
      WHERE {who} AND value_usd > 0{annual}
    )
    SELECT year, MAX(annual) AS annual FROM sc_years GROUP BY year ORDER BY year
    """


def _code(code: str) -> str:
    return sql_list([code])[2:-2]  # validated single code, without the list syntax


def _stage(n: int, prev: str, need_usd: str, need_t: str) -> str:
    """CTEs of allocation stage ``n`` (1 partners, 2 others) over ``prev``.

    One row per (redirect, country, hs6); ``cap{n}`` is the country's capacity in this
    stage, ``need{n}`` its remaining loss. Window sums per (redirect, hs6) replace
    self-joins, so the plan stays linear (Spark inlines every CTE).
    """
    w = "OVER (PARTITION BY redirect, hs6)"
    rate_usd = (
        f"CASE WHEN tot{n}_usd - need{n}_usd > 0 "
        f"THEN cap{n}_usd / (tot{n}_usd - need{n}_usd) ELSE 0 END"
    )
    rate_t = (
        f"CASE WHEN tot{n}_t - COALESCE(need{n}_t, 0) > 0 "
        f"THEN cap{n}_t / (tot{n}_t - COALESCE(need{n}_t, 0)) ELSE 0 END"
    )
    return f"""
    sc_s{n}a AS (
      SELECT *, {need_usd} AS need{n}_usd, {need_t} AS need{n}_t,
             SUM({need_usd}) {w} AS tot{n}_usd, SUM({need_t}) {w} AS tot{n}_t
      FROM {prev}
    ),
    sc_s{n}b AS (
      -- capacity per unit of the loss of the exposed importers other than the exporter
      SELECT *, {rate_usd} AS rate{n}_usd, SUM({rate_usd}) {w} AS sumrate{n}_usd,
             {rate_t} AS rate{n}_t, SUM({rate_t}) {w} AS sumrate{n}_t
      FROM sc_s{n}a
    ),
    sc_s{n}c AS (
      -- offers to an importer: its loss x the others' rates; it takes at most its loss
      SELECT *,
             CASE WHEN offered{n}_usd > need{n}_usd THEN need{n}_usd
                  WHEN offered{n}_usd > 0 THEN offered{n}_usd ELSE 0 END AS covered{n}_usd,
             CASE WHEN need{n}_t IS NULL THEN NULL
                  WHEN offered{n}_t > need{n}_t THEN need{n}_t
                  WHEN offered{n}_t > 0 THEN offered{n}_t ELSE 0 END AS covered{n}_t
      FROM (
        SELECT *,
               need{n}_usd * (sumrate{n}_usd - rate{n}_usd) AS offered{n}_usd,
               need{n}_t * (COALESCE(sumrate{n}_t, 0) - COALESCE(rate{n}_t, 0)) AS offered{n}_t
        FROM sc_s{n}b
      ) AS x
    )"""


def _select(section: str, exprs: dict[str, str], tail: str) -> str:
    """One section's SELECT onto :data:`OUT_COLUMNS` (columns it lacks are typed NULLs)."""
    unknown = set(exprs) - {name for name, _ in OUT_COLUMNS}
    if unknown:
        raise ValueError(f"unknown output columns {sorted(unknown)}")  # a bug, not user input
    cols = [f"'{section}' AS section"] + [
        f"{exprs.get(name, f'CAST(NULL AS {typ})')} AS {name}"
        for name, typ in OUT_COLUMNS
        if name != "section"
    ]
    return f"SELECT {', '.join(cols)} {tail}"


def _base_ctes(p: Params, *, simple: bool) -> str:
    """From the reconciled flows to one row per (redirect, country, hs6) of the model."""
    s = _code(p.supplier)
    targets = f"AND importer IN {sql_list(p.targets)}" if p.targets else ""
    stage = f"CASE WHEN country IN {sql_list(p.partners)} THEN 1 ELSE 2 END" if p.partners else "2"
    redirects = " UNION ALL ".join(
        f"SELECT {_num(r)} AS redirect, {1 if r == p.redirect else 0} AS chosen"
        for r in p.redirect_values
    )
    cut = _num(p.cut)
    # stage 1 needs are the losses; stage 2 needs what partners left uncovered
    stage1 = _stage(
        1,
        "sc_base",
        f"COALESCE(supplier_usd * {cut}, 0)",
        f"CASE WHEN exposed = 1 THEN supplier_t * {cut} ELSE 0 END",
    )
    stage2 = _stage(2, "sc_s1c", "need1_usd - covered1_usd", "need1_t - covered1_t")
    return f"""
    WITH sc_trade AS ({trade_sql(hs=p.hs, years=[p.year], simple=simple)}),
    sc_flagged AS (
      SELECT exporter, importer, hs6, value_usd, qty_t,
             SUM(CASE WHEN exporter = '{s}' THEN value_usd ELSE 0 END)
               OVER (PARTITION BY importer, hs6) AS from_supplier
      FROM sc_trade
    ),
    sc_marked AS (
      -- exposed: the (importer, product) pairs that buy from the supplier (targets only)
      SELECT *, MAX(exposed) OVER (PARTITION BY hs6) AS product_hit
      FROM (SELECT *, CASE WHEN from_supplier > 0 {targets} THEN 1 ELSE 0 END AS exposed
            FROM sc_flagged) AS f
    ),
    sc_into AS (
      SELECT exporter, importer, hs6, SUM(value_usd) AS v, SUM(qty_t) AS q
      FROM sc_marked WHERE exposed = 1
      GROUP BY exporter, importer, hs6
    ),
    sc_loss AS (
      SELECT importer, hs6, SUM(v) AS imports_usd, SUM(q) AS imports_t, COUNT(*) AS n_suppliers,
             SUM(CASE WHEN exporter = '{s}' THEN v END) AS supplier_usd,
             SUM(CASE WHEN exporter = '{s}' THEN q END) AS supplier_t
      FROM sc_into GROUP BY importer, hs6
    ),
    sc_third AS (
      -- other exporters' sales to third countries: not exposed in k, not the supplier
      SELECT exporter, hs6, SUM(value_usd) AS third_usd, SUM(qty_t) AS third_t
      FROM sc_marked
      WHERE product_hit = 1 AND exposed = 0 AND exporter <> '{s}' AND importer <> '{s}'
      GROUP BY exporter, hs6
      HAVING SUM(value_usd) > 0
    ),
    sc_actors AS (
      -- one row per country and product: as alternative exporter and/or exposed importer
      SELECT country, hs6, MAX(exposed) AS exposed,
             SUM(third_usd) AS third_usd, SUM(third_t) AS third_t,
             SUM(imports_usd) AS imports_usd, SUM(imports_t) AS imports_t,
             SUM(n_suppliers) AS n_suppliers,
             SUM(supplier_usd) AS supplier_usd, SUM(supplier_t) AS supplier_t
      FROM (
        SELECT exporter AS country, hs6, 0 AS exposed, third_usd, third_t,
               CAST(NULL AS DOUBLE) AS imports_usd, CAST(NULL AS DOUBLE) AS imports_t,
               CAST(NULL AS BIGINT) AS n_suppliers,
               CAST(NULL AS DOUBLE) AS supplier_usd, CAST(NULL AS DOUBLE) AS supplier_t
        FROM sc_third
        UNION ALL
        SELECT importer, hs6, 1, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), imports_usd,
               imports_t, n_suppliers, supplier_usd, supplier_t
        FROM sc_loss
      ) AS u
      GROUP BY country, hs6
    ),
    sc_redirect AS ({redirects}),
    sc_base AS (
      SELECT r.redirect, r.chosen, a.*, {stage} AS stage,
             a.supplier_usd * {cut} AS lost_usd, a.supplier_t * {cut} AS lost_t,
             SUM(COALESCE(a.third_usd, 0)) OVER (PARTITION BY r.redirect, a.hs6)
               - COALESCE(a.third_usd, 0) AS alt_third_usd,
             CASE WHEN {stage} = 1 THEN COALESCE(a.third_usd, 0) * r.redirect ELSE 0 END
               AS cap1_usd,
             CASE WHEN {stage} = 1 THEN a.third_t * r.redirect ELSE 0 END AS cap1_t,
             CASE WHEN {stage} = 2 THEN COALESCE(a.third_usd, 0) * r.redirect ELSE 0 END
               AS cap2_usd,
             CASE WHEN {stage} = 2 THEN a.third_t * r.redirect ELSE 0 END AS cap2_t
      FROM sc_actors AS a CROSS JOIN sc_redirect AS r
    ),{stage1},{stage2},
    sc_alloc AS (
      SELECT *,
             CASE WHEN covered1_usd + covered2_usd > need1_usd THEN need1_usd
                  ELSE covered1_usd + covered2_usd END AS covered_usd,
             CASE WHEN covered1_t + covered2_t > need1_t THEN need1_t
                  ELSE covered1_t + covered2_t END AS covered_t,
             -- the factor scaling every offer to this importer in each stage
             CASE WHEN offered1_usd > 0 THEN covered1_usd / offered1_usd ELSE 0 END AS fill1_usd,
             CASE WHEN offered2_usd > 0 THEN covered2_usd / offered2_usd ELSE 0 END AS fill2_usd,
             CASE WHEN offered1_t > 0 THEN covered1_t / offered1_t ELSE 0 END AS fill1_t,
             CASE WHEN offered2_t > 0 THEN covered2_t / offered2_t ELSE 0 END AS fill2_t
      FROM sc_s2c
    ),{_substitution_ctes()}
    """


def _substitution_ctes() -> str:
    """Per (exporter, importer, product) at the chosen redirect: the top exporters and,
    per stage, one row summing the rest.

    Within a product and stage every importer receives from each exporter in proportion
    to the exporter's rate, so an importer's largest sources are among the
    ``TOP_EXPORTERS + 1`` highest rates of each stage (one more: the importer itself is
    never its own source); only those candidates are paired with importers.
    """
    top = TOP_EXPORTERS
    return f"""
    sc_cand AS (
      SELECT * FROM (
        SELECT country AS exporter, hs6, stage, third_usd, third_t,
               cap1_usd + cap2_usd AS cap_usd,
               CASE WHEN stage = 1 THEN cap1_t ELSE cap2_t END AS cap_t,
               rate1_usd + rate2_usd AS rate_usd,
               CASE WHEN stage = 1 THEN rate1_t ELSE rate2_t END AS rate_t,
               ROW_NUMBER() OVER (PARTITION BY hs6, stage
                                  ORDER BY rate1_usd + rate2_usd DESC, country) AS rk
        FROM sc_alloc WHERE chosen = 1 AND rate1_usd + rate2_usd > 0
      ) AS x
      WHERE rk <= {top + 1}
    ),
    sc_nalt AS (
      SELECT hs6, stage, COUNT(*) AS n FROM sc_alloc
      WHERE chosen = 1 AND rate1_usd + rate2_usd > 0 GROUP BY hs6, stage
    ),
    sc_pairsub AS (
      SELECT a.exporter, c.country AS importer, a.hs6, a.stage, a.third_usd, a.third_t,
             a.cap_usd, a.cap_t, c.need1_usd AS lost_usd,
             a.rate_usd * CASE WHEN a.stage = 1 THEN c.need1_usd ELSE c.need2_usd END
               AS offered_usd,
             a.rate_t * CASE WHEN a.stage = 1 THEN c.need1_t ELSE c.need2_t END AS offered_t,
             a.rate_usd * CASE WHEN a.stage = 1 THEN c.need1_usd * c.fill1_usd
                               ELSE c.need2_usd * c.fill2_usd END AS covered_usd,
             a.rate_t * CASE WHEN a.stage = 1 THEN c.need1_t * c.fill1_t
                             ELSE c.need2_t * c.fill2_t END AS covered_t
      FROM sc_cand AS a
      JOIN sc_alloc AS c ON c.hs6 = a.hs6 AND c.country <> a.exporter
      WHERE c.chosen = 1 AND c.exposed = 1
        AND CASE WHEN a.stage = 1 THEN c.need1_usd * c.fill1_usd
                 ELSE c.need2_usd * c.fill2_usd END > 0
    ),
    sc_top AS (
      SELECT * FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY importer, hs6
                                     ORDER BY covered_usd DESC, exporter) AS rk
        FROM sc_pairsub
      ) AS x
      WHERE rk <= {top}
    ),
    sc_rest AS (
      SELECT c.country AS importer, c.hs6, n.stage, c.need1_usd AS lost_usd,
             CASE WHEN n.stage = 1 THEN c.covered1_usd ELSE c.covered2_usd END
               - COALESCE(k.covered_usd, 0) AS covered_usd,
             CASE WHEN n.stage = 1 THEN c.covered1_t ELSE c.covered2_t END
               - COALESCE(k.covered_t, 0) AS covered_t,
             n.n - COALESCE(k.n, 0)
               - CASE WHEN c.stage = n.stage AND c.rate1_usd + c.rate2_usd > 0 THEN 1 ELSE 0 END
               AS n_exporters
      FROM sc_alloc AS c
      JOIN sc_nalt AS n ON n.hs6 = c.hs6
      LEFT JOIN (SELECT importer, hs6, stage, SUM(covered_usd) AS covered_usd,
                        SUM(covered_t) AS covered_t, COUNT(*) AS n
                 FROM sc_top GROUP BY importer, hs6, stage) AS k
        ON k.importer = c.country AND k.hs6 = c.hs6 AND k.stage = n.stage
      WHERE c.chosen = 1 AND c.exposed = 1
        AND CASE WHEN n.stage = 1 THEN c.need1_usd * c.fill1_usd
                 ELSE c.need2_usd * c.fill2_usd END > 0
    )"""


def scenario_sql(p: Params, *, simple: bool) -> str:
    """One query returning every section of the scenario, told apart by ``section``.

    Sections: ``pair`` (per exposed importer and product, at the chosen redirect),
    ``substitution`` (per alternative exporter, importer and product, chosen redirect),
    ``totals`` (per importer, chosen redirect), ``sensitivity`` (per redirect value and
    importer). Money in USD, quantities in tonnes (``_t``).

    >>> from ecosec.engine.executor import run, sample_catalog
    >>> p = Params(supplier="CHN", hs=("850511",), year=2024, cut=1.0, targets=("KOR",),
    ...            redirect=0.25)
    >>> df = run(sample_catalog(), scenario_sql(p, simple=False))
    >>> sorted(df["section"].unique())
    ['pair', 'sensitivity', 'substitution', 'totals']
    """
    pair_cols = [
        "hs6", "n_suppliers", "imports_usd", "imports_t", "supplier_usd", "supplier_t",
        "lost_usd", "lost_t", "alt_third_usd", "covered_usd", "covered_t",
    ]  # fmt: skip
    pairs = _select(
        "pair",
        {
            **{c: c for c in pair_cols},
            "importer": "country",
            "covered_partners_usd": "covered1_usd",
            "covered_partners_t": "covered1_t",
            "shortfall_usd": "lost_usd - covered_usd",
            "shortfall_t": "lost_t - covered_t",
        },
        "FROM sc_alloc WHERE chosen = 1 AND exposed = 1",
    )
    stage = f"CASE WHEN {{}}.stage = 1 THEN '{STAGES[1]}' ELSE '{STAGES[2]}' END"
    subs = _select(
        "substitution",
        {
            "exporter": "s.exporter",
            "importer": "s.importer",
            "hs6": "s.hs6",
            "stage": stage.format("s"),
            "n_exporters": "1",
            "current_usd": "COALESCE(i.v, 0)",
            "third_usd": "s.third_usd",
            "third_t": "s.third_t",
            "capacity_usd": "s.cap_usd",
            "capacity_t": "s.cap_t",
            "offered_usd": "s.offered_usd",
            "offered_t": "s.offered_t",
            "covered_usd": "s.covered_usd",
            "covered_t": "s.covered_t",
            "share_of_lost": "s.covered_usd / s.lost_usd",
        },
        """FROM sc_top AS s
        LEFT JOIN sc_into AS i
          ON i.exporter = s.exporter AND i.importer = s.importer AND i.hs6 = s.hs6""",
    )
    rest = _select(
        "substitution",
        {
            "importer": "importer",
            "hs6": "hs6",
            "stage": stage.format("sc_rest"),
            "n_exporters": "n_exporters",
            "covered_usd": "covered_usd",
            "covered_t": "covered_t",
            "share_of_lost": "covered_usd / lost_usd",
        },
        "FROM sc_rest WHERE n_exporters > 0",
    )
    sums = ["imports_usd", "supplier_usd", "lost_usd", "covered_usd"]
    totals = _select(
        "totals",
        {
            "importer": "country",
            "n_products": "COUNT(*)",
            **{c: f"SUM({c})" for c in sums},
            "covered_partners_usd": "SUM(covered1_usd)",
            "shortfall_usd": "SUM(lost_usd - covered_usd)",
        },
        "FROM sc_alloc WHERE chosen = 1 AND exposed = 1 GROUP BY country",
    )
    sensitivity = _select(
        "sensitivity",
        {
            "redirect": "redirect",
            "importer": "country",
            "n_products": "COUNT(*)",
            "lost_usd": "SUM(lost_usd)",
            "covered_partners_usd": "SUM(covered1_usd)",
            "covered_usd": "SUM(covered_usd)",
            "shortfall_usd": "SUM(lost_usd - covered_usd)",
        },
        "FROM sc_alloc WHERE exposed = 1 GROUP BY redirect, country",
    )
    parts = [_base_ctes(p, simple=simple), pairs, subs, rest, totals, sensitivity]
    return parts[0] + "\nUNION ALL\n".join(parts[1:])
