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


def split_gap(df: pd.DataFrame, unit: str) -> float:
    """Largest |lost − covered − shortfall| or step outside 0 ≤ covered ≤ lost, relative
    to lost; in tonnes (``unit="t"``) only where lost is known (a flow may report no
    quantity)."""
    lost, cov, short = (df[f"{c}_{unit}"].astype(float) for c in ("lost", "covered", "shortfall"))
    keep = lost.notna() if unit == "t" else pd.Series(True, index=lost.index)
    lost, cov, short = lost[keep], cov[keep], short[keep]
    return max(
        relative_gap(lost - cov - short, lost),
        relative_gap((cov - lost).clip(lower=0), lost),
        relative_gap((-cov).clip(lower=0), lost),
    )


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


def _split_off(df: pd.DataFrame, unit: str) -> pd.Series:
    """Rows of ``df`` that break lost = covered + shortfall or 0 ≤ covered ≤ lost (a NaN
    counts as broken); in tonnes only rows whose lost tonnes are known."""
    lost, cov, short = (df[f"{c}_{unit}"].astype(float) for c in ("lost", "covered", "shortfall"))
    tol = REL_TOL * lost.abs().clip(lower=1.0)
    ok = ((lost - cov - short).abs() <= tol) & (cov >= -tol) & (cov <= lost + tol)
    return ~ok & (lost.notna() if unit == "t" else True)


def substitution_gap(shortfall: pd.DataFrame, substitution: pd.DataFrame) -> pd.Series:
    """Per importer × product: the substitution rows' sum minus ``covered``, relative to
    lost (NaN where one side lacks the pair)."""
    pairs = shortfall.set_index(["importer", "hs6"])
    sub = substitution.groupby(["importer", "hs6"])["covered_usd"].sum()
    keys = pairs.index.union(sub.index)
    diff = sub.reindex(keys).fillna(0.0) - pairs["covered_usd"].reindex(keys)
    return diff.abs() / pairs["lost_usd"].reindex(keys).abs().clip(lower=1.0)


def check_scenario(shortfall: pd.DataFrame, substitution: pd.DataFrame) -> None:
    """Refuse a scenario whose rows do not conserve value: lost = covered + shortfall,
    0 ≤ covered ≤ lost, and the substitution rows summing to covered."""
    for unit in ("usd", "t"):
        off = _split_off(shortfall, unit)
        if off.any():
            _refuse(
                f"lost ≠ covered + shortfall ({unit})",
                shortfall[off.to_numpy()],
                ["importer", "hs6"],
            )
    gap = substitution_gap(shortfall, substitution)
    bad = ~(gap <= REL_TOL)
    if bad.any():
        rows = gap[bad].reset_index()
        _refuse("substitution rows that do not sum to covered", rows, ["importer", "hs6"])
