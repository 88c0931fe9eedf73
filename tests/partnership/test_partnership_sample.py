"""Korea–Japan on the embedded sample, against figures computed independently.

Expected values come from the sample's own Parquet parts (ecosec/sample), summed with
pandas, following the reconciliation rule of ``ecosec.engine.trade`` where two sources
overlap (an annual figure wins over a sum of months; the importer's report over the
exporter's; among equal candidates the larger value). Figures of the context tables
are checked against the raw rows of the source files, quoted in the test.
Tolerance: relative 1e-9 (sums of the same floats in another order).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from ecosec.api_partnership import Partnership, partnership
from ecosec.engine.executor import sample_dir

REL = 1e-9


@cache
def kj(year: int | None = None) -> Partnership:
    return partnership("KOR", "JPN", year=year, sample=True)


def _part(name: str) -> pd.DataFrame:
    return pd.read_parquet(sample_dir() / name)


def _jpn_to_kor(year: int) -> pd.DataFrame:
    """Korea's imports from Japan in ``year`` per HS6, as the reconciliation keeps them:
    Comtrade's annual figures (Korea's imports from Japan; LPG/fertilizer flows), the
    larger one when both hold a product; Korea Customs' months only for other products."""
    annual = pd.concat(
        [
            _part("comtrade-kor-imports-from-jpn.flows.parquet"),
            _part("comtrade-lpg-fertilizer-2020-2026.flows.parquet"),
        ]
    )
    annual = annual[
        (annual["period"] == year) & (annual["exporter"] == "JPN") & (annual["importer"] == "KOR")
    ]
    annual = annual.groupby("hs6")["value_usd"].max()
    customs = _part("customs-kr-monthly.flows.parquet")
    customs = customs[
        (customs["period"] // 100 == year)
        & (customs["exporter"] == "JPN")
        & (customs["importer"] == "KOR")
    ]
    months = customs.groupby("hs6")["period"].nunique()
    monthly = customs.groupby("hs6")["value_usd"].sum()[months == 12]
    extra = monthly[~monthly.index.isin(annual.index)]
    return pd.concat([annual, extra]).rename("value_usd").to_frame()


def test_default_year_is_the_latest_broadly_covered_one() -> None:
    # 2025 and 2026 hold only partial monthly and LPG data (KOR exports to 54 and 21
    # partners, JPN to 25 and 8, against 99 and 96 in 2024).
    assert kj().year == 2024


@pytest.mark.parametrize("year", [2018, 2019, 2020])
def test_koreas_imports_from_japan(year: int) -> None:
    t = kj(year).table("complementarity")
    row = t[(t["scope"] == "all") & (t["level"] == "HS6 bilateral flows")].iloc[0]
    expected = _jpn_to_kor(year)["value_usd"].sum()
    assert row["b_to_a_usd"] == pytest.approx(expected, rel=REL)
    # Korea's imports from Japan: USD 54.6 bn in 2018 and 47.6 bn in 2019 (UN Comtrade).
    assert row["b_to_a_usd"] == pytest.approx(
        {2018: 54.6e9, 2019: 47.6e9, 2020: 46.0e9}[year], rel=0.01
    )


@pytest.mark.parametrize("year", [2018, 2019, 2020])
def test_hydrogen_fluoride_share_of_japan(year: int) -> None:
    p = kj(year).table("products").set_index("hs")
    # Japan's figure from Comtrade (annual wins); the other suppliers from Korea Customs.
    jpn = _jpn_to_kor(year).loc["281111", "value_usd"]
    customs = _part("customs-kr-monthly.flows.parquet")
    hf = customs[
        (customs["hs6"] == "281111")
        & (customs["importer"] == "KOR")
        & (customs["period"] // 100 == year)
        & (customs["exporter"] != "JPN")
    ]["value_usd"].sum()
    assert p.loc["281111", "share_a_imports_from_b"] == pytest.approx(jpn / (jpn + hf), rel=REL)
    assert p.loc["281111", "b_to_a_usd"] == pytest.approx(jpn, rel=REL)


def test_japans_hf_share_fell_after_the_2019_controls() -> None:
    shares = [
        kj(y).table("products").set_index("hs").loc["281111", "share_a_imports_from_b"]
        for y in (2018, 2019, 2020)
    ]
    assert shares[0] > shares[1] > shares[2]
    # 2018: Japan USD 73.1 m (Comtrade) against 92.6 m from the others (Korea Customs);
    # 2020: 12.0 m against 63.5 m.
    assert shares[0] == pytest.approx(0.44, abs=0.005)
    assert shares[2] == pytest.approx(0.16, abs=0.005)


def test_one_sided_record_is_noted() -> None:
    # 2019: Korea's imports from Japan cover ~4,000 products, Korea's exports to Japan
    # only the 5 Korea Customs items.
    assert any(
        "one direction is recorded far more fully" in n for n in kj(2019).section("products").notes
    )


def _baci24() -> pd.DataFrame:
    return _part("baci-critical-2024.flows.parquet")


def test_japan_covers_koreas_magnets_from_china() -> None:
    d = kj().table("derisking")
    r = d[(d["hs"] == "850511") & (d["dependent"] == "KOR")].iloc[0]
    b = _baci24()
    m = b[(b["hs6"] == "850511")]
    from_chn = m[(m["exporter"] == "CHN") & (m["importer"] == "KOR")]["value_usd"].sum()
    jpn = m[m["exporter"] == "JPN"]["value_usd"].sum()
    jpn_kor = m[(m["exporter"] == "JPN") & (m["importer"] == "KOR")]["value_usd"].sum()
    assert r["risky_supplier"] == "CHN" and r["partner"] == "JPN"
    assert r["imports_from_risky_usd"] == pytest.approx(from_chn, rel=REL)
    assert r["partner_exports_usd"] == pytest.approx(jpn, rel=REL)
    assert r["partner_spare_usd"] == pytest.approx(jpn - jpn_kor, rel=REL)
    assert r["coverable_usd"] == pytest.approx(min(jpn - jpn_kor, from_chn), rel=REL)


def test_both_depend_on_brazil_for_ferro_niobium() -> None:
    s = kj().table("shared").set_index("hs")
    b = _baci24()
    m = b[(b["hs6"] == "720293") & (b["exporter"] == "BRA")]
    both = m[m["importer"].isin(["KOR", "JPN"])]["value_usd"].sum()
    assert s.loc["720293", "supplier"] == "BRA"
    assert s.loc["720293", "combined_from_supplier_usd"] == pytest.approx(both, rel=REL)
    world = b[b["hs6"] == "720293"]["value_usd"].sum()
    assert s.loc["720293", "supplier_share_of_world"] == pytest.approx(
        m["value_usd"].sum() / world, rel=REL
    )


def test_korea_japan_buy_45_percent_of_world_lng_2017() -> None:
    w = kj().table("buyer-weight").set_index("hs")
    e = _part("comtrade-energy-2008-2017.flows.parquet")
    e = e[(e["hs6"] == "271111") & (e["period"] == 2017)]
    # the importer's report where there is one, else the exporter's
    e = e.assign(rank=e["reporter_side"].map({"M": 0, "X": 1})).sort_values("rank")
    e = e.drop_duplicates(["exporter", "importer"], keep="first")
    share = e[e["importer"].isin(["KOR", "JPN"])]["value_usd"].sum() / e["value_usd"].sum()
    assert w.loc["271111", "year"] == 2017  # the latest year with LNG flows in the sample
    assert w.loc["271111", "joint_import_share"] == pytest.approx(share, rel=REL)
    assert share == pytest.approx(0.446, abs=0.001)


def test_hs4_equipment_screen_from_the_partner_lists() -> None:
    d = kj().table("derisking")
    r = d[(d["hs"] == "8486") & (d["dependent"] == "KOR")].iloc[0]
    t = _part("baci-hs4-strategic.totals.parquet")
    t = t[(t["period"] == 2024) & (t["hs"] == "8486") & (t["country"] == "KOR")]
    total = t.loc[t["partner"].isna(), "imports_usd"].sum()
    nld = t.loc[t["partner"] == "NLD", "imports_usd"].sum()
    assert r["level"] == "HS4 country totals" and r["risky_supplier"] == "NLD"
    assert r["risky_share"] == pytest.approx(nld / total, rel=1e-6)


def test_common_challenges_against_the_source_rows() -> None:
    c = kj().table("challenges").set_index(["country", "indicator", "year"])["value"]
    # WPP 2022 medium variant, Republic of Korea 2050 (thousands): 65-69 … 100+ =
    # 3641 + 3491 + 3602 + 3120 + 2315 + 1334 + 427 + 101 = 18031 of 45771.
    assert c[("KOR", "share_65plus", 2050)] == pytest.approx(18031 / 45771)
    # BP 2021, South Korea 2020 (TWh): consumption oil 1362.18 + gas 566.48 + coal 841.41,
    # production coal 5.61 (oil and gas not listed, taken as zero).
    cons = 1362.1822616666668 + 566.4792736111111 + 841.4072399999999
    assert c[("KOR", "net_import_dependence_fossil", 2020)] == pytest.approx(
        (cons - 5.605508888888889) / cons
    )
    pop = _part("population.parquet").set_index(["country", "year"])
    # WPP 2022 estimates, Republic of Korea 2021: 65+ = 2890 + 2071 + 1588 + 1158 + 620
    # + 240 + 53 + 8 = 8628 of 51827 (thousands).
    assert pop.loc[("KOR", 2021), "pop_65plus"] == 8_628_000
    assert pop.loc[("KOR", 2021), "pop_total"] == 51_827_000


def test_every_section_has_units_years_source_and_no_unexplained_empty_table() -> None:
    for year in (None, 2019):
        p = kj(year)
        assert len(p.sections) == 8
        for s in p.sections:
            assert s.units and s.years and s.source
            assert len(s.table) or s.notes, f"{s.name} ({year}) is empty without a note"


def test_agenda_forums() -> None:
    g = kj().table("agenda")
    assert len(g) and list(g["rank"]) == list(range(1, len(g) + 1))
    assert (g["value_usd"].diff().dropna() <= 0).all()
    forum = dict(zip(g["products"], g["forum"], strict=False))
    assert forum["720293"] == "Minerals Security Partnership (MSP)"
    assert forum["8486"].startswith("Chip 4")
    # LNG: the 2024 heading (2711, country totals), not its code dated back to 2017
    # (271111): one joint-procurement project per heading.
    assert forum["2711"].startswith("IPEF") and "271111" not in forum
    buyer = g[g["kind"] == "joint procurement, swaps, shared stockpile"]
    assert not buyer["products"].str.slice(0, 4).duplicated().any()


def test_agenda_says_whose_supplier_and_which_market() -> None:
    """Where only Korea's suppliers of a heading are known (country totals), the
    evidence says 'KOR's largest supplier', never 'largest supplier' as if the pair's
    (the buyer-weight table has no joint supplier there); the summary names a venture's
    market (Hong Kong), not only its product (8542 three times)."""
    p = partnership("KOR", "JPN", basket="semiconductors", sample=True)
    bw = p.table("buyer-weight").set_index("hs")
    g = p.table("agenda")
    buyer = g[g["kind"] == "joint procurement, swaps, shared stockpile"]
    for r in buyer.to_dict("records"):
        joint = bw.loc[r["products"], "top_joint_supplier"]
        if isinstance(joint, str):
            assert f"their largest supplier {joint}" in r["evidence"]
        elif isinstance(bw.loc[r["products"], "a_top_supplier"], str):
            own = bw.loc[r["products"], "a_top_supplier"]
            assert f"KOR's largest supplier {own}" in r["evidence"]
            assert "their largest" not in r["evidence"]
        else:
            assert "largest supplier" not in r["evidence"]
    assert "#1 third-market venture: Hong Kong (8542, USD" in p.section("agenda").verdicts[0]


def test_growth_from_a_near_empty_base_is_flagged() -> None:
    """Armenia's 3,364% a year (USD 0.34 m in 2022 to 414 m in 2024) and Kuwait's are
    openings, not growth: the section's note names exactly the markets whose previous
    imports were under a tenth of today's."""
    s = kj().section("third-markets")
    t = s.table
    small = t[(t["imports_prev_usd"] < 0.1 * t["imports_usd"]) & t["growth_pa"].notna()]
    assert set(small["importer"]) == {"ARM", "KWT"}
    assert any(n.startswith("growth_pa of ARM, KWT starts from imports under") for n in s.notes)
