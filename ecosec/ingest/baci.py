"""Ingest CEPII BACI: a zip as downloaded (any HS revision, all its years) or a folder.

BACI facts (DESIGN.md): one CSV per year ``BACI_HS17_Y2022_V202601.csv`` with columns
``t,i,j,k,v,q`` — year, exporter and importer as numeric codes, HS6 as an integer that
lost its leading zero, value in **thousands** of USD, quantity in tonnes with missing
values written ``NA`` (space-padded in some versions); the zip also holds
``country_codes_V202601.csv`` and ``product_codes_HS17_V202601.csv``, which are used
to map and validate codes. A full year is ~11 million rows: each year is extracted to
the staging directory and converted by one DuckDB ``COPY`` (streaming, multi-core).

Hostile or damaged zips are refused (docs/ingest-limits.md): members whose declared
size or compression ratio is absurd before any reading, members that inflate to more
than they declare or fail their CRC-32 while they are read, and lines over 1 MiB
(the checks made while reading are in :mod:`ecosec.ingest._zipcheck`).
"""

from __future__ import annotations

import gzip
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import duckdb

from ecosec.errors import BadFile, EcosecError
from ecosec.ingest._common import (
    AMOUNT_RANGE,
    MAX_AMOUNT,
    IngestResult,
    Progress,
    amount_ok,
    check_lines,
    check_zip_directory,
    check_zip_member,
    connect,
    no_progress,
    not_a_file,
    publish,
    translate_duckdb_error,
)
from ecosec.ingest._zipcheck import CHUNK, Inflater, data_offset, extract
from ecosec.ingest.schema import sql_str
from ecosec.ingest.store import Staging, Store, dataset_name

YEAR_RE = re.compile(r"BACI_HS(\d\d)_Y(\d{4})_V(\d+[a-z]?)\.csv$", re.IGNORECASE)
COUNTRY_RE = re.compile(r"country_codes_V(\d+[a-z]?)\.csv$", re.IGNORECASE)
PRODUCT_RE = re.compile(r"product_codes_HS(\d\d)_V(\d+[a-z]?)\.csv$", re.IGNORECASE)
_FIX = "download the file again from CEPII or pass the folder of its CSVs"


