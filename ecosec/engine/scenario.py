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
quantity adds value but no tonnes). The SQL is DuckDB's dialect, run on Spark after
sqlglot; all tables the model needs come out of one query (section column) so the
flows are read once.
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


def supplier_years_sql(*, supplier: str, hs: Sequence[str] | None, simple: bool) -> str:
    """Years (after the mirror and complete-months rules) in which ``supplier`` exports."""
    return f"""
    WITH sc_trade AS ({trade_sql(hs=hs, years=None, simple=simple)})
    SELECT DISTINCT year FROM sc_trade WHERE exporter = '{_code(supplier)}' AND value_usd > 0
    """


def _code(code: str) -> str:
    return sql_list([code])[2:-2]  # validated single code, without the list syntax


def _stage_ctes(n: int, chosen: str) -> str:
    """CTEs of allocation stage ``n`` from ``sc_need{n}`` (redirect, importer, hs6, need)."""
    del chosen
    return f"""
    sc_sum{n} AS (
      SELECT redirect, hs6, SUM(need_usd) AS need_usd, SUM(need_t) AS need_t
      FROM sc_need{n} GROUP BY redirect, hs6
    ),
    sc_rate{n} AS (
      -- capacity of exporter a per unit of the need of the exposed importers other than a
      SELECT c.redirect, c.chosen, c.exporter, c.hs6, c.third_usd, c.third_t,
             c.cap_usd, c.cap_t,
             CASE WHEN s.need_usd - COALESCE(o.need_usd, 0) > 0
                  THEN c.cap_usd / (s.need_usd - COALESCE(o.need_usd, 0)) ELSE 0 END AS rate_usd,
             CASE WHEN s.need_t - COALESCE(o.need_t, 0) > 0
                  THEN c.cap_t / (s.need_t - COALESCE(o.need_t, 0)) ELSE 0 END AS rate_t
      FROM sc_cap AS c
      JOIN sc_sum{n} AS s ON s.redirect = c.redirect AND s.hs6 = c.hs6
      LEFT JOIN sc_need{n} AS o
        ON o.redirect = c.redirect AND o.importer = c.exporter AND o.hs6 = c.hs6
      WHERE c.stage = {n}
    ),
    sc_rates{n} AS (
      SELECT redirect, hs6, SUM(rate_usd) AS rate_usd, SUM(rate_t) AS rate_t
      FROM sc_rate{n} GROUP BY redirect, hs6
    ),
    sc_offer{n} AS (
      SELECT d.redirect, d.importer, d.hs6, d.need_usd, d.need_t,
             d.need_usd * (COALESCE(k.rate_usd, 0) - COALESCE(o.rate_usd, 0)) AS offered_usd,
             d.need_t * (COALESCE(k.rate_t, 0) - COALESCE(o.rate_t, 0)) AS offered_t
      FROM sc_need{n} AS d
      LEFT JOIN sc_rates{n} AS k ON k.redirect = d.redirect AND k.hs6 = d.hs6
      LEFT JOIN sc_rate{n} AS o
        ON o.redirect = d.redirect AND o.exporter = d.importer AND o.hs6 = d.hs6
    ),
    sc_cov{n} AS (
      -- an importer takes the smaller of its remaining loss and what is offered to it
      SELECT redirect, importer, hs6, need_usd, need_t,
             CASE WHEN offered_usd > 0 THEN offered_usd ELSE 0 END AS offered_usd,
             CASE WHEN need_t IS NULL THEN NULL
                  WHEN offered_t > 0 THEN offered_t ELSE 0 END AS offered_t,
             CASE WHEN offered_usd > need_usd THEN need_usd
                  WHEN offered_usd > 0 THEN offered_usd ELSE 0 END AS covered_usd,
             CASE WHEN need_t IS NULL THEN NULL
                  WHEN offered_t > need_t THEN need_t
                  WHEN offered_t > 0 THEN offered_t ELSE 0 END AS covered_t
      FROM sc_offer{n}
    ),
    sc_sub{n} AS (
      -- per alternative exporter at the chosen redirect: its offer, scaled like all
      -- offers to that importer when they exceed the remaining loss
      SELECT a.exporter, d.importer, a.hs6, '{STAGES[n]}' AS stage,
             a.third_usd, a.third_t, a.cap_usd, a.cap_t,
             a.rate_usd * d.need_usd AS offered_usd,
             a.rate_t * d.need_t AS offered_t,
             CASE WHEN d.offered_usd > 0
                  THEN a.rate_usd * d.need_usd * (d.covered_usd / d.offered_usd) ELSE 0 END
               AS covered_usd,
             CASE WHEN d.need_t IS NULL OR a.rate_t IS NULL THEN NULL
                  WHEN d.offered_t > 0
                  THEN a.rate_t * d.need_t * (d.covered_t / d.offered_t) ELSE 0 END
               AS covered_t
      FROM sc_rate{n} AS a
      JOIN sc_cov{n} AS d
        ON d.redirect = a.redirect AND d.hs6 = a.hs6 AND d.importer <> a.exporter
      WHERE a.chosen = 1 AND a.rate_usd > 0 AND d.need_usd > 0
    )"""


