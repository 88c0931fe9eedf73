"""The ``ecosec`` command line: parses options, calls the API, formats output.

Conventions of every command: ``--format table|csv|json|parquet``, ``--output FILE``,
``--store DIR``; errors are one red line with the fix, exit code 2 for bad input and
1 for other failures.

Commands live in the private modules of this package (``_analysis.py``, …); each
registers its commands on :data:`app` when imported, and every such module is
imported here, so adding a command family means adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil

from ecosec.cli._app import app

_NOT_COMMANDS = {"_app", "_output"}

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod.startswith("_") and _mod not in _NOT_COMMANDS:
        importlib.import_module(f"{__name__}.{_mod}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="ecosec")


__all__ = ["app", "main"]
