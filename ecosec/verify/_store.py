"""Checks of a store's datasets: their manifests and, with ``deep``, their source files.

``manifest`` compares the rows and value recorded at ingest with the Parquet files on
disk; ``source`` recomputes them from the original input files (BACI by DuckDB over the
CSV; UN Comtrade and Korea customs by :mod:`ecosec.verify._readers`, key by key).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ecosec.errors import BadFile
from ecosec.ingest._common import AMOUNT_RANGE, amount_ok, sha256_of
from ecosec.ingest.schema import (
    FLOWS_SCHEMA,
    TOTALS_SCHEMA,
    empty_flows_sql,
    empty_totals_sql,
    parquet_select,
    sql_str,
)
from ecosec.ingest.store import Dataset, part_name
from ecosec.verify._common import REL_TOL, Check, _close
from ecosec.verify._readers import Record, _comtrade_records, _kr_customs_records


def _manifest_checks(con: duckdb.DuckDBPyConnection, d: Dataset) -> list[Check]:
    """The version's files against its manifest: every file it needs is there and
    readable, and rows and value add up to what the ingest recorded."""
    try:
        return _file_checks(d) + _count_checks(con, d)
    except duckdb.Error as exc:
        msg = str(exc).splitlines()[0]
        return [Check("manifest", f"{d.name}: files readable", 1, 0, False, msg)]


def _file_checks(d: Dataset) -> list[Check]:
    out: list[Check] = []
    m_rows, m_totals = int(d.manifest.get("rows", 0)), int(d.manifest.get("totals_rows", 0))
    # An ingested BACI version holds one file per year, each checked below (the sample
    # names its files in its manifest instead).
    baci = d.manifest.get("kind") == "baci" and "flows_files" not in d.manifest
    if m_rows and not d.flows_files and not baci:
        why = f"the manifest counts {m_rows:,} rows but {d.path} holds no flows file"
        out.append(Check("manifest", f"{d.name}: flows files", 1, 0, False, why))
    if m_rows and baci:
        have = {f.name for f in d.flows_files}
        for y in d.manifest.get("years") or []:
            name = part_name(str(y))
            if name not in have:
                out.append(Check("manifest", f"{d.name}: {name}", 1, 0, False, "file missing"))
    if m_totals and not d.totals_files:
        why = f"the manifest counts {m_totals:,} totals rows but the file is missing"
        out.append(Check("manifest", f"{d.name}: totals file", 1, 0, False, why))
    return out


def _count_checks(con: duckdb.DuckDBPyConnection, d: Dataset) -> list[Check]:
    out: list[Check] = []
    files = [str(f) for f in d.flows_files]
    if files:
        sql = parquet_select(files, FLOWS_SCHEMA, d.manifest.get("constants"))
        odd = (
            f"NOT coalesce({amount_ok('value_usd')}, FALSE) "
            f"OR NOT coalesce({amount_ok('qty_t')}, TRUE)"
        )
        row = con.execute(
            f"SELECT count(*), coalesce(sum(value_usd), 0), count(*) FILTER ({odd}) FROM ({sql})"
        ).fetchone()
        assert row is not None
        rows, value, bad = float(row[0]), float(row[1]), float(row[2])
        m_rows, m_value = float(d.manifest.get("rows", 0)), float(d.manifest.get("value_usd") or 0)
        out += [
            Check("manifest", f"{d.name}: rows", m_rows, rows, rows == m_rows),
            Check("manifest", f"{d.name}: value_usd", m_value, value, _close(m_value, value)),
            # Ingest refuses them; a store written by hand or before that check may not.
            Check(
                "manifest", f"{d.name}: values or quantities not {AMOUNT_RANGE}", 0, bad, bad == 0
            ),
        ]
    if d.totals_files:
        sql = parquet_select([str(f) for f in d.totals_files], TOTALS_SCHEMA, None)
        row = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
        assert row is not None
        m_rows = float(d.manifest.get("totals_rows", 0))
        out.append(Check("manifest", f"{d.name}: totals rows", m_rows, row[0], row[0] == m_rows))
    return out


def _source_checks(con: duckdb.DuckDBPyConnection, d: Dataset) -> list[Check]:
    """Recompute a dataset's figures from its original input files, if they are unchanged."""
    kind = d.manifest.get("kind")
    inputs = [Path(p) for p in d.manifest.get("inputs", [])]
    if kind not in ("baci", "comtrade", "customs"):
        return [Check("source", d.name, 0, 0, True, f"no source reader for kind {kind!r}; skipped")]
    if not inputs or not all(p.exists() for p in inputs):
        return [Check("source", d.name, 0, 0, True, "input not available; skipped")]
    if sha256_of(inputs) != d.manifest.get("sha256"):
        return [Check("source", d.name, 0, 0, True, "input changed since ingest; skipped")]
    if kind == "baci":
        return _baci_source(con, d, inputs)
    if kind == "customs" and d.manifest.get("preset") != "kr-monthly":
        preset = d.manifest.get("preset")
        return [Check("source", d.name, 0, 0, True, f"no reader for preset {preset!r}; skipped")]
    counts: Counter[str] = Counter()
    read = _comtrade_records if kind == "comtrade" else _kr_customs_records
    _load_source(con, lambda enc: read(inputs[0], enc, counts), counts)
    return _compare_source(con, d, counts)