class _Source:
    """Members of a BACI zip or folder, readable as files on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            names = [p.name for p in path.iterdir() if p.is_file()]
        elif path.is_file():
            check_zip_directory(path, fix=_FIX)  # before zipfile holds every entry
            try:
                self.zip = zipfile.ZipFile(path)
            # NotImplementedError: a damaged header can claim a zip version zipfile
            # refuses (found by tests/ingest/test_fuzz.py).
            except (zipfile.BadZipFile, NotImplementedError) as exc:
                raise BadFile(
                    f"{path}: not a readable zip file ({exc}); it may be truncated or not a "
                    f"BACI download — {_FIX}"
                ) from exc
            names = self.zip.namelist()
        else:
            raise not_a_file(path, "give the path of a BACI zip or of the folder of its CSVs")
        self.names = names
        self.years = sorted(
            (int(m.group(2)), n, m.group(1)) for n in names if (m := YEAR_RE.search(n))
        )
        by_year: dict[int, list[str]] = {}
        for year, n, _ in self.years:
            by_year.setdefault(year, []).append(n)
        twice = next((ns for ns in by_year.values() if len(ns) > 1), None)
        if twice:
            raise BadFile(
                f"{path}: holds {len(twice)} files for one year ({', '.join(twice)}); one "
                "would overwrite the other — keep one file per year (two releases of a "
                "year: ingest each from its own zip)"
            )
        self.countries = next((n for n in names if COUNTRY_RE.search(n)), None)
        self.products = next((n for n in names if PRODUCT_RE.search(n)), None)
        if not self.years:
            raise BadFile(
                f"{path}: holds no BACI year file (BACI_HS<rev>_Y<year>_V<version>.csv); "
                f"found {', '.join(names[:5]) or 'nothing'} — {_FIX}"
            )
        if self.countries is None:
            raise BadFile(f"{path}: has no country_codes_V*.csv table; {_FIX}")
        revs = {rev for _, _, rev in self.years}
        if len(revs) > 1:
            raise BadFile(f"{path}: mixes HS revisions {sorted(revs)}; ingest one revision at once")
        self.hs_rev = "HS" + revs.pop()
        version = YEAR_RE.search(self.years[0][1])
        self.version = "V" + (version.group(3) if version else "unknown")
        if self.zip is not None:  # refuse a zip bomb before reading anything
            for member in [n for _, n, _ in self.years] + [self.countries, self.products]:
                if member is not None:
                    check_zip_member(path, self.zip.getinfo(member), fix=_FIX)

    def as_gzip(self, name: str, dest: Path, progress: Progress, label: str) -> Path | None:
        """Member ``name`` as a .gz file made by copying its compressed bytes.

        A zip member stored with deflate is a raw deflate stream; with a gzip header
        and the member's CRC-32 and size as trailer it is a valid gzip file, which
        DuckDB decompresses while it parses. This avoids writing the ~370 MB CSV of a
        full year to disk. Returns None when the member is not deflated. DuckDB checks
        neither the trailer's CRC nor its size: :class:`~ecosec.ingest._zipcheck.Inflater`
        does, alongside.
        """
        if self.zip is None:
            return None
        info = self.zip.getinfo(name)
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            return None
        out = dest / (Path(name).name + ".gz")
        offset = data_offset(self.path, info, fix=_FIX)
        try:
            with self.path.open("rb") as f, out.open("wb") as g:
                f.seek(offset)
                g.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
                left = info.compress_size
                while left:
                    chunk = f.read(min(left, CHUNK))
                    if not chunk:
                        raise BadFile(f"{self.path}: member {name} is truncated; {_FIX}")
                    g.write(chunk)
                    left -= len(chunk)
                    progress(label, 1 - left / max(info.compress_size, 1))
                g.write(struct.pack("<II", info.CRC, info.file_size & 0xFFFFFFFF))
        except BadFile:
            out.unlink(missing_ok=True)
            raise
        return out

    def materialize(self, name: str, dest: Path, progress: Progress, label: str) -> Path:
        """A path on disk for member ``name``, checked (extracted from the zip into ``dest``)."""
        if self.zip is None:
            path = self.path / name
            check_lines(path, kind="BACI", fix=_FIX)
            return path
        info, out = self.zip.getinfo(name), dest / Path(name).name
        return extract(
            self.path, self.zip, info, out, kind="BACI", fix=_FIX, progress=progress, label=label
        )

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def ingest_baci(
    path: Path, store: Store, *, name: str | None = None, progress: Progress = no_progress
) -> IngestResult:
    """Ingest a BACI zip or folder into ``store`` as dataset ``name`` (default from the file)."""
    src = _Source(path)
    try:
        inputs = [path] if src.zip is not None else [path / n for _, n, _ in src.years]
        ds_name = dataset_name(name or f"baci-{src.hs_rev}-{src.version}")
        meta = {
            "kind": "baci",
            "description": f"CEPII BACI {src.hs_rev} {src.version}, bilateral flows",
            "hs_rev_source": src.hs_rev,
            # The release (V202601): when two releases cover a year, queries read the
            # newer (ecosec.engine.executor.newest_baci).
            "release": src.version,
            # Same for every row: kept here, not in 11 million Parquet cells.
            "constants": {
                "freq": "A",
                "hs_rev": src.hs_rev,
                "source": "baci",
                "reporter_side": "R",
            },
        }
        return publish(store, ds_name, inputs, meta, lambda st: _write(src, st, progress))
    finally:
        src.close()


def _write(src: _Source, staging: Staging, progress: Progress) -> list[str]:
    con = connect()
    try:
        _load_country_table(con, src, staging, progress)
        has_products = _load_product_table(con, src, staging, progress)
        for year, member, _ in src.years:
            label = f"{year}"
            gz = src.as_gzip(member, staging.path, progress, f"read {label}")
            csv = gz or src.materialize(member, staging.path, progress, f"extract {label}")
            progress(f"convert {label}", None)
            check = None
            if gz is not None and src.zip is not None:  # gz is only made from a zip
                check = Inflater(
                    src.path, src.zip, member, interrupt=con.interrupt, kind="BACI", fix=_FIX
                )
                check.start()
            try:
                _convert_year(
                    con,
                    csv,
                    member,
                    year,
                    src.hs_rev,
                    has_products,
                    staging,
                    member_problem=check.verdict if check else None,
                )
            except (EcosecError, duckdb.Error) as exc:
                # The member's own fault (bomb, CRC, long line) explains DuckDB's error.
                problem = check.verdict() if check is not None else None
                if problem is None or problem is exc:
                    raise
                raise problem from exc
            else:
                if check is not None and (problem := check.verdict()) is not None:
                    raise problem
            finally:
                if check is not None:
                    check.stop()
                if src.zip is not None:
                    csv.unlink(missing_ok=True)
            progress(f"convert {label}", 1.0)
    finally:
        con.close()
    notes = [f"{len(src.years)} year(s): {', '.join(str(y) for y, _, _ in src.years)}"]
    if not has_products:
        notes.append("no product_codes table in the input; HS6 codes checked for form only")
    return notes


def _load_country_table(
    con: duckdb.DuckDBPyConnection, src: _Source, staging: Staging, progress: Progress
) -> None:
    assert src.countries is not None
    csv = src.materialize(src.countries, staging.path, progress, "country table")
    try:
        rel = con.read_csv(str(csv), all_varchar=True, header=True)
    except duckdb.Error as exc:
        raise translate_duckdb_error(exc, f"{src.path}:{src.countries}", fix=_FIX) from exc
    cols = {c.lower(): c for c in rel.columns}
    num = cols.get("country_code")
    iso3 = cols.get("country_iso3") or cols.get("iso_3digit_alpha")
    if num is None or iso3 is None:
        raise BadFile(
            f"{src.path}:{src.countries}: expected columns country_code and country_iso3 "
            f"(or iso_3digit_alpha), found {', '.join(rel.columns)}; {_FIX}"
        )
    # Keep the BACI codes (S19 for 'Other Asia, nes'); Namibia's ISO2 'NA' is not read.
    con.execute(
        f"""CREATE TEMP TABLE cc AS
            SELECT TRY_CAST("{num}" AS INTEGER) AS num, trim("{iso3}") AS iso3
            FROM read_csv(?, all_varchar = true, header = true)
            WHERE TRY_CAST("{num}" AS INTEGER) IS NOT NULL AND trim("{iso3}") <> ''""",
        [str(csv)],
    )
    if src.zip is not None:
        csv.unlink()


def _load_product_table(
    con: duckdb.DuckDBPyConnection, src: _Source, staging: Staging, progress: Progress
) -> bool:
    if src.products is None:
        con.execute("CREATE TEMP TABLE pc (hs6 VARCHAR)")
        return False
    csv = src.materialize(src.products, staging.path, progress, "product table")
    try:
        con.execute(
            """CREATE TEMP TABLE pc AS
               SELECT DISTINCT lpad(trim(CAST(code AS VARCHAR)), 6, '0') AS hs6,
                      any_value(description) AS description
               FROM read_csv(?, all_varchar = true, header = true) GROUP BY 1""",
            [str(csv)],
        )
    except duckdb.Error as exc:
        raise translate_duckdb_error(
            exc, f"{src.path}:{src.products}", fix="expected columns code,description; " + _FIX
        ) from exc
    con.execute(
        f"COPY (SELECT hs6, description FROM pc ORDER BY hs6) TO {sql_str(staging.path / 'products.parquet')}"
        " (FORMAT parquet)"
    )
    if src.zip is not None:
        csv.unlink()
    return True


_COLUMNS = "{'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'VARCHAR'}"


def _convert_year(
    con: duckdb.DuckDBPyConnection,
    csv: Path,
    member: str,
    year: int,
    hs_rev: str,
    has_products: bool,
    staging: Staging,
    *,
    member_problem: Callable[[], BadFile | None] | None = None,
) -> None:
    _check_header(csv, member)
    row = "concat_ws(',', t, i, j, k, v, q)"
    product_check = (
        f"WHEN p.hs6 IS NULL THEN error('ecosec: product ' || k || ' is not in the product "
        f"table of the zip (row ' || {row} || ')')"
        if has_products
        else ""
    )
    sql = f"""
    COPY (
      SELECT
        CASE WHEN r.t = {year} THEN r.t
             ELSE error('ecosec: year ' || coalesce(CAST(r.t AS VARCHAR), 'empty')
                        || ' in the file of year {year} (row ' || {row} || ')') END
          AS period,
        coalesce(e.iso3, error('ecosec: exporter code ' || coalesce(CAST(i AS VARCHAR), 'empty')
                 || ' is not in the country table (row ' || {row} || ')')) AS exporter,
        coalesce(m.iso3, error('ecosec: importer code ' || coalesce(CAST(j AS VARCHAR), 'empty')
                 || ' is not in the country table (row ' || {row} || ')')) AS importer,
        CASE WHEN NOT (length(k) BETWEEN 1 AND 6 AND TRY_CAST(k AS INTEGER) >= 0)
               THEN error('ecosec: product code ' || coalesce(k, 'empty')
                          || ' is not an HS6 code (row ' || {row} || ')')
             {product_check}
             ELSE lpad(k, 6, '0') END AS hs6,
        CASE WHEN {amount_ok("v * 1000.0")} THEN v * 1000.0
             ELSE error('ecosec: value ' || coalesce(CAST(v AS VARCHAR), 'empty')
                        || ' is not a number between 0 and {MAX_AMOUNT / 1000:.0e} (thousand USD) (row ' || {row} || ')') END
          AS value_usd,
        CASE WHEN q IS NULL OR trim(q) IN ('NA', '') THEN NULL
             WHEN {amount_ok("TRY_CAST(q AS DOUBLE)")} THEN CAST(q AS DOUBLE)
             ELSE error('ecosec: quantity ' || q || ' is not {AMOUNT_RANGE} tonnes (row '
                        || {row} || ')') END AS qty_t
      FROM read_csv({sql_str(csv)}, header = true, delim = ',', quote = '"',
                    columns = {_COLUMNS}) AS r
      LEFT JOIN cc AS e ON e.num = r.i
      LEFT JOIN cc AS m ON m.num = r.j
      {"LEFT JOIN pc AS p ON p.hs6 = lpad(r.k, 6, '0')" if has_products else ""}
    ) TO {sql_str(staging.flows_part(str(year)))}
      (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """
    target = sql_str(staging.flows_part(str(year)))
    # Fast path: convert without per-row checks, then validate the Parquet output with
    # one cheap columnar query. Only when that finds a problem does the checked query
    # (above) run, to name the offending row and line.
    fast = f"""
    COPY (
      SELECT r.t AS period, e.iso3 AS exporter, m.iso3 AS importer, lpad(k, 6, '0') AS hs6,
             v * 1000.0 AS value_usd,
             CASE WHEN q IS NULL OR trim(q) IN ('NA', '') THEN NULL
                  ELSE CAST(q AS DOUBLE) END AS qty_t
      FROM read_csv({sql_str(csv)}, header = true, delim = ',', quote = '"',
                    columns = {_COLUMNS}) AS r
      LEFT JOIN cc AS e ON e.num = r.i
      LEFT JOIN cc AS m ON m.num = r.j
    ) TO {target} (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """
    products = "OR hs6 NOT IN (SELECT hs6 FROM pc)" if has_products else ""
    check = f"""
    SELECT
      (SELECT count(*) FROM read_parquet({target})
       WHERE exporter IS NULL OR importer IS NULL OR period IS DISTINCT FROM {year}
          OR NOT coalesce({amount_ok("value_usd")}, FALSE)
          OR NOT coalesce({amount_ok("qty_t")}, TRUE))
      + (SELECT count(*) FROM (SELECT DISTINCT hs6 FROM read_parquet({target}))
         WHERE hs6 IS NULL OR NOT regexp_full_match(hs6, '[0-9]{{6}}') {products})
    """
    try:
        con.execute(fast)
        problems = con.execute(check).fetchone()
        clean = problems is not None and problems[0] == 0
    except duckdb.Error:
        clean = False
    if clean:
        return
    if member_problem is not None and (problem := member_problem()) is not None:
        raise problem  # a bomb, a bad CRC or a long line: no row to name, no second read
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        err = translate_duckdb_error(exc, member, fix=_FIX)
        raise BadFile(_with_line(str(err), csv)) from exc
    raise BadFile(f"{member}: rows failed validation; {_FIX}")  # pragma: no cover


def _check_header(csv: Path, member: str) -> None:
    opener = gzip.open if csv.suffix == ".gz" else open
    try:
        with opener(csv, "rb") as f:
            head = f.readline(4096).decode("utf-8", "replace").strip().replace('"', "")
    except (OSError, EOFError, zlib.error) as exc:
        raise BadFile(f"{member}: cannot be decompressed ({exc}); {_FIX}") from exc
    cols = [c.strip().lower() for c in head.split(",")]
    if cols != ["t", "i", "j", "k", "v", "q"]:
        missing = [c for c in ("t", "i", "j", "k", "v", "q") if c not in cols]
        raise BadFile(
            f"{member} (line 1): expected the BACI header t,i,j,k,v,q, found {head[:80]!r}"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + f"; {_FIX}"
        )


_ROW_RE = re.compile(r"\(row ([^)]*)\)")


def _with_line(message: str, csv: Path) -> str:
    """Replace '(row …)' in a message by the line number where that row stands."""
    m = _ROW_RE.search(message)
    if not m:
        return message
    wanted = m.group(1)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")  # row_number() must follow the file's order
        found = con.execute(
            f"""SELECT n FROM (
                  SELECT row_number() OVER () AS n, concat_ws(',', t, i, j, k, v, q) AS row
                  FROM read_csv({sql_str(csv)}, header = true, all_varchar = true))
                WHERE row LIKE ? LIMIT 1""",
            [_like(wanted)],
        ).fetchone()
    except duckdb.Error:
        found = None
    finally:
        con.close()
    if not found:
        return message
    return message.replace(m.group(0), f"(line {found[0] + 1}: {wanted})")


def _like(row: str) -> str:
    # Values were re-rendered by DuckDB (1.5 → 1.5, 'NA' kept); match on the leading keys.
    parts = row.split(",")
    return ",".join(parts[:4]) + ",%"
