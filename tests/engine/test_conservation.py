"""Results that break their own identities are withheld, not shown.

Each engine path is given a bug (its SQL or its tables altered the way a mistake
would) and must then raise ConservationError instead of returning numbers; the
checks themselves pass on tables computed independently (numpy, from random flows)
and fail on each broken identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import ecosec
from ecosec import api_dependency, api_scenario
from ecosec.cli import app
from ecosec.engine import conservation as cons
from ecosec.engine import dependency as dep
from ecosec.errors import ConservationError


def _table(values: list[list[float]]) -> pd.DataFrame:
    """A dependency table computed with numpy from each product's supplier values."""
    rows = []
    for k, v in enumerate(values):
        a = np.sort(np.asarray(v, dtype=float))[::-1]
        s = a / a.sum()
        rows.append(
            {
                "importer": "KOR", "hs6": f"{k:06d}", "year": 2024, "imports_usd": a.sum(),
                "n_suppliers": len(a), "top_share": s[0], "top3_share": s[:3].sum(),
                "hhi_imports": float((s * s).sum()), "hhi_world": 0.5,
                "criteria_met": False, "dependent": False, "persistence_applied": False,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


@given(
    st.lists(
        st.lists(st.floats(1e-3, 1e12, allow_nan=False), min_size=1, max_size=12),
        min_size=1,
        max_size=20,
    )
)
def test_tables_computed_independently_pass(values: list[list[float]]) -> None:
    cons.check_dependency_table(_table(values))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("top3_share", 0.1, "a top-3 share below the top share"),
        ("top_share", 1.2, r"a top share outside \(0, 1\]"),
        ("hhi_imports", 0.05, "a supplier HHI outside"),
        ("hhi_imports", 0.95, "a supplier HHI outside"),
        ("hhi_world", 0.0, r"a world HHI outside \(0, 1\]"),
        ("imports_usd", -1.0, "imports are not positive"),
        ("dependent", True, "a dependency flag that contradicts its criteria"),
    ],
)
def test_each_broken_identity_is_refused(column: str, value: Any, message: str) -> None:
    df = _table([[60.0, 30.0, 10.0], [5.0, 5.0]])  # top 0.6, top3 1, HHI 0.46
    df.loc[0, column] = value
    with pytest.raises(ConservationError, match=f"internal check failed: {message}.*000000"):
        cons.check_dependency_table(df)


def test_a_single_supplier_must_hold_everything() -> None:
    # 1/n ≤ HHI ≤ top share: with one supplier its share must be 1.
    df = _table([[7.0]])
    df.loc[0, ["top_share", "top3_share", "hhi_imports"]] = [0.5, 0.5, 0.5]
    with pytest.raises(ConservationError, match=r"a supplier HHI outside \[max"):
        cons.check_dependency_table(df)


def test_dependency_engine_bug_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    real = dep.dependency_sql

    def halved(*a: Any, **k: Any) -> str:
        sql = real(*a, **k)
        assert "TOP3_SUM(v) / SUM(v) AS top3_share" in sql
        return sql.replace(
            "TOP3_SUM(v) / SUM(v) AS top3_share", "TOP3_SUM(v) / SUM(v) / 2 AS top3_share"
        )

    assert len(ecosec.dependencies("KOR", year=2024, sample=True)) > 0
    monkeypatch.setattr(dep, "dependency_sql", halved)
    with pytest.raises(ConservationError, match="a top-3 share below the top share"):
        ecosec.dependencies("KOR", year=2024, sample=True)
    r = CliRunner().invoke(app, ["dependencies", "KOR", "--year", "2024"])
    assert r.exit_code == 1 and r.output.count("error:") == 1
    assert "result is withheld" in " ".join(r.output.split())


def test_supplier_share_bug_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    real = dep.supplier_share_sql

    def per_year(*a: Any, **k: Any) -> str:
        return real(*a, **k).replace("PARTITION BY year, importer, hs6", "PARTITION BY year")

    ok = api_dependency.supplier_shares("KOR", hs="850511,811292", year=2024, sample=True)
    assert ok.groupby("hs6")["share"].sum().round(12).eq(1).all()
    monkeypatch.setattr(dep, "supplier_share_sql", per_year)
    with pytest.raises(ConservationError, match="supplier shares that do not sum to 1"):
        api_dependency.supplier_shares("KOR", hs="850511,811292", year=2024, sample=True)


