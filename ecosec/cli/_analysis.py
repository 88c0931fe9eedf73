"""Analysis commands: dependencies, chokepoints, suppliers, rca."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ecosec import api_dependency as api
from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import country_label, emit, handle_errors

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
    str | None, typer.Option("--hs", help="HS6 codes, comma-separated (e.g. 850511,811292).")
]
Engine = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
Method = Annotated[
    str, typer.Option("--method", help="geodep (CEPII, default) or eu (EU Commission).")
]

_TABLE_DEP = [
    "hs6", "product", "imports_usd", "n_suppliers", "top_supplier_name", "top_share",
    "top3_share", "hhi_imports", "hhi_world", "import_export_ratio", "years_met", "dependent",
]  # fmt: skip


def _thin(df: pd.DataFrame, store: Path | None) -> str:
    note = api.thin_world_note(df, store=store)
    return f" Note: {note}" if note else ""


def _ratio_label(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "product" in out:
        out["product"] = out["product"].str.slice(0, 45)
    if "import_export_ratio" in out:
        out["import_export_ratio"] = out["import_export_ratio"].where(
            out["import_export_ratio"] < 1e9
        )
    return out


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
    df = api.dependencies(
        country,
        year=year,
        basket=basket,
        hs=hs,
        method=method,
        only_dependent=only_dependent,
        store=store,
        engine=engine,
    )
    if fmt == "table":
        n = int(df["dependent"].sum())
        title = f"Import dependencies of {country_label(country)}, {', '.join(map(str, sorted(df['year'].unique())))}"
        cols = _TABLE_DEP if df["importer"].nunique() == 1 else ["importer", *_TABLE_DEP]
        emit(
            _ratio_label(df)[cols],
            fmt=fmt,
            output=output,
            title=title,
            caption=f"{n} of {len(df)} products flagged dependent ({method} rule: HHI of imports > 0.4, "
            "world export HHI > 0.4, imports/exports > 1; 2 of 3 years where 3 consecutive years exist). "
            "import_export_ratio '–': no exports. Values in USD." + _thin(df, store),
        )
    else:
        emit(df, fmt=fmt, output=output)


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
    df = api.chokepoints(year=year, basket=basket, hs=hs, store=store, engine=engine)
    if fmt == "table":
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
            df[cols],
            fmt=fmt,
            output=output,
            title="Chokepoint products (world export concentration)",
            caption="Sorted by world HHI; HHI > 0.4 is highly concentrated. Values in USD."
            + _thin(df, store),
        )
    else:
        emit(df, fmt=fmt, output=output)


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
    df = api.suppliers(
        country, year=year, basket=basket, hs=hs, method=method, store=store, engine=engine
    )
    if fmt == "table":
        cols = [
            "exporter",
            "exporter_name",
            "year",
            "dependencies_held",
            "dependencies_supplied",
            "imports_usd",
            "share_of_dependent_imports",
        ]
        emit(
            df[cols],
            fmt=fmt,
            output=output,
            title=f"Suppliers of {country_label(country)}'s dependencies, "
            f"{', '.join(map(str, sorted(df['year'].unique())))}",
            caption="held: the supplier is the top supplier of that dependency. Values in USD.",
        )
    else:
        emit(df, fmt=fmt, output=output)


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
    df = api.rca(exporters, year=year, basket=basket, hs=hs, store=store, engine=engine)
    emit(
        df,
        fmt=fmt,
        output=output,
        title="Revealed comparative advantage",
        caption="Over the products in the loaded data (the sample: its baskets only).",
    )
