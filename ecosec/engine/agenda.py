"""The cooperation agenda: one ranked list of candidate projects for two partners.

Section 7 of a partnership, drawn from the tables of sections 2–5 (small result
tables, not flows). Four kinds of project, each with the value at stake, the numbers
behind it and the forum where one fits:

- *supply from the partner* (section 2): the partner's spare exports cover at least
  ``min_cover`` of what the dependent country buys from its risky supplier; value at
  stake = the coverable imports;
- *joint diversification or stockpile* (section 3): both depend on the same third
  supplier; value = the pair's combined imports from it;
- *joint procurement, swaps, shared stockpile* (section 5): the pair is a large share
  of world imports; value = the pair's imports;
- *third-market venture* (section 4): a market for the pair's joint-advantage
  products with a low pair share; value = the opening (imports not bought from the pair).

At most ``agenda_per_kind`` projects of each kind (the largest), then all ranked by
value at stake. Forums, by the product's basket (``ecosec baskets``), when both
countries belong (``ecosec groups``): critical minerals → Minerals Security
Partnership (MSP); semiconductors → the US–East Asia Semiconductor Supply Chain
Resilience Working Group (Chip 4); anything else → IPEF's Supply Chain Agreement and
its crisis response network.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import pandas as pd

from ecosec import refdata

AGENDA_COLUMNS = [
    "rank", "kind", "project", "products", "counterpart", "value_usd", "value_basis",
    "evidence", "forum", "level", "year",
]  # fmt: skip

KIND_SUPPLY = "supply from the partner"
KIND_SHARED = "joint diversification or stockpile"
KIND_BUYER = "joint procurement, swaps, shared stockpile"
KIND_MARKET = "third-market venture"

MIN_COVER = 0.25
"""A partner's supply is a candidate project when it covers at least this share."""

FORUMS = (
    ("critical-minerals", "MSP", "Minerals Security Partnership (MSP)"),
    (
        "semiconductors",
        "CHIP4",
        "Chip 4 (US-East Asia Semiconductor Supply Chain Resilience Working Group)",
    ),
    ("", "IPEF", "IPEF Supply Chain Agreement (crisis response network)"),
)
NO_FORUM = "bilateral (no common forum among MSP, Chip 4, IPEF)"


def usd(x: object) -> str:
    """A USD amount for a sentence.

    >>> usd(5.4e9), usd(268_850_565), usd(12_000), usd(float("nan"))
    ('USD 5.4 bn', 'USD 269 m', 'USD 12 k', 'USD –')
    """
    v = _f(x)
    if v is None:
        return "USD –"
    for div, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(v) >= div:
            return (
                f"USD {v / div:,.1f} {unit}" if abs(v) < 10 * div else f"USD {v / div:,.0f} {unit}"
            )
    return f"USD {v:,.0f}"


def pct(x: object) -> str:
    """A share (0–1) as a percentage for a sentence.

    >>> pct(0.2941), pct(0.004), pct(0.998)
    ('29%', '0.4%', '99.8%')
    """
    v = _f(x)
    if v is None:
        return "–%"
    if abs(v) < 0.1 or 0.995 <= abs(v) < 1:
        return f"{100 * v:.1f}%"
    return f"{100 * v:.0f}%"


