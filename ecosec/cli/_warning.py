"""Early-warning commands: ``alerts`` (signals on the loaded data) and ``watch``
(a watchlist's items, their alerts, or their current shares)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ecosec import api_warning as api
from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import check_format, console, country_label, emit, handle_errors
from ecosec.engine.warning import THRESHOLDS, params_from
from ecosec.errors import BadInput

Since = Annotated[
    str | None,
    typer.Option("--since", help="First period of the report: 2019, 2019-07 or 201907."),
]
Until = Annotated[
    str | None, typer.Option("--until", help="Last period read (as of): 2020-12, 2020, ...")
]
Freq = Annotated[
    str | None,
    typer.Option("--freq", help="M (monthly) or A (annual); default monthly when present."),
]
BySupplier = Annotated[
    bool,
    typer.Option("--by-supplier", help="One list per supplier country (embassy view)."),
]
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Set = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Alert parameter NAME=VALUE, repeatable: "
        + ", ".join(f"{t.name} ({t.lo:g}-{t.hi:g})" for t in THRESHOLDS)
        + ". See docs/early-warning.md.",
    ),
]

_TABLE = [
    "start", "end", "status", "importer", "supplier", "hs6", "product", "signal", "change",
    "vs", "share", "severity", "score", "tier",
]  # fmt: skip


def _vs(row: pd.Series) -> str:
    """The baseline in a few words (the full phrase is in baseline_desc)."""
    monthly = row["freq"] == "M"
    month = api.month_name(row["start"]) if monthly else ""
    median = f"{month} median" if monthly else "median"
    trailing = "12-mo" if monthly else "prev. year"
    return {
        "collapse": median,
        "surge": median,
        "restriction?": f"{median} vol.",
        "diversion/dumping?": f"{median} vol.",
        "sudden stop": f"{trailing} mean",
        "share collapse": f"{trailing} share",
        "concentration": f"{trailing} {'HHI' if row['what'] == 'hhi' else 'top share'}",
    }[str(row["signal"])]


def _params(
    z: float | None, min_value: float | None, persistence: int | None, sets: list[str] | None
) -> api.AlertParams:
    values: dict[str, str | float | int] = {}
    for item in sets or []:
        name, eq, value = item.partition("=")
        if not eq:
            raise BadInput(f"--set {item!r}: write NAME=VALUE, e.g. --set z=4")
        values[name.strip()] = value.strip()
    for key, number in (("z", z), ("min_value_usd", min_value), ("persistence", persistence)):
        if number is not None:
            values[key] = number
    return params_from(values)


def _change(row: pd.Series) -> str:
    c = row["change"]
    if pd.isna(c):
        return "from 0"
    if row["what"] == "hhi":
        return f"{c:+.2f} HHI"
    if row["what"] in ("share", "top_share"):
        return f"{100 * c:+.0f} pts"
    return f"{c:+.0%}"


def _display(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["change"] = out.apply(_change, axis=1) if len(out) else pd.Series(dtype=str)
    out["vs"] = out.apply(_vs, axis=1) if len(out) else pd.Series(dtype=str)
    out["product"] = out["hs6"].map(lambda h: api.short_product(str(h))[:30])
    out["supplier"] = out["exporter_name"].where(out["exporter_name"] != "", out["exporter"])
    out["share"] = out["share_before"].map(lambda s: "–" if pd.isna(s) else f"{s:.0%}")
    cols = list(_TABLE)
    if out["importer"].nunique() <= 1:
        cols.remove("importer")
    if "note" in out.columns:
        out["note"] = out["note"].str.slice(0, 40)
        cols.append("note")
    return out[cols]


def _emit_alerts(
    df: pd.DataFrame, *, fmt: str, output: Path | None, title: str, by_supplier: bool
) -> None:
    fmt = check_format(fmt, output)
    if fmt != "table":
        emit(df, fmt=fmt, output=output)
        return
    scanned = int(df.attrs.get("series_periods", 0))
    unit = "series-months" if df.attrs.get("freq") == "M" else "series-years"
    rate = f"{1000 * len(df) / scanned:.1f}" if scanned else "–"
    caption = (
        f"{len(df):,} alert{'' if len(df) == 1 else 's'} over {scanned:,} {unit} judged "
        f"({rate} per 1,000). change: current "
        "vs baseline_desc; share_before: the supplier's share of these imports before. "
        "score = 100·sqrt(move × dependency). --format csv or json for every column and "
        "a one-line message per alert."
    )
    if not by_supplier or df.empty:
        emit(_display(df), fmt=fmt, output=output, title=title, caption=caption)
        return
    for code, part in df.groupby("exporter", sort=False):
        name = str(part["exporter_name"].iloc[0] or code)
        emit(
            _display(part),
            fmt=fmt,
            output=output,
            title=f"{name} ({code!s}): {len(part)} alert{'' if len(part) == 1 else 's'}",
        )
    console.print(f"[dim]{caption}[/]")


@app.command("alerts")
@handle_errors
def alerts(
    country: Annotated[
        str | None,
        typer.Option("--country", "-c", help="Importer: ISO3, group (EU27) or list; default all."),
    ] = None,
    since: Since = None,
    until: Until = None,
    basket: Annotated[
        str | None, typer.Option("--basket", "-b", help="Strategic basket (ecosec baskets).")
    ] = None,
    hs: Annotated[str | None, typer.Option("--hs", help="HS6 codes, comma-separated.")] = None,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="Only these suppliers (ISO3, group, list).")
    ] = None,
    by_supplier: BySupplier = False,
    freq: Freq = None,
    severity: Annotated[
        str, typer.Option("--severity", help="Lowest severity shown: low, medium or high.")
    ] = "low",
    z: Annotated[
        float | None, typer.Option("--z", help="Robust z-score cut-off (default 3.5).")
    ] = None,
    min_value: Annotated[
        float | None,
        typer.Option("--min-value", help="Smallest flow judged, USD a year (default 1e6)."),
    ] = None,
    persistence: Annotated[
        int | None,
        typer.Option("--persistence", help="Consecutive periods (default 2 monthly, 1 annual)."),
    ] = None,
    set_: Set = None,
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Early-warning alerts: what moved, by how much, since when, and why it matters."""
    df = api.alerts(
        country=country,
        basket=basket,
        since=since,
        until=until,
        hs=hs,
        supplier=supplier,
        freq=freq,
        params=_params(z, min_value, persistence, set_),
        min_severity=severity,
        by_supplier=by_supplier,
        store=store,
        engine=engine,
    )
    window = " to ".join(p for p in (since or "start", until or "latest"))
    title = f"Alerts for {country_label(country)}, {window}"
    _emit_alerts(df, fmt=fmt, output=output, title=title, by_supplier=by_supplier)