def _select(section: str, exprs: dict[str, str], tail: str) -> str:
    cols = ", ".join(
        f"{exprs.get(name, f'CAST(NULL AS {typ})')} AS {name}" for name, typ in OUT_COLUMNS
    )
    exprs_rest = set(exprs) - {name for name, _ in OUT_COLUMNS}
    if exprs_rest:
        raise ValueError(f"unknown output columns {sorted(exprs_rest)}")  # a bug, not input
    return f"SELECT '{section}' AS section_, {cols.split(', ', 1)[1]} {tail}".replace(
        "section_", "section"
    )


def scenario_sql(p: Params, *, simple: bool) -> str:
    """One query returning every section of the scenario, told apart by ``section``.

    Sections: ``pair`` (per exposed importer and product, at the chosen redirect),
    ``substitution`` (per alternative exporter, importer and product, chosen redirect),
    ``totals`` (per importer, chosen redirect), ``sensitivity`` (per redirect value and
    importer).
    """
    supplier = _code(p.supplier)
    targets = f"AND importer IN {sql_list(p.targets)}" if p.targets else ""
    stage = f"CASE WHEN x.exporter IN {sql_list(p.partners)} THEN 1 ELSE 2 END" if p.partners else "2"
    redirects = " UNION ALL ".join(
        f"SELECT {_num(r)} AS redirect, {1 if r == p.redirect else 0} AS chosen"
        for r in p.redirect_values
    )
    hs = hs_list(p.hs) if p.hs else None  # validates the codes again
    del hs
    cut = _num(p.cut)
    ctes = f"""
    WITH sc_trade AS ({trade_sql(hs=p.hs, years=[p.year], simple=simple)}),
    sc_exposed AS (
      SELECT importer, hs6, SUM(value_usd) AS supplier_usd, SUM(qty_t) AS supplier_t
      FROM sc_trade
      WHERE exporter = '{supplier}' {targets}
      GROUP BY importer, hs6
      HAVING SUM(value_usd) > 0
    ),
    sc_into AS (
      -- every flow into an exposed importer of a product it loses
      SELECT t.exporter, t.importer, t.hs6, SUM(t.value_usd) AS v, SUM(t.qty_t) AS q
      FROM sc_trade AS t
      JOIN sc_exposed AS e ON e.importer = t.importer AND e.hs6 = t.hs6
      GROUP BY t.exporter, t.importer, t.hs6
    ),
    sc_loss AS (
      SELECT e.importer, e.hs6, i.imports_usd, i.imports_t, i.n_suppliers,
             e.supplier_usd, e.supplier_t,
             e.supplier_usd * {cut} AS lost_usd, e.supplier_t * {cut} AS lost_t
      FROM sc_exposed AS e
      JOIN (SELECT importer, hs6, SUM(v) AS imports_usd, SUM(q) AS imports_t,
                   COUNT(*) AS n_suppliers
            FROM sc_into GROUP BY importer, hs6) AS i
        ON i.importer = e.importer AND i.hs6 = e.hs6
    ),
    sc_products AS (SELECT DISTINCT hs6 FROM sc_exposed),
    sc_third AS (
      -- each other exporter's sales to third countries: not exposed in k, not the supplier
      SELECT t.exporter, t.hs6, SUM(t.value_usd) AS third_usd, SUM(t.qty_t) AS third_t
      FROM sc_trade AS t
      JOIN sc_products AS p ON p.hs6 = t.hs6
      LEFT JOIN sc_exposed AS e ON e.importer = t.importer AND e.hs6 = t.hs6
      WHERE t.exporter <> '{supplier}' AND t.importer <> '{supplier}' AND e.importer IS NULL
      GROUP BY t.exporter, t.hs6
      HAVING SUM(t.value_usd) > 0
    ),
    sc_pool AS (
      SELECT l.importer, l.hs6,
             s.third_usd - COALESCE(o.third_usd, 0) AS alt_third_usd
      FROM sc_loss AS l
      LEFT JOIN (SELECT hs6, SUM(third_usd) AS third_usd FROM sc_third GROUP BY hs6) AS s
        ON s.hs6 = l.hs6
      LEFT JOIN sc_third AS o ON o.exporter = l.importer AND o.hs6 = l.hs6
    ),
    sc_redirect AS ({redirects}),
    sc_cap AS (
      SELECT r.redirect, r.chosen, x.exporter, x.hs6, {stage} AS stage,
             x.third_usd, x.third_t,
             x.third_usd * r.redirect AS cap_usd, x.third_t * r.redirect AS cap_t
      FROM sc_third AS x CROSS JOIN sc_redirect AS r
    ),
    sc_need1 AS (
      SELECT r.redirect, l.importer, l.hs6, l.lost_usd AS need_usd, l.lost_t AS need_t
      FROM sc_loss AS l CROSS JOIN sc_redirect AS r
    ),{_stage_ctes(1, "")},
    sc_need2 AS (
      SELECT redirect, importer, hs6, need_usd - covered_usd AS need_usd,
             need_t - covered_t AS need_t
      FROM sc_cov1
    ),{_stage_ctes(2, "")},
    sc_result AS (
      SELECT c1.redirect, r.chosen, c1.importer, c1.hs6, l.lost_usd, l.lost_t,
             c1.covered_usd AS covered_partners_usd, c1.covered_t AS covered_partners_t,
             CASE WHEN c1.covered_usd + c2.covered_usd > l.lost_usd THEN l.lost_usd
                  ELSE c1.covered_usd + c2.covered_usd END AS covered_usd,
             CASE WHEN c1.covered_t + c2.covered_t > l.lost_t THEN l.lost_t
                  ELSE c1.covered_t + c2.covered_t END AS covered_t
      FROM sc_cov1 AS c1
      JOIN sc_cov2 AS c2
        ON c2.redirect = c1.redirect AND c2.importer = c1.importer AND c2.hs6 = c1.hs6
      JOIN sc_loss AS l ON l.importer = c1.importer AND l.hs6 = c1.hs6
      JOIN sc_redirect AS r ON r.redirect = c1.redirect
    ),
    sc_pairs AS (
      SELECT l.importer, l.hs6, l.n_suppliers, l.imports_usd, l.imports_t,
             l.supplier_usd, l.supplier_t, l.lost_usd, l.lost_t, p.alt_third_usd,
             r.covered_partners_usd, r.covered_partners_t, r.covered_usd, r.covered_t,
             l.lost_usd - r.covered_usd AS shortfall_usd,
             l.lost_t - r.covered_t AS shortfall_t
      FROM sc_loss AS l
      JOIN sc_result AS r ON r.importer = l.importer AND r.hs6 = l.hs6 AND r.chosen = 1
      JOIN sc_pool AS p ON p.importer = l.importer AND p.hs6 = l.hs6
    ),
    sc_subs AS (
      SELECT * FROM sc_sub1 UNION ALL SELECT * FROM sc_sub2
    )
    """
    pair_cols = [
        "importer", "hs6", "n_suppliers", "imports_usd", "imports_t", "supplier_usd",
        "supplier_t", "lost_usd", "lost_t", "alt_third_usd", "covered_partners_usd",
        "covered_partners_t", "covered_usd", "covered_t", "shortfall_usd", "shortfall_t",
    ]  # fmt: skip
    pairs = _select("pair", {c: c for c in pair_cols}, "FROM sc_pairs")
    subs = _select(
        "substitution",
        {
            "exporter": "s.exporter",
            "importer": "s.importer",
            "hs6": "s.hs6",
            "stage": "s.stage",
            "current_usd": "COALESCE(i.v, 0)",
            "third_usd": "s.third_usd",
            "third_t": "s.third_t",
            "capacity_usd": "s.cap_usd",
            "capacity_t": "s.cap_t",
            "offered_usd": "s.offered_usd",
            "offered_t": "s.offered_t",
            "covered_usd": "s.covered_usd",
            "covered_t": "s.covered_t",
        },
        """FROM sc_subs AS s
        LEFT JOIN sc_into AS i
          ON i.exporter = s.exporter AND i.importer = s.importer AND i.hs6 = s.hs6""",
    )
    sums = ["imports_usd", "supplier_usd", "lost_usd", "covered_partners_usd", "covered_usd"]
    totals = _select(
        "totals",
        {
            "importer": "importer",
            "n_products": "COUNT(*)",
            **{c: f"SUM({c})" for c in sums},
            "shortfall_usd": "SUM(lost_usd) - SUM(covered_usd)",
        },
        "FROM sc_pairs GROUP BY importer",
    )
    sensitivity = _select(
        "sensitivity",
        {
            "redirect": "redirect",
            "importer": "importer",
            "n_products": "COUNT(*)",
            "lost_usd": "SUM(lost_usd)",
            "covered_partners_usd": "SUM(covered_partners_usd)",
            "covered_usd": "SUM(covered_usd)",
            "shortfall_usd": "SUM(lost_usd) - SUM(covered_usd)",
        },
        "FROM sc_result GROUP BY redirect, importer",
    )
    return f"{ctes}\n{pairs}\nUNION ALL\n{subs}\nUNION ALL\n{totals}\nUNION ALL\n{sensitivity}"