def _f(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


@lru_cache(maxsize=4096)
def product_label(code: str, width: int = 48) -> str:
    """``code`` and its short HS description, e.g. ``850511 permanent magnets …``."""
    try:
        text = refdata.hs_description(code) or ""
    except ValueError:
        text = ""
    text = text.replace("(heading) ", "")
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return f"{code} {text}".strip()


def basket_of(code: str) -> tuple[str, ...]:
    """Basket names holding an HS6 code, or (for a 4-digit heading) one of its HS6."""
    return tuple(
        name
        for name, b in refdata.baskets().items()
        if any(c.hs6 == code or (len(code) == 4 and c.hs6.startswith(code)) for c in b.codes)
    )


def forum(code: str, a: str, b: str, *, market: str | None = None) -> str:
    """The counterpart forum for a product's project, when both countries belong.

    For a third-market venture (``market``), IPEF fits only when the market is an
    IPEF partner too; MSP and the Chip 4 working group take up projects in third
    countries.

    >>> forum("850511", "KOR", "JPN"), forum("8486", "KOR", "JPN")[:6]
    ('Minerals Security Partnership (MSP)', 'Chip 4')
    >>> forum("271111", "KOR", "JPN"), forum("271111", "KOR", "CHN")
    ('IPEF Supply Chain Agreement (crisis response network)', 'bilateral (no common forum among MSP, Chip 4, IPEF)')
    """
    baskets = basket_of(code)
    groups = refdata.groups()
    for basket, group, label in FORUMS:
        if basket and basket not in baskets:
            continue
        members = groups[group].members if group in groups else ()
        if not basket and market is not None and market not in members:
            continue
        if a in members and b in members:
            return label
    return NO_FORUM


def _name(code: object) -> str:
    return refdata.country_name(str(code)) if isinstance(code, str) and code else "–"


def _supply(df: pd.DataFrame, a: str, b: str) -> list[dict[str, object]]:
    out = []
    for r in df.to_dict("records"):
        cover = _f(r.get("coverage_share")) or 0.0
        if cover < MIN_COVER or not (_f(r.get("coverable_usd")) or 0) > 0:
            continue
        code = str(r.get("hs"))
        rca = _f(r.get("partner_rca"))
        out.append(
            {
                "kind": KIND_SUPPLY,
                "project": f"{_name(r['partner'])} supplies {_name(r['dependent'])} with "
                f"{product_label(code, 40)} now bought from {_name(r['risky_supplier'])}",
                "products": code,
                "counterpart": r["risky_supplier"],
                "value_usd": _f(r["coverable_usd"]),
                "value_basis": "imports from the risky supplier the partner could cover",
                "evidence": f"{r['dependent']} imports {usd(r['imports_from_risky_usd'])} from "
                f"{r['risky_supplier']} ({pct(r['risky_share'])} of its imports); "
                f"{r['partner']} exports {usd(r['partner_exports_usd'])}"
                f"{f' (RCA {rca:.1f})' if rca is not None else ''}, "
                f"{usd(r['partner_spare_usd'])} of it to others: "
                f"{pct(cover)} of the risky imports",
                "forum": forum(code, a, b),
                "level": r["level"],
                "year": r["year"],
            }
        )
    return out


def _shared(df: pd.DataFrame, a: str, b: str) -> list[dict[str, object]]:
    out = []
    for r in df.to_dict("records"):
        code = str(r.get("hs"))
        alts = ", ".join(str(r[k]) for k in ("alt1", "alt2", "alt3") if isinstance(r.get(k), str))
        cover = _f(r.get("alternatives_cover"))
        out.append(
            {
                "kind": KIND_SHARED,
                "project": f"Joint diversification away from {_name(r['supplier'])}, "
                f"or a shared stockpile, of {product_label(code, 40)}",
                "products": code,
                "counterpart": r["supplier"],
                "value_usd": _f(r["combined_from_supplier_usd"]),
                "value_basis": "the pair's combined imports from the shared supplier",
                "evidence": f"{a} buys {pct(r['a_supplier_share'])} and {b} "
                f"{pct(r['b_supplier_share'])} of their imports from {r['supplier']} "
                f"({pct(r['supplier_share_of_world'])} of world exports); together "
                f"{usd(r['combined_from_supplier_usd'])}; other exporters' spare exports "
                f"{usd(r['alternatives_spare_usd'])}"
                f"{f' ({cover:.1f}x)' if cover is not None else ''}"
                f"{f', largest {alts}' if alts else ''}",
                "forum": forum(code, a, b),
                "level": r["level"],
                "year": r["year"],
            }
        )
    return out


def _buyer(df: pd.DataFrame, a: str, b: str) -> list[dict[str, object]]:
    out = []
    for r in df.to_dict("records"):
        code = str(r.get("hs"))
        top = r.get("top_joint_supplier")
        overlap = _f(r.get("supplier_overlap"))
        tail = ""
        if isinstance(top, str):
            share = r.get("top_joint_share")
            tail = f"; their largest supplier {top}" + (
                f" ({pct(share)} of their imports)" if _f(share) is not None else ""
            )
        elif isinstance(r.get("a_top_supplier"), str):
            # Only one side's suppliers are known (country totals): say whose.
            top = r["a_top_supplier"]
            tail = f"; {a}'s largest supplier {top}"
        if overlap is not None:
            tail += f"; supplier overlap {overlap:.2f}"
        value = (_f(r.get("a_imports_usd")) or 0.0) + (_f(r.get("b_imports_usd")) or 0.0)
        out.append(
            {
                "kind": KIND_BUYER,
                "project": f"Joint procurement, swaps and a shared stockpile of "
                f"{product_label(code, 40)}",
                "products": code,
                "counterpart": top if isinstance(top, str) else "",
                "value_usd": value,
                "value_basis": "the pair's combined imports",
                "evidence": f"{a} and {b} bought {pct(r['joint_import_share'])} of world "
                f"imports ({usd(value)}) in {r['year']}{tail}",
                "forum": forum(code, a, b),
                "level": r["level"],
                "year": r["year"],
            }
        )
    return out


def _market(df: pd.DataFrame, a: str, b: str) -> list[dict[str, object]]:
    out = []
    for r in df.to_dict("records"):
        code = str(r.get("top_product"))
        growth = _f(r.get("growth_pa"))
        grow = f", {pct(growth)} a year since {r['prev_year']}" if growth is not None else ""
        out.append(
            {
                "kind": KIND_MARKET,
                "project": f"Joint venture serving {_name(r['importer'])} "
                f"(largest opening {product_label(code, 36)})",
                "products": code,
                "counterpart": r["importer"],
                "value_usd": _f(r["opportunity_usd"]),
                "value_basis": "market imports not bought from the pair",
                "evidence": f"{r['importer']} imports {usd(r['imports_usd'])} of {int(r['n_products'])} "
                f"products where {a} and {b} together have RCA >= 1{grow}; the pair's share "
                f"{pct(r['pair_share'])}",
                "forum": forum(code, a, b, market=str(r["importer"])),
                "level": r["level"],
                "year": r["year"],
            }
        )
    return out


def _one_per_heading(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """Joint-procurement projects without double counting: the buyer-weight table may
    hold a heading from country totals (2709, 2711 in 2024) and six-digit codes under it
    dated back to their latest year of world data (270900, 271111 in 2017): the heading
    already holds their purchases, so its codes are dropped."""
    headings = {str(r["products"]) for r in items if len(str(r["products"])) == 4}
    return [
        r for r in items if len(str(r["products"])) == 4 or str(r["products"])[:4] not in headings
    ]


def rank_key(r: dict[str, object]) -> tuple[float, str, str, str]:
    """Sort key of a project: value to the cent (largest first), then kind, products and
    text. Sums of the same flows can differ in their last bit from run to run (parallel
    aggregation); two projects of equal value must not swap ranks between requests."""
    value = round(_f(r["value_usd"]) or 0.0, 2)
    return (-value, str(r["kind"]), str(r["products"]), str(r["project"]))


def agenda(
    a: str,
    b: str,
    *,
    derisking: pd.DataFrame,
    shared: pd.DataFrame,
    buyer_weight: pd.DataFrame,
    third_markets: pd.DataFrame,
    per_kind: int = 5,
) -> pd.DataFrame:
    """The ranked list of candidate projects (columns :data:`AGENDA_COLUMNS`).

    Inputs are the section tables of :func:`ecosec.api_partnership.partnership`
    (each with ``hs`` and ``level`` columns).
    """
    builders: list[tuple[Callable[[pd.DataFrame, str, str], list[dict[str, object]]], pd.DataFrame]]
    builders = [
        (_supply, derisking),
        (_shared, shared),
        (_buyer, buyer_weight),
        (_market, third_markets),
    ]
    items: list[dict[str, object]] = []
    for build, df in builders:
        found = build(df, a, b) if len(df) else []
        if build is _buyer:
            found = _one_per_heading(found)
        found.sort(key=rank_key)
        items += found[:per_kind]
    items.sort(key=rank_key)
    for i, item in enumerate(items, start=1):
        item["rank"] = i
    return pd.DataFrame(items, columns=AGENDA_COLUMNS)
