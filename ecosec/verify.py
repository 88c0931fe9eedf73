"""Integrity checks of a store and of the engine's conservation laws (``ecosec verify``).

Each check recomputes a figure two independent ways and compares them:

- ``manifest``: rows and total value of every dataset, as recorded at ingest, against
  the Parquet files now on disk (catches truncated or altered files);
- ``source``: with ``deep=True``, the same figures recomputed from the original input
  files, when they are still where they were ingested from and unchanged (SHA-256):
  BACI by DuckDB over the CSV; UN Comtrade CSV and the Korea customs table by a reader
  of their own (Python's ``csv`` module, ``openpyxl``) that applies the documented
  keep/drop rules, compared with the stored tables key by key;
- ``shares``: for every importer × product × year, the supplier shares sum to 1 (the
  dependency engine's imports equal the sum of its supplier rows);
- ``world``: for every product × year, the exporters' world shares sum to 1;
- ``scenario``: full export cuts by the largest exporters of the data conserve value:
  lost = covered + shortfall per importer × product and in total, 0 ≤ covered ≤ lost,
  the per-importer tables are the sums of the rows, lost equals the supplier's exports
  in the data, and the substitution rows add up to what is covered.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ecosec import api_scenario, refdata
from ecosec.engine.executor import Catalog, connect, is_simple, open_catalog
from ecosec.engine.trade import trade_sql
from ecosec.errors import EcosecError
from ecosec.ingest._common import sha256_of
from ecosec.ingest.schema import (
    FLOWS_SCHEMA,
    TOTALS_SCHEMA,
    empty_flows_sql,
    empty_totals_sql,
    parquet_select,
)
from ecosec.ingest.store import Dataset

REL_TOL = 1e-9
SCENARIO_SUPPLIERS = 3
"""Scenarios run: full cuts by this many of the largest exporters of the chosen year."""
SCENARIO_PRODUCTS = 30
"""Products per scenario: the supplier's largest exports (a basket-sized cut, a few
seconds on an 11-million-row year; every product would take minutes)."""


@dataclass(frozen=True)
class Check:
    """One comparison: what was checked, the two figures, and whether they agree."""

    check: str
    subject: str
    expected: float
    found: float
    ok: bool
    detail: str = ""


def _close(a: float, b: float, rel: float = REL_TOL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def _manifest_checks(con: duckdb.DuckDBPyConnection, d: Dataset) -> list[Check]:
    out: list[Check] = []
    files = [str(f) for f in d.flows_files]
    if files:
        sql = parquet_select(files, FLOWS_SCHEMA, d.manifest.get("constants"))
        row = con.execute(f"SELECT count(*), coalesce(sum(value_usd), 0) FROM ({sql})").fetchone()
        assert row is not None
        rows, value = float(row[0]), float(row[1])
        m_rows, m_value = float(d.manifest.get("rows", 0)), float(d.manifest.get("value_usd") or 0)
        out += [
            Check("manifest", f"{d.name}: rows", m_rows, rows, rows == m_rows),
            Check("manifest", f"{d.name}: value_usd", m_value, value, _close(m_value, value)),
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
    """Rows and value (thousand USD × 1000) of the BACI CSV files, against the manifest."""
    from ecosec.ingest.baci import _Source

    src = _Source(inputs[0]) if len(inputs) == 1 else _Source(inputs[0].parent)
    tmp = Path(d.path).parent / ".verify"
    tmp.mkdir(exist_ok=True)
    rows = value = 0.0
    try:
        for _, member, _ in src.years:
            path = src.as_gzip(member, tmp, lambda *_: None, "") or src.materialize(
                member, tmp, lambda *_: None, ""
            )
            quoted = str(path).replace("'", "''")
            r = con.execute(
                f"SELECT count(*), sum(v) * 1000.0 FROM read_csv('{quoted}',"
                " header = true, columns = {'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER',"
                " 'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'VARCHAR'})"
            ).fetchone()
            assert r is not None
            rows += float(r[0])
            value += float(r[1] or 0)
            if src.zip is not None:
                path.unlink(missing_ok=True)
    finally:
        src.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    m_rows, m_value = float(d.manifest.get("rows", 0)), float(d.manifest.get("value_usd") or 0)
    return [
        Check("source", f"{d.name}: rows in the source file", rows, m_rows, rows == m_rows),
        Check(
            "source", f"{d.name}: value in the source file", value, m_value, _close(value, m_value)
        ),
    ]


# --- UN Comtrade and Korea customs: an independent reader -------------------------------
# One record per source row kept: (table, period, freq, a, b, hs, hs_rev, side, value_usd)
# with a, b = exporter, importer for table 'flows'; reporter, partner ('' for World) for
# table 'totals'. Column names are UN Comtrade's (legacy bulk, comtradeplus).
Record = tuple[str, int, str, str, str, str, str, str, float | None]

_CT_COLUMNS: dict[str, tuple[str | None, str]] = {
    "cls": ("Classification", "classificationCode"),
    "period": ("Period", "period"),
    "freq": (None, "freqCode"),
    "type": (None, "typeCode"),
    "flow": ("Trade Flow Code", "flowCode"),
    "reporter": ("Reporter Code", "reporterCode"),
    "reporter_iso": ("Reporter ISO", "reporterISO"),
    "partner": ("Partner Code", "partnerCode"),
    "partner_iso": ("Partner ISO", "partnerISO"),
    "partner2": ("2nd Partner Code", "partner2Code"),
    "customs": ("Customs Proc. Code", "customsCode"),
    "mot": ("Mode of Transport Code", "motCode"),
    "cmd": ("Commodity Code", "cmdCode"),
    "aggr": ("Aggregate Level", "aggrLevel"),
    "value": ("Trade Value (US$)", "primaryValue"),
}
# A row whose breakdown column holds anything else is a part of another row's total.
_TOTAL_OF_BREAKDOWN = {
    "partner2": {"", "0"}, "customs": {"", "C00"}, "mot": {"", "0"}, "type": {"", "C"},
}  # fmt: skip
_SIDE = {"1": "M", "M": "M", "IMPORT": "M", "2": "X", "X": "X", "EXPORT": "X"}
_HS_REV = {"H0": "HS92", "H1": "HS96", "H2": "HS02", "H3": "HS07", "H4": "HS12", "H5": "HS17",
           "H6": "HS22"}  # fmt: skip


def _number(text: Any, kind: type[int] | type[float] = float) -> Any:
    try:
        return None if text is None or str(text).strip() == "" else kind(text)
    except ValueError:
        return None


def _comtrade_records(path: Path, encoding: str, n: Counter[str]) -> Iterator[Record]:
    """The rows of a UN Comtrade CSV that ingest keeps, by the documented rules
    (:mod:`ecosec.ingest.comtrade`), counting every row dropped or sent to totals."""
    countries, aliases = refdata.countries(), refdata.country_aliases()
    by_number = dict(zip(countries["numeric"].astype(int), countries["code"], strict=True))
    by_code = {c.upper(): c for c in countries["code"]}
    for alias, code in zip(aliases["alias"], aliases["code"], strict=True):
        by_code.setdefault(alias.upper(), code)

    def country(number: str, iso: str) -> str | None:
        num = _number(number, int)
        return by_number[num] if num in by_number else by_code.get(iso.upper())

    with path.open(encoding=encoding, newline="") as f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows)]
        names = {k: v[1 if "primaryValue" in header else 0] for k, v in _CT_COLUMNS.items()}
        idx = {k: header.index(v) for k, v in names.items() if v and v in header}
        for raw in rows:
            if not any(raw):
                continue
            cell = {k: (raw[i].strip(" ") if i < len(raw) else "") for k, i in _all(idx)}
            n["read"] += 1
            if any(cell[k] not in ok for k, ok in _TOTAL_OF_BREAKDOWN.items()):
                n["dropped: breakdown (2nd partner, procedure, transport, type)"] += 1
                continue
            side = _SIDE.get(cell["flow"].upper())
            reporter = country(cell["reporter"], cell["reporter_iso"])
            world = cell["partner"] == "0" or cell["partner_iso"].upper() in ("WLD", "W00")
            partner = "" if world else country(cell["partner"], cell["partner_iso"])
            digits = re.sub(r"[^0-9]", "", cell["cmd"])
            level = _number(cell["aggr"], int)
            if level in (2, 4, 6):
                hs = digits.rjust(level, "0")
            else:
                hs = "0" + digits if len(digits) in (1, 3, 5) else digits
            period, value = _number(cell["period"], int), _number(cell["value"])
            monthly = len(cell["period"]) == 6
            freq = cell["freq"] if cell["freq"] in ("A", "M") else ("M" if monthly else "A")
            rev = _HS_REV.get(cell["cls"].upper(), "HS")
            if side is None:
                n["dropped: re-export/re-import"] += 1
            elif reporter is None:
                n["dropped: reporter not a country"] += 1
            elif partner is None:
                n["dropped: aggregate partner (areas n.e.s. …)"] += 1
            elif len(hs) not in (2, 4, 6):
                n["dropped: code not HS2/4/6"] += 1
            elif period is None or value is None or value < 0:
                n["dropped: period or value unreadable"] += 1
            elif world or len(hs) < 6:
                n["to totals (partner World)" if world else "to totals (HS2/HS4)"] += 1
                yield ("totals", period, freq, reporter, partner, hs, "", side, value)
            elif reporter == partner:
                n["dropped: reporter = partner"] += 1
            else:
                n["to flows"] += 1
                a, b = (partner, reporter) if side == "M" else (reporter, partner)
                yield ("flows", period, freq, a, b, hs, rev, side, value)


def _all(idx: dict[str, int]) -> list[tuple[str, int]]:
    """Every Comtrade field with its column (past the row's end, so read as empty, when
    the layout lacks it)."""
    return [(k, idx.get(k, 1 << 30)) for k in _CT_COLUMNS]


_KR = ("Item", "Country", "Year", "Month", "Export_dollar", "Export_weight", "Import_dollar",
       "Import_weight")  # fmt: skip


def _kr_customs_records(path: Path, encoding: str, n: Counter[str]) -> Iterator[Record]:
    """The Korea customs table (``kr-monthly``) as flows: imports partner → KOR, exports
    KOR → partner, one per side with a positive value or weight, HS10 items cut to HS6."""
    key = re.compile(r"[^a-z0-9]")
    names: dict[str, str] = {}
    aliases, countries = refdata.country_aliases(), refdata.countries()
    for name, code in [
        *zip(aliases["alias"], aliases["code"], strict=True),
        *zip(countries["name"], countries["code"], strict=True),
        *zip(countries["code"], countries["code"], strict=True),
    ]:
        names.setdefault(key.sub("", name.lower()), code)
    for row in _table_rows(path, encoding):
        item, name, year, month, xv, xq, mv, mq = row
        name = "" if name is None else str(name).strip()
        if item is None and not name:
            continue  # a blank line
        code = names.get(key.sub("", name.lower()))
        n["read"] += 1
        if not name or code == "KOR" or code is None:
            n["dropped: empty country" if not name else f"dropped: country {code or name}"] += 1
            continue
        y, m = _number(year), _number(month)
        if y is None or m is None:
            n["dropped: year or month unreadable"] += 1
            continue
        period, hs6 = int(y) * 100 + int(m), re.sub(r"[^0-9]", "", str(item))[:6]
        for side, value, kg in (("M", _number(mv), _number(mq)), ("X", _number(xv), _number(xq))):
            if (value or 0) > 0 or (kg or 0) > 0:
                n[f"to flows ({'imports' if side == 'M' else 'exports'})"] += 1
                a, b = (code, "KOR") if side == "M" else ("KOR", code)
                yield ("flows", period, "M", a, b, hs6, "HS", side, value)


def _table_rows(path: Path, encoding: str) -> Iterator[list[Any]]:
    """The ``_KR`` columns of every row of the first sheet of a workbook, or of a CSV."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            yield from _columns(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
    else:
        with path.open(encoding=encoding, newline="") as f:
            yield from _columns(csv.reader(f))


