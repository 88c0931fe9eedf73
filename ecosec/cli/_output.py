"""Output conventions shared by every command: --format, --output, errors, exit codes."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable, Sequence
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
    fmt = fmt.strip().lower()
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


_TEXT_MIN = 20  # narrowest a wrapped text column (a name, a description) reads well


def _fixed_widths(
    columns: pd.Index, cells: list[list[str]], numeric: list[bool], width: int
) -> tuple[list[int | None], list[str], int]:
    """Widths and headers that keep numbers and codes (short cells without spaces)
    whole and let text columns (names, descriptions) wrap: each whole column as wide as
    its longest cell and its header; while the table is wider than ``width``, the
    longest headers go onto two lines (split at an underscore). When even that does
    not fit, no fixed widths (Rich folds what it must). Also returns the width needed."""
    n = len(columns)
    names = [str(c) for c in columns]
    cell = [max((len(row[i]) for row in cells), default=1) for i in range(n)]
    whole = [
        numeric[i] or all(" " not in row[i] and len(row[i]) <= 16 for row in cells)
        for i in range(n)
    ]
    # A text column's long header goes on two lines at once: its cells wrap anyway.
    headers = [
        names[i] if whole[i] or len(names[i]) <= _TEXT_MIN else _two_lines(names[i])
        for i in range(n)
    ]
    fixed: list[int | None] = [max(cell[i], len(names[i])) if whole[i] else None for i in range(n)]
    split = [_two_lines(h) for h in names]
    frame = 3 * n + 1

    def need() -> int:
        return sum(w or _TEXT_MIN for w in fixed) + frame

    while need() > width:
        gains = [
            (fixed[i] or 0) - max(cell[i], *map(len, split[i].split("\n")))
            if whole[i] and headers[i] == names[i]
            else 0
            for i in range(n)
        ]
        best = max(range(n), key=lambda i: gains[i])
        if gains[best] <= 0:
            return [None] * n, names, need()
        headers[best] = split[best]
        fixed[best] = max(cell[best], *map(len, split[best].split("\n")))
    return fixed, headers, need()


def _two_lines(name: str) -> str:
    """``name`` on two lines, split after the underscore that makes the longer line
    shortest (``import_\nexport_ratio``); unchanged without an underscore."""
    cuts = [i + 1 for i, ch in enumerate(name) if ch == "_" and 0 < i < len(name) - 1]
    if not cuts:
        return name
    cut = min(cuts, key=lambda c: max(c, len(name) - c))
    return name[:cut] + "\n" + name[cut:]


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
        if col.endswith("_ratio") and abs(v) >= 1000:
            return f"{v:,.0f}"
        if "share" in col or col.startswith("hhi") or col.endswith("_ratio"):
            # A small share keeps two significant digits (0.00021, not 0.000).
            if 0 < abs(v) < 0.0005:
                return f"{v:.{1 - math.floor(math.log10(abs(v)))}f}"
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
    optional: Sequence[str] = (),
) -> None:
    """Write ``df`` in the chosen format to ``output`` or the terminal (a file named
    .csv, .json or .parquet gets that format unless ``--format`` says otherwise).
    ``optional``: table columns to leave out, in this order, while the table is too
    wide for the terminal (a note names them)."""
    fmt = check_format(fmt, output)
    try:
        _emit(
            df, fmt=fmt, output=output, title=title, caption=caption, max_rows=max_rows,
            optional=optional,
        )  # fmt: skip
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
    optional: Sequence[str] = (),
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
        shown = df if max_rows is None or output is not None else df.head(max_rows)
        width = 200 if output is not None else console.width
        hidden: list[str] = []
        while True:
            cols = [c for c in df.columns if c not in hidden]
            cells = [
                [_cell(v, str(c)) for v, c in zip(row, cols, strict=True)]
                for row in shown[cols].itertuples(index=False, name=None)
            ]
            numeric = [
                pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
                for c in cols
            ]
            widths, headers, need = _fixed_widths(pd.Index(cols), cells, numeric, width)
            more = [c for c in optional if c in cols]
            if need <= width or not more:
                break
            hidden.append(more[0])
        if hidden:
            note = (
                f"not shown at this width: {', '.join(hidden)} (widen the terminal, or use "
                "--format csv / --output FILE)"
            )
            caption = f"{caption} {note}" if caption else note
        table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
        for i, header in enumerate(headers):
            table.add_column(
                header,
                justify="right" if numeric[i] else "left",
                overflow="fold",
                width=widths[i],
            )
        for row_cells in cells:
            table.add_row(*row_cells)
        if output is not None:
            with output.open("w", encoding="utf-8") as f:
                Console(file=f, width=200).print(table)
        else:
            console.print(table)
            if need > width:
                where = "the terminal has" if console.is_terminal else "the output has"
                console.print(
                    f"[dim]the table needs about {need} columns and {where} {width}; "
                    "widen it, or use --format csv / --output FILE[/]"
                )
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
    if not country or country.strip().lower() in ("all", "*"):
        return "all importers"
    group = refdata.find_group(country)
    if group is not None:
        return group.title
    try:
        return ", ".join(refdata.country_name(c) for c in refdata.resolve_countries(country))
    except EcosecError:
        return country
