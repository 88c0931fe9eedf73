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

The checks live in private modules by family: :mod:`ecosec.verify._store` (manifest,
source) with its independent reader :mod:`ecosec.verify._readers` (UN Comtrade, Korea
customs), and :mod:`ecosec.verify._engine` (shares, world, scenario); the
:class:`Check` row and the tolerance are in :mod:`ecosec.verify._common`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ecosec.engine.executor import connect, open_catalog
from ecosec.verify._common import REL_TOL, Check
from ecosec.verify._engine import _scenario_checks, _share_checks
from ecosec.verify._readers import Record
from ecosec.verify._store import _manifest_checks, _source_checks

# Here rather than in _engine: verify() passes them at each call, so that setting
# ecosec.verify.SCENARIO_SUPPLIERS (as the tests do) takes effect.
SCENARIO_SUPPLIERS = 3
"""Scenarios run: full cuts by this many of the largest exporters of the chosen year."""
SCENARIO_PRODUCTS = 30
"""Products per scenario: the supplier's largest exports (a basket-sized cut, a few
seconds on an 11-million-row year; every product would take minutes)."""


def verify(
    *, store: str | Path | None = None, sample: bool | None = None, deep: bool = False
) -> pd.DataFrame:
    """Run every integrity check; one row per check with ``ok`` False on a mismatch.

    Columns ``check`` (manifest, source, shares, world, scenario), ``subject``,
    ``expected``, ``found``, ``ok`` and ``detail``; see the module docstring and
    docs/verify.md for what each compares.

    >>> df = verify(sample=True)
    >>> bool(df["ok"].all()), df["check"].value_counts().sort_index().to_dict()
    (True, {'manifest': 24, 'scenario': 15, 'shares': 1, 'world': 1})
    >>> df.loc[df["check"] == "scenario", "subject"].iloc[1]
    'AUS cut 2022: total lost = covered + shortfall'
    """
    # Every dataset as stored for the file checks; the engine's view of them (newest
    # BACI release per year) for the conservation checks, as the analyses read it.
    stored = open_catalog(store, sample=sample, every_release=True)
    checks: list[Check] = []
    bare = duckdb.connect(":memory:")
    try:
        for d in stored.datasets:
            checks += _manifest_checks(bare, d)
            if deep and not stored.is_sample:
                checks += _source_checks(bare, d)
    finally:
        bare.close()
    if not all(c.ok for c in checks):
        return pd.DataFrame([c.__dict__ for c in checks])  # the files themselves are wrong
    catalog = open_catalog(store, sample=sample)
    con = connect(catalog)
    try:
        checks += _share_checks(con, catalog)
        checks += _scenario_checks(
            con,
            catalog,
            store=store,
            sample=sample,
            n_suppliers=SCENARIO_SUPPLIERS,
            n_products=SCENARIO_PRODUCTS,
        )
    finally:
        con.close()
    return pd.DataFrame([c.__dict__ for c in checks])


__all__ = ["REL_TOL", "SCENARIO_PRODUCTS", "SCENARIO_SUPPLIERS", "Check", "Record", "verify"]
