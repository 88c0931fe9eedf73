"""Public API of early warning: :func:`alerts` on the loaded data, :func:`watch` on a
watchlist, :func:`watchlist_items` to list one.

Inputs are validated here (countries, products, periods, thresholds); the signals,
events and severity are computed by :mod:`ecosec.engine.warning` as one SQL query;
this module adds names, tiers, baseline descriptions and a one-line message to each
alert. The approach follows Korea's supply-chain early-warning system (about 4,000
import items in tiers checked weekly to quarterly) and the EU's import surveillance
(codes whose volumes jump while prices fall); see the engine module for the method.

>>> import ecosec.api_warning as ew
>>> a = ew.alerts(country="KOR", hs="281111", since="2019-01", until="2020-12", sample=True)
>>> row = a[a["exporter"] == "JPN"].iloc[0]
>>> row["start"], row["severity"]
('2019-07', 'high')
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ecosec import refdata, settings
from ecosec.api_dependency import resolve_codes
from ecosec.engine import warning as ew
from ecosec.engine.executor import Catalog, open_catalog, run
from ecosec.engine.trade import hs_list, sql_list
from ecosec.errors import BadFile, BadInput, NoData, closest

AlertParams = ew.AlertParams
THRESHOLDS = ew.THRESHOLDS
SEVERITIES = ("low", "medium", "high")
TIERS = ("A", "B", "C", "D")
CADENCES = ("weekly", "fortnightly", "monthly", "quarterly")
"""Default check cadence of each tier (a watchlist may set its own)."""
LOOKBACK = {"weekly": 1, "fortnightly": 1, "monthly": 1, "quarterly": 3}
"""Monthly periods a watch run looks back by cadence (annual data: the latest year)."""

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


def _importers(country: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if country is None:
        return None
    text = country if isinstance(country, str) else ",".join(country)
    if text.strip().lower() in ("", "all", "*"):
        return None
    return refdata.resolve_countries(text)


def _coverage(
    catalog: Catalog, importers: tuple[str, ...] | None, codes: list[str] | None
) -> pd.DataFrame:
    """Per frequency: first and last period and rows, for the selection."""
    where = ["exporter <> importer"]
    if importers:
        where.append(f"importer IN {sql_list(importers)}")
    if codes:
        where.append(f"hs6 IN {hs_list(codes)}")
    sql = (
        "SELECT freq, MIN(period) AS lo, MAX(period) AS hi, COUNT(*) AS n FROM flows "
        f"WHERE {' AND '.join(where)} GROUP BY freq"
    )
    return run(catalog, sql, engine="duckdb").set_index("freq")


def _choose_freq(cov: pd.DataFrame, freq: str | None, who: str) -> str:
    if freq is not None:
        f = freq.strip().upper()[:1]
        if f not in ("M", "A"):
            raise BadInput(f"freq {freq!r} is not known; allowed: M (monthly), A (annual)")
        if f not in cov.index:
            have = ", ".join(cov.index) or "none"
            raise NoData(
                f"no {'monthly' if f == 'M' else 'annual'} flows for {who} in the loaded data "
                f"(frequencies present: {have}); try the other with --freq, or `ecosec datasets`"
            )
        return f
    if cov.empty:
        raise NoData(f"no flows for {who} in the loaded data; see `ecosec datasets`")
    return "M" if "M" in cov.index else "A"


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
            f"; its share of these imports went from {row['share_before']:.0%} "
            f"to as much as {row['dependency']:.0%}"
        )
    elif pd.notna(row["share_before"]):
        text += f"; it supplied {row['share_before']:.0%} of these imports before"
    elif not row["importer_reported"]:
        text += "; shares unknown (only exporters' reports)"
    if row["status"] == "ongoing":
        text += "; ongoing"
    return text


def _finish(df: pd.DataFrame, *, params: AlertParams, freq: str) -> pd.DataFrame:
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
    df["tier"] = [
        default_tier(d, bool(b)) for d, b in zip(df["dependency"], df["baskets"], strict=True)
    ]
    df["cadence"] = df["tier"].map(dict(zip(TIERS, CADENCES, strict=True)))
    df["message"] = df.apply(_message, axis=1).astype(str) if len(df) else pd.Series(dtype=str)
    for col in ("periods", "flagged"):
        df[col] = df[col].astype("int64")
    out = df[ALERT_COLUMNS].copy()
    out.attrs["series_periods"] = scanned
    out.attrs["freq"] = freq
    return out


def alerts(
    *,
    country: str | Sequence[str] | None = None,
    basket: str | None = None,
    since: str | int | None = None,
    until: str | int | None = None,
    hs: Sequence[str] | str | None = None,
    supplier: str | None = None,
    freq: str | None = None,
    params: AlertParams | None = None,
    min_severity: str = "low",
    by_supplier: bool = False,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Early-warning alerts on (importer, supplier, product) series, one row per event.

    Parameters
    ----------
    country
        Importer(s): ISO3 code, group (``EU27``) or list; None or ``"all"`` for all.
    basket, hs
        Products: a strategic basket and/or HS6 codes (default: all in the data).
    since, until
        Reporting window (``2019``, ``2019-07``, ``201907``): alerts whose event is
        flagged at or after ``since``; nothing after ``until`` is read ("as of").
    supplier
        Only alerts on these suppliers (ISO3, group or list); shares still count all.
    freq
        ``"M"`` or ``"A"``; default monthly when the selection has monthly flows.
    params
        Thresholds, :class:`~ecosec.engine.warning.AlertParams` (validated on creation).
    min_severity
        ``low`` (all), ``medium`` or ``high``.
    by_supplier
        Order by supplier country (then score), for the staff who follow that country.

    Returns
    -------
    pandas.DataFrame
        :data:`ALERT_COLUMNS`: who (importer, exporter = supplier, hs6), ``signal`` (the
        first flagged; ``signals`` all seen), ``what`` moved (value_usd, qty_t, share,
        hhi, top_share), ``start``/``end``/``periods``/``status`` (since when, ongoing
        or ended), ``current`` vs ``baseline`` (``baseline_desc`` says which) and their
        ``change`` (relative; share points for shares and HHI), y/y changes and robust
        z-scores of value, volume and unit value at the start, dependency context
        (``share_before``: the supplier's share of the importer's imports before;
        ``hhi_before``/``hhi_now``; ``imports_before_usd``), ``score`` (0–100) and
        ``severity``, ``tier``/``cadence`` (default rule :func:`default_tier`),
        strategic ``baskets`` and a one-line ``message``. ``attrs["series_periods"]``
        holds the number of series-periods judged, for the alert rate.
    """
    params = params or AlertParams()
    if min_severity not in SEVERITIES:
        raise BadInput(
            f"min_severity {min_severity!r} is not known; {closest(min_severity, list(SEVERITIES))}"
        )
    catalog = open_catalog(store, sample=sample)
    importers = _importers(country)
    exporters = refdata.resolve_countries(supplier) if supplier else None
    codes = resolve_codes(catalog, basket=basket, hs=hs)
    who = country if isinstance(country, str) and country else "these importers"
    cov = _coverage(catalog, importers, codes)
    f = _choose_freq(cov, freq, str(who))
    lo, hi = _window(since, until, f, cov)
    df = _run(catalog, f, importers, codes, exporters, lo, hi, params, engine)
    keep = SEVERITIES[SEVERITIES.index(min_severity) :]
    return _order(df[df["severity"].isin(keep)], df, by_supplier=by_supplier)