def test_scenario_bug_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    real = api_scenario._tables

    def leaky(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
        tables = real(df)
        tables["shortfall"].loc[0, "covered_usd"] *= 1.01  # covered drifts from its parts
        return tables

    args = {"products": "850511", "targets": "KOR,JPN", "sample": True}
    assert not api_scenario.scenario("CHN", **args).shortfall.empty
    monkeypatch.setattr(api_scenario, "_tables", leaky)
    with pytest.raises(ConservationError, match=r"lost ≠ covered \+ shortfall \(usd\)"):
        api_scenario.scenario("CHN", **args)


def test_substitution_that_does_not_sum_to_covered_is_withheld(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = api_scenario._tables

    def doubled(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
        tables = real(df)
        sub = tables["substitution"]
        first = sub["covered_usd"] > 0
        assert first.any()
        sub.loc[first.idxmax(), "covered_usd"] *= 2  # one exporter's cover counted twice
        return tables

    monkeypatch.setattr(api_scenario, "_tables", doubled)
    with pytest.raises(ConservationError, match="substitution rows that do not sum to covered"):
        api_scenario.scenario("CHN", products="850511", targets="KOR,JPN", sample=True)


def test_a_nan_names_its_own_row() -> None:
    # A NaN breaks the identity; the message names that row, not the table's first.
    rows = pd.DataFrame(
        {
            "importer": ["JPN", "KOR"], "hs6": ["850511", "850511"],
            "lost_usd": [10.0, 20.0], "covered_usd": [4.0, 5.0], "shortfall_usd": [6.0, 15.0],
            "lost_t": [1.0, 2.0], "covered_t": [0.4, float("nan")], "shortfall_t": [0.6, 1.5],
        }
    )  # fmt: skip
    sub = rows[["importer", "hs6", "covered_usd"]]
    with pytest.raises(ConservationError, match=r"\(t\) \(1 row\(s\), first: importer=KOR"):
        cons.check_scenario(rows, sub)
    rows.loc[1, "lost_t"] = float("nan")  # lost tonnes unknown: tonnes not checked there
    cons.check_scenario(rows, sub)


def test_cover_beside_a_huge_capacity_is_rounding_not_a_bug(tmp_path: Any) -> None:
    """Found by the scenario property test: Germany loses 0.5 USD of 811292 from China
    while Germany itself could export 3.4 million (a 2**25 USD flow, redirect 0.1). Its
    cover is its loss times the other exporters' rates, computed as all rates minus its
    own, so it carries the big rate's rounding: 0.10000000149 against the substitution
    rows' 0.1 — 1.5e-9 USD, 3e-9 of the loss, 4e-16 of the largest capacity. The check
    measures identities against the product's largest capacity, so this passes, and a
    real break of 1 cent in the same table is still withheld."""
    from tests.conftest import make_store

    flows = pd.DataFrame(
        {"exporter": ["CHN", "CHN", "USA", "DEU"], "importer": ["USA", "DEU", "JPN", "JPN"],
         "hs6": ["811292"] * 4, "value_usd": [1.0, 5.0, 1.0, 2.0**25], "period": [2022] * 4}
    )  # fmt: skip
    store = make_store(tmp_path / "s", flows)
    s = api_scenario.scenario("CHN", cut=0.1, redirect=0.1, store=store)
    deu = s.shortfall.set_index("importer").loc["DEU"]
    rows = s.substitution[s.substitution["importer"] == "DEU"]["covered_usd"].sum()
    assert deu["covered_usd"] == pytest.approx(rows, rel=1e-7) and deu["lost_usd"] == 0.5
    broken = s.shortfall.copy()
    broken.loc[broken["importer"] == "DEU", "covered_usd"] += 0.01
    broken["shortfall_usd"] = broken["lost_usd"] - broken["covered_usd"]
    with pytest.raises(ConservationError, match="substitution rows that do not sum"):
        cons.check_scenario(broken, s.substitution)
