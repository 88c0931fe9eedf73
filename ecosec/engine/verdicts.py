"""Plain-language verdicts of a partnership, written from the numbers of its tables.

Each function reads one section table (small, already computed) and returns a few
sentences that quote the numbers they rest on. Rules:

- a scope is *more complementary than competitive* when the better of the two trade
  complementarity indices exceeds export similarity (both are overlaps of two
  distributions on the same 0–100 scale, see :mod:`ecosec.engine.complementarity`),
  and *more competitive than complementary* otherwise;
- the other sections list their largest items, in the order of their table.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from ecosec import refdata
from ecosec.engine.agenda import KIND_MARKET, _f, pct, product_label, usd


def _num(x: object, fmt: str = ".1f") -> str:
    v = _f(x)
    return "–" if v is None else format(v, fmt)


def complementarity(df: pd.DataFrame, a: str, b: str) -> tuple[str, ...]:
    """One sentence per scope and level of the overview table."""
    out = []
    for r in df.to_dict("records"):
        tc = [v for v in (_f(r["tc_a_to_b"]), _f(r["tc_b_to_a"])) if v is not None]
        es = _f(r["es"])
        if int(r["n_products"]) < 2:
            label = "a single product, so the indices say little"
        elif not tc or es is None:
            label = "too little trade of both to compare"
        elif max(tc) > es:
            label = "more complementary than competitive"
        else:
            label = "more competitive than complementary"
        gl = f", GL {_num(r['gl'], '.2f')}" if _f(r["gl"]) is not None else ""
        out.append(
            f"{r['scope']} ({r['level']}, {r['year']}): {label}: TC {a}->{b} "
            f"{_num(r['tc_a_to_b'])} and {b}->{a} {_num(r['tc_b_to_a'])} vs ES "
            f"{_num(r['es'])}{gl}; both have RCA >= 1 in {int(r['n_compete'])} of "
            f"{int(r['n_products'])} products, {a} exports what {b} imports in "
            f"{int(r['n_complement_a_to_b'])}, {b} what {a} imports in "
            f"{int(r['n_complement_b_to_a'])}."
        )
    return tuple(out)


def products(df: pd.DataFrame, a: str, b: str, *, top: int = 3) -> tuple[str, ...]:
    """The largest products where the pair competes, complements, or relies on the other."""
    out = []
    if df.empty:
        return ()
    for relation, what in (
        ("compete", "Both export (RCA >= 1)"),
        (f"{a} exports, {b} imports", f"{a} exports what {b} imports"),
        (f"{b} exports, {a} imports", f"{b} exports what {a} imports"),
    ):
        rows = df[df["relation"] == relation]
        if rows.empty:
            continue
        size = rows["a_exports_usd"].fillna(0) + rows["b_exports_usd"].fillna(0)
        rows = rows.assign(_size=size).nlargest(top, "_size")
        if rows.empty:
            continue
        items = "; ".join(
            f"{product_label(str(r['hs']), 32)} ({r['level'][:3]}, RCA {a} "
            f"{_num(r['rca_a'])}, {b} {_num(r['rca_b'])})"
            for r in rows.to_dict("records")
        )
        out.append(f"{what}: {items}.")
    for dep, sup, col, imp in (
        (a, b, "share_a_imports_from_b", "a_imports_usd"),
        (b, a, "share_b_imports_from_a", "b_imports_usd"),
    ):
        rows = df[(df[col] >= 0.3) & (df[imp] > 0)].nlargest(top, imp)
        if rows.empty:
            continue
        items = "; ".join(
            f"{product_label(str(r['hs']), 32)} {pct(r[col])} of {usd(r[imp])} ({r['year']})"
            for r in rows.to_dict("records")
        )
        out.append(f"{dep} buys much of these from {sup}: {items}.")
    return tuple(out)


def _per_level(df: pd.DataFrame, top: int) -> pd.DataFrame:
    """The first ``top`` rows of each level (the table's own order kept)."""
    if df.empty:
        return df
    return df.groupby("level", sort=False, group_keys=False).head(top)


def derisking(df: pd.DataFrame, *, top: int = 2) -> tuple[str, ...]:
    out = []
    for r in _per_level(df, top).to_dict("records"):
        rca = _f(r["partner_rca"])
        out.append(
            f"{r['partner']} could cover {pct(r['coverage_share'])} ({usd(r['coverable_usd'])}) "
            f"of {r['dependent']}'s imports of {product_label(str(r['hs']), 36)} from "
            f"{r['risky_supplier']} ({pct(r['risky_share'])} of its imports; {r['level']}, "
            f"{r['year']}): {r['partner']} exports {usd(r['partner_exports_usd'])}"
            f"{f', RCA {rca:.1f}' if rca is not None else ''}."
        )
    return tuple(out)


def shared(df: pd.DataFrame, a: str, b: str, *, top: int = 3) -> tuple[str, ...]:
    out = []
    for r in df.head(top).to_dict("records"):
        cover = _f(r["alternatives_cover"])
        out.append(
            f"Both depend on {r['supplier']} for {product_label(str(r['hs']), 36)} ({a} "
            f"{pct(r['a_supplier_share'])}, {b} {pct(r['b_supplier_share'])}; together "
            f"{usd(r['combined_from_supplier_usd'])}, {r['year']}); other exporters sell "
            f"{usd(r['alternatives_spare_usd'])} elsewhere"
            f"{f' ({cover:.1f}x the pair' + chr(39) + 's imports from it)' if cover is not None else ''}."
        )
    return tuple(out)


def third_markets(df: pd.DataFrame, *, top: int = 2) -> tuple[str, ...]:
    out = []
    for r in _per_level(df, top).to_dict("records"):
        growth = _f(r["growth_pa"])
        grow = f", {pct(growth)} a year since {r['prev_year']}" if growth is not None else ""
        out.append(
            f"{r['importer']} ({r['level']}, {r['year']}): imports {usd(r['imports_usd'])} of the "
            f"pair's joint-advantage products{grow}; pair share {pct(r['pair_share'])}, "
            f"opening {usd(r['opportunity_usd'])} (largest: "
            f"{product_label(str(r['top_product']), 32)})."
        )
    return tuple(out)


def buyer_weight(df: pd.DataFrame, a: str, b: str, *, top: int = 4) -> tuple[str, ...]:
    out = []
    for r in df.head(top).to_dict("records"):
        value = (_f(r["a_imports_usd"]) or 0.0) + (_f(r["b_imports_usd"]) or 0.0)
        sup = r.get("top_joint_supplier")
        tail = (
            f"; largest supplier {sup} ({pct(r['top_joint_share'])})"
            if isinstance(sup, str)
            else ""
        )
        overlap = _f(r.get("supplier_overlap"))
        if overlap is not None:
            tail += f", supplier overlap {overlap:.2f}"
        out.append(
            f"{a} and {b} bought {pct(r['joint_import_share'])} of world imports of "
            f"{product_label(str(r['hs']), 36)} ({usd(value)}; {r['level']}, {r['year']}){tail}."
        )
    return tuple(out)


def challenges(df: pd.DataFrame, a: str, b: str) -> tuple[str, ...]:
    out = []
    if df.empty:
        return ()
    ages = []
    for c in (a, b):
        s = df[(df["country"] == c) & (df["indicator"] == "share_65plus")].sort_values("year")
        if len(s) >= 1:
            first, last = s.iloc[0], s.iloc[-1]
            ages.append(
                f"{c} {pct(first['value'])} ({first['year']}) -> {pct(last['value'])} ({last['year']})"
            )
    if ages:
        out.append("Share of the population aged 65+: " + ", ".join(ages) + ".")
    deps = []
    for c in (a, b):
        s = df[(df["country"] == c) & (df["indicator"] == "net_import_dependence_fossil")]
        if len(s):
            deps.append(f"{c} {pct(s.iloc[0]['value'])} ({s.iloc[0]['year']})")
    if deps:
        out.append("Net import dependence for oil, gas and coal together: " + ", ".join(deps) + ".")
    return tuple(out)


def agenda(df: pd.DataFrame, *, top: int = 3) -> tuple[str, ...]:
    if df.empty:
        return ()

    def what(r: dict[Hashable, Any]) -> str:
        # A venture is about its market; the other kinds are about their products.
        if r["kind"] == KIND_MARKET and r.get("counterpart"):
            return f"{refdata.country_name(str(r['counterpart']))} ({r['products']}, "
        return f"{r['products']} ({r['year']}, " if r.get("year") else f"{r['products']} ("

    head = "; ".join(
        f"#{r['rank']} {r['kind']}: {what(r)}{usd(r['value_usd'])})"
        for r in df.head(top).to_dict("records")
    )
    return (f"{len(df)} candidate projects; the largest: {head}.",)
