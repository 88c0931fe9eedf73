"""The ``ecosec partner`` command: the partnership analysis of two countries."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ecosec import api_partnership as api
from ecosec import refdata
from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import check_format, console, emit, err_console, handle_errors
from ecosec.errors import BadInput, closest

# Columns shown in the terminal per section (every column goes to csv/json/parquet).
_SHOWN = {
    "complementarity": [
        "scope", "level", "year", "n_products", "tc_a_to_b", "tc_b_to_a", "es", "gl",
        "ti_a_to_b", "ti_b_to_a", "n_compete", "n_complement_a_to_b", "n_complement_b_to_a",
    ],
    "products": [
        "level", "hs", "product", "relation", "rca_a", "rca_b", "a_exports_usd", "b_exports_usd",
        "a_imports_usd", "b_imports_usd", "a_to_b_usd", "b_to_a_usd", "share_a_imports_from_b",
    ],
    "derisking": [
        "level", "dependent", "partner", "hs", "product", "risky_supplier", "risky_share",
        "imports_from_risky_usd", "partner_exports_usd", "partner_rca", "coverable_usd",
        "coverage_share",
    ],
    "shared": [
        "level", "hs", "product", "supplier", "a_supplier_share", "b_supplier_share",
        "combined_from_supplier_usd", "alternatives_cover", "alt1", "alt2", "alt3",
    ],
    "third-markets": [
        "rank", "level", "importer_name", "imports_usd", "pair_share", "growth_pa",
        "opportunity_usd", "top_product",
    ],
    "buyer-weight": [
        "level", "hs", "product", "year", "joint_import_share", "a_imports_usd", "b_imports_usd",
        "top_joint_supplier", "top_joint_share", "supplier_overlap",
    ],
    "challenges": ["country", "indicator", "year", "value", "unit", "basis"],
    "agenda": ["rank", "kind", "products", "project", "value_usd", "forum", "evidence"],
}  # fmt: skip
MAX_ROWS = 25

SectionOpt = Annotated[
    str | None,
    typer.Option(
        "--section",
        "-s",
        help="Only this section: " + ", ".join(api.SECTION_NAMES) + " (csv and parquet need one).",
    ),
]


def _label(col: str, a: str, b: str) -> str:
    """Column header for the terminal: a/b replaced by the country codes."""
    out = col.replace("a_to_b", f"{a}_to_{b}").replace("b_to_a", f"{b}_to_{a}")
    if out.startswith("a_"):
        out = f"{a}_" + out[2:]
    elif out.startswith("b_"):
        out = f"{b}_" + out[2:]
    for x, code in (("_a", a), ("_b", b)):
        if out.endswith(x):
            out = out[: -len(x)] + f"_{code}"
        out = out.replace(f"{x}_", f"_{code}_")
    return out


def _display(s: api.Section, a: str, b: str) -> pd.DataFrame:
    """The terminal view: chosen columns, USD in millions, indices rounded, text cut."""
    df = s.table[[c for c in _SHOWN[s.name] if c in s.table.columns]].copy()
    if df.empty:  # an empty section's columns may not be text; nothing to format
        return df
    if "level" in df:
        df["level"] = df["level"].astype(str).str.slice(0, 3)
    for col, width in (("product", 28), ("project", 60), ("evidence", 110), ("basis", 30)):
        if col in df:
            df[col] = df[col].astype(str).str.slice(0, width)
    if s.name == "challenges" and len(df):
        fmt = {"share": "{:.3f}", "persons": "{:,.0f}"}
        df["value"] = [
            fmt.get(u, "{:,.1f}").format(v) for v, u in zip(df["value"], df["unit"], strict=True)
        ]
    names = {}
    for col in df.columns:
        if col.endswith("_usd"):
            df[col] = pd.to_numeric(df[col], errors="coerce") / 1e6
            names[col] = _label(col, a, b) + "_m"
        else:
            names[col] = _label(col, a, b)
    return df.rename(columns=names)


def _cell(v: object, col: str) -> str:
    """One terminal cell: USD millions with one decimal, shares with three, else two."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if col.endswith("_m"):
            return f"{v:,.1f}"
        if "share" in col or "overlap" in col:
            return f"{v:.3f}"
        return f"{v:,.2f}"
    return str(v)


