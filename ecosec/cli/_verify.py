"""``ecosec verify``: integrity checks of the store and the engine's conservation laws."""

from __future__ import annotations

from typing import Annotated

import typer

from ecosec.cli._app import Fmt, Out, Store, app
from ecosec.cli._output import console, emit, err_console, handle_errors


@app.command("verify")
@handle_errors
def verify(
    deep: Annotated[
        bool, typer.Option("--deep", help="Also re-read the original input files (slow).")
    ] = False,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """Check that stored data match what was ingested and that shares add up (exit 1 if not)."""
    from ecosec.verify import verify as run_verify

    df = run_verify(store=store, deep=deep)
    emit(df, fmt=fmt, output=output, title="Integrity checks", max_rows=None)
    bad = df[~df["ok"]]
    if len(bad):
        err_console.print(f"[bold red]error:[/] {len(bad)} check(s) failed; see the table above")
        raise typer.Exit(1)
    if fmt == "table":
        console.print(f"[green]all {len(df)} checks passed[/]")