def _window(
    since: str | int | None, until: str | int | None, freq: str, cov: pd.DataFrame
) -> tuple[int | None, int | None]:
    """The reporting window as periods of the data, checked against what the data hold."""
    lo, hi = parse_period(since, freq=freq), parse_period(until, freq=freq, end=True)
    if lo is not None and hi is not None and lo > hi:
        raise BadInput(f"since {since} is after until {until}; give since <= until")
    first, last = (int(cov["lo"].loc[freq]), int(cov["hi"].loc[freq]))
    if (lo is not None and lo > last) or (hi is not None and hi < first):
        raise NoData(
            f"the {'monthly' if freq == 'M' else 'annual'} data for this selection run from "
            f"{period_label(first, freq)} to {period_label(last, freq)}; "
            "give --since and --until within them"
        )
    return lo, hi


def _run(
    catalog: Catalog,
    freq: str,
    importers: tuple[str, ...] | None,
    codes: Sequence[str] | None,
    exporters: tuple[str, ...] | None,
    since: int | None,
    until: int | None,
    params: AlertParams,
    engine: str | None,
) -> pd.DataFrame:
    cycle = 100 if freq == "M" else 1
    scope = ew.Scope(
        "M" if freq == "M" else "A",
        importers=importers,
        hs=tuple(codes) if codes else None,
        exporters=exporters,
        read_from=None if since is None else since - (params.history + 2) * cycle,
        since=since,
        until=until,
    )
    _spark_ready(engine)
    return _finish(
        run(catalog, ew.alerts_sql(scope, params), engine=engine), params=params, freq=freq
    )


