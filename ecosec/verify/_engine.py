"""Checks of the engine's conservation laws: supplier and world shares sum to 1, and
full export cuts conserve value (``shares``, ``world``, ``scenario``)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from ecosec import api_scenario, refdata
from ecosec.engine import dependency as dep
from ecosec.engine.conservation import relative_gap, split_gap, substitution_gap
from ecosec.engine.executor import Catalog, is_simple
from ecosec.engine.trade import trade_sql
from ecosec.errors import EcosecError
from ecosec.verify._common import REL_TOL, Check, _close


def _scenario_plan(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, *, n_suppliers: int, n_products: int
) -> tuple[int, list[tuple[str, float, list[str]]]] | None:
    """The year with the most flows (the latest on a tie) and its ``n_suppliers`` largest
    exporters (known country codes, by world export share) with their ``n_products``
    largest exports of that year."""
    trade = trade_sql(hs=None, years=None, simple=is_simple(catalog))
    df = con.execute(
        f"""
        WITH vt AS ({trade}),
        yr AS (SELECT year FROM vt GROUP BY year ORDER BY count(*) DESC, year DESC LIMIT 1),
        ex AS (SELECT exporter, hs6, SUM(value_usd) AS v FROM vt
               WHERE year = (SELECT year FROM yr) GROUP BY exporter, hs6 HAVING SUM(value_usd) > 0),
        tot AS (SELECT exporter, SUM(v) AS x, SUM(SUM(v)) OVER () AS w FROM ex GROUP BY exporter),
        rk AS (SELECT exporter, x / w AS share, ROW_NUMBER() OVER (ORDER BY x DESC, exporter) AS r
               FROM tot)
        SELECT (SELECT year FROM yr) AS year, rk.r, rk.exporter, rk.share, ex.hs6,
               ROW_NUMBER() OVER (PARTITION BY ex.exporter ORDER BY ex.v DESC, ex.hs6) AS pr
        FROM rk JOIN ex USING (exporter) WHERE rk.r <= {n_suppliers + 10}
        QUALIFY pr <= {n_products} ORDER BY rk.r, pr
        """
    ).df()
    if df.empty:
        return None
    plan: list[tuple[str, float, list[str]]] = []
    for _, part in df.groupby("r", sort=True):
        exporter = str(part["exporter"].iloc[0])
        try:  # a scenario's supplier must be a country of the reference tables
            known = refdata.resolve_country(exporter) == exporter
        except EcosecError:
            known = False
        if known and len(plan) < n_suppliers:
            plan.append((exporter, float(part["share"].iloc[0]), part["hs6"].tolist()))
    return int(df["year"].iloc[0]), plan


def _conservation(
    s: api_scenario.Scenario, who: str, supplier: str, codes: list[str], exports: float, note: str
) -> list[Check]:
    """The five conservation checks of one scenario (see :mod:`ecosec.verify`)."""
    cols = ["lost_usd", "covered_usd", "shortfall_usd"]
    sh, totals, sens = s.shortfall, s.totals.set_index("importer"), s.sensitivity
    chosen = sens[np.isclose(sens["redirect"], float(s.assumptions["redirect"]))]
    summed = sh.groupby("importer")[cols].sum()
    per_importer = max(
        relative_gap(
            summed.reindex(totals.index.union(summed.index)) - totals[cols], totals["lost_usd"]
        ),
        relative_gap(chosen.set_index("importer")[cols] - totals[cols], totals["lost_usd"]),
        split_gap(totals, "usd"),
        split_gap(sens, "usd"),
    )
    gaps = substitution_gap(sh, s.substitution)
    sub_gap = float(gaps.fillna(np.inf).max()) if len(gaps) else 0.0
    rows = max(split_gap(sh, "usd", s.substitution), split_gap(sh, "t", s.substitution))
    lost = float(sh["lost_usd"].sum())
    parts = float(sh["covered_usd"].sum() + sh["shortfall_usd"].sum())
    return [
        Check("scenario", f"{who}: lost = covered + shortfall ({len(sh):,} importer×product)",
              0.0, rows, rows <= REL_TOL, "largest gap / scale, USD and t; 0 ≤ covered ≤ lost"),
        Check("scenario", f"{who}: total lost = covered + shortfall", lost, parts,
              _close(lost, parts), "USD"),
        Check("scenario", f"{who}: per-importer tables = sums of rows", 0.0, per_importer,
              per_importer <= REL_TOL, "largest gap / lost; totals, sensitivity sweep"),
        Check("scenario", f"{who}: lost = {supplier}'s exports of {len(codes)} products",
              exports, lost, _close(exports, lost), f"USD, from the trade data; {note}"),
        Check("scenario", f"{who}: substitution rows sum to covered", 0.0, sub_gap,
              sub_gap <= REL_TOL, "largest gap / scale"),
    ]  # fmt: skip


def _scenario_checks(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    *,
    store: str | Path | None,
    sample: bool | None,
    n_suppliers: int,
    n_products: int,
) -> list[Check]:
    """Full export cuts by the largest exporters, for every importer, checked for
    conservation (``n_suppliers`` suppliers × ``n_products``; :func:`ecosec.verify.verify`
    passes :data:`ecosec.verify.SCENARIO_SUPPLIERS` and
    :data:`ecosec.verify.SCENARIO_PRODUCTS`, read at each call)."""
    plan = _scenario_plan(con, catalog, n_suppliers=n_suppliers, n_products=n_products)
    if plan is None or not plan[1]:
        return [Check("scenario", "no exporter to cut", 0, 0, True, "no annual trade; skipped")]
    year, suppliers = plan
    out: list[Check] = []
    for supplier, share, codes in suppliers:
        who = f"{supplier} cut {year}"
        exp_sql = trade_sql(hs=codes, years=[year], simple=is_simple(catalog))
        row = con.execute(
            f"SELECT coalesce(sum(value_usd), 0) FROM ({exp_sql}) WHERE exporter = ?", [supplier]
        ).fetchone()
        assert row is not None
        try:
            s = api_scenario.scenario(
                supplier, products=codes, year=year, cut=1.0, store=store, sample=sample
            )
        except EcosecError as exc:
            out.append(Check("scenario", who, 0, 0, False, f"the scenario failed: {exc}"))
            continue
        note = f"{supplier}: {share:.1%} of world exports in {year}"
        out += _conservation(s, who, supplier, codes, float(row[0]), note)
    return out


def _share_checks(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Check]:
    """Supplier shares as the engine computes them (``supplier_share_sql``, every
    importer, product and year) sum to 1; so do world export shares of the trade
    relation."""
    simple = is_simple(catalog)
    shares = dep.supplier_share_sql(dep.Importer(None), hs=None, years=None, simple=simple)
    trade = trade_sql(hs=None, years=None, simple=simple)
    row = con.execute(
        f"""
        WITH s AS (SELECT year, importer, hs6, SUM(share) AS share_sum
                   FROM ({shares}) GROUP BY year, importer, hs6),
        vt_trade AS ({trade}),
        xp AS (SELECT year, hs6, exporter, SUM(value_usd) AS x FROM vt_trade
               GROUP BY year, hs6, exporter HAVING SUM(value_usd) > 0),
        w AS (SELECT year, hs6, SUM(x) AS wx FROM xp GROUP BY year, hs6),
        ws AS (SELECT x.year, x.hs6, SUM(x.x / w.wx) AS share_sum
               FROM xp AS x JOIN w USING (year, hs6) GROUP BY x.year, x.hs6)
        SELECT (SELECT count(*) FROM s), (SELECT max(abs(share_sum - 1)) FROM s),
               (SELECT count(*) FROM ws), (SELECT max(abs(share_sum - 1)) FROM ws)
        """
    ).fetchone()
    assert row is not None
    n_s, dev_s, n_w, dev_w = (float(x or 0) for x in row)
    return [
        Check("shares", f"supplier shares sum to 1 ({int(n_s):,} importer×product×year)",
              0.0, dev_s, dev_s < 1e-9, "largest deviation from 1"),
        Check("world", f"world export shares sum to 1 ({int(n_w):,} product×year)",
              0.0, dev_w, dev_w < 1e-9, "largest deviation from 1"),
    ]  # fmt: skip
