"""Analysis commands: dependencies, chokepoints, suppliers, rca."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ecosec import api_dependency as api
from ecosec._warning_format import short_product
from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import check_format, console, country_label, emit, handle_errors
from ecosec.engine.executor import open_catalog
from ecosec.report.format import clip

Year = Annotated[
    int | None,
    typer.Option("--year", "-y", help="Year (default: the latest broadly covered year)."),
]
Basket = Annotated[
    str | None,
    typer.Option(
        "--basket",
        "-b",
        help="Strategic basket: semiconductors, batteries, critical-minerals, energy, fertilizers.",
    ),
]
Hs = Annotated[
    str | None,
    typer.Option(
        "--hs",
        help="HS6 codes, comma-separated (e.g. 850511,811292); with --basket, added to its codes.",
    ),
]
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Method = Annotated[
    str, typer.Option("--method", help="geodep (CEPII, default) or eu (EU Commission).")
]

_TABLE_DEP = [
    "hs6", "product", "imports_usd", "n_suppliers", "top_supplier_name", "top_share",
    "top3_share", "hhi_imports", "hhi_world", "import_export_ratio", "years_met", "dependent",
]  # fmt: skip


# Table columns left out first, in this order, on a narrow terminal.
_DEP_OPTIONAL = [
    "years_met", "top3_share", "n_suppliers", "top_share", "import_export_ratio",
    "imports_usd", "hhi_world", "extra_share", "top_supplier_name",
]  # fmt: skip
_CHOKE_OPTIONAL = [
    "second_exporter_name", "second_share", "n_exporters", "top3_share", "year",
    "world_exports_usd",
]  # fmt: skip


def _thin(df: pd.DataFrame, store: Path | None) -> str:
    note = api.thin_world_note(df, store=store)
    return f" Note: {note}" if note else ""


def _partners(df: pd.DataFrame, store: Path | None) -> str:
    note = api.thin_partner_note(df, store=store)
    return f" Note: {note}" if note else ""


def _data(store: Path | None) -> str:
    """Says so when the tables come from the embedded sample (nothing ingested, or
    $ECOSEC_HOME naming a folder that holds no dataset)."""
    if open_catalog(store).is_sample:
        return " Data: the embedded sample (`ecosec sources`; `ecosec ingest` adds yours)."
    return ""


def _coverage(df: pd.DataFrame, basket: str | None, hs: str | None, store: Path | None) -> str:
    codes = api.asked_codes(basket=basket, hs=hs) or None
    notes = [api.coverage_note(codes, int(y), store=store) for y in sorted(set(df["year"]))]
    return "".join(f" Note: {n}" for n in notes if n)


def _ratio_label(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "product" in out:
        out["product"] = out["product"].map(lambda t: clip(str(t), 45))
    if "import_export_ratio" in out and "exports_usd" in out:  # '–': no exports
        out["import_export_ratio"] = out["import_export_ratio"].where(out["exports_usd"] > 0)
    return out


def _years(df: pd.DataFrame) -> str:
    return ", ".join(map(str, sorted(int(y) for y in df["year"].unique())))


def _absent(df: pd.DataFrame, basket: str | None, hs: str | None, what: str = "imports") -> str:
    """A sentence naming the codes asked for that have no row in the table."""
    asked = api.asked_codes(basket=basket, hs=hs)
    absent = [c for c in asked if c not in set(df["hs6"])]
    if not absent:
        return ""
    names = ", ".join(f"{c} ({clip(short_product(c), 28)})" for c in absent[:6])
    more = f" and {len(absent) - 6} more" if len(absent) > 6 else ""
    return (
        f" No {what} in the data for {len(absent)} of the {len(asked)} codes asked: {names}{more}."
    )


@app.command("dependencies")
@handle_errors
def dependencies(
    country: Annotated[str, typer.Argument(help="ISO3 code, group (EU27, IPEF…) or 'all'.")],
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    method: Method = "geodep",
    only_dependent: Annotated[
        bool, typer.Option("--only-dependent", help="Only flagged products.")
    ] = False,
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Import dependency per product: suppliers, concentration, every criterion, the flag."""
    fmt = check_format(fmt, output)  # a file named .json/.csv gets the records, not the view
    df = api.dependencies(
        country, year=year, basket=basket, hs=hs, method=method, store=store, engine=engine
    )
    shown = df[df["dependent"]].reset_index(drop=True) if only_dependent else df
    if fmt != "table":
        emit(shown, fmt=fmt, output=output)
        return
    method = method.strip().lower()
    many = df["importer"].nunique() > 1
    what = "importer × product rows" if many else "products"
    n = int(df["dependent"].sum())
    one_country = method == "eu" and not api.resolve_importer(country).is_group
    caption = (
        f"{n} of {len(df)} {what} flagged dependent ({api.rule_text(method)}). "
        + (
            "A country's imports all come from outside it: extra_share is 1. "
            if one_country
            else ""
        )
        + "import_export_ratio '–': no exports. Values in USD."
        + _absent(df, basket, hs)
        + _partners(df, store)
        + _coverage(df, basket, hs, store)
        + _thin(df, store)
        + _data(store)
    )
    title = f"Import dependencies of {country_label(country)}, {_years(df)}"
    if shown.empty and output is None:
        verdict = (
            "the one product is not flagged dependent"
            if len(df) == 1
            else f"none of the {len(df)} {what} is flagged dependent"
        )
        console.print(f"[bold]{title}[/]: {verdict}.")
        console.print(caption.strip(), highlight=False)
        return
    cols = list(_TABLE_DEP)
    if method == "eu":  # the EU rule's second criterion instead of the world HHI
        cols[cols.index("hhi_world")] = "extra_share"
    emit(
        _ratio_label(shown)[["importer", *cols] if many else cols],
        fmt=fmt,
        output=output,
        title=title,
        caption=caption,
        optional=_DEP_OPTIONAL,
    )


