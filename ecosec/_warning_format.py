"""Early warning, the words of an alert: periods, product names, tiers and messages.

:func:`_finish` turns the engine's alert table (:mod:`ecosec.engine.warning`) into the
table of :func:`~ecosec.api_warning.alerts`: country and product names, period labels,
the default tier and cadence (:func:`default_tier`), a description of each baseline and
a one-line message. Periods are parsed and labelled here too (:func:`parse_period`,
:func:`period_label`), for the reporting window and the watchlists' look-back. Public
names are re-exported by :mod:`ecosec.api_warning`.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from ecosec import refdata
from ecosec.engine import warning as ew
from ecosec.errors import BadInput

TIERS = ("A", "B", "C", "D")
CADENCES = ("weekly", "fortnightly", "monthly", "quarterly")
"""Default check cadence of each tier (a watchlist may set its own)."""

ALERT_COLUMNS = [
    "importer", "importer_name", "exporter", "exporter_name", "hs6", "product", "freq",
    "signal", "signals", "what", "start", "end", "periods", "flagged", "status",
    "current", "baseline", "change", "baseline_desc", "peak", "peak_current",
    "value_usd", "value_yoy", "value_z", "qty_yoy", "qty_z", "unit_value_yoy",
    "unit_value_z", "share_before", "share_now", "hhi_before", "hhi_now",
    "imports_before_usd", "importer_reported", "move", "dependency", "score", "severity",
    "tier", "cadence", "baskets", "message",
]  # fmt: skip
"""Columns of :func:`alerts`, in order (see :func:`alerts` for their meaning)."""

_PERIOD = re.compile(r"^\s*(\d{4})(?:-?(\d{1,2}))?\s*$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_period(value: str | int | None, *, freq: str, end: bool = False) -> int | None:
    """A period of the data (yyyymm monthly, yyyy annual) from ``2019``, ``2019-07``
    or ``201907``; a bare year means January (or December when ``end``) for monthly data.

    >>> parse_period("2019-07", freq="M"), parse_period(2019, freq="M", end=True)
    (201907, 201912)
    >>> parse_period("2019-07", freq="A")
    2019
    """
    if value is None:
        return None
    m = _PERIOD.match(str(value))
    if not m:
        raise BadInput(f"period {value!r} is not understood; give 2019, 2019-07 or 201907")
    year, month = int(m.group(1)), m.group(2)
    if month is not None and not 1 <= int(month) <= 12:
        raise BadInput(f"period {value!r}: month {month} is not 1 to 12; give e.g. 2019-07")
    if freq == "A":
        return year
    return year * 100 + (int(month) if month is not None else (12 if end else 1))


def period_label(period: object, freq: str) -> str:
    """``201907`` → ``'2019-07'`` (monthly), ``2019`` → ``'2019'``; empty when missing."""
    if period is None or pd.isna(period):  # type: ignore[call-overload]
        return ""
    p = int(period)  # type: ignore[call-overload]
    return f"{p // 100}-{p % 100:02d}" if freq == "M" else str(p)


def month_name(label: str) -> str:
    """``'2019-07'`` → ``'Jul'`` (empty for an annual label)."""
    return _MONTHS[int(label[5:7]) - 1] if len(label) >= 7 else ""


@functools.cache
def short_product(hs6: str) -> str:
    """A short name of a product: its strategic-basket label, else the first clause of
    its HS description, else the code.

    >>> short_product("370790")
    'Chemical preparations for photographic uses (includes photoresist)'
    """
    for b in refdata.baskets().values():
        for c in b.codes:
            if c.hs6 == hs6:
                return c.label
    return _product(hs6).split(";")[0] or hs6


def _product(code: object) -> str:
    try:
        return refdata.hs_description(str(code)) or ""
    except BadInput:
        return ""


def _baskets_of() -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for b in refdata.baskets().values():
        for c in b.codes:
            out.setdefault(c.hs6, []).append(b.name)
    return {k: ", ".join(v) for k, v in out.items()}


def default_tier(dependency: float | None, strategic: bool) -> str:
    """Tier of an item from the importer's dependency on it (no watchlist given).

    A: the supplier holds at least half of the importer's imports of the product (for a
    concentration alert: HHI ≥ 0.5); B: a quarter; C: a tenth; D: less or unknown. A
    product of a strategic basket (``ecosec baskets``) moves up one tier.

    >>> default_tier(0.3, False), default_tier(0.3, True), default_tier(None, False)
    ('B', 'A', 'D')
    """
    d = 0.0 if dependency is None or pd.isna(dependency) else float(dependency)
    rank = 0 if d >= 0.5 else 1 if d >= 0.25 else 2 if d >= 0.1 else 3
    return TIERS[max(0, rank - 1) if strategic else rank]


def _baseline_desc(row: pd.Series, history: int) -> str:
    monthly = row["freq"] == "M"
    month = _MONTHS[int(row["start_period"]) % 100 - 1] if monthly else ""
    same = f"{month} in the previous {history} years" if monthly else f"previous {history} years"
    trailing = "previous 12 months" if monthly else "previous year"
    return {
        "sudden stop": f"mean of the {trailing}",
        "collapse": f"median of {same}",
        "surge": f"median of {same}",
        "restriction?": f"median volume of {same}",
        "diversion/dumping?": f"median volume of {same}",
        "share collapse": f"supplier share over the {trailing}",
        "concentration": f"{'HHI' if row['what'] == 'hhi' else 'top share'} over the {trailing}",
    }[str(row["signal"])]


def _amount(value: float, what: str) -> str:
    if pd.isna(value):
        return "–"
    if what in ("share", "hhi", "top_share"):
        return f"{value:.0%}" if what != "hhi" else f"{value:.2f}"
    unit = " t" if what == "qty_t" else ""
    prefix = "" if what == "qty_t" else "$"
    for cut, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= cut:
            return f"{prefix}{value / cut:.1f}{suffix}{unit}"
    return f"{prefix}{value:,.0f}{unit}"


def _pct(v: float) -> str:
    """A share for a sentence: whole percent, one decimal under 1 % (not "0%" for a
    small but real share), "under 0.1%" below that.

    >>> _pct(0.43), _pct(0.004), _pct(0.0004), _pct(0.0)
    ('43%', '0.4%', 'under 0.1%', '0%')
    """
    if v == 0 or v >= 0.01:
        return f"{v:.0%}"
    return f"{v:.1%}" if v >= 0.001 else "under 0.1%"


def _message(row: pd.Series) -> str:
    what = str(row["what"])
    moved = {"value_usd": "value", "qty_t": "volume", "share": "share", "hhi": "HHI"}.get(
        what, "top supplier's share"
    )
    if what in ("share", "hhi", "top_share"):
        by = f"{row['change'] * (100 if what != 'hhi' else 1):+.{0 if what != 'hhi' else 2}f}"
        by += " points" if what != "hhi" else ""
    elif pd.notna(row["change"]):
        by = f"{row['change']:+.0%}"
    else:
        by = "from zero"
    who = f"from {row['exporter_name'] or row['exporter']}"
    if row["signal"] == "concentration":
        who = f"(top supplier {row['exporter_name'] or row['exporter']})"
    text = (
        f"{row['importer_name'] or row['importer']} imports of {short_product(row['hs6'])} "
        f"({row['hs6']}) {who}: {row['signal']} from {row['start']}, {moved} {by} "
        f"({_amount(row['current'], what)} vs {_amount(row['baseline'], what)}, "
        f"{row['baseline_desc']})"
    )
    rising = row["signal"] in ("surge", "diversion/dumping?")
    if row["signal"] == "concentration":
        text += f"; HHI {row['hhi_before']:.2f} to {row['hhi_now']:.2f}"
    elif rising and row["importer_reported"]:
        text += (
            f"; its share of these imports went from {_pct(row['share_before'])} "
            f"to as much as {_pct(row['dependency'])}"
        )
    elif pd.notna(row["share_before"]):
        text += f"; it supplied {_pct(row['share_before'])} of these imports before"
    elif not row["importer_reported"]:
        text += "; shares unknown (only exporters' reports)"
    if row["status"] == "ongoing":
        text += "; ongoing"
    return text


def _finish(df: pd.DataFrame, *, params: ew.AlertParams, freq: str) -> pd.DataFrame:
    """Names, labels, tiers and messages on the engine's alert table."""
    scanned = int(df["series_periods"].iloc[0]) if len(df) else 0
    df = df[df["family"] != "scan"].drop(columns="series_periods").reset_index(drop=True)
    baskets = _baskets_of()
    names: dict[str, str] = {}

    def name(code: object) -> str:
        if not isinstance(code, str):
            return ""
        if code not in names:
            names[code] = refdata.country_name(code)
        return names[code]

    df["importer_name"] = df["importer"].map(name)
    df["exporter_name"] = df["exporter"].map(name)
    df["product"] = df["hs6"].map(_product)
    df["baskets"] = df["hs6"].map(lambda c: baskets.get(str(c), ""))
    flags = dict(zip(ew.FLAGS, ew.FLAG_SIGNALS, strict=True))
    df["signals"] = df.apply(
        lambda r: ", ".join(s for f, s in flags.items() if r[f] == 1), axis=1
    ).astype(str)
    for col, src in (("start", "start_period"), ("end", "end_period"), ("peak", "peak_period")):
        df[col] = df[src].map(lambda p: period_label(p, freq))
    df["baseline_desc"] = (
        df.apply(lambda r: _baseline_desc(r, params.history), axis=1).astype(str)
        if len(df)
        else pd.Series(dtype=str)
    )
    df["importer_reported"] = df["importer_reported"].astype(bool)
    # The tier follows the dependency seen in the importer's own report; the 0.25 that
    # stands in for an unknown one in the score does not make an alert tier B.
    known = df["dependency"].where(df["importer_reported"])
    df["tier"] = [default_tier(d, bool(b)) for d, b in zip(known, df["baskets"], strict=True)]
    df["cadence"] = df["tier"].map(dict(zip(TIERS, CADENCES, strict=True)))
    df["message"] = df.apply(_message, axis=1).astype(str) if len(df) else pd.Series(dtype=str)
    for col in ("periods", "flagged"):
        df[col] = df[col].astype("int64")
    out = df[ALERT_COLUMNS].copy()
    out.attrs["series_periods"] = scanned
    out.attrs["freq"] = freq
    return out