def _baci_source(con: duckdb.DuckDBPyConnection, d: Dataset, inputs: list[Path]) -> list[Check]:
    """Rows and value (thousand USD × 1000) of the BACI CSV files against the manifest,
    and every source row against the stored Parquet of its year.

    Rows are compared as a whole (period, exporter, importer, HS6, value, quantity)
    through an order-free checksum per year, the sum of the rows' hashes; on a mismatch
    the rows are matched one by one (``EXCEPT ALL``) to count and name them. Country
    codes are mapped with the zip's country table read by Python's ``csv`` module, apart
    from the ingest's SQL.
    """
    from ecosec.ingest.baci import _Source

    con = con.cursor()  # its own temp objects, whatever the caller left unfetched
    src = _Source(inputs[0]) if len(inputs) == 1 else _Source(inputs[0].parent)
    tmp = Path(d.path).parent / ".verify"
    tmp.mkdir(exist_ok=True)
    rows = value = 0.0
    missing = extra = 0
    example = ""
    stored = parquet_select(
        [str(f) for f in d.flows_files], FLOWS_SCHEMA, d.manifest.get("constants")
    )
    try:
        assert src.countries is not None
        table = src.materialize(src.countries, tmp, lambda *_: None, "")
        con.register("verify_cc", _country_codes(table))
        for year, member, _ in src.years:
            path = src.as_gzip(member, tmp, lambda *_: None, "") or src.materialize(
                member, tmp, lambda *_: None, ""
            )
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE verify_src AS
                SELECT r.t AS period, e.iso3 AS exporter, m.iso3 AS importer,
                       lpad(r.k, 6, '0') AS hs6, r.v * 1000.0 AS value_usd,
                       CASE WHEN r.q IS NULL OR trim(r.q) IN ('NA', '') THEN NULL
                            ELSE TRY_CAST(r.q AS DOUBLE) END AS qty_t
                FROM read_csv({sql_str(path)}, header = true, columns = {{'t': 'INTEGER',
                     'i': 'INTEGER', 'j': 'INTEGER', 'k': 'VARCHAR', 'v': 'DOUBLE',
                     'q': 'VARCHAR'}}) AS r
                LEFT JOIN verify_cc AS e ON e.num = r.i
                LEFT JOIN verify_cc AS m ON m.num = r.j"""
            )
            con.execute(
                f"""CREATE OR REPLACE TEMP VIEW verify_stored AS
                SELECT period, exporter, importer, hs6, value_usd, qty_t
                FROM ({stored}) WHERE period = {int(year)}"""
            )
            r = con.execute(
                f"SELECT count(*), sum(value_usd), {_CHECKSUM} FROM verify_src"
            ).fetchone()
            p = con.execute(f"SELECT {_CHECKSUM} FROM verify_stored").fetchone()
            assert r is not None and p is not None
            rows += float(r[0])
            value += float(r[1] or 0)
            if r[2] != p[0]:
                a, b, first = _unmatched(con)
                missing, extra = missing + a, extra + b
                example = example or first
            if src.zip is not None:
                path.unlink(missing_ok=True)
    finally:
        con.close()
        src.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    m_rows, m_value = float(d.manifest.get("rows", 0)), float(d.manifest.get("value_usd") or 0)
    differ = (
        f"{missing:,} source rows not stored as read, {extra:,} stored rows not in the source"
        + (f"; e.g. {example}" if example else "")
        if missing or extra
        else "whole rows: period, exporter, importer, product, value, quantity"
    )
    return [
        Check("source", f"{d.name}: rows in the source file", rows, m_rows, rows == m_rows),
        Check(
            "source", f"{d.name}: value in the source file", value, m_value, _close(value, m_value)
        ),
        Check(
            "source",
            f"{d.name}: rows that differ from the source file",
            0,
            max(missing, extra),
            not (missing or extra),
            differ,
        ),
    ]


_CHECKSUM = "sum(CAST(hash(period, exporter, importer, hs6, value_usd, qty_t) AS HUGEINT))"
"""An order-free fingerprint of a year's rows (equal multisets, equal sums)."""


