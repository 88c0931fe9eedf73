"""Identities every engine result must keep, checked before a result is returned.

A table that breaks one is a bug in the engine (or data altered behind its back), not
a finding: the API raises :class:`~ecosec.errors.ConservationError` instead of showing
it. The checks are vectorised over the result's rows (a full dependency table of a
million rows takes ~20 ms); ``ecosec verify`` runs the same functions over standard
scenarios and adds checks against the stored data (docs/verify.md).

- dependency table: ``0 < top_share ≤ top3_share ≤ 1``; supplier HHI between the
  top share squared and the top share, and at least ``1 / n_suppliers``; world HHI in
  ``(0, 1]``; positive imports; flags consistent with their criteria where no
  persistence rule applies;
- supplier shares: they sum to 1 for each importer × product × year;
- scenario: ``lost = covered + shortfall`` and ``0 ≤ covered ≤ lost`` for each row (USD,
  and tonnes where lost tonnes are known); the substitution rows sum to ``covered``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecosec.errors import ConservationError

REL_TOL = 1e-9
"""Relative tolerance of every identity: float rounding is ~1e-16 on real data."""


def relative_gap(diff: pd.Series | pd.DataFrame, base: pd.Series) -> float:
    """Largest absolute difference relative to ``base`` (1 unit at least); NaN counts as ∞."""
    gap = diff.abs().max(axis=1, skipna=False) if isinstance(diff, pd.DataFrame) else diff.abs()
    rel = (gap / base.abs().clip(lower=1.0)).fillna(np.inf)
    return float(rel.max()) if len(rel) else 0.0


def split_gaps(df: pd.DataFrame, unit: str, substitution: pd.DataFrame | None = None) -> pd.Series:
    """Per row: the largest of |lost − covered − shortfall|, covered above lost and
    covered below 0, relative to the row's scale (:func:`scales`; NaN counts as ∞); in
    tonnes (``unit="t"``) only the rows whose lost is known (a flow may report no
    quantity)."""
    lost, cov, short = (df[f"{c}_{unit}"].astype(float) for c in ("lost", "covered", "shortfall"))
    scale = scales(df, unit, substitution)
    if unit == "t":
        keep = lost.notna()
        lost, cov, short, scale = lost[keep], cov[keep], short[keep], scale[keep]
    parts = pd.concat(
        [(lost - cov - short).abs(), (cov - lost).clip(lower=0), (-cov).clip(lower=0)], axis=1
    )
    return (parts.max(axis=1, skipna=False) / scale).fillna(np.inf)


def scales(df: pd.DataFrame, unit: str, substitution: pd.DataFrame | None) -> pd.Series:
    """Per shortfall row: the magnitude its identities are checked against — its lost
    value, or the largest capacity or offer in the product's allocation (to any
    importer), whichever is larger (1 unit at least). Each importer's cover is its loss
    times the other exporters' rates, computed as all rates minus its own: beside a
    10-million-USD capacity, a 0.5-USD loss is covered to ~1e-9 USD, not to 1e-16."""
    lost = df[f"lost_{unit}"].astype(float).abs()
    if substitution is None or substitution.empty:
        return lost.clip(lower=1.0)
    cols = [c for c in (f"capacity_{unit}", f"offered_{unit}") if c in substitution]
    size = substitution[cols].astype(float).abs().max(axis=1)
    biggest = size.groupby(substitution["hs6"]).max()
    product = pd.Series(biggest.reindex(df["hs6"]).to_numpy(), index=df.index).fillna(0.0)
    return pd.concat([lost, product], axis=1).max(axis=1).clip(lower=1.0)


def split_gap(df: pd.DataFrame, unit: str, substitution: pd.DataFrame | None = None) -> float:
    """The largest of :func:`split_gaps` (0 for no row)."""
    gaps = split_gaps(df, unit, substitution)
    return float(gaps.max()) if len(gaps) else 0.0


def _refuse(what: str, rows: pd.DataFrame, keys: list[str]) -> None:
    first = ", ".join(f"{k}={rows.iloc[0][k]}" for k in keys if k in rows.columns)
    raise ConservationError(
        f"internal check failed: {what} ({len(rows):,} row(s), first: {first}); the result "
        "is withheld — this is a bug or a store altered by hand: run `ecosec verify` and "
        "report the command"
    )


def check_dependency_table(df: pd.DataFrame) -> None:
    """Refuse a dependency table whose rows break the identities of shares and HHIs."""
    if df.empty:
        return
    eps = REL_TOL
    top, top3, n = df["top_share"], df["top3_share"], df["n_suppliers"]
    hhi, world = df["hhi_imports"], df["hhi_world"]
    keys = ["importer", "hs6", "year"]
    checks = {
        "imports are not positive": ~(df["imports_usd"] > 0),
        "a top share outside (0, 1]": ~((top > 0) & (top <= 1 + eps)),
        "a top-3 share below the top share or above 1": ~((top3 >= top - eps) & (top3 <= 1 + eps)),
        "a supplier HHI outside [max(top share², 1/n), top share]": ~(
            (hhi >= np.maximum(top * top, 1.0 / n) - eps) & (hhi <= top + eps)
        ),
        "a world HHI outside (0, 1]": ~((world > 0) & (world <= 1 + eps)),
    }
    if "persistence_applied" in df.columns:
        plain = ~df["persistence_applied"].astype(bool)
        checks["a dependency flag that contradicts its criteria"] = plain & (
            df["dependent"].astype(bool) != df["criteria_met"].astype(bool)
        )
    for what, bad in checks.items():
        if bad.any():
            _refuse(what, df[bad.to_numpy()], keys)


def check_supplier_shares(df: pd.DataFrame) -> None:
    """Refuse supplier shares that do not sum to 1 for an importer × product × year."""
    if df.empty:
        return
    keys = ["importer", "hs6", "year"]
    sums = df.groupby(keys)["share"].sum()
    bad = ~(np.abs(sums - 1) <= REL_TOL)
    if bad.any():
        _refuse("supplier shares that do not sum to 1", sums[bad].reset_index(), keys)


def substitution_gap(shortfall: pd.DataFrame, substitution: pd.DataFrame) -> pd.Series:
    """Per importer × product: the substitution rows' sum minus ``covered``, relative to
    the pair's scale (:func:`scales`; NaN where one side lacks the pair)."""
    pairs = shortfall.set_index(["importer", "hs6"])
    scale = pd.Series(scales(shortfall, "usd", substitution).to_numpy(), index=pairs.index)
    sub = substitution.groupby(["importer", "hs6"])["covered_usd"].sum()
    keys = pairs.index.union(sub.index)
    diff = sub.reindex(keys).fillna(0.0) - pairs["covered_usd"].reindex(keys)
    return diff.abs() / scale.reindex(keys)


def check_scenario(shortfall: pd.DataFrame, substitution: pd.DataFrame) -> None:
    """Refuse a scenario whose rows do not conserve value: lost = covered + shortfall,
    0 ≤ covered ≤ lost, and the substitution rows summing to covered."""
    rows = shortfall.reset_index(drop=True)
    for unit in ("usd", "t"):
        gaps = split_gaps(rows, unit, substitution)
        off = gaps.index[(gaps > REL_TOL).to_numpy()]
        if len(off):
            _refuse(f"lost ≠ covered + shortfall ({unit})", rows.loc[off], ["importer", "hs6"])
    gap = substitution_gap(shortfall, substitution)
    bad = ~(gap <= REL_TOL)
    if bad.any():
        pairs = gap[bad].reset_index()
        _refuse("substitution rows that do not sum to covered", pairs, ["importer", "hs6"])
