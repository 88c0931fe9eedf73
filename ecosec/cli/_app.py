"""The Typer application and its data-management commands (ingest, datasets, sources)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ecosec import api, refdata
from ecosec.cli._output import (
    FormatOpt,
    OutputOpt,
    StoreOpt,
    check_format,
    console,
    emit,
    err_console,
    handle_errors,
)
from ecosec.errors import UnknownCountry, closest
from ecosec.ingest._common import IngestResult

app = typer.Typer(
    name="ecosec",
    help="Economic-security analysis of international trade (HS6, partner by partner).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(
    help="Load a source file into the store (a new dataset version, published atomically).",
    no_args_is_help=True,
)
app.add_typer(ingest_app, name="ingest")

BaciPath = Annotated[
    Path, typer.Argument(help="The BACI zip as CEPII publishes it, or its unzipped folder.")
]
ComtradePath = Annotated[
    Path, typer.Argument(help="One UN Comtrade CSV (legacy bulk or comtradeplus layout).")
]
CustomsPath = Annotated[Path, typer.Argument(help="The customs table: an .xlsx workbook or a CSV.")]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Dataset name (default: derived from the file).")
]
Store = Annotated[Path | None, StoreOpt]
Fmt = Annotated[str, FormatOpt]
Out = Annotated[Path | None, OutputOpt]


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, float | None], None]]:
    """A Rich progress bar driven by the ingest's ``progress(label, fraction)`` calls."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(label: str, fraction: float | None) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=None if fraction is None else 1.0)
            task = tasks[label]
            if fraction is None:
                bar.update(task, total=None)
            else:
                bar.update(task, total=1.0, completed=fraction)

        yield update


def _report(result: IngestResult) -> None:
    m = result.dataset.manifest
    verb = "ingested" if result.changed else "unchanged"
    console.print(
        f"[green]{verb}[/] {result.dataset.name} ({result.dataset.version}): "
        f"{m.get('rows', 0):,} flows, {m.get('totals_rows', 0):,} totals, "
        f"years {', '.join(str(y) for y in m.get('years', []))}"
    )
    for note in result.notes:
        console.print(f"  [dim]{note}[/]")


@ingest_app.command("baci")
@handle_errors
def ingest_baci(path: BaciPath, name: NameOpt = None, store: Store = None) -> None:
    """Ingest a CEPII BACI zip as downloaded (any HS revision, all years) or its folder."""
    api.check_store(store)
    with _progress_bar() as progress:
        result = api.ingest_baci(path, store=store, name=name, progress=progress)
    _report(result)


@ingest_app.command("comtrade")
@handle_errors
def ingest_comtrade(path: ComtradePath, name: NameOpt = None, store: Store = None) -> None:
    """Ingest a UN Comtrade CSV (legacy bulk or comtradeplus layout; annual or monthly)."""
    api.check_store(store)
    with _progress_bar() as progress:
        result = api.ingest_comtrade(path, store=store, name=name, progress=progress)
    _report(result)


@ingest_app.command("customs")
@handle_errors
def ingest_customs(
    path: CustomsPath,
    preset: Annotated[
        str, typer.Option("--preset", help="Column mapping of the table: kr-monthly.")
    ] = "kr-monthly",
    name: NameOpt = None,
    store: Store = None,
) -> None:
    """Ingest a national customs table (Korea Customs Service monthly: --preset kr-monthly)."""
    api.check_store(store)
    with _progress_bar() as progress:
        result = api.ingest_customs(path, preset=preset, store=store, name=name, progress=progress)
    _report(result)


@app.command("datasets")
@handle_errors
def datasets(
    remove: Annotated[
        str | None, typer.Option("--remove", help="Delete the dataset of this name.")
    ] = None,
    store: Store = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """List the loaded datasets (source, revision, years, frequency, rows, coverage)."""
    fmt = check_format(fmt, output)
    if remove is not None:
        api.remove_dataset(remove, store=store)
        console.print(f"[green]removed[/] {remove}")
        return
    df = api.datasets(store=store)
    cat = api.catalog(store=store)
    caption = (
        "embedded sample (nothing ingested yet; `ecosec ingest …` adds your own data)"
        if cat.is_sample
        else f"store: {cat.root}"
    )
    if fmt == "table":
        df = df.drop(columns=["description", "version"])
        df["ingested_at"] = df["ingested_at"].str.slice(0, 16)
    emit(df, fmt=fmt, output=output, title="Datasets", caption=caption)


@app.command("sources")
@handle_errors
def sources(store: Store = None, fmt: Fmt = "table", output: Out = None) -> None:
    """Print where each part of the data in use comes from."""
    emit(api.sources(store=store), fmt=fmt, output=output, title="Sources")


@app.command("countries")
@handle_errors
def countries(
    group: Annotated[
        str | None, typer.Option("--group", help="Only members of this group (e.g. IPEF).")
    ] = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """List country codes (BACI's table: numeric, ISO3, names) or a group's members."""
    df = refdata.countries()
    if group is not None:
        known = refdata.groups()
        key = group.strip().upper().replace(" ", "").replace("-", "")
        if key not in known:
            raise UnknownCountry(
                f"group {group!r} is not known; {closest(key, list(known))}; "
                "`ecosec groups` lists them with their members"
            )
        df = df[df["code"].isin(known[key].members)]
    emit(df, fmt=fmt, output=output, title="Countries", max_rows=None)


@app.command("groups")
@handle_errors
def groups(fmt: Fmt = "table", output: Out = None) -> None:
    """List country groups (EU27, G7, IPEF, MSP, CHIP4, ASEAN, OECD, QUAD) and members."""
    rows = [
        {
            "group": g.name,
            "title": g.title,
            "n": len(g.members),
            "members": " ".join(g.members),
            "as_of": g.as_of,
            "source": g.source,
        }
        for g in refdata.groups().values()
    ]
    emit(pd.DataFrame(rows), fmt=fmt, output=output, title="Country groups")


@app.command("baskets")
@handle_errors
def baskets(
    name: Annotated[str | None, typer.Argument(help="Show this basket's codes.")] = None,
    fmt: Fmt = "table",
    output: Out = None,
) -> None:
    """List strategic product baskets, or one basket's HS6 codes with caveats."""
    if name is None:
        rows = [
            {"basket": b.name, "title": b.title, "codes": len(b.codes), "source": b.source}
            for b in refdata.baskets().values()
        ]
        emit(pd.DataFrame(rows), fmt=fmt, output=output, title="Strategic baskets")
        return
    b = refdata.basket(name)  # case-insensitive; an unknown name lists the baskets
    df = pd.DataFrame(
        [{"hs6": c.hs6, "label": c.label, "caveat": c.caveat, "source": c.source} for c in b.codes]
    )
    emit(df, fmt=fmt, output=output, title=f"{b.title} ({b.name})", max_rows=None)
