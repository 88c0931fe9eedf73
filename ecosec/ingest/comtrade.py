"""Ingest UN Comtrade CSV files: the legacy bulk layout and the comtradeplus layout.

Both are reporter-based: each row is what one reporter declared about its imports
(``M``) or exports (``X``) from or to one partner. Rows are mapped to the canonical
``flows`` table keeping which side reported (``reporter_side``), so that the engine
can choose the importer's report and fall back on the exporter's (mirror data).

- Partner *World* (code 0, ``WLD``/``W00``) rows are totals, not a country: they go to
  the ``totals`` table. Other aggregate partners (areas n.e.s., bunkers, free zones,
  special categories) are dropped and counted.
- Codes shorter than six digits (HS2/HS4 rows) go to ``totals`` with their partner.
- Re-exports and re-imports are dropped (they would double count domestic flows);
  breakdowns by second partner, customs procedure or transport mode are dropped in
  favour of their totals.
- ``Trade Value (US$)``/``primaryValue`` are USD; ``Netweight (kg)``/``netWgt`` kg,
  stored as tonnes. A net weight of 0 on a row with a positive value means "not
  reported" and is stored as null.

Compressed files are refused (decompress them first), and so is any line over 1 MiB,
before DuckDB reads the file (docs/ingest-limits.md).
"""

from __future__ import annotations

import csv as _csv
import io
from pathlib import Path

import duckdb

from ecosec.errors import BadFile
from ecosec.ingest._common import (
    AMOUNT_RANGE,
    IngestResult,
    Progress,
    amount_ok,
    check_lines,
    compression_of,
    connect,
    no_progress,
    no_rows,
    not_a_file,
    printable,
    publish,
    size_text,
    translate_duckdb_error,
)
from ecosec.ingest.refcodes import load_country_codes
from ecosec.ingest.schema import sql_str
from ecosec.ingest.store import Staging, Store, dataset_name

_FIX = "export the data again from UN Comtrade as CSV (legacy bulk or comtradeplus layout)"
_HEADER_BYTES = 64 << 10  # a header has ~35 short column names (< 1 KiB)

# canonical field → column name, per layout
LEGACY = {
    "classification": "Classification",
    "year": "Year",
    "period": "Period",
    "flow": "Trade Flow Code",
    "reporter_code": "Reporter Code",
    "reporter_iso": "Reporter ISO",
    "partner_code": "Partner Code",
    "partner_iso": "Partner ISO",
    "partner2_code": "2nd Partner Code",
    "customs": "Customs Proc. Code",
    "mot": "Mode of Transport Code",
    "cmd": "Commodity Code",
    "aggr": "Aggregate Level",
    "kg": "Netweight (kg)",
    "value": "Trade Value (US$)",
}
PLUS = {
    "classification": "classificationCode",
    "year": "refYear",
    "period": "period",
    "freq": "freqCode",
    "type": "typeCode",
    "flow": "flowCode",
    "reporter_code": "reporterCode",
    "reporter_iso": "reporterISO",
    "partner_code": "partnerCode",
    "partner_iso": "partnerISO",
    "partner2_code": "partner2Code",
    "customs": "customsCode",
    "mot": "motCode",
    "cmd": "cmdCode",
    "aggr": "aggrLevel",
    "kg": "netWgt",
    "value": "primaryValue",
}
_OPTIONAL = {"partner2_code", "customs", "mot", "freq", "type", "reporter_iso", "partner_iso"}
_HS_REV = {
    "H0": "HS92",
    "H1": "HS96",
    "H2": "HS02",
    "H3": "HS07",
    "H4": "HS12",
    "H5": "HS17",
    "H6": "HS22",
    "HS": "HS",
}


def read_header(path: Path) -> tuple[list[str], str]:
    """The header's column names and the file's text encoding (utf-8 or latin-1)."""
    try:
        with path.open("rb") as f:
            raw = f.readline(_HEADER_BYTES + 1)  # never an unbounded line
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror}); check the path") from exc
    if not raw.strip():
        raise BadFile(f"{path}: the file is empty; {_FIX}")
    packed = compression_of(raw)
    if packed == "zip":
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise BadFile(
                f"{path}: is an Excel workbook, not a UN Comtrade CSV; for a Korea Customs "
                "Service table run `ecosec ingest customs FILE --preset kr-monthly`"
            )
        raise BadFile(f"{path}: is a zip archive; unzip it and ingest the CSV inside")
    if packed is not None:
        raise BadFile(f"{path}: is {packed}-compressed; decompress it and ingest the CSV")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw.count(b"\x00") > len(raw) // 4:
        raise BadFile(
            f"{path}: is UTF-16 text (Excel's 'Unicode text'); save it as CSV UTF-8 and "
            "ingest it again"
        )
    if len(raw) > _HEADER_BYTES:
        raise BadFile(
            f"{path} (line 1): the header is longer than {size_text(_HEADER_BYTES)}, which no "
            f"UN Comtrade file has; the file is damaged or not a UN Comtrade CSV — {_FIX}"
        )
    try:
        text, enc = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, enc = raw.decode("latin-1"), "latin-1"
    try:
        cols = next(_csv.reader(io.StringIO(text)))
    except (_csv.Error, StopIteration) as exc:
        raise BadFile(f"{path} (line 1): the header cannot be read as CSV ({exc}); {_FIX}") from exc
    return [c.strip() for c in cols], enc


