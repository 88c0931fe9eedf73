"""The canonical tables every source is mapped into (see DESIGN.md, "Canonical data model").

``flows`` holds bilateral flows at HS 6 digits; ``totals`` holds what a source gives
only as country totals or partial partner lists, possibly at HS 2/4 digits. Values
are always USD (never thousands), quantities tonnes.
"""

from __future__ import annotations

import os

import pyarrow as pa

FLOWS_SCHEMA = pa.schema(
    [
        pa.field("period", pa.int32(), nullable=False),  # year, or yyyymm when freq = 'M'
        pa.field("freq", pa.string(), nullable=False),  # 'A' | 'M'
        pa.field("exporter", pa.string(), nullable=False),  # ISO3 or BACI's own code (S19)
        pa.field("importer", pa.string(), nullable=False),
        pa.field("hs6", pa.string(), nullable=False),  # 6 characters, zero-padded
        pa.field("hs_rev", pa.string(), nullable=False),  # HS92 … HS22, or HS when unknown
        pa.field("value_usd", pa.float64(), nullable=False),  # USD, not thousands
        pa.field("qty_t", pa.float64(), nullable=True),  # tonnes; null when not reported
        pa.field("source", pa.string(), nullable=False),  # baci | comtrade | customs-KR …
        pa.field("reporter_side", pa.string(), nullable=False),  # 'X' | 'M' | 'R'
    ]
)

TOTALS_SCHEMA = pa.schema(
    [
        pa.field("period", pa.int32(), nullable=False),
        pa.field("freq", pa.string(), nullable=False),
        pa.field("country", pa.string(), nullable=False),
        # null: all partners (a true total); set: one partner of a partial list
        pa.field("partner", pa.string(), nullable=True),
        pa.field("hs", pa.string(), nullable=False),  # 2, 4 or 6 digits
        pa.field("exports_usd", pa.float64(), nullable=True),
        pa.field("imports_usd", pa.float64(), nullable=True),
        pa.field("source", pa.string(), nullable=False),
    ]
)

FLOWS_COLUMNS: tuple[str, ...] = tuple(FLOWS_SCHEMA.names)
TOTALS_COLUMNS: tuple[str, ...] = tuple(TOTALS_SCHEMA.names)

# DuckDB types matching the Arrow schemas, for CREATE TABLE / CAST.
_DUCK = {"int32": "INTEGER", "string": "VARCHAR", "double": "DOUBLE"}


def duckdb_columns(schema: pa.Schema) -> str:
    """``name TYPE, …`` for a CREATE TABLE mirroring an Arrow schema."""
    return ", ".join(f"{f.name} {_DUCK[str(f.type)]}" for f in schema)


def empty_flows_sql() -> str:
    """A SELECT with the flows columns and no rows (used when a table is absent)."""
    return (
        "SELECT "
        + ", ".join(f"CAST(NULL AS {_DUCK[str(f.type)]}) AS {f.name}" for f in FLOWS_SCHEMA)
        + " WHERE FALSE"
    )


def empty_totals_sql() -> str:
    return (
        "SELECT "
        + ", ".join(f"CAST(NULL AS {_DUCK[str(f.type)]}) AS {f.name}" for f in TOTALS_SCHEMA)
        + " WHERE FALSE"
    )


def sql_str(text: str | os.PathLike[str]) -> str:
    """``text`` (a file path, a code, a name) as a SQL string literal, quotes doubled.

    >>> sql_str("/data/O'Brien/flows.parquet")
    "'/data/O''Brien/flows.parquet'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def parquet_select(files: list[str], schema: pa.Schema, constants: dict[str, str] | None) -> str:
    """SELECT of the canonical columns from Parquet ``files``.

    Large sources store per-dataset constants (``freq``, ``hs_rev``, ``source``,
    ``reporter_side`` of a BACI ingest) once in the manifest rather than in every row;
    they are put back here, so every reader sees the full canonical table.
    """
    constants = constants or {}
    cols = []
    for f in schema:
        if f.name in constants:
            cols.append(f"CAST({sql_str(constants[f.name])} AS {_DUCK[str(f.type)]}) AS {f.name}")
        else:
            cols.append(f.name)
    source = "read_parquet([" + ", ".join(sql_str(x) for x in files) + "], union_by_name = true)"
    return f"SELECT {', '.join(cols)} FROM {source}"
