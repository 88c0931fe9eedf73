"""``ecosec verify``: integrity checks of the store and the engine's conservation laws."""

from __future__ import annotations

from typing import Annotated

import typer

from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import check_format, console, emit, err_console, handle_errors


@app.command("verify")
@handle_errors
def verify(
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            help="Also re-read the original input files (BACI, UN Comtrade, Korea customs) "
            "and compare them with the store (slow: about 15 s per million CSV rows).",
        ),
    ] = False,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Check stored data against their manifests (and, with --deep, their source files),
    that shares sum to 1 and that disruption scenarios conserve value (exit 1 if not).

    Scenarios: full export cuts by the 3 largest exporters, 30 products each (docs/verify.md).
    """
    from ecosec.verify import verify as run_verify

    fmt = check_format(fmt, output)
    df = run_verify(store=store, deep=deep)
    emit(df, fmt=fmt, output=output, title="Integrity checks", max_rows=None)
    bad = df[~df["ok"]]
    if len(bad):
        err_console.print(f"[bold red]error:[/] {len(bad)} check(s) failed; see the table above")
        raise typer.Exit(1)
    if fmt == "table":
        console.print(f"[green]all {len(df)} checks passed[/]")