def detect_layout(path: Path, cols: list[str]) -> tuple[str, dict[str, str]]:
    names = set(cols)
    for label, layout in (("comtradeplus", PLUS), ("legacy", LEGACY)):
        if layout["value"] in names or layout["cmd"] in names:
            missing = [c for k, c in layout.items() if k not in _OPTIONAL and c not in names]
            if missing:
                raise BadFile(
                    f"{path} (line 1): a UN Comtrade {label} file without the column(s) "
                    f"{', '.join(repr(m) for m in missing)}; {_FIX}"
                )
            twice = [c for k, c in layout.items() if c in names and cols.count(c) > 1]
            if twice:
                raise BadFile(
                    f"{path} (line 1): the column {twice[0]!r} appears {cols.count(twice[0])} "
                    f"times; which one holds the data cannot be told — keep one and ingest "
                    "the file again"
                )
            return label, {k: c for k, c in layout.items() if c in names}
    if len(cols) == 1 and cols[0].count(";") >= 2:
        raise BadFile(
            f"{path} (line 1): the columns are separated by semicolons; save the file "
            "comma-separated (as UN Comtrade exports it) and ingest it again"
        )
    raise BadFile(
        f"{path} (line 1): not a UN Comtrade CSV — expected a 'Trade Value (US$)' (legacy) "
        f"or 'primaryValue' (comtradeplus) column, found "
        f"{printable(', '.join(cols[:6])[:200])}…; {_FIX}"
    )


def ingest_comtrade(
    path: Path, store: Store, *, name: str | None = None, progress: Progress = no_progress
) -> IngestResult:
    """Ingest one UN Comtrade CSV (either layout, annual or monthly) into ``store``."""
    if path.is_dir():
        raise BadFile(f"{path}: is a folder; give the path of one UN Comtrade CSV file")
    if not path.is_file():
        raise not_a_file(path, "give the path of a UN Comtrade CSV")
    cols, enc = read_header(path)
    layout, colmap = detect_layout(path, cols)
    check_lines(path, kind="UN Comtrade", fix=_FIX)
    ds_name = dataset_name(name or f"comtrade-{path.stem}")
    meta = {"kind": "comtrade", "layout": layout, "description": f"UN Comtrade {layout} CSV"}
    names = _column_names(path, cols, enc)
    return publish(
        store, ds_name, [path], meta, lambda st: _write(path, enc, colmap, names, st, progress)
    )


def _mixed_line_endings(path: Path) -> bool:
    """Whether some lines end in CRLF and others in a bare LF (read in chunks)."""
    crlf = bare = False
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            data = tail + chunk
            n_lf, n_crlf = data.count(b"\n"), data.count(b"\r\n")
            crlf |= n_crlf > 0
            bare |= n_lf > n_crlf
            if crlf and bare:
                return True
            tail = data[-1:] if data.endswith(b"\r") else b""
    return False


def _column_names(path: Path, cols: list[str], enc: str) -> list[str]:
    """Names for every field of a data row: the header's (made unique), and one more when
    rows end with an extra empty field, as comtradeplus files do (47 names, 48 fields).

    Every row must then have exactly that many fields: the file is read strictly, so a
    row with a field lost or added (a damaged row whose values would shift columns) is
    refused with its line instead of being read shifted.
    """
    with path.open(encoding=enc, errors="replace", newline="") as f:
        rows = _csv.reader(f)
        next(rows, None)
        first = next(rows, None)
    if first is None:
        raise no_rows([path])
    names, seen = [], set()
    for i, c in enumerate(cols):
        name = c or f"column {i + 1}"
        while name in seen:
            name += " (again)"
        names.append(name)
        seen.add(name)
    if len(first) == len(cols) + 1 and not first[-1].strip():
        names.append("(trailing field)")
    return names


def _col(colmap: dict[str, str], key: str, default: str = "NULL") -> str:
    if key not in colmap:
        return default
    return 'trim("' + colmap[key].replace('"', '""') + '")'


