"""Scenarios on the embedded sample against an independent pandas computation.

China restricts gallium/germanium and others (811292, controls of August 2023) and
rare-earth permanent magnets (850511, 2025) to Korea and Japan, on BACI 2024 flows of
the sample. The reference below recomputes shares, losses, third-country capacity and
the allocation with plain pandas from ``sample_baci_2024()`` (the parquet file), one
importer at a time, following the rules as written in docs/scenarios.md — a second
implementation, not a copy of the SQL. Tolerance 1e-9 relative: sums of the same
floats in another order.
"""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import ecosec.api_scenario
import ecosec.engine.scenario
from ecosec.api_scenario import scenario
from tests.conftest import sample_baci_2024

PRODUCTS = ["811292", "850511"]


def _reference(
    flows: pd.DataFrame, supplier: str, targets: list[str], cut: float, redirect: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per importer × product: share, lost, covered; per exporter × importer: covered)."""
    pairs, subs = [], []
    for hs6, f in flows[flows["hs6"].isin(PRODUCTS)].groupby("hs6"):
        into = f.groupby(["importer", "exporter"])["value_usd"].sum()
        from_s = f[f["exporter"] == supplier].groupby("importer")["value_usd"].sum()
        exposed = [c for c in targets if from_s.get(c, 0) > 0]
        lost = {c: cut * from_s[c] for c in exposed}
        third_rows = f[
            ~f["importer"].isin(exposed) & (f["exporter"] != supplier) & (f["importer"] != supplier)
        ]
        capacity = redirect * third_rows.groupby("exporter")["value_usd"].sum()
        offers = {c: {} for c in exposed}  # type: dict[str, dict[str, float]]
        for a, cap in capacity.items():
            others = {c: lost[c] for c in exposed if c != a}
            total = sum(others.values())
            for c, loss in others.items():
                if total > 0:
                    offers[c][str(a)] = cap * loss / total
        for c in exposed:
            offered = sum(offers[c].values())
            covered = min(lost[c], offered)
            imports = into.loc[c].sum()
            pairs.append(
                {
                    "importer": c,
                    "hs6": hs6,
                    "imports_usd": imports,
                    "supplier_share": from_s[c] / imports,
                    "lost_usd": lost[c],
                    "covered_usd": covered,
                }
            )
            scale = covered / offered if offered > 0 else 0.0
            subs += [
                {"exporter": a, "importer": c, "hs6": hs6, "covered_usd": o * scale}
                for a, o in offers[c].items()
            ]
    return pd.DataFrame(pairs).set_index(["importer", "hs6"]), pd.DataFrame(subs)


@pytest.fixture(scope="module")
def baci() -> pd.DataFrame:
    return sample_baci_2024()


@pytest.mark.parametrize(("cut", "redirect"), [(1.0, 0.25), (0.5, 0.1), (1.0, 0.05)])
def test_ga_ge_and_magnets_match_pandas(baci: pd.DataFrame, cut: float, redirect: float) -> None:
    s = scenario(
        "CHN",
        products=PRODUCTS,
        targets="KOR,JPN",
        year=2024,
        cut=cut,
        redirect=redirect,
        sample=True,
    )
    ref_pairs, ref_subs = _reference(baci, "CHN", ["KOR", "JPN"], cut, redirect)
    got = s.shortfall.set_index(["importer", "hs6"]).loc[ref_pairs.index]
    exp = s.exposure.set_index(["importer", "hs6"]).loc[ref_pairs.index]
    assert len(got) == 4
    for col in ("imports_usd", "supplier_share"):
        assert exp[col].to_numpy() == pytest.approx(ref_pairs[col].to_numpy(), rel=1e-9), col
    for col in ("lost_usd", "covered_usd"):
        assert got[col].to_numpy() == pytest.approx(ref_pairs[col].to_numpy(), rel=1e-9), col
    # the listed exporters carry what the reference gives them
    named = s.substitution[s.substitution["exporter"].notna()]
    ref = ref_subs.set_index(["exporter", "importer", "hs6"])["covered_usd"]
    mine = named.set_index(["exporter", "importer", "hs6"])["covered_usd"]
    assert mine.to_numpy() == pytest.approx(ref.loc[mine.index].to_numpy(), rel=1e-9)
    # and they are the largest ones: no unlisted exporter gives more than the 10th listed
    for (c, hs6), g in ref_subs.groupby(["importer", "hs6"]):
        listed = mine.xs((c, hs6), level=("importer", "hs6"))
        unlisted = g[~g["exporter"].isin(listed.index)]["covered_usd"]
        assert unlisted.empty or unlisted.max() <= listed.min() * (1 + 1e-12)
        # the unlisted ones are the summed row, named by how many they are
        rest = s.substitution[
            (s.substitution["importer"] == c)
            & (s.substitution["hs6"] == hs6)
            & s.substitution["exporter"].isna()
        ]
        if len(unlisted):
            assert rest["n_exporters"].sum() == len(unlisted)
            assert rest["covered_usd"].sum() == pytest.approx(unlisted.sum(), rel=1e-9)
            assert rest["exporter_name"].tolist() == [
                f"{n} other exporter{'s' if n != 1 else ''}" for n in rest["n_exporters"]
            ]


def test_known_exposure_2024(baci: pd.DataFrame) -> None:
    """Korea buys 92.4% of its 811292 and 87.4% of its 850511 from China (BACI 2024,
    pandas on the parquet); Japan 19.2% and 27.6%. Published context: Korea sources
    most of its rare-earth magnets from China (KITA and KOTRA put it near 90% in
    2023–24)."""
    s = scenario("CHN", products=PRODUCTS, targets="KOR,JPN", year=2024, sample=True)
    share = s.exposure.set_index(["importer", "hs6"])["supplier_share"]
    for c in ("KOR", "JPN"):
        for hs6 in PRODUCTS:
            rows = baci[(baci["importer"] == c) & (baci["hs6"] == hs6)]
            ref = rows.loc[rows["exporter"] == "CHN", "value_usd"].sum() / rows["value_usd"].sum()
            assert share[(c, hs6)] == pytest.approx(ref, rel=1e-9)
    assert share[("KOR", "811292")] == pytest.approx(0.9244, abs=5e-4)
    assert share[("KOR", "850511")] == pytest.approx(0.8744, abs=5e-4)
    assert share[("JPN", "811292")] == pytest.approx(0.1916, abs=5e-4)
    assert share[("JPN", "850511")] == pytest.approx(0.2758, abs=5e-4)
    # Korea loses more of both than Japan in relative terms: it ranks first by lost share
    top = s.totals.sort_values("lost_share", ascending=False).iloc[0]
    assert top["importer"] == "KOR"


def test_can_msp_or_japan_cover_korea() -> None:
    """Partners first ("can MSP members or Japan cover Korea?"): the partners' stage
    covers part of Korea's loss, and every partner row is an MSP member or Japan;
    Japan never appears as its own source."""
    s = scenario(
        "CHN", products=PRODUCTS, targets="KOR,JPN", year=2024, partners="MSP,JPN", sample=True
    )
    kor = s.shortfall[s.shortfall["importer"] == "KOR"]
    assert (kor["covered_partners_usd"] > 0).all()
    assert (kor["covered_partners_usd"] <= kor["covered_usd"] + 1e-6).all()
    partner_rows = s.substitution[s.substitution["stage"] == "partner"]
    from ecosec import refdata

    allowed = set(refdata.resolve_countries("MSP,JPN"))
    assert set(partner_rows["exporter"].dropna()) <= allowed
    assert not ((s.substitution["exporter"] == s.substitution["importer"]).any())


def test_default_year_prefers_annual_data() -> None:
    """The sample holds monthly flows for 2025 from a few reporters only; the default year
    for Korea and Japan is 2024, the latest year with annual (BACI) flows."""
    s = scenario("CHN", products=PRODUCTS, targets="KOR,JPN", sample=True)
    assert s.assumptions["year"] == 2024


def test_docstring_examples_run() -> None:
    """The modules' examples (STYLE.md rule 13) run on the sample."""
    for module in (ecosec.api_scenario, ecosec.engine.scenario):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
