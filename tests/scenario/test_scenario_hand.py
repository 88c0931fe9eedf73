"""Disruption scenarios on a small constructed table, against hand computations.

Flows of 2022 (USD; tonnes = USD / 10 unless said otherwise), supplier CHN:

- 811292 (a single supplier): CHN → KOR 100. Nobody else trades it.
- 850511 (targeted vs full cut): CHN → KOR 80, USA → KOR 20, USA → DEU 400,
  DEU → FRA 100 (no quantity reported), CHN → DEU 200.
- 283691 (partners first): CHN → KOR 100, CHN → JPN 100, AUS → GBR 100, USA → GBR 300.
- 280461 (a partner that is itself exposed): CHN → KOR 100, CHN → JPN 50,
  JPN → GBR 40, USA → GBR 100.
- 810411 (more alternatives than are listed one by one): CHN → KOR 100 and twelve
  exporters selling 10, 20, … 120 to GBR.

Each test derives its expected values in its docstring from the model's rules
(ecosec.engine.scenario): lost = cut × supplier's flow; capacity = redirect × sales to
third countries; offers in proportion to remaining losses, excluding the exporter
itself; covered = min(loss, offers); partners first; shortfall = lost − covered.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosec.api_scenario import Scenario, scenario
from tests.conftest import make_store

TWELVE = ["AUS", "BRA", "CAN", "DEU", "FRA", "IND", "ITA", "MEX", "NOR", "SWE", "USA", "ZAF"]


def _table() -> pd.DataFrame:
    rows = [
        ("CHN", "KOR", "811292", 100.0),
        ("CHN", "KOR", "850511", 80.0), ("USA", "KOR", "850511", 20.0),
        ("USA", "DEU", "850511", 400.0), ("DEU", "FRA", "850511", 100.0),
        ("CHN", "DEU", "850511", 200.0),
        ("CHN", "KOR", "283691", 100.0), ("CHN", "JPN", "283691", 100.0),
        ("AUS", "GBR", "283691", 100.0), ("USA", "GBR", "283691", 300.0),
        ("CHN", "KOR", "280461", 100.0), ("CHN", "JPN", "280461", 50.0),
        ("JPN", "GBR", "280461", 40.0), ("USA", "GBR", "280461", 100.0),
        ("CHN", "KOR", "810411", 100.0),
        *[(c, "GBR", "810411", 10.0 * (i + 1)) for i, c in enumerate(TWELVE)],
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["exporter", "importer", "hs6", "value_usd"])
    df["period"] = 2022
    df["qty_t"] = df["value_usd"] / 10
    df.loc[(df["exporter"] == "DEU") & (df["hs6"] == "850511"), "qty_t"] = np.nan
    return df


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("sc") / "s", _table())


def _pair(s: Scenario, importer: str, hs6: str) -> pd.Series:
    r = s.shortfall[(s.shortfall["importer"] == importer) & (s.shortfall["hs6"] == hs6)]
    assert len(r) == 1
    return r.iloc[0]


def _sub(s: Scenario, exporter: str, importer: str) -> pd.Series:
    t = s.substitution
    r = t[(t["exporter"] == exporter) & (t["importer"] == importer)]
    assert len(r) == 1
    return r.iloc[0]


def test_single_supplier_no_alternative(small: Path) -> None:
    """811292: KOR loses all 100 (10 t); no other exporter exists, so nothing is
    covered at any redirect, and the note says capacity is unobserved."""
    s = scenario("CHN", products="811292", store=small)
    e = s.exposure.iloc[0]
    assert (e["importer"], e["imports_usd"], e["supplier_share"]) == ("KOR", 100, 1.0)
    p = _pair(s, "KOR", "811292")
    assert (p["lost_usd"], p["covered_usd"], p["shortfall_usd"]) == (100, 0, 100)
    assert (p["lost_t"], p["covered_t"], p["shortfall_t"]) == (10, 0, 10)
    assert p["alt_third_usd"] == 0 and p["coverage"] == 0 and p["shortfall_share"] == 1
    assert s.substitution.empty
    assert (s.sensitivity["shortfall_usd"] == 100).all()
    assert any("spare capacity is unobserved" in n for n in s.notes)


def test_targeted_capacity_larger_than_loss(small: Path) -> None:
    """850511 cut to KOR only, redirect 0.5. KOR imports 100, 80 from CHN: lost 80.
    Third-country sales: USA 400 (to DEU, not exposed in a targeted cut), DEU 100 (to
    FRA); CHN's own sales to DEU stay. Capacities 200 and 50 ≥ 80, so all 80 is
    covered; offers scaled by 80/250: USA 64, DEU 16.
    Tonnes: lost 8; USA's capacity 20 t, DEU's unknown (no quantity) → 8 t covered,
    all by USA (2.5 × 8 × 8/20)."""
    s = scenario("CHN", products="850511", targets="KOR", redirect=0.5, store=small)
    e = s.exposure.iloc[0]
    assert (e["imports_usd"], e["supplier_usd"], e["lost_usd"]) == (100, 80, 80)
    assert e["supplier_share"] == pytest.approx(0.8) and e["lost_share"] == pytest.approx(0.8)
    p = _pair(s, "KOR", "850511")
    assert p["alt_third_usd"] == 500
    assert p["covered_usd"] == pytest.approx(80) and p["shortfall_usd"] == pytest.approx(0)
    assert p["covered_t"] == pytest.approx(8) and p["shortfall_t"] == pytest.approx(0)
    usa, deu = _sub(s, "USA", "KOR"), _sub(s, "DEU", "KOR")
    assert (usa["third_usd"], usa["capacity_usd"], usa["current_usd"]) == (400, 200, 20)
    assert usa["covered_usd"] == pytest.approx(64) and deu["covered_usd"] == pytest.approx(16)
    assert usa["offered_usd"] == pytest.approx(200) and deu["offered_usd"] == pytest.approx(50)
    assert usa["covered_t"] == pytest.approx(8) and pd.isna(deu["covered_t"])
    assert usa["share_of_lost"] == pytest.approx(0.8)
    assert set(s.substitution["stage"]) == {"other"}
    assert s.assumptions["cut_kind"] == "targeted" and s.assumptions["targets"] == ["KOR"]


def test_targeted_sweep(small: Path) -> None:
    """Same cut; capacity = r × 500 against a loss of 80: r = 0 → 0, 0.1 → 50,
    0.25 → 125 ≥ 80 → 80; the chosen redirect (0.05 → 25) joins the sweep."""
    s = scenario("CHN", products="850511", targets="KOR", redirect=0.05, store=small)
    got = s.sensitivity.set_index("redirect")["covered_usd"]
    assert list(got.index) == [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]
    assert got.to_numpy() == pytest.approx([0, 25, 50, 80, 80, 80, 80])
    assert _pair(s, "KOR", "850511")["covered_usd"] == pytest.approx(25)


def test_full_cut_removes_supplier_from_market(small: Path) -> None:
    """850511, full cut, redirect 0.5: DEU (buys 200 from CHN) is exposed too, so USA's
    sales to DEU are no longer spare: USA has no third-country sales. DEU's 100 to FRA
    gives capacity 50, offered only to KOR (never to itself): 80 × 50 / (280 − 200) = 50.
    KOR: covered 50, shortfall 30. DEU: covered 0, shortfall 200; ranked first."""
    s = scenario("CHN", products="850511", redirect=0.5, store=small)
    assert set(s.exposure["importer"]) == {"KOR", "DEU"}
    kor, deu = _pair(s, "KOR", "850511"), _pair(s, "DEU", "850511")
    assert kor["covered_usd"] == pytest.approx(50) and kor["shortfall_usd"] == pytest.approx(30)
    assert deu["covered_usd"] == 0 and deu["shortfall_usd"] == 200
    assert list(s.totals["importer"]) == ["DEU", "KOR"] and list(s.totals["rank"]) == [1, 2]
    assert list(s.substitution["exporter"]) == ["DEU"]
    assert s.assumptions["cut_kind"] == "full" and s.assumptions["targets"] is None


def test_partial_cut(small: Path) -> None:
    """850511 cut by half to KOR: lost 40 of the 80 (4 t of 8); capacity 250 covers it."""
    s = scenario("CHN", products="850511", targets="KOR", cut=0.5, redirect=0.5, store=small)
    p = _pair(s, "KOR", "850511")
    assert (p["lost_usd"], p["lost_t"]) == (40, 4)
    assert p["covered_usd"] == pytest.approx(40) and p["shortfall_usd"] == pytest.approx(0)


def test_partners_first(small: Path) -> None:
    """283691, targets KOR and JPN (lost 100 each), redirect 1: AUS 100 and USA 300 of
    sales to GBR. Partners AUS: stage 1 offers 50 to each → 50 covered each; stage 2:
    USA's 300 meets the remaining 50 + 50 → 50 each. Without partners: one pool of 400
    for 200 lost, every offer halved: AUS 25 and USA 75 to each."""
    kw = {"products": "283691", "targets": "KOR,JPN", "redirect": 1.0, "store": small}
    s = scenario("CHN", partners="AUS", **kw)
    for c in ("KOR", "JPN"):
        p = _pair(s, c, "283691")
        assert p["covered_partners_usd"] == pytest.approx(50)
        assert p["covered_usd"] == pytest.approx(100) and p["shortfall_usd"] == pytest.approx(0)
        aus, usa = _sub(s, "AUS", c), _sub(s, "USA", c)
        assert (aus["stage"], usa["stage"]) == ("partner", "other")
        assert aus["covered_usd"] == pytest.approx(50) and usa["covered_usd"] == pytest.approx(50)
    assert s.assumptions["partners"] == ["AUS"]
    plain = scenario("CHN", **kw)
    assert _sub(plain, "AUS", "KOR")["covered_usd"] == pytest.approx(25)
    assert _sub(plain, "USA", "KOR")["covered_usd"] == pytest.approx(75)
    assert (plain.totals["covered_partners_usd"] == 0).all()


def test_exposed_partner_covers_only_others(small: Path) -> None:
    """280461, targets KOR (lost 100) and JPN (lost 50), partners JPN, redirect 0.5.
    JPN's capacity 20 (sales 40 to GBR) goes to KOR alone: 20/(150 − 50) × 100 = 20.
    Stage 2: remaining KOR 80, JPN 50; USA's capacity 50 split 80:50 →
    400/13 and 250/13. KOR covered 20 + 400/13 = 660/13; JPN 250/13."""
    s = scenario(
        "CHN", products="280461", targets="KOR,JPN", partners="JPN", redirect=0.5, store=small
    )
    kor, jpn = _pair(s, "KOR", "280461"), _pair(s, "JPN", "280461")
    assert kor["covered_partners_usd"] == pytest.approx(20) and jpn["covered_partners_usd"] == 0
    assert kor["covered_usd"] == pytest.approx(660 / 13)
    assert jpn["covered_usd"] == pytest.approx(250 / 13)
    assert kor["shortfall_usd"] == pytest.approx(640 / 13)
    assert jpn["shortfall_usd"] == pytest.approx(400 / 13)
    assert _sub(s, "JPN", "KOR")["covered_usd"] == pytest.approx(20)
    assert (
        (s.substitution["exporter"] == "JPN") & (s.substitution["importer"] == "JPN")
    ).sum() == 0


def test_top_exporters_and_the_rest(small: Path) -> None:
    """810411, redirect 0.1: twelve exporters with capacities 1, 2, … 12 (78 in all)
    against a loss of 100: each gives all its capacity. The ten largest are listed; AUS
    (1) and BRA (2) are summed in one row: 3 from 2 exporters."""
    s = scenario("CHN", products="810411", redirect=0.1, store=small)
    t = s.substitution
    named = t[t["exporter"].notna()]
    assert list(named["exporter"]) == TWELVE[::-1][:10]
    assert named["covered_usd"].to_numpy() == pytest.approx(np.arange(12, 2, -1))
    rest = t[t["exporter"].isna()].iloc[0]
    assert rest["n_exporters"] == 2 and rest["covered_usd"] == pytest.approx(3)
    assert t["covered_usd"].sum() == pytest.approx(78)


@pytest.mark.parametrize(
    "kw",
    [
        {"products": "850511", "redirect": 0.5},
        {"products": "850511", "targets": "KOR", "redirect": 0.3, "cut": 0.7},
        {"products": "283691,280461", "targets": "KOR,JPN", "partners": "AUS,JPN"},
        {"redirect": 1.0},
        {"redirect": 0.0},
    ],
)
def test_conservation(small: Path, kw: dict[str, object]) -> None:
    """lost = covered + shortfall for every importer and product (shortfall is defined
    as lost − covered, so that difference is exact; the sum is checked to 1e-12),
    0 ≤ covered ≤ lost, the substitution rows add up to what is covered, and no
    exporter gives more than its capacity. Same for the per-importer totals."""
    s = scenario("CHN", store=small, **kw)  # type: ignore[arg-type]
    p = s.shortfall
    assert (p["shortfall_usd"].to_numpy() == (p["lost_usd"] - p["covered_usd"]).to_numpy()).all()
    assert (p["covered_usd"] + p["shortfall_usd"]).to_numpy() == pytest.approx(
        p["lost_usd"].to_numpy(), rel=1e-12, abs=1e-9
    )
    assert (p["covered_usd"] >= 0).all() and (p["covered_usd"] <= p["lost_usd"]).all()
    known = p["lost_t"].notna()
    assert (p.loc[known, "covered_t"] <= p.loc[known, "lost_t"]).all()
    by_pair = s.substitution.groupby(["importer", "hs6"])["covered_usd"].sum()
    covered = p.set_index(["importer", "hs6"])["covered_usd"]
    assert by_pair.reindex(covered.index, fill_value=0.0).to_numpy() == pytest.approx(
        covered.to_numpy(), rel=1e-9, abs=1e-9
    )
    named = s.substitution[s.substitution["exporter"].notna()]
    given = named.groupby(["exporter", "hs6"]).agg(
        cov=("covered_usd", "sum"), cap=("capacity_usd", "max")
    )
    assert (given["cov"] <= given["cap"] * (1 + 1e-12)).all()
    t = s.totals.set_index("importer")
    assert (t["covered_usd"] + t["shortfall_usd"]).to_numpy() == pytest.approx(
        t["lost_usd"].to_numpy(), rel=1e-12
    )