@app.command("chokepoints")
@handle_errors
def chokepoints(
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Products whose world exports are concentrated: top exporters, shares, world HHI."""
    fmt = check_format(fmt, output)
    df = api.chokepoints(year=year, basket=basket, hs=hs, store=store, engine=engine)
    if fmt != "table":
        emit(df, fmt=fmt, output=output)
        return
    cols = [
        "hs6",
        "product",
        "year",
        "world_exports_usd",
        "n_exporters",
        "top_exporter_name",
        "top_share",
        "second_exporter_name",
        "second_share",
        "top3_share",
        "hhi_world",
    ]
    emit(
        _ratio_label(df)[cols],
        fmt=fmt,
        output=output,
        title=f"Chokepoint products (world export concentration), {_years(df)}",
        caption="Sorted by world HHI; HHI > 0.4 is highly concentrated. Values in USD."
        + _absent(df, basket, hs, what="exports")
        + _coverage(df, basket, hs, store)
        + _thin(df, store)
        + _data(store),
        optional=_CHOKE_OPTIONAL,
    )


@app.command("suppliers")
@handle_errors
def suppliers(
    country: Annotated[str, typer.Argument(help="ISO3 code or group.")],
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    method: Method = "geodep",
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """On whom a country depends: per supplier, the dependencies it supplies and holds."""
    fmt = check_format(fmt, output)
    df = api.suppliers(
        country, year=year, basket=basket, hs=hs, method=method, store=store, engine=engine
    )
    if fmt != "table":
        emit(df, fmt=fmt, output=output)
        return
    method = method.strip().lower()
    years = ", ".join(map(str, df.attrs.get("years", [])))
    who = country_label(country)
    title = (
        f"Suppliers of {who}{_possessive(who)} dependencies, {years}"
        if "," not in who and "(" not in who
        else f"Suppliers of the dependencies of {who}, {years}"
    )
    if df.empty and output is None:
        again = " ".join(
            [f"ecosec dependencies {country}", f"--year {years}"]
            + ([f"--basket {basket}"] if basket else [])
            + ([f"--hs {hs}"] if hs else [])
            + ([f"--method {method}"] if method != "geodep" else [])
        )
        console.print(
            f"[bold]{title}[/]: none of the products analysed is flagged dependent "
            f"({api.rule_text(method)}), so no supplier to list. `{again}` shows every "
            "criterion.",
            highlight=False,
        )
        return
    out = df.assign(holds=df["held_hs6"].map(_held))
    cols = [
        "exporter",
        "exporter_name",
        "dependencies_held",
        "holds",
        "dependencies_supplied",
        "imports_usd",
        "share_of_dependent_imports",
    ]
    if out["importer"].nunique() > 1:
        cols.insert(0, "importer")
    if out["year"].nunique() > 1:
        cols.insert(0, "year")
    # Each dependency has one top supplier, so the held counts add up to the dependencies.
    n_dep = int(df["dependencies_held"].sum())
    what = (
        f"{n_dep:,} dependencies (importer × product)"
        if df["importer"].nunique() > 1
        else _plural(n_dep, "dependent product")
    )
    note = ""
    # The partial-data note reads the dependency rows behind the table; they are fetched
    # (a second engine query) only when a dataset names few suppliers of these importers.
    years_asked = df.attrs.get("years", [])
    codes = api.asked_codes(basket=basket, hs=hs) or None
    limited = api.partner_limited(sorted(set(df["importer"])), years_asked, hs=codes, store=store)
    if not limited.empty:
        deps = api.dependencies(
            country, year=years_asked, basket=basket, hs=hs, method=method,
            store=store, engine=engine, only_dependent=True,
        )  # fmt: skip
        note = _partners(deps, store)
    emit(
        out[cols],
        fmt=fmt,
        output=output,
        title=title,
        caption=f"{what} ({api.rule_text(method)}). held: the supplier "
        "is the top supplier of that many dependencies (holds: which); supplied: it sells "
        "that many of them; imports_usd and share_of_dependent_imports: the importer's "
        "imports from it of its dependent products, and their share of all its imports of "
        "those products. Values in USD." + note + _data(store),
        optional=["exporter", "dependencies_supplied", "share_of_dependent_imports"],
    )


def _plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless one: "1 dependent product", "7 dependent products"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _possessive(name: str) -> str:
    return "'" if name.endswith("s") else "'s"


def _held(codes: str) -> str:
    """The held products' codes and short names, three at most (``+N``)."""
    items = [c for c in codes.split(",") if c]
    names = [f"{c} {clip(short_product(c), 20)}" for c in items[:3]]
    return "; ".join(names) + (f" +{len(items) - 3}" if len(items) > 3 else "")


@app.command("rca")
@handle_errors
def rca(
    exporters: Annotated[
        str | None, typer.Argument(help="ISO3 codes or group (default: all).")
    ] = None,
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    engine: Engine = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Revealed comparative advantage (Balassa) per exporter and product."""
    fmt = check_format(fmt, output)
    df = api.rca(exporters, year=year, basket=basket, hs=hs, store=store, engine=engine)
    if fmt != "table" or df.empty:
        emit(df, fmt=fmt, output=output)
        return
    who = country_label(exporters) if exporters else "all exporters"
    emit(
        df,
        fmt=fmt,
        output=output,
        title=f"Revealed comparative advantage of {who}, {_years(df)}",
        caption="Balassa RCA over the products in the loaded data (the sample: its baskets "
        "only); above 1, the exporter's share of the product in its exports beats the "
        "world's." + _coverage(df, basket, hs, store) + _data(store),
        optional=["share_of_exporter", "share_of_world", "exporter", "year", "exports_usd"],
    )
