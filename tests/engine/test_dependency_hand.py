"""Dependency engine on a small constructed table, against hand computations.

Table (USD), product 850511, importer AAA ("A"), suppliers from BACI codes:
2020: A ← CHN 60, A ← USA 40; world exports CHN 160 (also to DEU 100), USA 40
2021: no flows of the product at all (a missing year)
2022: A ← CHN 90, A ← USA 10; A → DEU 20 (A's own exports)
Product 811292, 2022: A ← JPN 50 only (single supplier); nobody else trades it.
Product 283691, 2022: A ← CHN 30, A ← USA 30 (a tie), DEU ← KOR 40.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosec import api_dependency as api
from ecosec.engine.dependency import NO_EXPORTS_RATIO, Thresholds
from tests.conftest import make_store

A = "KOR"


def _table() -> pd.DataFrame:
    rows = [
        (2020, "CHN", A, "850511", 60.0), (2020, "USA", A, "850511", 40.0),
        (2020, "CHN", "DEU", "850511", 100.0),
        (2022, "CHN", A, "850511", 90.0), (2022, "USA", A, "850511", 10.0),
        (2022, A, "DEU", "850511", 20.0),
        (2022, "JPN", A, "811292", 50.0),
        (2022, "CHN", A, "283691", 30.0), (2022, "USA", A, "283691", 30.0),
        (2022, "KOR", "DEU", "283691", 40.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["period", "exporter", "importer", "hs6", "value_usd"])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return make_store(tmp_path / "s", _table())


def _row(df: pd.DataFrame, hs6: str, year: int) -> pd.Series:
    r = df[(df["hs6"] == hs6) & (df["year"] == year)]
    assert len(r) == 1
    return r.iloc[0]


def test_two_suppliers_2020(small: Path) -> None:
    r = _row(api.dependencies(A, year=2020, store=small), "850511", 2020)
    assert r["imports_usd"] == 100 and r["n_suppliers"] == 2
    assert r["top_supplier"] == "CHN" and r["top_share"] == pytest.approx(0.6)
    assert r["top3_share"] == pytest.approx(1.0)
    assert r["hhi_imports"] == pytest.approx(0.6**2 + 0.4**2)  # 0.52
    # world: CHN 160, USA 40 → (0.8² + 0.2²) = 0.68
    assert r["hhi_world"] == pytest.approx(0.68)
    assert r["exports_usd"] == 0 and r["import_export_ratio"] == NO_EXPORTS_RATIO
    assert bool(r["criteria_met"]) and bool(r["dependent"])
    assert not bool(r["persistence_applied"])  # 2018 and 2019 absent


def test_missing_year_2021_means_no_persistence_rule(small: Path) -> None:
    r = _row(api.dependencies(A, year=2022, store=small), "850511", 2022)
    # imports 100: CHN .9 USA .1 → 0.82; world CHN 90 USA 10 KOR 20 → (.75² + 1/12² + 1/6²)
    assert r["hhi_imports"] == pytest.approx(0.82)
    assert r["hhi_world"] == pytest.approx(0.75**2 + (10 / 120) ** 2 + (20 / 120) ** 2)
    assert r["exports_usd"] == 20 and r["import_export_ratio"] == pytest.approx(5.0)
    assert r["years_met"] == 2  # 2020 and 2022 in the window; 2021 has no data
    assert not bool(r["persistence_applied"]) and bool(r["dependent"])


def test_single_supplier(small: Path) -> None:
    r = _row(api.dependencies(A, year=2022, store=small), "811292", 2022)
    assert r["n_suppliers"] == 1 and r["top_share"] == 1 and r["hhi_imports"] == 1
    assert r["hhi_world"] == 1 and bool(r["dependent"])


def test_tie_is_broken_by_code_and_world_hhi(small: Path) -> None:
    r = _row(api.dependencies(A, year=2022, store=small), "283691", 2022)
    assert r["top_supplier"] == "CHN" and r["top_share"] == pytest.approx(0.5)
    assert r["hhi_imports"] == pytest.approx(0.5)
    # world: CHN 30, USA 30, KOR 40 → 0.09 + 0.09 + 0.16 = 0.34 ≤ 0.4: not dependent
    assert r["hhi_world"] == pytest.approx(0.34)
    assert r["exports_usd"] == 40 and r["import_export_ratio"] == pytest.approx(1.5)
    assert not bool(r["criteria_met"]) and not bool(r["dependent"])


def test_thresholds_are_parameters(small: Path) -> None:
    d = api.dependencies(A, year=2022, store=small, thresholds=Thresholds(hhi_world=0.3))
    assert bool(_row(d, "283691", 2022)["dependent"])


def test_persistence_2_of_3(tmp_path: Path) -> None:
    # Three consecutive years; the criteria hold in 2020 and 2022 only → dependent in 2022.
    rows = []
    for year, (chn, usa) in {2020: (90, 10), 2021: (50, 50), 2022: (90, 10)}.items():
        rows += [(year, "CHN", A, "280461", float(chn)), (year, "USA", A, "280461", float(usa))]
    rows.append((2021, A, "DEU", "280461", 200.0))  # 2021: A exports more than it imports
    store = make_store(
        tmp_path / "p",
        pd.DataFrame(rows, columns=["period", "exporter", "importer", "hs6", "value_usd"]),
    )
    d = api.dependencies(A, year=[2021, 2022], store=store)
    r22 = _row(d, "280461", 2022)
    assert bool(r22["persistence_applied"]) and r22["years_met"] == 2 and bool(r22["dependent"])
    r21 = _row(d, "280461", 2021)
    # 2021: imports HHI 0.5 > 0.4, but ratio 100/200 = 0.5 ≤ 1 → criteria fail; the
    # window 2019–2021 lacks 2019, so the single-year flag applies.
    assert r21["hhi_imports"] == pytest.approx(0.5) and r21["import_export_ratio"] == pytest.approx(
        0.5
    )
    assert not bool(r21["criteria_met"]) and not bool(r21["persistence_applied"])
    assert not bool(r21["dependent"])


def test_group_as_one_importer(tmp_path: Path) -> None:
    # EU27 members DEU and FRA: intra-EU flows excluded, extra_share = extra / all imports.
    rows = [
        (2022, "CHN", "DEU", "850511", 80.0), (2022, "USA", "FRA", "850511", 20.0),
        (2022, "FRA", "DEU", "850511", 100.0), (2022, "DEU", "USA", "850511", 10.0),
    ]  # fmt: skip
    store = make_store(
        tmp_path / "g",
        pd.DataFrame(rows, columns=["period", "exporter", "importer", "hs6", "value_usd"]),
    )
    r = _row(api.dependencies("EU27", year=2022, store=store), "850511", 2022)
    assert r["importer"] == "EU27" and r["imports_usd"] == 100 and r["n_suppliers"] == 2
    assert r["hhi_imports"] == pytest.approx(0.68)
    assert r["exports_usd"] == 10  # DEU → USA leaves the bloc; FRA → DEU does not
    assert r["extra_share"] == pytest.approx(100 / 200)
    eu = _row(api.dependencies("EU27", year=2022, store=store, method="eu"), "850511", 2022)
    assert not bool(eu["criteria_met"])  # extra_share 0.5 is not > 0.5


def test_suppliers_on_whom(small: Path) -> None:
    s = api.suppliers(A, year=2022, store=small)
    chn = s[s["exporter"] == "CHN"].iloc[0]
    # dependencies 2022: 850511 (CHN 90 of 100) and 811292 (JPN 50); 283691 is not one.
    assert chn["dependencies_supplied"] == 1 and chn["dependencies_held"] == 1
    assert chn["imports_usd"] == 90 and chn["share_of_dependent_imports"] == pytest.approx(90 / 150)
    jpn = s[s["exporter"] == "JPN"].iloc[0]
    assert jpn["dependencies_held"] == 1 and jpn["imports_usd"] == 50


def test_errors_list_what_is_available(small: Path) -> None:
    from ecosec.errors import NoData, UnknownBasket, UnknownCountry, UnknownProduct

    with pytest.raises(NoData, match="years available: 2020, 2022"):
        api.dependencies(A, year=2021, store=small)
    with pytest.raises(UnknownCountry, match="KOR"):
        api.dependencies("KORR", store=small)
    with pytest.raises(UnknownBasket, match="critical-minerals"):
        api.dependencies(A, basket="critical-mineral", store=small)
    with pytest.raises(UnknownProduct, match="999999 not in the loaded data; allowed: 283691"):
        api.dependencies(A, hs="999999", store=small)
    for typed in ("8505", "abc", "85051100"):
        with pytest.raises(UnknownProduct, match="is not a six-digit code"):
            api.dependencies(A, hs=typed, store=small)
    with pytest.raises(NoData, match="imports none"):
        api.dependencies("JPN", year=2022, store=small)


def test_default_year_is_the_latest_broadly_covered(tmp_path: Path) -> None:
    """2022: six (importer, exporter) pairs trade 850511 (KOR from CHN, USA, JPN; DEU
    from CHN, USA, JPN). 2023: only DEU's imports from CHN are in (one pair: 1 < 6/2, a
    year a few reporters have published). 2021: KOR buys 100 products from JPN alone
    (one pair, 100 rows: deep, not broad). By hand, the default year is 2022 for every
    table, for KOR (3 suppliers in 2022 against 1 in 2021) and for all importers; a
    year asked for explicitly is still used."""
    rows = [(2022, e, i, "850511", 10.0) for i in (A, "DEU") for e in ("CHN", "USA", "JPN")]
    rows += [(2023, "CHN", "DEU", "850511", 10.0)]
    rows += [(2021, "JPN", A, f"{280000 + k:06d}", 1.0) for k in range(100)]
    table = pd.DataFrame(rows, columns=["period", "exporter", "importer", "hs6", "value_usd"])
    store = make_store(tmp_path / "s", table)
    assert api.dependencies(A, store=store)["year"].unique().tolist() == [2022]
    assert api.dependencies(None, store=store)["year"].unique().tolist() == [2022]
    assert api.chokepoints(store=store)["year"].unique().tolist() == [2022]
    assert api.rca(store=store)["year"].unique().tolist() == [2022]
    assert api.chokepoints(year=2023, store=store)["year"].unique().tolist() == [2023]
    # DEU's own imports: 3 pairs in 2022, 1 in 2023 -> 2022 as well.
    assert api.dependencies("DEU", store=store)["year"].unique().tolist() == [2022]
