"""Where the SQL runs: the catalog of datasets and the DuckDB executor.

The engine's queries read two relations, ``flows`` and ``totals`` (DESIGN.md's
canonical tables). :func:`connect` makes them views over the current Parquet files
of every published dataset in the store — or over the embedded sample when the store
holds nothing — so indicator code never deals with files or versions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from ecosec import settings
from ecosec.engine.trade import expand_aggregates
from ecosec.errors import BadInput, StoreError
from ecosec.ingest.schema import (
    FLOWS_SCHEMA,
    TOTALS_SCHEMA,
    empty_flows_sql,
    empty_totals_sql,
    parquet_select,
)
from ecosec.ingest.store import Dataset, Store, part_name


@dataclass(frozen=True)
class Catalog:
    """The datasets a query reads: the store's, or the embedded sample's."""

    root: Path
    datasets: tuple[Dataset, ...]
    is_sample: bool

    @property
    def flows_files(self) -> list[Path]:
        return [f for d in self.datasets for f in d.flows_files]

    @property
    def totals_files(self) -> list[Path]:
        return [f for d in self.datasets for f in d.totals_files]


def sample_dir() -> Path:
    return Path(str(resources.files("ecosec") / "sample"))


def sample_catalog() -> Catalog:
    """The embedded sample dataset shipped inside the package."""
    root = sample_dir()
    try:
        manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"the embedded sample at {root} is missing or damaged ({exc}); reinstall ecosec"
        ) from exc
    datasets = tuple(
        Dataset(m["name"], m.get("version", "sample"), root, m) for m in manifest["datasets"]
    )
    return Catalog(root, datasets, True)


def open_catalog(
    store: str | Path | None = None, *, sample: bool | None = None, every_release: bool = False
) -> Catalog:
    """The store's datasets, or the embedded sample when the store is empty (or ``sample``).

    Overlapping BACI releases are read as :func:`newest_baci` says, unless
    ``every_release`` (``ecosec verify`` checks every dataset as stored)."""
    if sample:
        return sample_catalog()
    root = settings.store_dir(store)
    if store is not None and not root.is_dir():
        # A store named explicitly must exist: falling back to the sample would answer
        # a typo in the path with the sample's numbers.
        what = "is a file, not a store folder" if root.exists() else "does not exist"
        raise BadInput(
            f"--store {root} {what}; give the folder `ecosec ingest ... --store DIR` wrote "
            "(leave --store out for $ECOSEC_HOME or the embedded sample)"
        )
    datasets = tuple(Store(root).datasets()) if root.exists() else ()
    if not datasets:
        if sample is False:
            return Catalog(root, (), False)
        return sample_catalog()
    return Catalog(root, datasets if every_release else newest_baci(datasets), False)


def _release(d: Dataset) -> tuple[str, str, str]:
    """Sort key of a BACI dataset: release (V202601; from the manifest, else the default
    name), HS revision, ingest time."""
    m = d.manifest
    release = str(m.get("release") or "")
    if not release:
        found = re.search(r"v(\d{6}[a-z]?)$", str(m.get("name") or d.name), flags=re.IGNORECASE)
        release = found.group(1) if found else ""
    return (release.lower().lstrip("v"), str(m.get("hs_rev") or ""), str(m.get("ingested_at")))


def newest_baci(datasets: tuple[Dataset, ...]) -> tuple[Dataset, ...]:
    """The datasets as queries read them: where several BACI datasets cover a year (two
    releases, or two HS revisions), only the newest release's flows of that year are
    read (then the newer revision), so the same trade is never added twice. A dataset
    left with no year is dropped; the others keep their manifests, with
    ``shadowed_years`` listing what a newer release covers."""
    baci = [d for d in datasets if d.manifest.get("source") == "baci" and d.flows_files]
    if len(baci) < 2:
        return datasets
    owner: dict[int, Dataset] = {}
    for d in baci:
        for y in d.manifest.get("years") or []:
            if int(y) not in owner or _release(d) > _release(owner[int(y)]):
                owner[int(y)] = d
    out: list[Dataset] = []
    for d in datasets:
        years = [int(y) for y in d.manifest.get("years") or []]
        if d not in baci or all(owner[y] is d for y in years):
            out.append(d)
            continue
        keep = [y for y in years if owner[y] is d]
        parts = {part_name(str(y)) for y in keep}
        files = [f for f in d.flows_files if f.name in parts]
        if not files:
            continue
        manifest = {
            **d.manifest,
            "flows_files": [f.name for f in files],
            "years": keep,
            "shadowed_years": [y for y in years if y not in keep],
        }
        out.append(dataclasses.replace(d, manifest=manifest))
    return tuple(out)


class Cancelled(StoreError):
    """The work was cancelled (a web request past its time limit); nothing to show."""


class CancelScope:
    """Stops every DuckDB query opened inside it (:func:`cancelling`) at once.

    The web app runs each request's work in a thread under a scope and cancels the
    scope when the request's time limit passes: running queries are interrupted and
    any later :func:`connect` in the scope refuses, so the abandoned work stops
    instead of running on in the background.
    """

    def __init__(self) -> None:
        self.cancelled = False
        self._cons: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def add(self, con: duckdb.DuckDBPyConnection) -> None:
        """Register a connection, ready for its query; a cancelled scope closes it and
        raises :class:`Cancelled` (DuckDB drops an interrupt that arrives while no
        statement runs, so a cancel during the connection's setup is caught here)."""
        with self._lock:
            if self.cancelled:
                con.close()
                raise Cancelled("the query was cancelled (it ran past the time limit)")
            self._cons.append(con)

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            cons, self._cons = self._cons, []
        for con in cons:
            with contextlib.suppress(duckdb.Error):  # already closed: nothing to stop
                con.interrupt()


_SCOPE: ContextVar[CancelScope | None] = ContextVar("ecosec_cancel_scope", default=None)


@contextlib.contextmanager
def cancelling(scope: CancelScope) -> Iterator[CancelScope]:
    """Register the connections opened in this block (this thread's context) with ``scope``."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def connect(catalog: Catalog) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``flows`` and ``totals`` views over the catalog."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    # 64-bit string offsets in results: what pandas' Arrow strings use, so no copy.
    con.execute("SET arrow_large_buffer_size = true")
    limit = settings.get("memory-limit")
    if limit:
        con.execute("SET memory_limit = ?", [limit])
    threads = settings.get("threads")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        con.execute("CREATE VIEW flows AS " + flows_view_sql(catalog))
        con.execute("CREATE VIEW totals AS " + totals_view_sql(catalog))
    except duckdb.Error as exc:  # a damaged or foreign file in the store
        con.close()
        raise StoreError(
            f"the store at {catalog.root} cannot be read: {str(exc).splitlines()[0]}; run "
            "`ecosec verify` to see which dataset, and ingest its source again"
        ) from exc
    if (scope := _SCOPE.get()) is not None:
        scope.add(con)  # set up: refused here if the scope was cancelled meanwhile
    return con


def flows_view_sql(catalog: Catalog) -> str:
    """The canonical ``flows`` relation over every dataset of the catalog (DuckDB SQL)."""
    parts = [
        parquet_select([str(f) for f in d.flows_files], FLOWS_SCHEMA, d.manifest.get("constants"))
        for d in catalog.datasets
        if d.flows_files
    ]
    return " UNION ALL ".join(parts) if parts else empty_flows_sql()


def totals_view_sql(catalog: Catalog) -> str:
    parts = [
        parquet_select([str(f) for f in d.totals_files], TOTALS_SCHEMA, None)
        for d in catalog.datasets
        if d.totals_files
    ]
    return " UNION ALL ".join(parts) if parts else empty_totals_sql()


def is_simple(catalog: Catalog) -> bool:
    """True when every flow is annual and reconciled (nothing for the mirror rule to do)."""
    for d in catalog.datasets:
        if not d.flows_files:
            continue
        m = d.manifest
        consts = m.get("constants") or {}
        freq = consts.get("freq") or m.get("freq", "")
        sides = consts.get("reporter_side") or m.get("sides", "")
        if freq != "A" or sides != "R":
            return False
    return True


def run(catalog: Catalog, sql: str, *, engine: str | None = None) -> pd.DataFrame:
    """Execute one engine query (DuckDB dialect) on DuckDB, or on Spark after sqlglot."""
    name = settings.get("engine", engine)
    if name == "spark":
        from ecosec.engine.spark import run_spark

        return run_spark(catalog, sql)
    con = connect(catalog)
    try:
        return to_pandas(con.sql(expand_aggregates(sql, "duckdb")).to_arrow_table())
    except duckdb.Error as exc:
        raise StoreError(f"query failed on DuckDB: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


# pandas' own string dtype ("str": Arrow-backed on pandas 3, plain object on pandas 2).
_STR = pd.Series(dtype="str").dtype


def _string_dtype(t: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    is_text = pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
    return _STR if is_text and isinstance(_STR, pd.StringDtype) else None


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """A query result as a DataFrame, the same for every engine.

    Through Arrow rather than DuckDB's ``.df()``: on pandas 3 the string columns then
    keep their Arrow buffers instead of becoming a million Python objects each (on the
    full dependency table, 0.1 s instead of 0.9 s). Decimals (SQL literals such as
    ``1.0``) become float64, as ``.df()`` made them.
    """
    casts = {f.name: pa.float64() for f in table.schema if pa.types.is_decimal(f.type)}
    if casts:
        table = table.cast(
            pa.schema([pa.field(f.name, casts.get(f.name, f.type)) for f in table.schema])
        )
    out: pd.DataFrame = table.to_pandas(types_mapper=_string_dtype)
    return out
