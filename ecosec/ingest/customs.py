"""Ingest national customs tables through presets (a column mapping per publisher).

``kr-monthly``: the Korea Customs Service monthly item × country table, as an .xlsx
workbook (first sheet) or CSV with the columns ``Item`` (HS10), ``Country`` (English
name), ``Year``, ``Month``, ``Export_dollar``, ``Export_weight``, ``Import_dollar``,
``Import_weight`` (USD and kg). Korea is the reporter: imports become flows
partner → KOR (``reporter_side = 'M'``), exports KOR → partner (``'X'``). HS10 items
are summed to their HS6 code; the items found are listed in the dataset's notes,
because such an HS6 then holds only the items the file has.

The table is read in memory (pandas), so hostile files are refused first
(docs/ingest-limits.md): workbook parts declaring over 1 GiB or a zip-bomb ratio,
compressed CSVs, and CSV lines over 1 MiB.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ecosec._types import CUSTOMS_PRESETS
from ecosec.errors import BadFile, BadInput, closest
from ecosec.ingest._common import (
    AMOUNT_RANGE,
    IngestResult,
    Progress,
    amount_ok,
    check_lines,
    check_zip_directory,
    check_zip_member,
    compression_of,
    connect,
    no_progress,
    not_a_file,
    publish,
)
from ecosec.ingest.refcodes import country_names_table
from ecosec.ingest.schema import sql_str
from ecosec.ingest.store import Staging, Store, dataset_name

_FIX = "check that the file is complete, or export the table again"
# An .xlsx sheet holds at most 1,048,576 rows; with the preset's 8 columns its XML is
# under ~600 MB, so a larger part is no customs table (and would not fit in memory).
_MAX_WORKBOOK_PART = 1 << 30


@dataclass(frozen=True)
class Preset:
    """Where a customs table keeps each field, and who reports it."""

    name: str
    reporter: str
    source: str
    hs_rev: str
    item: str
    country: str
    year: str
    month: str
    export_usd: str
    export_kg: str
    import_usd: str
    import_kg: str


PRESETS: dict[str, Preset] = {
    "kr-monthly": Preset(
        name="kr-monthly",
        reporter="KOR",
        source="customs-KR",
        hs_rev="HS",  # the series spans HS revisions 1996–2017 under one item code
        item="Item",
        country="Country",
        year="Year",
        month="Month",
        export_usd="Export_dollar",
        export_kg="Export_weight",
        import_usd="Import_dollar",
        import_kg="Import_weight",
    )
}


def ingest_customs(
    path: Path,
    store: Store,
    *,
    preset: str,
    name: str | None = None,
    progress: Progress = no_progress,
) -> IngestResult:
    """Ingest a national customs table with a named column ``preset``."""
    if preset not in PRESETS:
        raise BadInput(
            f"unknown customs preset {preset!r}; {closest(preset, list(CUSTOMS_PRESETS))}"
        )
    p = PRESETS[preset]
    if path.is_dir():
        raise BadFile(f"{path}: is a folder; give the path of one customs workbook or CSV")
    if not path.is_file():
        raise not_a_file(path, "give the path of the customs workbook or CSV")
    progress("read", None)
    frame = _read_table(path)
    columns = [
        p.item,
        p.country,
        p.year,
        p.month,
        p.export_usd,
        p.export_kg,
        p.import_usd,
        p.import_kg,
    ]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadFile(
            f"{path}: the {preset} preset needs the column(s) {', '.join(missing)}; found "
            f"{', '.join(map(str, frame.columns[:10]))}. Check the file or pick another --preset"
        )
    ds_name = dataset_name(name or f"{p.source}-{path.stem}")
    meta = {"kind": "customs", "preset": preset, "description": f"{p.source} monthly customs table"}
    return publish(store, ds_name, [path], meta, lambda st: _write(path, frame, p, st, progress))


def _read_table(path: Path) -> pd.DataFrame:
    workbook = path.suffix.lower() in (".xlsx", ".xlsm")
    _refuse_hostile(path, workbook=workbook)
    try:
        if workbook:
            return pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
        return pd.read_csv(path, dtype=str, keep_default_na=False, compression=None)
    except Exception as exc:  # openpyxl/zipfile raise many kinds on a corrupt workbook
        raise BadFile(
            f"{path}: cannot be read as {'an .xlsx workbook' if path.suffix.lower() == '.xlsx' else 'a CSV'} "
            f"({type(exc).__name__}: {str(exc)[:150]}); check that the file is complete"
        ) from exc


def _refuse_hostile(path: Path, *, workbook: bool) -> None:
    """Refuse a zip bomb as workbook, a compressed CSV or a CSV with an enormous line."""
    try:
        if workbook:
            check_zip_directory(path, fix=_FIX)
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    check_zip_member(path, info, fix=_FIX, max_bytes=_MAX_WORKBOOK_PART)
            return
        with path.open("rb") as f:
            packed = compression_of(f.read(8))
    except zipfile.BadZipFile:
        return  # not a zip: openpyxl's own error names the problem
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror}); check the path") from exc
    if packed is not None:
        raise BadFile(f"{path}: is {packed}-compressed; decompress it and ingest the CSV")
    check_lines(path, kind="customs table", fix=_FIX)


def _write(
    path: Path, frame: pd.DataFrame, p: Preset, staging: Staging, progress: Progress
) -> list[str]:
    con = connect()
    try:
        country_names_table(con)
        con.register("src", frame)

        def q(column: str) -> str:
            return '"' + column.replace('"', '""') + '"'

        con.execute(
            f"""CREATE TEMP TABLE t AS
            SELECT row_number() OVER () + 1 AS line,
                   regexp_replace(coalesce({q(p.item)}, ''), '[^0-9]', '', 'g') AS item,
                   trim(coalesce({q(p.country)}, '')) AS country_name,
                   TRY_CAST({q(p.year)} AS INTEGER) AS year,
                   TRY_CAST({q(p.month)} AS INTEGER) AS month,
                   {q(p.year)} AS year_raw, {q(p.month)} AS month_raw,
                   {q(p.export_usd)} AS xv_raw, {q(p.export_kg)} AS xq_raw,
                   {q(p.import_usd)} AS mv_raw, {q(p.import_kg)} AS mq_raw
            FROM src"""
        )
        _check_numbers(con, path, p)
        unknown = con.execute(
            """SELECT DISTINCT t.country_name FROM t
               LEFT JOIN country_names n
                 ON n.name_key = regexp_replace(lower(t.country_name), '[^a-z0-9]', '', 'g')
               WHERE t.country_name <> '' AND n.code IS NULL ORDER BY 1"""
        ).fetchall()
        if unknown:
            names = ", ".join(repr(u[0]) for u in unknown[:10])
            raise BadFile(
                f"{path}: unknown country name(s) {names} in column {p.country!r}; use names "
                "or ISO3 codes from `ecosec countries`, or report the name so it is added "
                "to ecosec/refdata/country_aliases.csv"
            )
        dropped = con.execute("SELECT count(*) FROM t WHERE country_name = ''").fetchone()
        items = con.execute("SELECT list(DISTINCT item ORDER BY item) FROM t").fetchone()
        progress("write", None)
        con.execute(
            f"""COPY (
              WITH v AS (
                SELECT t.year * 100 + t.month AS period, n.code AS partner,
                       left(t.item, 6) AS hs6,
                       CAST(xv_raw AS DOUBLE) AS xv, CAST(xq_raw AS DOUBLE) AS xq,
                       CAST(mv_raw AS DOUBLE) AS mv, CAST(mq_raw AS DOUBLE) AS mq
                FROM t JOIN country_names n
                  ON n.name_key = regexp_replace(lower(t.country_name), '[^a-z0-9]', '', 'g')
                WHERE t.country_name <> '' AND n.code <> '{p.reporter}'
              ), both_sides AS (
                SELECT period, partner AS exporter, '{p.reporter}' AS importer, hs6,
                       mv AS value_usd, mq AS kg, 'M' AS reporter_side FROM v
                UNION ALL
                SELECT period, '{p.reporter}', partner, hs6, xv, xq, 'X' FROM v
              )
              SELECT CAST(period AS INTEGER) AS period, 'M' AS freq, exporter, importer, hs6,
                     '{p.hs_rev}' AS hs_rev, sum(value_usd) AS value_usd,
                     sum(kg) / 1000.0 AS qty_t, '{p.source}' AS source, reporter_side
              FROM both_sides
              WHERE coalesce(value_usd, 0) > 0 OR coalesce(kg, 0) > 0
              GROUP BY period, exporter, importer, hs6, reporter_side
              ORDER BY period, hs6, exporter, importer
            ) TO {sql_str(staging.flows_path)} (FORMAT parquet, COMPRESSION zstd)"""
        )
    except duckdb.Error as exc:
        raise BadFile(f"{path}: {str(exc).splitlines()[0]}; check the file's columns") from exc
    finally:
        con.close()
    notes = [f"HS10 items summed to HS6: {', '.join(items[0] if items else [])}"]
    if dropped and dropped[0]:
        notes.append(f"{dropped[0]} rows with an empty country dropped")
    return notes


def _check_numbers(con: duckdb.DuckDBPyConnection, path: Path, p: Preset) -> None:
    """Fail on the first row with a malformed item, period or amount, naming its line."""
    checks = [
        ("item", p.item, "NOT regexp_full_match(item, '[0-9]{6,10}')"),
        ("year_raw", p.year, "year IS NULL OR year < 1950 OR year > 2100"),
        ("month_raw", p.month, "month IS NULL OR month < 1 OR month > 12"),
    ]
    for raw, col in (
        ("xv_raw", p.export_usd),
        ("xq_raw", p.export_kg),
        ("mv_raw", p.import_usd),
        ("mq_raw", p.import_kg),
    ):
        checks.append(
            (
                raw,
                col,
                f"coalesce(trim({raw}), '') <> '' "
                f"AND NOT coalesce({amount_ok(f'TRY_CAST({raw} AS DOUBLE)')}, FALSE)",
            )
        )
    expected = {"item": "a 6–10 digit HS code", "year_raw": "a year", "month_raw": "a month 1–12"}
    for field, col, cond in checks:
        bad = con.execute(
            f"SELECT line, CAST({field} AS VARCHAR) FROM t WHERE {cond} ORDER BY line LIMIT 1"
        ).fetchone()
        if bad:
            raise BadFile(
                f"{path} (line {bad[0]}, column {col!r}): value {bad[1]!r} is not "
                f"{expected.get(field, AMOUNT_RANGE)}; fix the row or export the "
                "table again"
            )