def _columns(rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
    it = iter(rows)
    header = [str(h).strip() if h is not None else "" for h in next(it)]
    idx = [header.index(c) for c in _KR]
    for raw in it:
        row = list(raw)
        yield [row[i] if i < len(row) else None for i in idx]


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


# --- Scenario conservation --------------------------------------------------------------


def _scenario_plan(
    con: duckdb.DuckDBPyConnection, catalog: Catalog
) -> tuple[int, list[tuple[str, float, list[str]]]] | None:
    """The year with the most flows (the latest on a tie) and its largest exporters (known
    country codes, by world export share) with their largest exports of that year."""
    trade = trade_sql(hs=None, years=None, simple=is_simple(catalog))
    df = con.execute(
        f"""
        WITH vt AS ({trade}),
        yr AS (SELECT year FROM vt GROUP BY year ORDER BY count(*) DESC, year DESC LIMIT 1),
        ex AS (SELECT exporter, hs6, SUM(value_usd) AS v FROM vt
               WHERE year = (SELECT year FROM yr) GROUP BY exporter, hs6 HAVING SUM(value_usd) > 0),
        tot AS (SELECT exporter, SUM(v) AS x, SUM(SUM(v)) OVER () AS w FROM ex GROUP BY exporter),
        rk AS (SELECT exporter, x / w AS share, ROW_NUMBER() OVER (ORDER BY x DESC, exporter) AS r
               FROM tot)
        SELECT (SELECT year FROM yr) AS year, rk.r, rk.exporter, rk.share, ex.hs6,
               ROW_NUMBER() OVER (PARTITION BY ex.exporter ORDER BY ex.v DESC, ex.hs6) AS pr
        FROM rk JOIN ex USING (exporter) WHERE rk.r <= {SCENARIO_SUPPLIERS + 10}
        QUALIFY pr <= {SCENARIO_PRODUCTS} ORDER BY rk.r, pr
        """
    ).df()
    if df.empty:
        return None
    plan: list[tuple[str, float, list[str]]] = []
    for _, part in df.groupby("r", sort=True):
        exporter = str(part["exporter"].iloc[0])
        try:  # a scenario's supplier must be a country of the reference tables
            known = refdata.resolve_country(exporter) == exporter
        except EcosecError:
            known = False
        if known and len(plan) < SCENARIO_SUPPLIERS:
            plan.append((exporter, float(part["share"].iloc[0]), part["hs6"].tolist()))
    return int(df["year"].iloc[0]), plan


def _rel(diff: pd.Series | pd.DataFrame, lost: pd.Series) -> float:
    """Largest absolute difference relative to lost (1 unit at least); NaN counts as ∞."""
    gap = diff.abs().max(axis=1, skipna=False) if isinstance(diff, pd.DataFrame) else diff.abs()
    rel = (gap / lost.abs().clip(lower=1.0)).fillna(np.inf)
    return float(rel.max()) if len(rel) else 0.0


def _gap(df: pd.DataFrame, unit: str) -> float:
    """Largest |lost − covered − shortfall| or step outside 0 ≤ covered ≤ lost, relative
    to lost; in tonnes only where lost is known (a flow may report no quantity)."""
    lost, cov, short = (df[f"{c}_{unit}"].astype(float) for c in ("lost", "covered", "shortfall"))
    keep = lost.notna() if unit == "t" else lost.index == lost.index
    lost, cov, short = lost[keep], cov[keep], short[keep]
    return max(
        _rel(lost - cov - short, lost),
        _rel((cov - lost).clip(lower=0), lost),
        _rel((-cov).clip(lower=0), lost),
    )


def _conservation(
    s: api_scenario.Scenario, who: str, supplier: str, codes: list[str], exports: float, note: str
) -> list[Check]:
    """The five conservation checks of one scenario (see the module docstring)."""
    cols = ["lost_usd", "covered_usd", "shortfall_usd"]
    sh, totals, sens = s.shortfall, s.totals.set_index("importer"), s.sensitivity
    chosen = sens[np.isclose(sens["redirect"], float(s.assumptions["redirect"]))]
    summed = sh.groupby("importer")[cols].sum()
    per_importer = max(
        _rel(summed.reindex(totals.index.union(summed.index)) - totals[cols], totals["lost_usd"]),
        _rel(chosen.set_index("importer")[cols] - totals[cols], totals["lost_usd"]),
        _gap(totals, "usd"),
        _gap(sens, "usd"),
    )
    pairs = sh.set_index(["importer", "hs6"])
    sub = s.substitution.groupby(["importer", "hs6"])["covered_usd"].sum()
    keys = pairs.index.union(sub.index)
    sub_gap = _rel(
        sub.reindex(keys).fillna(0.0) - pairs["covered_usd"].reindex(keys),
        pairs["lost_usd"].reindex(keys),
    )
    rows = max(_gap(sh, "usd"), _gap(sh, "t"))
    lost = float(sh["lost_usd"].sum())
    parts = float(sh["covered_usd"].sum() + sh["shortfall_usd"].sum())
    return [
        Check("scenario", f"{who}: lost = covered + shortfall ({len(sh):,} importer×product)",
              0.0, rows, rows <= REL_TOL, "largest gap / lost, USD and t; 0 ≤ covered ≤ lost"),
        Check("scenario", f"{who}: total lost = covered + shortfall", lost, parts,
              _close(lost, parts), "USD"),
        Check("scenario", f"{who}: per-importer tables = sums of rows", 0.0, per_importer,
              per_importer <= REL_TOL, "largest gap / lost; totals, sensitivity sweep"),
        Check("scenario", f"{who}: lost = {supplier}'s exports of {len(codes)} products",
              exports, lost, _close(exports, lost), f"USD, from the trade data; {note}"),
        Check("scenario", f"{who}: substitution rows sum to covered", 0.0, sub_gap,
              sub_gap <= REL_TOL, "largest gap / lost"),
    ]  # fmt: skip


def _scenario_checks(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    *,
    store: str | Path | None,
    sample: bool | None,
) -> list[Check]:
    """Full export cuts by the largest exporters, for every importer, checked for
    conservation (:data:`SCENARIO_SUPPLIERS` suppliers × :data:`SCENARIO_PRODUCTS`)."""
    plan = _scenario_plan(con, catalog)
    if plan is None or not plan[1]:
        return [Check("scenario", "no exporter to cut", 0, 0, True, "no annual trade; skipped")]
    year, suppliers = plan
    out: list[Check] = []
    for supplier, share, codes in suppliers:
        who = f"{supplier} cut {year}"
        exp_sql = trade_sql(hs=codes, years=[year], simple=is_simple(catalog))
        row = con.execute(
            f"SELECT coalesce(sum(value_usd), 0) FROM ({exp_sql}) WHERE exporter = ?", [supplier]
        ).fetchone()
        assert row is not None
        try:
            s = api_scenario.scenario(
                supplier, products=codes, year=year, cut=1.0, store=store, sample=sample
            )
        except EcosecError as exc:
            out.append(Check("scenario", who, 0, 0, False, f"the scenario failed: {exc}"))
            continue
        note = f"{supplier}: {share:.1%} of world exports in {year}"
        out += _conservation(s, who, supplier, codes, float(row[0]), note)
    return out


def _share_checks(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Check]:
    trade = trade_sql(hs=None, years=None, simple=is_simple(catalog))
    row = con.execute(
        f"""
        WITH vt_trade AS ({trade}),
        imp AS (SELECT year, importer, hs6, exporter, SUM(value_usd) AS v FROM vt_trade
                GROUP BY year, importer, hs6, exporter HAVING SUM(value_usd) > 0),
        tot AS (SELECT year, importer, hs6, SUM(v) AS m FROM imp GROUP BY year, importer, hs6),
        s AS (SELECT i.year, i.importer, i.hs6, SUM(i.v / t.m) AS share_sum
              FROM imp AS i JOIN tot AS t USING (year, importer, hs6)
              GROUP BY i.year, i.importer, i.hs6),
        xp AS (SELECT year, hs6, exporter, SUM(value_usd) AS x FROM vt_trade
               GROUP BY year, hs6, exporter HAVING SUM(value_usd) > 0),
        w AS (SELECT year, hs6, SUM(x) AS wx FROM xp GROUP BY year, hs6),
        ws AS (SELECT x.year, x.hs6, SUM(x.x / w.wx) AS share_sum
               FROM xp AS x JOIN w USING (year, hs6) GROUP BY x.year, x.hs6)
        SELECT (SELECT count(*) FROM s), (SELECT max(abs(share_sum - 1)) FROM s),
               (SELECT count(*) FROM ws), (SELECT max(abs(share_sum - 1)) FROM ws)
        """
    ).fetchone()
    assert row is not None
    n_s, dev_s, n_w, dev_w = (float(x or 0) for x in row)
    return [
        Check("shares", f"supplier shares sum to 1 ({int(n_s):,} importer×product×year)",
              0.0, dev_s, dev_s < 1e-9, "largest deviation from 1"),
        Check("world", f"world export shares sum to 1 ({int(n_w):,} product×year)",
              0.0, dev_w, dev_w < 1e-9, "largest deviation from 1"),
    ]  # fmt: skip


def verify(
    *, store: str | Path | None = None, sample: bool | None = None, deep: bool = False
) -> pd.DataFrame:
    """Run every integrity check; one row per check with ``ok`` False on a mismatch.

    Columns ``check`` (manifest, source, shares, world, scenario), ``subject``,
    ``expected``, ``found``, ``ok`` and ``detail``; see the module docstring and
    docs/verify.md for what each compares.

    >>> df = verify(sample=True)
    >>> bool(df["ok"].all()), df["check"].value_counts().sort_index().to_dict()
    (True, {'manifest': 17, 'scenario': 15, 'shares': 1, 'world': 1})
    >>> df.loc[df["check"] == "scenario", "subject"].iloc[1]
    'AUS cut 2022: total lost = covered + shortfall'
    """
    catalog = open_catalog(store, sample=sample)
    con = connect(catalog)
    checks: list[Check] = []
    try:
        for d in catalog.datasets:
            checks += _manifest_checks(con, d)
            if deep and not catalog.is_sample:
                checks += _source_checks(con, d)
        checks += _share_checks(con, catalog)
        checks += _scenario_checks(con, catalog, store=store, sample=sample)
    finally:
        con.close()
    return pd.DataFrame([c.__dict__ for c in checks])
