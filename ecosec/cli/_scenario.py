"""The ``scenario`` command: a supplier restricts exports; exposure, cover, shortfall."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ecosec import api_scenario as api
from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import check_format, console, emit, err_console, handle_errors
from ecosec.engine.scenario import REDIRECT_DEFAULT
from ecosec.errors import BadInput

# Columns shown per section in the terminal (csv, json and parquet keep every column).
_TABLE_COLUMNS = {
    "exposure": [
        "importer_name", "hs6", "product", "imports_usd", "supplier_share", "lost_usd",
        "lost_t", "lost_share",
    ],
    "substitution": [
        "importer_name", "hs6", "exporter_name", "stage", "current_usd", "capacity_usd",
        "covered_usd", "covered_t", "share_of_lost",
    ],
    "shortfall": [
        "rank", "importer_name", "hs6", "product", "lost_usd", "covered_partners_usd",
        "covered_usd", "shortfall_usd", "shortfall_t", "coverage", "shortfall_share",
    ],
    "totals": [
        "rank", "importer_name", "n_products", "imports_usd", "lost_usd", "covered_usd",
        "shortfall_usd", "lost_share", "coverage", "shortfall_share",
    ],
    "sensitivity": ["importer_name", "redirect", "lost_usd", "covered_usd", "shortfall_usd",
                    "coverage"],
}  # fmt: skip

_TITLES = {
    "exposure": "Exposure: imports lost per importer and product",
    "substitution": "Substitution: who could cover, from sales to third countries",
    "shortfall": "Shortfall after substitution (ranked)",
    "totals": "Totals per importer (ranked by shortfall)",
    "sensitivity": "Sensitivity: shortfall as the redirectable fraction varies",
}


def _headline(s: api.Scenario) -> str:
    a = s.assumptions
    products = a["products"]
    if a["basket"]:
        what = f"the {a['basket']} basket ({len(products)} codes in the data)"
    elif isinstance(products, list):
        what = ", ".join(products)
    else:
        what = "every product"
    whom = ", ".join(a["targets"]) if a["targets"] else "every importer (full cut)"
    partners = f"; partners first: {', '.join(a['partners'])}" if a["partners"] else ""
    return (
        f"{a['supplier_name']} cuts {a['cut'] * 100:g}% of its exports of {what} to {whom}, "
        f"on {a['year']} flows; others redirect {a['redirect'] * 100:g}% of their sales to "
        f"third countries{partners}. Values USD, quantities tonnes (_t)."
    )


def _table(s: api.Scenario, sections: list[str]) -> None:
    console.print(f"[bold]Scenario[/] {escape(_headline(s))}", highlight=False)
    for note in s.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    for name in sections:
        df = s.section(name)
        if df.empty:
            console.print(f"[bold]{_TITLES[name]}[/]: none (see the notes)", highlight=False)
            continue
        if name == "substitution":  # the largest sources first, across importers
            df = df.sort_values("covered_usd", ascending=False, kind="stable")
        cols = _TABLE_COLUMNS[name]
        shown = df[cols].copy()
        if "product" in shown:
            shown["product"] = shown["product"].str.slice(0, 40)
        emit(shown, fmt="table", output=None, title=_TITLES[name], max_rows=40)
    console.print(
        "[dim]Model: partial equilibrium, no price response, no stocks, no domestic "
        "production; `--format json` lists every assumption. See docs/scenarios.md.[/]"
    )


@app.command("scenario")
@handle_errors
def scenario(
    supplier: Annotated[
        str, typer.Option("--supplier", "-s", help="The restricting country, e.g. CHN.")
    ],
    basket: Annotated[
        str | None,
        typer.Option("--basket", "-b", help="Strategic basket, e.g. critical-minerals."),
    ] = None,
    products: Annotated[
        str | None,
        typer.Option("--products", "--hs", help="HS6 codes, comma-separated (811292,850511)."),
    ] = None,
    cut: Annotated[
        float, typer.Option("--cut", help="Fraction of the supplier's exports withheld, 0-1.")
    ] = 1.0,
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets", "-t", help="Importers targeted (KOR,JPN or a group); omit: full cut."
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-y",
            help="Year of the trade structure (default: the latest broadly covered).",
        ),
    ] = None,
    redirect: Annotated[
        float,
        typer.Option(
            "--redirect",
            help=f"Fraction of others' third-country sales redirectable, 0-1 "
            f"(default {REDIRECT_DEFAULT}).",
        ),
    ] = REDIRECT_DEFAULT,
    partners: Annotated[
        str | None,
        typer.Option("--partners", "-p", help="Countries or groups allocated first (MSP,JPN)."),
    ] = None,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            help="Only this table: exposure, substitution, shortfall, totals, sensitivity.",
        ),
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="duckdb or spark.")] = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """What if a supplier restricts exports: who is exposed, who can cover, the shortfall."""
    fmt = check_format(fmt, output)
    if section is not None and section not in api.SECTIONS:
        raise BadInput(f"--section {section!r} is not known; allowed: {', '.join(api.SECTIONS)}")
    if fmt in ("csv", "parquet") and section is None:
        raise BadInput(
            f"--format {fmt} writes one table: add --section "
            f"{'|'.join(api.SECTIONS)}, or use --format json for all of them"
        )
    result = api.scenario(
        supplier,
        products=products,
        basket=basket,
        cut=cut,
        targets=targets,
        year=year,
        redirect=redirect,
        partners=partners,
        store=store,
        engine=engine,
    )
    sections = [section] if section else list(api.SECTIONS)
    if fmt == "json":
        text = json.dumps(result.to_dict(sections), ensure_ascii=False, indent=1) + "\n"
        _write(text, output)
    elif fmt == "table":
        if output is None:
            _table(result, sections)
        else:
            with console.capture() as captured:
                _table(result, sections)
            _write(captured.get(), output)
    elif section is not None:  # csv or parquet: one table (checked above)
        emit(result.section(section), fmt=fmt, output=output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.write_text(text, encoding="utf-8")
    err_console.print(f"[green]wrote[/] {output}")
