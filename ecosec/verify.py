"""Integrity checks of a store and of the engine's conservation laws (``ecosec verify``).

Each check recomputes a figure two independent ways and compares them:

- ``manifest``: rows and total value of every dataset, as recorded at ingest, against
  the Parquet files now on disk (catches truncated or altered files);
- ``source``: with ``deep=True``, the same figures recomputed from the original input
  files, when they are still where they were ingested from and unchanged (SHA-256);
- ``shares``: for every importer × product × year, the supplier shares sum to 1 (the
  dependency engine's imports equal the sum of its supplier rows);
- ``world``: for every product × year, the exporters' world shares sum to 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ecosec.engine.executor import Catalog, connect, open_catalog
from ecosec.engine.trade import trade_sql
from ecosec.ingest._common import sha256_of
from ecosec.ingest.schema import FLOWS_SCHEMA, parquet_select
from ecosec.ingest.store import Dataset

REL_TOL = 1e-9


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
    files = [str(f) for f in d.flows_files]
    if not files:
        return []
    sql = parquet_select(files, FLOWS_SCHEMA, d.manifest.get("constants"))
    row = con.execute(f"SELECT count(*), coalesce(sum(value_usd), 0) FROM ({sql})").fetchone()
    assert row is not None
    rows, value = float(row[0]), float(row[1])
    m_rows, m_value = float(d.manifest.get("rows", 0)), float(d.manifest.get("value_usd") or 0)
    return [
        Check("manifest", f"{d.name}: rows", m_rows, rows, rows == m_rows),
        Check("manifest", f"{d.name}: value_usd", m_value, value, _close(m_value, value)),
    ]


def _source_checks(con: duckdb.DuckDBPyConnection, d: Dataset) -> list[Check]:
    """Recompute rows and value from the original BACI input, if it is unchanged."""
    inputs = [Path(p) for p in d.manifest.get("inputs", [])]
    if d.manifest.get("kind") != "baci" or not inputs or not all(p.exists() for p in inputs):
        return [Check("source", d.name, 0, 0, True, "input not available; skipped")]
    if sha256_of(inputs) != d.manifest.get("sha256"):
        return [Check("source", d.name, 0, 0, True, "input changed since ingest; skipped")]
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


def _share_checks(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Check]:
    trade = trade_sql(hs=None, years=None, simple=False)
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
    """Run every integrity check; one row per check with ``ok`` False on a mismatch."""
    catalog = open_catalog(store, sample=sample)
    con = connect(catalog)
    checks: list[Check] = []
    try:
        for d in catalog.datasets:
            checks += _manifest_checks(con, d)
            if deep and not catalog.is_sample:
                checks += _source_checks(con, d)
        checks += _share_checks(con, catalog)
    finally:
        con.close()
    return pd.DataFrame([c.__dict__ for c in checks])