def _render(p: api.Partnership, sections: list[api.Section], out: Console) -> None:
    out.print(
        f"[bold]Partnership {p.a} ({refdata.country_name(p.a)}) - {p.b} "
        f"({refdata.country_name(p.b)}), {p.year}"
        f"{f', basket {p.basket}' if p.basket else ''}[/]"
    )
    shown: set[str] = set()
    for s in sections:
        spec = next(x for x in api.SECTIONS if x.name == s.name)
        out.print()
        out.print(f"[bold]{spec.number}. {s.title}[/] [dim]({s.name})[/]")
        for v in s.verdicts:
            out.print(f"  - {v}", highlight=False)
        for n in s.notes:
            text = f"(as above) {n[:70]}…" if n in shown else n
            out.print(f"  [dim]note: {text}[/]", highlight=False)
            shown.add(n)
        df = _display(s, p.a, p.b)
        if df.empty:
            out.print("  [dim](no rows: see the notes)[/]")
            continue
        millions = any(str(c).endswith("_m") for c in df.columns)
        table = Table(
            caption=f"Units: {s.units}{' (here USD columns in millions, _m)' if millions else ''}"
            f". Years: {', '.join(map(str, s.years))}. Source: {s.source}",
            header_style="bold",
        )
        for col in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
                df[col]
            )
            right = numeric or col == "value"
            table.add_column(str(col), justify="right" if right else "left", overflow="fold")
        for row in df.head(MAX_ROWS).itertuples(index=False, name=None):
            table.add_row(*(_cell(v, str(c)) for v, c in zip(row, df.columns, strict=True)))
        out.print(table)
        if len(df) > MAX_ROWS:
            out.print(f"  [dim]{len(df) - MAX_ROWS} more rows: --section {s.name} --format csv[/]")


@app.command("partner")
@handle_errors
def partner(
    a: Annotated[str, typer.Argument(help="First country (ISO3 code or name), e.g. KOR.")],
    b: Annotated[str, typer.Argument(help="Second country, e.g. JPN.")],
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Year (default: the latest broadly covered year)."),
    ] = None,
    basket: Annotated[
        str | None,
        typer.Option("--basket", "-b", help="Only this strategic basket (`ecosec baskets`)."),
    ] = None,
    section: SectionOpt = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb (default) or spark.")
    ] = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Partnership analysis: competition vs complementarity, mutual de-risking, shared
    vulnerabilities, third markets, joint buyer weight, common challenges, and a ranked
    cooperation agenda. json: one document with every section's table, units, years,
    source, verdicts and notes."""
    fmt = check_format(fmt, output)
    if section is not None and section not in api.SECTION_NAMES:
        raise BadInput(
            f"--section {section!r} is not known; {closest(section, list(api.SECTION_NAMES))}"
        )
    if fmt in ("csv", "parquet") and section is None:
        raise BadInput(
            f"--format {fmt} writes one table: add --section NAME "
            f"({', '.join(api.SECTION_NAMES)}), or use --format json for every section in one "
            "document"
        )
    p = api.partnership(a, b, year=year, basket=basket, store=store, engine=engine)
    chosen = [p.section(section)] if section else list(p.sections)
    if fmt == "json":
        text = json.dumps(p.to_dict([s.name for s in chosen]), ensure_ascii=False, indent=1) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            Path(output).write_text(text, encoding="utf-8")
            err_console.print(f"[green]wrote[/] {len(chosen)} section(s) to {output}")
    elif fmt in ("csv", "parquet"):
        emit(chosen[0].table, fmt=fmt, output=output)
    elif output is not None:
        with Path(output).open("w", encoding="utf-8") as f:
            _render(p, chosen, Console(file=f, width=200))
    else:
        _render(p, chosen, console)
