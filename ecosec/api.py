"""The public Python API: validated inputs in, pandas DataFrames out.

CLI, web and report call only these functions. Every function takes ``store`` (a
directory; default ``$ECOSEC_HOME`` or the per-user data directory) and reads the
embedded sample when the store holds no dataset.

>>> import ecosec
>>> ds = ecosec.datasets(sample=True)
>>> "baci-critical-2024" in set(ds["name"])
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ecosec import settings
from ecosec.engine.executor import Catalog, newest_baci, open_catalog
from ecosec.errors import BadInput
from ecosec.ingest._common import IngestResult, Progress, no_progress
from ecosec.ingest.store import Store

DATASET_COLUMNS = [
    "name", "source", "description", "hs_rev", "years", "freq", "rows", "totals_rows",
    "countries", "products", "value_usd", "ingested_at", "version", "note",
]  # fmt: skip


def _store(store: str | Path | None) -> Store:
    return Store(settings.store_dir(store))


def ingest_baci(
    path: str | Path,
    *,
    store: str | Path | None = None,
    name: str | None = None,
    progress: Progress = no_progress,
) -> IngestResult:
    """Ingest a CEPII BACI zip (any HS revision, all its years) or folder of its CSVs."""
    from ecosec.ingest.baci import ingest_baci as _ingest

    return _ingest(Path(path), _store(store), name=name, progress=progress)


def ingest_comtrade(
    path: str | Path,
    *,
    store: str | Path | None = None,
    name: str | None = None,
    progress: Progress = no_progress,
) -> IngestResult:
    """Ingest a UN Comtrade CSV (legacy bulk or comtradeplus; annual or monthly)."""
    from ecosec.ingest.comtrade import ingest_comtrade as _ingest

    return _ingest(Path(path), _store(store), name=name, progress=progress)


def ingest_customs(
    path: str | Path,
    *,
    preset: str,
    store: str | Path | None = None,
    name: str | None = None,
    progress: Progress = no_progress,
) -> IngestResult:
    """Ingest a national customs table with a column-mapping preset (``kr-monthly``)."""
    from ecosec.ingest.customs import ingest_customs as _ingest

    return _ingest(Path(path), _store(store), preset=preset, name=name, progress=progress)


def catalog(*, store: str | Path | None = None, sample: bool | None = None) -> Catalog:
    """The datasets analyses read (the store's, else the embedded sample)."""
    return open_catalog(store, sample=sample)


def datasets(*, store: str | Path | None = None, sample: bool | None = None) -> pd.DataFrame:
    """What is loaded: one row per dataset with its source, years, rows and coverage;
    ``note`` says which years a newer BACI release covers instead (queries read those
    from the newer one)."""
    cat = open_catalog(store, sample=sample, every_release=True)
    read = {d.name: d for d in newest_baci(cat.datasets)}
    rows = []
    for d in cat.datasets:
        m = d.manifest
        years = m.get("years") or []
        used = read.get(d.name)  # absent: a newer release covers every year
        shadowed = used.manifest.get("shadowed_years", []) if used else sorted(years)
        rows.append(
            {
                "name": d.name,
                "source": m.get("source", ""),
                "description": m.get("description", ""),
                "hs_rev": m.get("hs_rev", ""),
                "years": _years_label(years),
                "freq": m.get("freq", ""),
                "rows": int(m.get("rows", 0)),
                "totals_rows": int(m.get("totals_rows", 0)),
                "countries": int(m.get("countries", 0)),
                "products": int(m.get("products", 0)),
                "value_usd": float(m.get("value_usd") or 0.0),
                "ingested_at": m.get("ingested_at", ""),
                "version": d.version,
                "note": (
                    f"{_years_label(shadowed)} read from a newer BACI release" if shadowed else ""
                ),
            }
        )
    return pd.DataFrame(rows, columns=DATASET_COLUMNS)


def _years_label(years: list[int]) -> str:
    if not years:
        return ""
    ys = sorted(years)
    if ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 2:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(str(y) for y in ys)


def remove_dataset(name: str, *, store: str | Path | None = None) -> None:
    """Unpublish and delete a dataset from the store."""
    _store(store).remove(name)


def sources(*, store: str | Path | None = None, sample: bool | None = None) -> pd.DataFrame:
    """Where each part of the data in use comes from (the sample's parts, or ingested files)."""
    cat = open_catalog(store, sample=sample)
    rows = []
    for d in cat.datasets:
        m = d.manifest
        rows.append(
            {
                "name": d.name,
                "what": m.get("description", ""),
                "source": m.get("attribution") or m.get("source", ""),
                "inputs": ", ".join(Path(i).name for i in m.get("inputs", [])),
                "caveat": m.get("caveat", ""),
            }
        )
    # Context tables shipped with the sample (population, energy balances, …).
    context = _sample_context()
    for entry in context:
        rows.append(
            {
                "name": entry.get("name", ""),
                "what": entry.get("description", ""),
                "source": entry.get("attribution", ""),
                "inputs": ", ".join(Path(i).name for i in entry.get("inputs", [])),
                "caveat": entry.get("caveat", ""),
            }
        )
    return pd.DataFrame(rows, columns=["name", "what", "source", "inputs", "caveat"])


def _sample_context() -> list[dict[str, Any]]:
    """Entries of ``ecosec/sample/context.json``: non-trade tables shipped with the sample."""
    import json

    from ecosec.engine.executor import sample_dir

    path = sample_dir() / "context.json"
    if not path.exists():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text("utf-8")).get("tables", [])
    return data


def check_store(store: str | Path | None) -> None:
    """Fail early on a --store that exists but is a file."""
    root = settings.store_dir(store)
    if root.exists() and not root.is_dir():
        raise BadInput(f"--store {root} is a file; give a directory (it is created if missing)")