def _spark_ready(engine: str | None) -> None:
    """Turn off Spark's constraint propagation for this query family.

    The alert query has hundreds of aliased expressions under several filters; Spark's
    optimizer infers constraints across all of them and runs out of memory (its own
    documentation names "a large number of predicates and aliases" as the case). The
    setting changes no result. Until ``ecosec/engine/spark.py`` sets it on the session,
    it is set here on the shared session before a Spark run.
    """
    if settings.get("engine", engine) != "spark":
        return
    from ecosec.engine.spark import session

    spark = session(settings.get("spark-master") or "local[2]")
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")


def _order(
    df: pd.DataFrame, full: pd.DataFrame, *, by_supplier: bool, first: Sequence[str] = ()
) -> pd.DataFrame:
    keys = [*first, *(["exporter"] if by_supplier else []), "score"]
    out = df.sort_values(keys, ascending=[k != "score" for k in keys], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(full.attrs)
    return out


# -- Watchlists -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """A tier of a watchlist: how often its items are checked, and what it is for."""

    name: str
    cadence: str
    description: str = ""


@dataclass(frozen=True)
class WatchItem:
    """One watched item: an importer's imports of some products from some suppliers.

    ``suppliers`` empty: every supplier; ``hs6`` empty: every product.
    """

    importer: str
    suppliers: tuple[str, ...]
    hs6: tuple[str, ...]
    tier: str
    note: str
    label: str


@dataclass(frozen=True)
class Watchlist:
    """A watchlist read from TOML (see ``ecosec/refdata/watchlist_default.toml``)."""

    title: str
    source: str
    tiers: tuple[Tier, ...]
    items: tuple[WatchItem, ...]

    def cadence(self, tier: str) -> str:
        return next(t.cadence for t in self.tiers if t.name == tier)


_TOP_KEYS = ("title", "importer", "tiers", "item")
_ITEM_KEYS = ("importer", "supplier", "hs6", "basket", "tier", "note")
_TIER_KEYS = ("cadence", "description")
DEFAULT_WATCHLIST = "watchlist_default.toml"


def default_watchlist_text() -> str:
    """The packaged example watchlist, as text (``ecosec watch --init FILE`` writes it)."""
    return resources.files("ecosec.refdata").joinpath(DEFAULT_WATCHLIST).read_text("utf-8")


def _keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise BadInput(f"{where}: key {key!r} is not known; {closest(key, list(allowed))}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{where} must be text in quotes, not {value!r}")
    return value


def _item(raw: Any, n: int, default_importer: str | None) -> WatchItem:
    where = f"item {n}"
    if not isinstance(raw, dict):
        raise BadInput(f"{where} is not a table; write it as [[item]] with keys")
    _keys(raw, _ITEM_KEYS, where)
    importer_text = raw.get("importer", default_importer)
    if importer_text is None:
        raise BadInput(f'{where}: no importer; add importer = "KOR" to it or at the top')
    importer = refdata.resolve_country(_text(importer_text, f"{where}: importer"))
    supplier = raw.get("supplier")
    suppliers = refdata.resolve_countries(_text(supplier, f"{where}: supplier")) if supplier else ()
    codes: list[str] = []
    hs = raw.get("hs6", [])
    for code in [hs] if isinstance(hs, str | int) else hs:
        norm = refdata.normalize_hs(str(code).strip())
        if len(norm) != 6:
            raise BadInput(f'{where}: hs6 {code!r} is not a six-digit code, e.g. "281111"')
        codes.append(norm)
    basket = raw.get("basket")
    if basket is not None:
        codes += refdata.basket_codes(_text(basket, f"{where}: basket"))
    tier = str(raw.get("tier", "C")).strip().upper()
    if tier not in TIERS:
        raise BadInput(f"{where}: tier {raw.get('tier')!r} is not known; allowed: A, B, C, D")
    label = (
        f"basket {basket}" if basket and not hs else ", ".join(codes) if codes else "all products"
    )
    who = ", ".join(suppliers) if suppliers else "any supplier"
    return WatchItem(
        importer=importer,
        suppliers=tuple(suppliers),
        hs6=tuple(dict.fromkeys(codes)),
        tier=tier,
        note=_text(raw.get("note", ""), f"{where}: note"),
        label=f"{importer} from {who}: {label}",
    )


def load_watchlist(path: str | Path | None = None) -> Watchlist:
    """Read and check a watchlist TOML file (the packaged example when ``path`` is None).

    Layout (all keys but ``[[item]]`` optional)::

        title = "Korea: semiconductor materials"
        importer = "KOR"                 # default importer of the items
        [tiers.A]                        # cadences: weekly, fortnightly, monthly, quarterly
        cadence = "weekly"
        [[item]]
        supplier = "JPN"                 # ISO3, group or list; omit for any supplier
        hs6 = ["281111", "370790"]       # and/or basket = "semiconductors"; omit for all
        tier = "A"                       # A to D (default C)
        note = "Japan's July 2019 export controls"

    Any mistake raises :class:`~ecosec.errors.BadFile` naming the file, the item and
    the allowed values.

    >>> wl = load_watchlist()
    >>> wl.items[0].importer, wl.cadence("A")
    ('KOR', 'weekly')
    """
    source = str(path) if path is not None else f"(packaged) {DEFAULT_WATCHLIST}"
    try:
        text = default_watchlist_text() if path is None else Path(path).read_text("utf-8")
    except OSError as exc:
        raise BadFile(
            f"watchlist {path}: cannot be read ({exc.strerror}); "
            "`ecosec watch --init FILE` writes an example to start from"
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadFile(f"watchlist {source}: not valid TOML ({exc})") from exc
    try:
        _keys(raw, _TOP_KEYS, "top level")
        default_importer = raw.get("importer")
        tiers = []
        given = raw.get("tiers", {})
        _keys(given, TIERS, "[tiers]")
        for name, cadence in zip(TIERS, CADENCES, strict=True):
            t = given.get(name, {})
            _keys(t, _TIER_KEYS, f"[tiers.{name}]")
            c = str(t.get("cadence", cadence))
            if c not in CADENCES:
                raise BadInput(
                    f"[tiers.{name}]: cadence {c!r} is not known; {closest(c, list(CADENCES))}"
                )
            tiers.append(Tier(name, c, str(t.get("description", ""))))
        raw_items = raw.get("item", [])
        if not isinstance(raw_items, list) or not raw_items:
            raise BadInput("no items; add at least one [[item]] table")
        items = tuple(_item(r, n, default_importer) for n, r in enumerate(raw_items, 1))
    except BadInput as exc:
        raise BadFile(f"watchlist {source}: {exc}") from exc
    return Watchlist(str(raw.get("title", "")), source, tuple(tiers), items)


def _watchlist(watchlist: Watchlist | str | Path | None) -> Watchlist:
    return watchlist if isinstance(watchlist, Watchlist) else load_watchlist(watchlist)


def _tiers(tier: str | Sequence[str] | None) -> tuple[str, ...]:
    if tier is None:
        return TIERS
    parts = tier.split(",") if isinstance(tier, str) else list(tier)
    out = tuple(p.strip().upper() for p in parts if p.strip())
    bad = [t for t in out if t not in TIERS]
    if bad or not out:
        raise BadInput(f"tier {tier!r} is not known; allowed: A, B, C, D (or a list, e.g. A,B)")
    return out


def _selection(
    catalog: Catalog, items: Sequence[WatchItem]
) -> tuple[tuple[str, ...], list[str] | None]:
    importers = tuple(dict.fromkeys(i.importer for i in items))
    if any(not i.hs6 for i in items):
        return importers, None
    wanted = list(dict.fromkeys(c for i in items for c in i.hs6))
    present = set(run(catalog, "SELECT DISTINCT hs6 FROM flows", engine="duckdb")["hs6"])
    codes = [c for c in wanted if c in present]
    if not codes:
        raise NoData(
            f"none of the watchlist's {len(wanted)} products is in the loaded data; "
            "ingest data that covers them (`ecosec ingest`) or edit the watchlist"
        )
    return importers, codes


def _latest(
    catalog: Catalog, freq: str, importers: Sequence[str], codes: list[str] | None
) -> pd.DataFrame:
    where = f"freq = '{freq}' AND importer IN {sql_list(importers)}"
    if codes:
        where += f" AND hs6 IN {hs_list(codes)}"
    sql = (
        "SELECT importer, hs6, MAX(period) AS latest FROM flows "
        f"WHERE {where} GROUP BY importer, hs6"
    )
    return run(catalog, sql, engine="duckdb")


def _months_back(period: int, n: int) -> int:
    m = (period // 100) * 12 + period % 100 - 1 - n
    return (m // 12) * 100 + m % 12 + 1


def _starts(
    catalog: Catalog,
    freq: str,
    items: Sequence[WatchItem],
    wl: Watchlist,
    importers: Sequence[str],
    codes: list[str] | None,
    until: int | None,
) -> list[int | None]:
    """First period each item's run reports: its cadence's look-back from its latest data."""
    latest = _latest(catalog, freq, importers, codes)
    out: list[int | None] = []
    for item in items:
        rows = latest[latest["importer"] == item.importer]
        if item.hs6:
            rows = rows[rows["hs6"].isin(item.hs6)]
        if rows.empty:
            out.append(None)
            continue
        top = int(rows["latest"].max()) if until is None else min(int(rows["latest"].max()), until)
        back = LOOKBACK[wl.cadence(item.tier)] - 1
        out.append(_months_back(top, back) if freq == "M" else top)
    return out


def _matches(df: pd.DataFrame, item: WatchItem) -> pd.Series:
    mask = df["importer"] == item.importer
    if item.suppliers:
        mask &= df["exporter"].isin(item.suppliers)
    if item.hs6:
        mask &= df["hs6"].isin(item.hs6)
    return mask


def watch(
    watchlist: Watchlist | str | Path | None = None,
    *,
    tier: str | Sequence[str] | None = None,
    since: str | int | None = None,
    until: str | int | None = None,
    freq: str | None = None,
    params: AlertParams | None = None,
    by_supplier: bool = False,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Alerts on a watchlist's items, each with the item's tier, cadence and note.

    Without ``since``, each item looks back as far as its tier's cadence asks from the
    latest period of its own data (weekly, fortnightly, monthly: the latest month;
    quarterly: the latest three; annual data: the latest year). An alert matching
    several items takes the highest tier. Columns: :data:`ALERT_COLUMNS`, ``note``
    and ``item``; sorted by tier, then score (``by_supplier``: tier, supplier, score).

    >>> a = watch(tier="A", since="2019-01", until="2020-12", sample=True)
    >>> a.loc[0, ["importer", "exporter", "hs6", "tier", "start"]].tolist()
    ['KOR', 'JPN', '281111', 'A', '2019-07']
    """
    params = params or AlertParams()
    wl = _watchlist(watchlist)
    wanted = _tiers(tier)
    items = sorted((i for i in wl.items if i.tier in wanted), key=lambda i: i.tier)
    if not items:
        raise BadInput(
            f"the watchlist has no items of tier {', '.join(wanted)}; see `ecosec watch --list`"
        )
    catalog = open_catalog(store, sample=sample)
    importers, codes = _selection(catalog, items)
    cov = _coverage(catalog, importers, codes)
    f = _choose_freq(cov, freq, "the watchlist's items")
    lo, hi = _window(since, until, f, cov)
    starts = (
        _starts(catalog, f, items, wl, importers, codes, hi) if lo is None else [lo] * len(items)
    )
    known = [s for s in starts if s is not None]
    first = min(known) if known else lo
    df = _run(catalog, f, importers, codes, None, first, hi, params, engine)
    ends = df["end"].map(lambda e: parse_period(e, freq=f)) if len(df) else pd.Series(dtype="int64")
    df["note"], df["item"], matched = "", "", pd.Series(False, index=df.index)
    for item, start in zip(items, starts, strict=True):
        if start is None:
            continue
        mask = _matches(df, item) & (ends >= start) & ~matched
        df.loc[mask, ["tier", "cadence", "note", "item"]] = [
            item.tier,
            wl.cadence(item.tier),
            item.note,
            item.label,
        ]
        matched |= mask
    return _order(df[matched], df, by_supplier=by_supplier, first=["tier"])


def watchlist_items(
    watchlist: Watchlist | str | Path | None = None,
    *,
    tier: str | Sequence[str] | None = None,
    by_supplier: bool = False,
    min_share: float = 0.1,
    freq: str | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """A watchlist's items, one row per (item, supplier, product), with why they matter.

    Each row carries the item's tier, cadence and note, and from the loaded data the
    importer's imports of the product from that supplier over the latest year and the
    supplier's share of them. Items without a named supplier list every supplier with
    at least ``min_share`` of the imports. ``by_supplier`` orders by supplier country:
    each country's short list of items to watch.

    >>> w = watchlist_items(tier="A", by_supplier=True, sample=True)
    >>> w.loc[w["exporter"] == "JPN", ["hs6", "tier"]].values.tolist()
    [['370790', 'A'], ['281111', 'A']]
    """
    if not 0.0 <= min_share <= 1.0:
        raise BadInput(
            f"min_share={min_share} is out of range: allowed 0 to 1 (a share of imports)"
        )
    wl = _watchlist(watchlist)
    wanted = _tiers(tier)
    items = [i for i in wl.items if i.tier in wanted]
    catalog = open_catalog(store, sample=sample)
    importers, codes = _selection(catalog, items)
    f = _choose_freq(_coverage(catalog, importers, codes), freq, "the watchlist's items")
    scope = ew.Scope(
        "M" if f == "M" else "A", importers=importers, hs=tuple(codes) if codes else None
    )
    ex = run(catalog, ew.exposure_sql(scope), engine=engine)
    rows = []
    for item in items:
        part = ex[_matches(ex, item)]
        if not item.suppliers:
            part = part[part["share"].fillna(1.0) >= min_share]
        part = part.assign(
            tier=item.tier, cadence=wl.cadence(item.tier), note=item.note, item=item.label
        )
        rows.append(part)
    cols = [
        "tier", "cadence", "importer", "exporter", "hs6", "imports_usd", "share", "reported_by",
        "as_of", "note", "item",
    ]  # fmt: skip
    df = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    df = df.sort_values("tier", kind="stable").drop_duplicates(["importer", "exporter", "hs6"])
    df["as_of"] = df["as_of"].map(lambda p: period_label(p, f))
    df.insert(3, "importer_name", df["importer"].map(refdata.country_name))
    df.insert(5, "exporter_name", df["exporter"].map(refdata.country_name))
    df.insert(7, "product", df["hs6"].map(_product))
    keys = ["exporter", "tier"] if by_supplier else ["tier", "importer"]
    df = df.sort_values([*keys, "share"], ascending=[True, True, False], kind="stable")
    return df.reset_index(drop=True)