@app.command("watch")
@handle_errors
def watch(
    file: Annotated[
        Path | None,
        typer.Argument(help="Watchlist TOML file (default: the packaged example)."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the items and their current shares.")
    ] = False,
    init: Annotated[
        bool, typer.Option("--init", help="Write the example watchlist to FILE to edit.")
    ] = False,
    tier: Annotated[
        str | None, typer.Option("--tier", help="Only these tiers, e.g. A or A,B.")
    ] = None,
    since: Since = None,
    until: Until = None,
    freq: Freq = None,
    by_supplier: BySupplier = False,
    set_: Set = None,
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Run a watchlist (items in tiers A-D with check cadences): alerts, or --list."""
    if init:
        if file is None:
            raise BadInput("--init writes the example watchlist: give FILE, e.g. my-watch.toml")
        if file.exists():
            raise BadInput(f"{file} exists; choose another name or delete it first")
        file.write_text(api.default_watchlist_text(), "utf-8")
        console.print(f"[green]wrote[/] {file}; edit it, then run `ecosec watch {file}`")
        return
    fmt = check_format(fmt, output)
    wl = api.load_watchlist(file)
    if list_:
        items = api.watchlist_items(wl, tier=tier, by_supplier=by_supplier, freq=freq, store=store)
        if fmt == "table":
            items = items.drop(columns=["importer_name", "item"]).assign(
                product=items["hs6"].map(lambda h: api.short_product(str(h))[:30]),
                share=items["share"].map(lambda s: "–" if pd.isna(s) else f"{s:.0%}"),
                note=items["note"].str.slice(0, 40),
            )
        emit(
            items,
            fmt=fmt,
            output=output,
            title=f"Watchlist: {wl.title or wl.source}",
            caption="imports_usd and share: the latest 12 months (monthly) or year in the data.",
            max_rows=None,
        )
        return
    df = api.watch(
        wl,
        tier=tier,
        since=since,
        until=until,
        freq=freq,
        params=_params(None, None, None, set_),
        by_supplier=by_supplier,
        store=store,
        engine=engine,
    )
    title = f"Watchlist alerts: {wl.title or wl.source}"
    _emit_alerts(df, fmt=fmt, output=output, title=title, by_supplier=by_supplier)
