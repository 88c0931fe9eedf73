"""docs/cli.md is the commands' own --help: regenerated here and compared (STYLE §22)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_cli_reference", ROOT / "scripts" / "build_cli_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(text: str) -> list[str]:
    """The text without the help boxes' drawing and line wrapping, which a Rich or Typer
    release may change; what is compared is every word of every command's help."""
    return re.sub(r"[│╭╮╰╯─┃━]", " ", text).split()


def test_cli_reference_is_current() -> None:
    builder = _builder()
    expected = builder.reference()
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    stale = "docs/cli.md is stale: run python scripts/build_cli_reference.py"
    assert _words(current) == _words(expected), stale
    # Every command is in it, and every setting's environment variable.
    for path in builder._commands():
        assert f"## `ecosec {' '.join(path)}`" in current
    assert "ECOSEC_SPARK_CONF" in current and "--only-dependent" in current
