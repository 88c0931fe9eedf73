"""Number formatting and HTML tables shared by the brief and the dashboard."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

import pandas as pd

Kind = Literal["text", "usd", "share", "int", "ratio", "flag", "num", "code"]


@dataclass(frozen=True)
class Col:
    """A column to show: data column, header label (with unit) and how to format it."""

    name: str
    label: str
    kind: Kind = "text"


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def usd(v: Any) -> str:
    """USD with a scale word: $1.23 bn, $456 m, $12.3 k."""
    if _missing(v):
        return "–"
    x = float(v)
    for scale, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= scale:
            return f"${x / scale:,.3g} {word}"
    return f"${x:,.0f}"


def share(v: Any) -> str:
    return "–" if _missing(v) else f"{float(v) * 100:.1f}%"


def cell(v: Any, kind: Kind) -> str:
    if _missing(v):
        return "–"
    if kind == "usd":
        return usd(v)
    if kind == "share":
        return share(v)
    if kind == "int":
        return f"{int(v):,}"
    if kind == "ratio":
        x = float(v)
        return "no exports" if x >= 1e9 else f"{x:,.2f}"
    if kind == "flag":
        return "yes" if bool(v) else "no"
    if kind == "num":
        x = float(v)
        if abs(x) >= 1e3:
            return f"{x:,.0f}"
        # Below 1 (HHIs, indices): three decimals, so 0.39996 reads 0.400, not "0.4"
        # beside a "> 0.4" rule, and 0.41 reads 0.410.
        return f"{x:.3f}" if abs(x) < 1 else f"{x:,.3g}"
    return str(v)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters at a word boundary, with "…".

    >>> clip("Magnets; intended to become permanent magnets", 30)
    'Magnets; intended to become…'
    """
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def product_labels(hs: pd.Series, product: pd.Series, width: int = 40) -> pd.Series:
    """Chart labels for products: the code first, then the name cut to ``width``, so
    a chart that shortens a long label never hides the code (two LPG codes stay apart).
    The column-wise twin of :func:`ecosec.engine.agenda.product_label` (one code, its
    reference description) for tables that carry their own ``product`` column.

    >>> product_labels(pd.Series(["271112"]), pd.Series(["Petroleum gases: propane"]), 9).iloc[0]
    '271112 Petroleum…'
    """
    name = product.fillna("").astype(str)
    more = name.str.len().gt(width).map({True: "…", False: ""})
    cut = name.str.slice(0, width).str.rstrip() + more
    return hs.astype(str) + " " + cut


def table_html(df: pd.DataFrame, cols: list[Col], *, empty: str, limit: int | None = 25) -> str:
    """An HTML table of ``df``'s ``cols`` (escaped), or ``empty`` explained in a paragraph."""
    if df.empty:
        return f'<p class="empty">{escape(empty)}</p>'
    shown = df if limit is None else df.head(limit)
    numeric = {c.name: c.kind not in ("text", "code", "flag") for c in cols}
    head = "".join(
        f'<th class="{"num" if numeric[c.name] else ""}">{escape(c.label)}</th>' for c in cols
    )
    rows = []
    for rec in shown.to_dict("records"):
        tds = "".join(
            f'<td class="{"num" if c.kind not in ("text", "code", "flag") else ""}">'
            f"{escape(cell(rec.get(c.name), c.kind))}</td>"
            for c in cols
        )
        rows.append(f"<tr>{tds}</tr>")
    more = (
        f'<p class="more">{len(df) - len(shown)} more rows not shown.</p>'
        if limit is not None and len(df) > limit
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