def _country_codes(table: Path) -> pa.Table:
    """BACI's country table (numeric code → ISO3 as BACI writes it) as an Arrow table."""
    import csv

    with table.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader, [])]
        rows = [dict(zip(header, r, strict=False)) for r in reader]
    iso = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in header), None)
    if iso is None or "country_code" not in header:  # ingest refuses such a table
        raise BadFile(f"{table.name}: no country_code and country_iso3 columns")
    pairs = [
        (int(r["country_code"]), r[iso].strip())
        for r in rows
        if (r.get("country_code") or "").strip().isdigit() and (r.get(iso) or "").strip()
    ]
    return pa.table({"num": [n for n, _ in pairs], "iso3": [c for _, c in pairs]})


def _unmatched(con: duckdb.DuckDBPyConnection) -> tuple[int, int, str]:
    """(source rows the store lacks, stored rows the source lacks, one of them named)."""
    n_a = con.execute(
        "SELECT count(*) FROM (FROM verify_src EXCEPT ALL FROM verify_stored)"
    ).fetchall()[0][0]
    n_b = con.execute(
        "SELECT count(*) FROM (FROM verify_stored EXCEPT ALL FROM verify_src)"
    ).fetchall()[0][0]
    first = con.execute(
        "SELECT 'source', * FROM (FROM verify_src EXCEPT ALL FROM verify_stored) "
        "UNION ALL SELECT 'stored', * FROM (FROM verify_stored EXCEPT ALL FROM verify_src) "
        "ORDER BY ALL LIMIT 1"
    ).fetchall()
    named = ""
    if first:
        side, period, exp, imp, hs6, v, q = first[0]
        usd = "no value" if v is None else f"USD {v:,.0f}"
        named = f"{side} row {period} {exp}→{imp} {hs6} {usd}" + (
            f", {q:,.3f} t" if q is not None else ""
        )
    return int(n_a), int(n_b), named


def _load_source(
    con: duckdb.DuckDBPyConnection, read: Callable[[str], Iterator[Record]], counts: Counter[str]
) -> None:
    """Stream ``read(encoding)`` into the temp table ``src`` (UTF-8, else Latin-1)."""
    names = ["tbl", "period", "freq", "a", "b", "hs", "rev", "side", "v"]
    for encoding in ("utf-8-sig", "latin-1"):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE src (tbl VARCHAR, period INTEGER, freq VARCHAR,"
            " a VARCHAR, b VARCHAR, hs VARCHAR, rev VARCHAR, side VARCHAR, v DOUBLE)"
        )
        counts.clear()
        batch: list[Record] = []
        try:
            for rec in read(encoding):
                batch.append(rec)
                if len(batch) == 200_000:
                    _insert(con, names, batch)
            _insert(con, names, batch)
            return
        except UnicodeDecodeError:
            continue


def _insert(con: duckdb.DuckDBPyConnection, names: list[str], batch: list[Record]) -> None:
    if batch:
        chunk = pa.table(dict(zip(names, map(list, zip(*batch, strict=True)), strict=True)))
        con.register("src_chunk", chunk)
        con.execute("INSERT INTO src SELECT * FROM src_chunk")
        con.unregister("src_chunk")
        batch.clear()


def _differs(values: list[str]) -> str:
    """SQL: a key's source and stored values differ beyond rounding, or one side lacks it."""
    cond = " OR ".join(
        f"abs(coalesce(s_{v}, 0) - coalesce(p_{v}, 0))"
        f" > {REL_TOL} * greatest(abs(coalesce(s_{v}, 0)), abs(coalesce(p_{v}, 0)), 1)"
        for v in values
    )
    return f"(NOT in_s OR n <> 1 OR {cond})"


def _usd(values: tuple[Any, ...]) -> str:
    return " / ".join("none" if v is None else f"{v:,.2f}" for v in values)


