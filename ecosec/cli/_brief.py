"""``ecosec brief A B -o brief.html``: the partnership brief as one offline HTML file."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ecosec.cli._app import Store, app
from ecosec.cli._output import console, err_console, handle_errors
from ecosec.errors import BadInput, EcosecError, MissingExtra

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def print_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium (Debian's ``chromium``)."""
    exe = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if exe is None:
        raise MissingExtra(
            "--pdf needs Chromium: install it (Debian/Ubuntu: apt-get install chromium), "
            f"or open {html} in a browser and print it to PDF"
        )
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri(),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise EcosecError(
            f"Chromium could not print the PDF (exit {proc.returncode}): "
            f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no message'}; "
            f"the HTML brief is at {html}"
        )


@app.command("brief")
@handle_errors
def brief(
    a: Annotated[str, typer.Argument(help="First country (ISO3), e.g. KOR.")],
    b: Annotated[str, typer.Argument(help="Second country (ISO3), e.g. JPN.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "brief.html"
    ),
    basket: Annotated[
        str | None, typer.Option("--basket", "-b", help="Limit to one strategic basket.")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", help="Year (default: the latest broadly covered year)."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print a PDF next to the HTML (needs chromium).")
    ] = False,
    store: Store = None,
) -> None:
    """Write the partnership brief: one self-contained HTML file that opens offline."""
    from ecosec.report.brief import write_brief

    if output.suffix.lower() not in (".html", ".htm"):
        raise BadInput(f"--output {output} should end in .html (use --pdf for a PDF as well)")
    if output.parent and not output.parent.exists():
        raise BadInput(f"--output: the folder {output.parent} does not exist")
    with console.status("computing the brief…"):
        d = write_brief(a, b, output, year=year, basket=basket, store=store)
    console.print(f"[green]wrote[/] {output} ({output.stat().st_size / 1e6:.1f} MB), "
                  f"{d.a}–{d.b}, {d.year}")  # fmt: skip
    if pdf:
        target = output.with_suffix(".pdf")
        print_pdf(output, target)
        err_console.print(f"[green]wrote[/] {target}")
