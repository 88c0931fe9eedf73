"""The ``ecosec`` command line: parses options, calls :mod:`ecosec.api`, formats output.

Conventions of every command: ``--format table|csv|json|parquet``, ``--output FILE``,
``--store DIR``; errors are one red line with the fix, exit code 2 for bad input and
1 for other failures.
"""

from __future__ import annotations

from ecosec.cli import _analysis  # noqa: F401  (registers the analysis commands)
from ecosec.cli._app import app


def main() -> None:
    """Console-script entry point."""
    app(prog_name="ecosec")


__all__ = ["app", "main"]
