"""What every ingest shares: DuckDB connections, error translation, manifests, publishing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ecosec import settings
from ecosec.errors import BadFile, EcosecError, StoreError
from ecosec.ingest.schema import FLOWS_SCHEMA, parquet_select
from ecosec.ingest.store import Dataset, Staging, Store

Progress = Callable[[str, float | None], None]
"""Callback ``progress(step_label, fraction_done_or_None)`` used to drive a progress bar."""


def no_progress(label: str, fraction: float | None) -> None:
    return None


def connect(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the memory limit and threads of the settings."""
    con = duckdb.connect(":memory:")
    limit = settings.get("memory-limit")
    if limit:
        con.execute(f"SET memory_limit = '{_safe_setting(limit)}'")
    n = threads or settings.get("threads")
    if n:
        con.execute(f"SET threads = {int(n)}")
    # Order of rows within a COPY is irrelevant to us; dropping it saves memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # ecosec draws its own
    return con


def _safe_setting(value: str) -> str:
    if not re.fullmatch(r"[0-9.]+\s*[KMGT]?i?B", value.strip(), flags=re.IGNORECASE):
        raise BadFile(
            f"ECOSEC_MEMORY_LIMIT={value!r} is not a size; use a value such as 3GB or 512MB"
        )
    return value.strip()


def sha256_of(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        with p.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


_LINE_RE = re.compile(r"CSV Error on Line: (\d+)")
_COL_RE = re.compile(r'converting column "([^"]+)"')
_ORIG_RE = re.compile(r"Original Line: (.*)")
_CONV_RE = re.compile(r"Could not convert string \"([^\"]*)\"")


def translate_duckdb_error(exc: Exception, file: str, *, fix: str) -> BadFile:
    """Turn a DuckDB parsing error into one line naming the file, line and column."""
    text = str(exc)
    line = _LINE_RE.search(text)
    col = _COL_RE.search(text)
    conv = _CONV_RE.search(text)
    if "ecosec:" in text:  # raised by our own error() checks inside the SQL
        msg = text[text.index("ecosec:") + len("ecosec:") :].strip().splitlines()[0]
        return BadFile(f"{file}: {msg}; {fix}")
    where = []
    if line:
        where.append(f"line {line.group(1)}")
    if col:
        where.append(f"column {col.group(1)!r}")
    what = f"value {conv.group(1)!r} is not a number" if conv else _first_line(text)
    loc = f" ({', '.join(where)})" if where else ""
    return BadFile(f"{file}{loc}: {what}; {fix}")


def _first_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "unreadable"
    return first[:300]


@dataclass
class IngestResult:
    """What an ingest did: the dataset now current and whether anything changed."""

    dataset: Dataset
    changed: bool
    notes: list[str]


def publish(
    store: Store,
    name: str,
    inputs: list[Path],
    meta: dict[str, Any],
    write: Callable[[Staging], list[str]],
) -> IngestResult:
    """Stage a dataset version with ``write`` and publish it atomically.

    ``write`` fills ``staging.flows_path`` (and optionally ``staging.totals_path``)
    and returns notes for the user. If the same inputs (by SHA-256) are already the
    current version of ``name``, nothing is written: ingest is idempotent.
    """
    digest = sha256_of(inputs)
    existing = store.get(name)
    if existing is not None and existing.manifest.get("sha256") == digest:
        return IngestResult(existing, False, ["already loaded with identical content; unchanged"])
    notes: list[str] = []
    try:
        with store.stage(name) as staging:
            notes = write(staging)
            staging.manifest.update(meta)
            stats = describe(staging)
            if stats["rows"] == 0 and stats["totals_rows"] == 0:
                raise BadFile(
                    f"{', '.join(str(p) for p in inputs)}: no trade rows found; check that "
                    "this is the right file (an empty file or only headers?)"
                )
            staging.manifest.update(stats)
            staging.manifest["sha256"] = digest
            staging.manifest["inputs"] = [str(p) for p in inputs]
            staging.manifest["notes"] = notes
    except EcosecError:
        raise
    except duckdb.Error as exc:
        raise BadFile(f"{inputs[0]}: {_first_line(str(exc))}; check the file's layout") from exc
    except OSError as exc:
        raise StoreError(
            f"writing to the store {store.root} failed: {exc}; check free space and "
            "permissions (the previous version is untouched)"
        ) from exc
    published = store.get(name)
    assert published is not None  # we just published it
    return IngestResult(published, True, notes)


def describe(staging: Staging) -> dict[str, Any]:
    """Summary figures of a staged version, for its manifest and ``ecosec datasets``."""
    out: dict[str, Any] = {"rows": 0, "totals_rows": 0}
    con = duckdb.connect(":memory:")
    try:
        files = [str(f) for f in staging.flows_files]
        if files:
            flows_sql = parquet_select(files, FLOWS_SCHEMA, staging.manifest.get("constants"))
            # Separate small queries: each is one cheap columnar scan, where a single
            # query with many DISTINCT aggregates costs several times more.
            con.execute(f"CREATE TEMP VIEW f AS {flows_sql}")

            def one(sql: str) -> Any:
                r = con.execute(sql).fetchone()
                return None if r is None else r[0]

            years = one(
                "SELECT list(DISTINCT CASE WHEN freq = 'M' THEN period // 100 ELSE period END)"
                " FROM f"
            )
            out.update(
                rows=one("SELECT count(*) FROM f"),
                period_min=one("SELECT min(period) FROM f"),
                period_max=one("SELECT max(period) FROM f"),
                freq=",".join(sorted(one("SELECT list(DISTINCT freq) FROM f") or [])),
                exporters=one("SELECT count(DISTINCT exporter) FROM f"),
                importers=one("SELECT count(DISTINCT importer) FROM f"),
                countries=one(
                    "SELECT count(*) FROM (SELECT DISTINCT exporter FROM f"
                    " UNION SELECT DISTINCT importer FROM f)"
                ),
                products=one("SELECT count(DISTINCT hs6) FROM f"),
                value_usd=one("SELECT sum(value_usd) FROM f"),
                source=",".join(sorted(one("SELECT list(DISTINCT source) FROM f") or [])),
                hs_rev=",".join(sorted(one("SELECT list(DISTINCT hs_rev) FROM f") or [])),
                sides=",".join(sorted(one("SELECT list(DISTINCT reporter_side) FROM f") or [])),
                years=sorted(int(y) for y in (years or [])),
            )
        if staging.totals_path.exists():
            trow = con.execute(
                "SELECT count(*), string_agg(DISTINCT source, ','), list(DISTINCT period)"
                " FROM read_parquet(?)",
                [str(staging.totals_path)],
            ).fetchone()
            assert trow is not None
            out["totals_rows"] = trow[0]
            if not out.get("source"):
                out["source"] = trow[1]
            if not out.get("years"):
                out["years"] = sorted(
                    {int(p) // 100 if p > 9999 else int(p) for p in (trow[2] or [])}
                )
    finally:
        con.close()
    return out