def _compare_source(
    con: duckdb.DuckDBPyConnection, d: Dataset, counts: Counter[str]
) -> list[Check]:
    """The source's kept rows against the stored flows and totals: row counts, value, and
    the keys whose value differs (or that only one side has, or the store holds twice)."""
    flows = (
        parquet_select([str(f) for f in d.flows_files], FLOWS_SCHEMA, d.manifest.get("constants"))
        if d.flows_files
        else empty_flows_sql()
    )
    totals = (
        parquet_select([str(f) for f in d.totals_files], TOTALS_SCHEMA, None)
        if d.totals_files
        else empty_totals_sql()
    )
    split = "SUM(v) FILTER (WHERE side = 'X') AS x, SUM(v) FILTER (WHERE side = 'M') AS m"
    tables = {
        "flows": (
            "SELECT period, freq, a, b, hs, rev, side, SUM(v) AS v FROM src"
            " WHERE tbl = 'flows' GROUP BY ALL",
            "SELECT period, freq, exporter AS a, importer AS b, hs6 AS hs, hs_rev AS rev,"
            f" reporter_side AS side, value_usd AS v FROM ({flows})",
            ["period", "freq", "a", "b", "hs", "rev", "side"],
            ["v"],
        ),
        "totals": (
            f"SELECT period, freq, a, b, hs, {split} FROM src WHERE tbl = 'totals' GROUP BY ALL",
            "SELECT period, freq, country AS a, coalesce(partner, '') AS b, hs,"
            f" exports_usd AS x, imports_usd AS m FROM ({totals})",
            ["period", "freq", "a", "b", "hs"],
            ["x", "m"],
        ),
    }
    fates = sorted((k for k in counts if k != "read"), key=lambda k: (k.startswith("drop"), k))
    kept = "; ".join(f"{counts[k]:,} {k}" for k in fates)
    out: list[Check] = []
    for table, (src_sql, stored_sql, keys, values) in tables.items():
        k = ", ".join(keys)
        sums = ", ".join(f"coalesce(sum(s_{v}), 0), coalesce(sum(p_{v}), 0)" for v in values)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE cmp AS
            WITH s AS ({src_sql}), p0 AS ({stored_sql}),
                 p AS (SELECT {k}, {", ".join(f"SUM({v}) AS {v}" for v in values)},
                              count(*) AS n FROM p0 GROUP BY ALL)
            SELECT {k}, {", ".join(f"s.{v} AS s_{v}, p.{v} AS p_{v}" for v in values)},
                   s.{keys[0]} IS NOT NULL AS in_s, coalesce(p.n, 0) AS n
            FROM s FULL JOIN p USING ({k})"""
        )
        row = con.execute(
            f"""SELECT count(*) FILTER (WHERE in_s), sum(n), {sums},
                       count(*) FILTER (WHERE {_differs(values)})
                FROM cmp"""
        ).fetchone()
        assert row is not None
        src_rows, rows, bad = float(row[0]), float(row[1] or 0), float(row[-1])
        src_value, value = float(sum(row[2:-1:2])), float(sum(row[3:-1:2]))
        if table == "totals" and src_rows == rows == 0:
            continue
        example = ""
        if bad:
            first = con.execute(
                f"SELECT * FROM cmp WHERE {_differs(values)} ORDER BY ALL LIMIT 1"
            ).fetchone()
            assert first is not None
            key = " ".join(str(x) for x in first[: len(keys)] if x != "")
            pairs = first[len(keys) : len(keys) + 2 * len(values)]
            example = (
                f"; e.g. {key}: source {_usd(pairs[0::2])}, stored {_usd(pairs[1::2])}"
                f" in {int(first[-1])} row(s)"
            )
        head = f"{counts['read']:,} data rows: {kept}" if table == "flows" else ""
        what = (
            "by period, exporter, importer, product, side"
            if table == "flows"
            else "by period, reporter, partner, product; exports / imports"
        )
        out += [
            Check("source", f"{d.name}: {table} rows from the source file", src_rows, rows,
                  src_rows == rows, head),
            Check("source", f"{d.name}: {table} value from the source file", src_value, value,
                  _close(src_value, value), "USD"),
            Check("source", f"{d.name}: {table} rows that differ from the source file", 0.0, bad,
                  bad == 0, f"{what}{example}"),
        ]  # fmt: skip
    return out
