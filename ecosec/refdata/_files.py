"""Read the data files shipped in this package (never anything outside it)."""

from __future__ import annotations

import gzip
import io
import tomllib
from importlib import resources
from typing import Any

import pandas as pd

_PACKAGE = "ecosec.refdata"


def read_text(name: str) -> str:
    """Text of a packaged file, gunzipped when its name ends in ``.gz``."""
    data = resources.files(_PACKAGE).joinpath(name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def read_csv(name: str, dtype: dict[str, Any]) -> pd.DataFrame:
    """A packaged CSV whose leading ``#`` lines name its source.

    Empty fields stay empty strings: Namibia's ISO2 code is ``NA``, which pandas
    would otherwise read as missing.
    """
    text = read_text(name)
    skip = 0
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        skip += 1
    return pd.read_csv(io.StringIO(text), skiprows=skip, dtype=dtype, keep_default_na=False)


def read_toml(name: str) -> dict[str, Any]:
    """A packaged TOML file as nested dicts."""
    return tomllib.loads(read_text(name))