def _write(
    path: Path,
    enc: str,
    colmap: dict[str, str],
    names: list[str],
    staging: Staging,
    progress: Progress,
) -> list[str]:
    con = connect()
    try:
        progress("read", None)
        load_country_codes(con)

        def c(key: str, default: str = "NULL") -> str:
            return _col(colmap, key, default)

        row = (
            "concat_ws(',', "
            + ", ".join(c(k) for k in ("year", "reporter_code", "partner_code", "cmd", "value"))
            + ")"
        )
        columns = ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names)
        for encoding in dict.fromkeys([enc, "latin-1"]):
            try:
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE raw AS
                    SELECT * FROM read_csv({sql_str(path)}, header = false, skip = 1,
                                           columns = {{{columns}}}, auto_detect = false,
                                           encoding = '{encoding}', null_padding = false,
                                           strict_mode = true, quote = '"', escape = '"',
                                           delim = ',', compression = 'none')"""
                )
                break
            except duckdb.Error as exc:
                # UN Comtrade's bulk files are often latin-1 past their (ASCII) header.
                if "Invalid unicode" in str(exc) and encoding != "latin-1":
                    continue
                if _mixed_line_endings(path):  # the strict reader's error does not say so
                    raise BadFile(
                        f"{path}: its lines end in two ways, Windows (CRLF) and Unix (LF) — "
                        "two files joined? Save it with one kind of line ending and ingest "
                        "it again"
                    ) from exc
                raise translate_duckdb_error(exc, str(path), fix=_FIX) from exc
        freq = (
            f"CASE WHEN {c('freq')} IN ('A', 'M') THEN {c('freq')} "
            f"WHEN length({c('period')}) = 6 THEN 'M' ELSE 'A' END"
        )
        flow = f"""CASE upper({c("flow")})
                     WHEN '1' THEN 'M' WHEN 'M' THEN 'M' WHEN 'IMPORT' THEN 'M'
                     WHEN '2' THEN 'X' WHEN 'X' THEN 'X' WHEN 'EXPORT' THEN 'X'
                     ELSE NULL END"""
        # Digits only: 'TOTAL' (all products) is kept as is and dropped as not HS2/4/6;
        # anything else is a damaged row. A code longer than its aggregate level is not
        # cut to it (lpad truncates: 2481111 at level 6 became product 248111).
        code = f"coalesce({c('cmd')}, '')"
        level = f"TRY_CAST({c('aggr')} AS INTEGER)"
        hs = f"""CASE WHEN upper({code}) = 'TOTAL' THEN {code}
                     WHEN NOT regexp_full_match({code}, '[0-9]+')
                       THEN error('ecosec: commodity code ' || {code}
                                  || ' is not an HS code (row ' || {row} || ')')
                     WHEN {level} IN (2, 4, 6) AND length({code}) <= {level}
                       THEN lpad({code}, {level}, '0')
                     WHEN length({code}) IN (1, 3, 5) THEN '0' || {code}
                     ELSE {code} END"""
        not_breakdown = (
            " AND ".join(
                f"coalesce({c(k)}, '') IN ({ok})"
                for k, ok in (
                    ("partner2_code", "'', '0'"),
                    ("customs", "'', 'C00'"),
                    ("mot", "'', '0'"),
                    ("type", "'', 'C'"),
                )
                if k in colmap
            )
            or "TRUE"
        )
        con.execute(
            f"""CREATE TEMP TABLE t AS
            SELECT
              coalesce(TRY_CAST({c("period")} AS INTEGER),
                       error('ecosec: period ' || coalesce({c("period")}, 'empty')
                             || ' is not a year or yyyymm (row ' || {row} || ')')) AS period,
              {freq} AS freq,
              {flow} AS side,
              coalesce(rc.code, rc2.code) AS reporter,
              CASE WHEN {c("partner_code")} = '0' OR upper({c("partner_iso", "''")}) IN ('WLD', 'W00')
                   THEN 'WORLD' ELSE coalesce(pc.code, pc2.code) END AS partner,
              {hs} AS hs,
              coalesce(map(['{"', '".join(_HS_REV)}'],
                           ['{"', '".join(_HS_REV.values())}'])[upper({c("classification")})],
                       'HS') AS hs_rev,
              CASE WHEN {amount_ok(f"TRY_CAST({c('value')} AS DOUBLE)")}
                     THEN CAST({c("value")} AS DOUBLE)
                   ELSE error('ecosec: trade value ' || coalesce({c("value")}, 'empty')
                              || ' is not {AMOUNT_RANGE} (row ' || {row} || ')') END
                AS value_usd,
              CASE WHEN coalesce({c("kg")}, '') = '' THEN NULL
                   WHEN {amount_ok(f"TRY_CAST({c('kg')} AS DOUBLE)")}
                     THEN CAST({c("kg")} AS DOUBLE) / 1000.0
                   ELSE error('ecosec: net weight ' || {c("kg")}
                              || ' is not {AMOUNT_RANGE} kg (row ' || {row} || ')') END
                AS qty_t
            FROM raw
            LEFT JOIN country_codes AS rc ON rc.numeric = TRY_CAST({c("reporter_code")} AS INTEGER)
            LEFT JOIN country_keys AS rc2 ON rc2.key = upper({c("reporter_iso", "''")})
            LEFT JOIN country_codes AS pc ON pc.numeric = TRY_CAST({c("partner_code")} AS INTEGER)
            LEFT JOIN country_keys AS pc2 ON pc2.key = upper({c("partner_iso", "''")})
            WHERE {not_breakdown}"""
        )
        counts = con.execute(
            """SELECT count(*),
                      count(*) FILTER (WHERE side IS NULL),
                      count(*) FILTER (WHERE side IS NOT NULL AND reporter IS NULL),
                      count(*) FILTER (WHERE side IS NOT NULL AND reporter IS NOT NULL
                                       AND partner IS NULL),
                      count(*) FILTER (WHERE side IS NOT NULL AND reporter IS NOT NULL
                                       AND partner = 'WORLD'
                                       AND regexp_full_match(hs, '[0-9]{2}|[0-9]{4}|[0-9]{6}')),
                      count(*) FILTER (WHERE side IS NOT NULL AND reporter IS NOT NULL
                                       AND partner IS NOT NULL AND
                                       NOT regexp_full_match(hs, '[0-9]{2}|[0-9]{4}|[0-9]{6}'))
               FROM t"""
        ).fetchone()
        assert counts is not None
        # Each row counted once, by the first reason it is not a flow: re-export (no
        # side), reporter, partner, then code; World rows counted when they are kept.
        total, reflows, bad_reporter, aggregate, world, bad_code = counts
        keep = (
            "side IS NOT NULL AND reporter IS NOT NULL AND partner IS NOT NULL "
            "AND regexp_full_match(hs, '[0-9]{2}|[0-9]{4}|[0-9]{6}')"
        )
        progress("write", None)
        con.execute(
            f"""COPY (
              SELECT period, freq,
                     CASE side WHEN 'M' THEN partner ELSE reporter END AS exporter,
                     CASE side WHEN 'M' THEN reporter ELSE partner END AS importer,
                     hs AS hs6, hs_rev, sum(value_usd) AS value_usd, sum(qty_t) AS qty_t,
                     'comtrade' AS source, side AS reporter_side
              FROM (SELECT * REPLACE (CASE WHEN qty_t = 0 AND value_usd > 0 THEN NULL
                                           ELSE qty_t END AS qty_t) FROM t)
              WHERE {keep} AND partner <> 'WORLD' AND length(hs) = 6
                AND reporter <> partner
              GROUP BY ALL ORDER BY period, importer, exporter, hs6
            ) TO {sql_str(staging.flows_path)} (FORMAT parquet, COMPRESSION zstd)"""
        )
        con.execute(
            f"""COPY (
              SELECT period, freq, reporter AS country,
                     CASE WHEN partner = 'WORLD' THEN NULL ELSE partner END AS partner,
                     hs,
                     sum(value_usd) FILTER (WHERE side = 'X') AS exports_usd,
                     sum(value_usd) FILTER (WHERE side = 'M') AS imports_usd,
                     'comtrade' AS source
              FROM t
              WHERE {keep} AND (partner = 'WORLD' OR length(hs) < 6)
              GROUP BY period, freq, reporter, partner, hs ORDER BY ALL
            ) TO {sql_str(staging.totals_path)} (FORMAT parquet, COMPRESSION zstd)"""
        )
        progress("write", 1.0)
    except duckdb.Error as exc:
        raise translate_duckdb_error(exc, str(path), fix=_FIX) from exc
    finally:
        con.close()
    notes = [f"{total} data rows read"]
    if world:
        notes.append(f"{world} rows with partner World kept as country totals")
    if reflows:
        notes.append(f"{reflows} re-export/re-import rows dropped")
    if aggregate:
        notes.append(f"{aggregate} rows with aggregate partners (areas n.e.s. etc.) dropped")
    if bad_reporter:
        notes.append(f"{bad_reporter} rows whose reporter is not a country dropped")
    if bad_code:
        notes.append(f"{bad_code} rows with a code that is not HS2/4/6 (e.g. TOTAL) dropped")
    return notes
