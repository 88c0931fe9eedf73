"""Output conventions shared by every command: --format, --output, errors, exit codes."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ecosec import refdata
from ecosec._records import records
from ecosec._types import OUTPUT_FORMATS
from ecosec.errors import BadInput, EcosecError, closest

P = ParamSpec("P")
R = TypeVar("R")

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

FormatOpt = typer.Option(
    "--format", "-f", help="Output format: table, csv, json (a list of records) or parquet."
)
OutputOpt = typer.Option(
    "--output",
    "-o",
    help="Write to FILE instead of the terminal (a name ending .csv, .json or .parquet "
    "picks that format unless --format is given).",
)
StoreOpt = typer.Option(
    "--store",
    help="Store directory (default: $ECOSEC_HOME, else the per-user data directory); "
    "ingest creates it, other commands need it to exist.",
)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print an EcosecError as one red line and exit 2 (bad input) or 1 (other)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except EcosecError as exc:
            # One line, unwrapped whatever the terminal width: scripts grep it.
            err_console.print(
                f"[bold red]error:[/] {_escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("[bold red]interrupted[/]; the store keeps its previous version")
            raise typer.Exit(130) from None

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def check_format(fmt: str, output: Path | None) -> str:
    """The format to write: ``fmt``, or, when it is the default (table) and ``output``
    ends in .csv, .json or .parquet, the format the file name asks for. Checks that the
    output's folder exists before any work is done."""
    if fmt not in OUTPUT_FORMATS:
        raise BadInput(f"--format {fmt!r} is not known; {closest(fmt, list(OUTPUT_FORMATS))}")
    if output is not None:
        if output.is_dir():
            raise BadInput(f"--output {output} is a folder; give a file name inside it")
        if not output.parent.is_dir():
            raise BadInput(
                f"--output {output}: the folder {output.parent} does not exist; create it "
                "or write elsewhere"
            )
        by_name = output.suffix.lower().lstrip(".")
        if fmt == "table" and by_name in ("csv", "json", "parquet"):
            fmt = by_name
    if fmt == "parquet" and output is None:
        raise BadInput("--format parquet writes a binary file; add --output FILE.parquet")
    return fmt


def _cell(v: Any, col: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v.is_integer() and abs(v) >= 1000:
            return f"{v:,.0f}"
        if col.endswith("_usd") or col == "value_usd":
            return f"{v:,.0f}"
        if "share" in col or col.startswith("hhi") or col.endswith("_ratio"):
            return f"{v:.3f}"
        # Whole units past 1,000 (tonnes read 76,280, not 7.628e+04); 4 digits below.
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 1000 and col not in ("year", "period") else str(v)
    return str(v)


def emit(
    df: pd.DataFrame,
    *,
    fmt: str,
    output: Path | None,
    title: str | None = None,
    caption: str | None = None,
    max_rows: int | None = 200,
) -> None:
    """Write ``df`` in the chosen format to ``output`` or the terminal (a file named
    .csv, .json or .parquet gets that format unless ``--format`` says otherwise)."""
    fmt = check_format(fmt, output)
    try:
        _emit(df, fmt=fmt, output=output, title=title, caption=caption, max_rows=max_rows)
    except OSError as exc:
        raise EcosecError(f"could not write {output}: {exc.strerror or exc}") from exc
    if output is not None:
        err_console.print(f"[green]wrote[/] {len(df)} rows to {output} ({fmt})")


def _emit(
    df: pd.DataFrame,
    *,
    fmt: str,
    output: Path | None,
    title: str | None,
    caption: str | None,
    max_rows: int | None,
) -> None:
    if fmt == "parquet":
        assert output is not None
        df.to_parquet(output, index=False)
    elif fmt == "csv":
        text = df.to_csv(index=False)
        _write_text(text, output)
    elif fmt == "json":
        _write_text(json.dumps(records(df), ensure_ascii=False, indent=1) + "\n", output)
    else:
        table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
        for col in df.columns:
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
                df[col]
            )
            table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
        shown = df if max_rows is None or output is not None else df.head(max_rows)
        for row in shown.itertuples(index=False, name=None):
            table.add_row(*(_cell(v, str(c)) for v, c in zip(row, df.columns, strict=True)))
        if output is not None:
            with output.open("w", encoding="utf-8") as f:
                Console(file=f, width=200).print(table)
        else:
            console.print(table)
            if max_rows is not None and len(df) > max_rows:
                console.print(
                    f"[dim]{len(df) - max_rows} more rows; use --format csv or --output FILE "
                    "for all of them[/]"
                )


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


def country_label(country: str | None) -> str:
    """Countries as typed ("kor,jpn", "EU27") as names for a title ("Korea, Japan"),
    or as typed when they do not resolve."""
    if not country:
        return "all importers"
    groups = refdata.groups()
    key = country.strip().upper()
    if key in groups:
        return groups[key].title
    try:
        return ", ".join(refdata.country_name(c) for c in refdata.resolve_countries(country))
    except EcosecError:
        return country
