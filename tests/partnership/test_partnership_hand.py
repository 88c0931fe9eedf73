"""Partnership indices on constructed tables, against hand computations.

Every expected value below is computed by hand from the rows of the table it tests
(the arithmetic is written out next to each assertion). Stores are tiny, so the
world-coverage rule is lowered to one flow between third countries
(``min_third_flows=1``; the default, 10, is for real data).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ecosec.api_partnership import partnership
from ecosec.engine.partnership import PartnershipParams
from tests.conftest import make_store

A, B = "KOR", "JPN"
P1, P2, P3 = "850511", "283691", "811292"
LOW = PartnershipParams(min_third_flows=1)
COLS = ["period", "exporter", "importer", "hs6", "value_usd"]


def _store(root: Path, rows: list[tuple[int, str, str, str, float]]) -> Path:
    return make_store(root, pd.DataFrame(rows, columns=COLS))


def _overview(store: Path, a: str = A, b: str = B) -> pd.Series:
    t = partnership(a, b, store=store, params=LOW).table("complementarity")
    return t[(t["scope"] == "all") & (t["level"] == "HS6 bilateral flows")].iloc[0]


def test_perfect_complementarity_gives_tc_100(tmp_path: Path) -> None:
    # KOR exports only P1, all to JPN; JPN imports only P1: x[KOR] = m[JPN] = {P1: 1}.
    store = _store(
        tmp_path / "s",
        [
            (2022, A, B, P1, 100.0),
            (2022, B, "DEU", P2, 50.0),
            (2022, "USA", "DEU", P2, 50.0),
            (2022, "USA", "FRA", P1, 100.0),  # third countries' trade: world data for P1
        ],
    )
    r = _overview(store)
    assert r["tc_a_to_b"] == pytest.approx(100.0)
    # KOR imports nothing: TC JPN->KOR has no import structure to match.
    assert pd.isna(r["tc_b_to_a"])
    # x[KOR] = {P1: 1}, x[JPN] = {P2: 1}: no overlap.
    assert r["es"] == pytest.approx(0.0)
    # P1 flows one way only: GL = 1 - |100 - 0| / 100 = 0.
    assert r["gl"] == pytest.approx(0.0)
    # TI = (X[KOR->JPN] / X[KOR]) / (M[JPN] / (M[w] - M[KOR])) = (100/100) / (100/300) = 3.
    assert r["ti_a_to_b"] == pytest.approx(3.0)


def test_identical_export_structures_give_es_100_and_es_is_symmetric(tmp_path: Path) -> None:
    same = _store(
        tmp_path / "same",
        [
            (2022, A, "USA", P1, 30.0),
            (2022, A, "DEU", P2, 70.0),
            (2022, B, "USA", P1, 3.0),
            (2022, B, "FRA", P2, 7.0),
            (2022, "USA", "DEU", P3, 5.0),
        ],
    )
    assert _overview(same)["es"] == pytest.approx(100.0)  # {P1: .3, P2: .7} both
    other = _store(
        tmp_path / "other",
        [
            (2022, A, "USA", P1, 30.0),
            (2022, A, "DEU", P2, 70.0),
            (2022, B, "USA", P1, 60.0),
            (2022, B, "FRA", P2, 40.0),
            (2022, "USA", "DEU", P3, 5.0),
        ],
    )
    # ES = 100 * (min(.3, .6) + min(.7, .4)) = 70, whichever country comes first.
    assert _overview(other, A, B)["es"] == pytest.approx(70.0)
    assert _overview(other, B, A)["es"] == pytest.approx(70.0)


def test_balanced_two_way_trade_gives_gl_1_and_gl_is_symmetric(tmp_path: Path) -> None:
    balanced = _store(
        tmp_path / "bal",
        [(2022, A, B, P1, 50.0), (2022, B, A, P1, 50.0), (2022, "USA", "DEU", P2, 5.0)],
    )
    assert _overview(balanced)["gl"] == pytest.approx(1.0)
    mixed = _store(
        tmp_path / "mix",
        [
            (2022, A, B, P1, 50.0),
            (2022, B, A, P1, 50.0),
            (2022, A, B, P2, 30.0),
            (2022, B, A, P2, 10.0),
            (2022, "USA", "DEU", P3, 5.0),
        ],
    )
    # P1: GL 1; P2: 1 - 20/40 = 0.5; trade-weighted: 1 - (0 + 20) / (100 + 40) = 6/7.
    assert _overview(mixed, A, B)["gl"] == pytest.approx(6 / 7)
    assert _overview(mixed, B, A)["gl"] == pytest.approx(6 / 7)
    products = partnership(A, B, store=mixed, params=LOW).table("products").set_index("hs")
    assert products.loc[P2, "gl"] == pytest.approx(0.5)
    # TC is directional: TC(KOR->JPN) of the pair (KOR, JPN) is TC(b->a) of (JPN, KOR).
    ab, ba = _overview(mixed, A, B), _overview(mixed, B, A)
    assert ab["tc_a_to_b"] == pytest.approx(ba["tc_b_to_a"])
    assert ab["tc_b_to_a"] == pytest.approx(ba["tc_a_to_b"])


def test_rca_and_relations(tmp_path: Path) -> None:
    store = _store(
        tmp_path / "r",
        [
            (2022, A, B, P1, 50.0),  # KOR exports P1 (to JPN and USA) ...
            (2022, A, "USA", P1, 30.0),
            (2022, A, "USA", P2, 20.0),
            (2022, B, "USA", P1, 10.0),
            (2022, B, A, P3, 40.0),  # ... JPN exports P3 (to KOR and DEU)
            (2022, B, "DEU", P3, 50.0),
            (2022, "USA", "DEU", P1, 10.0),
            (2022, "USA", "DEU", P2, 100.0),
            (2022, "USA", "FRA", P3, 10.0),
        ],
    )
    p = partnership(A, B, store=store, params=LOW).table("products").set_index("hs")
    # World: P1 100, P2 120, P3 100, W = 320. KOR exports 100 (P1 80, P2 20), JPN 100.
    assert p.loc[P1, "rca_a"] == pytest.approx((80 / 100) / (100 / 320))
    assert p.loc[P2, "rca_a"] == pytest.approx((20 / 100) / (120 / 320))
    assert p.loc[P3, "rca_b"] == pytest.approx((90 / 100) / (100 / 320))
    # joint: ((80 + 10) / 200) / (100 / 320)
    assert p.loc[P1, "rca_joint"] == pytest.approx((90 / 200) / (100 / 320))
    # P1: KOR RCA 2.56, JPN 0.32 and JPN imports 50 > exports 10: KOR exports what JPN imports.
    assert p.loc[P1, "relation"] == "KOR exports, JPN imports"
    assert p.loc[P3, "relation"] == "JPN exports, KOR imports"
    assert p.loc[P2, "relation"] == "neither"
    assert p.loc[P1, "share_b_imports_from_a"] == pytest.approx(1.0)  # JPN buys P1 only from KOR


def _dependency_world(root: Path) -> Path:
    """KOR depends on CHN for P1; KOR and JPN both depend on CHN for P3 (2022)."""
    return _store(
        root,
        [
            (2022, "CHN", A, P1, 90.0),
            (2022, "USA", A, P1, 10.0),
            (2022, "CHN", "DEU", P1, 100.0),
            (2022, B, "DEU", P1, 60.0),
            (2022, "USA", "DEU", P2, 140.0),
            (2022, "CHN", A, P3, 40.0),
            (2022, "CHN", B, P3, 30.0),
            (2022, "USA", B, P3, 5.0),
            (2022, "CHN", "FRA", P3, 20.0),
            (2022, "USA", "FRA", P3, 25.0),
        ],
    )


def test_derisking_partner_covers_risky_supplier(tmp_path: Path) -> None:
    p = partnership(A, B, store=_dependency_world(tmp_path / "d"), params=LOW)
    d = p.table("derisking")
    r = d[d["hs"] == P1].iloc[0]
    # KOR's P1: CHN 90 of 100 (HHI .82); world exports CHN 190, JPN 60, USA 10:
    # HHI (190² + 60² + 10²) / 260² = 0.589; KOR exports none: dependent (GeoDep).
    assert (r["dependent"], r["partner"], r["risky_supplier"]) == (A, B, "CHN")
    assert r["imports_usd"] == 100 and r["imports_from_risky_usd"] == 90
    assert r["risky_share"] == pytest.approx(0.9)
    assert r["hhi_world"] == pytest.approx((190**2 + 60**2 + 10**2) / 260**2)
    # JPN exports 60, none to KOR: spare 60; covers min(60, 90) = 60, 2/3 of it.
    assert r["partner_exports_usd"] == 60 and r["partner_spare_usd"] == 60
    assert r["coverable_usd"] == 60 and r["coverage_share"] == pytest.approx(2 / 3)
    # JPN's RCA in P1: (60/60) / (260/400); world = 260 (P1) + 140 (P2) + 120 (P3) = 520.
    assert r["partner_rca"] == pytest.approx(1 / (260 / 520))


def test_shared_vulnerability_and_alternatives(tmp_path: Path) -> None:
    s = partnership(A, B, store=_dependency_world(tmp_path / "d"), params=LOW).table("shared")
    assert list(s["hs"]) == [P3]
    r = s.iloc[0]
    # KOR: CHN 40 of 40; JPN: CHN 30 of 35 (HHI .755, no exports): both dependent on CHN.
    assert r["supplier"] == "CHN"
    assert r["combined_from_supplier_usd"] == 70
    assert r["a_supplier_share"] == pytest.approx(1.0)
    assert r["b_supplier_share"] == pytest.approx(30 / 35)
    assert r["supplier_share_of_world"] == pytest.approx(90 / 120)  # CHN 90 of 120
    # Only USA is an alternative: exports 30, 5 of them to JPN: spare 25.
    assert r["alt1"] == "USA" and r["alt1_spare_usd"] == 25 and r["n_alternatives"] == 1
    assert r["alternatives_cover"] == pytest.approx(25 / 70)


def test_joint_buyer_weight(tmp_path: Path) -> None:
    w = partnership(A, B, store=_dependency_world(tmp_path / "d"), params=LOW).table("buyer-weight")
    r = w.set_index("hs").loc[P3]
    # P3: KOR 40 + JPN 35 of world imports 120.
    assert r["joint_import_share"] == pytest.approx(75 / 120)
    # supplier shares KOR {CHN: 1}, JPN {CHN: 6/7, USA: 1/7}: overlap = 6/7.
    assert r["supplier_overlap"] == pytest.approx(6 / 7)
    assert r["top_joint_supplier"] == "CHN" and r["top_joint_share"] == pytest.approx(70 / 75)
    assert r["hhi_joint_suppliers"] == pytest.approx((70**2 + 5**2) / 75**2)
    # P1: KOR 100 of world 260; JPN imports none, so no overlap.
    r1 = w.set_index("hs").loc[P1]
    assert r1["joint_import_share"] == pytest.approx(100 / 260)
    assert pd.isna(r1["supplier_overlap"])


def test_agenda_ranks_projects_by_value(tmp_path: Path) -> None:
    g = partnership(A, B, store=_dependency_world(tmp_path / "d"), params=LOW).table("agenda")
    # buyer weight P1 (100) and P3 (75), shared P3 (70), JPN's supply of P1 (60).
    assert list(zip(g["products"], g["value_usd"], strict=True)) == [
        (P1, 100.0),
        (P3, 75.0),
        (P3, 70.0),
        (P1, 60.0),
    ]
    assert list(g["rank"]) == [1, 2, 3, 4]
    # both codes are critical minerals and KOR and JPN are MSP partners.
    assert set(g["forum"]) == {"Minerals Security Partnership (MSP)"}


def test_third_markets_growth_share_and_opening(tmp_path: Path) -> None:
    store = _store(
        tmp_path / "m",
        [
            (2020, A, "DEU", P1, 10.0),
            (2020, B, "FRA", P1, 10.0),
            (2020, "CHN", "DEU", P1, 100.0),
            (2020, "USA", "DEU", P2, 300.0),
            (2022, A, "DEU", P1, 20.0),
            (2022, B, "FRA", P1, 30.0),
            (2022, "CHN", "DEU", P1, 100.0),
            (2022, "CHN", "FRA", P1, 50.0),
            (2022, "USA", "DEU", P2, 300.0),
        ],
    )
    p = partnership(A, B, store=store, params=LOW)
    assert p.year == 2022
    m = p.table("third-markets")
    # Joint RCA in P1 2022: (50/50) / (200/500) = 2.5. DEU imports 120, 20 from the pair;
    # FRA imports 80, 30 from the pair: share .375 >= .25, left out.
    assert list(m["importer"]) == ["DEU"]
    r = m.iloc[0]
    assert r["imports_usd"] == 120 and r["pair_share"] == pytest.approx(20 / 120)
    assert r["opportunity_usd"] == 100 and r["top_product"] == P1
    assert r["prev_year"] == 2020
    assert r["growth_pa"] == pytest.approx((120 / 110) ** 0.5 - 1)


def _totals_store(root: Path) -> Path:
    """Only HS4 country totals and top-10 lists (like the sample's chip headings)."""
    from ecosec.ingest._common import describe
    from ecosec.ingest.schema import TOTALS_COLUMNS
    from ecosec.ingest.store import Store

    rows = [
        # country totals (partner empty)
        ("KOR", None, "8486", 0.0, 100.0),
        ("JPN", None, "8486", 300.0, 0.0),
        ("NLD", None, "8486", 200.0, 0.0),
        ("USA", None, "8486", 100.0, 0.0),
        ("KOR", None, "8542", 500.0, 0.0),
        ("USA", None, "8542", 100.0, 0.0),
        # KOR's top import origins for 8486, JPN's top destinations
        ("KOR", "NLD", "8486", None, 40.0),
        ("KOR", "JPN", "8486", None, 30.0),
        ("KOR", "USA", "8486", None, 20.0),
        ("JPN", "KOR", "8486", 30.0, None),
    ]
    df = pd.DataFrame(rows, columns=["country", "partner", "hs", "exports_usd", "imports_usd"])
    df["period"] = 2024
    df["freq"] = "A"
    df["source"] = "test-hs4"
    df["period"] = df["period"].astype("int32")
    with Store(root).stage("totals") as st:
        df[list(TOTALS_COLUMNS)].to_parquet(st.totals_path, index=False)
        st.manifest.update(describe(st))
    return root


def test_hs4_totals_screen_and_rca(tmp_path: Path) -> None:
    p = partnership(A, B, store=_totals_store(tmp_path / "t"))
    assert p.year == 2024
    d = p.table("derisking")
    r = d.iloc[0]
    # KOR's listed origins: NLD .4, JPN .3, USA .2 -> top NLD (not the partner), >= .25.
    assert (r["level"], r["hs"], r["risky_supplier"]) == ("HS4 country totals", "8486", "NLD")
    assert r["risky_share"] == pytest.approx(0.4)
    assert r["hhi_imports"] == pytest.approx(0.4**2 + 0.3**2 + 0.2**2)  # listed: lower bound
    # world exports of 8486: JPN 300, NLD 200, USA 100 -> HHI (9 + 4 + 1) / 36
    assert r["hhi_world"] == pytest.approx(14 / 36)
    # JPN exports 300, 30 to KOR: spare 270 covers all 40 bought from NLD.
    assert r["coverable_usd"] == 40 and r["coverage_share"] == pytest.approx(1.0)
    # RCA over the two headings: JPN (300/300) / (600/1200) = 2.
    assert r["partner_rca"] == pytest.approx(2.0)
    # No bilateral flows at all: section 1 says which dataset would answer.
    assert any("ecosec ingest baci" in n for n in p.section("complementarity").notes)


def test_agenda_rank_ignores_last_bit_noise() -> None:
    """Two projects worth the same (the USA-KOR critical-minerals case: 1,023,826,806.65
    each, computed by two sums that differ in the last bit from run to run) rank in the
    same order whichever sum comes out larger: by kind, products and text after value."""
    from ecosec.engine.agenda import rank_key

    x = 1_023_826_806.65
    a = {"value_usd": x, "kind": "supply", "products": "280530", "project": "p"}
    b = {"value_usd": x, "kind": "shared", "products": "280530", "project": "q"}
    bump = {**b, "value_usd": math.nextafter(x, 2 * x)}
    assert sorted([a, bump], key=rank_key)[0]["kind"] == "shared"
    assert sorted([bump, a], key=rank_key)[0]["kind"] == "shared"
    assert sorted([{**a, "value_usd": x + 1}, b], key=rank_key)[0]["kind"] == "supply"
