"""Early warning on watchlists: TOML loading and checking, :func:`watch` and
:func:`watchlist_items`.

A watchlist (``ecosec/refdata/watchlist_default.toml`` is the packaged example) names
items, an importer's imports of some products from some suppliers, each in a tier A to
D with a check cadence. :func:`watch` runs the alerts of :mod:`ecosec._warning_alerts`
on the items and gives each alert its item's tier, cadence and note. Public names are
re-exported by :mod:`ecosec.api_warning`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ecosec import refdata
from ecosec._warning_alerts import AlertParams, _choose_freq, _coverage, _order, _run, _window
from ecosec._warning_format import CADENCES, TIERS, _product, parse_period, period_label
from ecosec.engine import warning as ew
from ecosec.engine.executor import Catalog, open_catalog, run
from ecosec.engine.trade import hs_list, sql_list
from ecosec.errors import BadFile, BadInput, EcosecError, NoData, closest

LOOKBACK = {"weekly": 1, "fortnightly": 1, "monthly": 1, "quarterly": 3}
"""Monthly periods a watch run looks back by cadence (annual data: the latest year)."""


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


@contextmanager
def _naming(where: str) -> Iterator[None]:
    """Prefix an error from the reference tables with the item and key it came from."""
    try:
        yield
    except EcosecError as exc:
        if str(exc).startswith(where.split(":")[0]):
            raise
        raise type(exc)(f"{where}: {exc}") from exc


def _item(raw: Any, n: int, default_importer: str | None) -> WatchItem:
    where = f"item {n}"
    if not isinstance(raw, dict):
        raise BadInput(f"{where} is not a table; write it as [[item]] with keys")
    _keys(raw, _ITEM_KEYS, where)
    importer_text = raw.get("importer", default_importer)
    if importer_text is None:
        raise BadInput(f'{where}: no importer; add importer = "KOR" to it or at the top')
    with _naming(f"{where}: importer"):
        importer = refdata.resolve_country(_text(importer_text, f"{where}: importer"))
    supplier = raw.get("supplier")
    with _naming(f"{where}: supplier"):
        suppliers = (
            refdata.resolve_countries(_text(supplier, f"{where}: supplier")) if supplier else ()
        )
    codes: list[str] = []
    hs = raw.get("hs6", [])
    for code in [hs] if isinstance(hs, str | int) else hs:
        with _naming(f"{where}: hs6"):
            norm = refdata.normalize_hs(str(code).strip())
        if len(norm) != 6:
            raise BadInput(f'{where}: hs6 {code!r} is not a six-digit code, e.g. "281111"')
        codes.append(norm)
    basket = raw.get("basket")
    if basket is not None:
        with _naming(f"{where}: basket"):
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
