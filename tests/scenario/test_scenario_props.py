"""Properties every scenario must have, on random small tables (hypothesis).

For any flows, cut, redirect, targets and partners: lost = covered + shortfall with
0 ≤ covered ≤ lost per importer and product (shortfall is lost − covered exactly);
the substitution rows add up to what is covered; no listed exporter gives more than
its capacity, nor anything to itself; a targeted cut exposes only targets; lost is the
cut times the supplier's flow. These follow from the rules in docs/scenarios.md.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecosec.api_scenario import scenario
from ecosec.errors import NoData
from tests.conftest import make_store

COUNTRIES = ["CHN", "USA", "JPN", "DEU", "KOR", "AUS"]

flows_strategy = st.lists(
    st.tuples(
        st.sampled_from(COUNTRIES),
        st.sampled_from(COUNTRIES),
        st.sampled_from(["850511", "811292"]),
        st.floats(min_value=1, max_value=1e9),
        st.one_of(st.none(), st.floats(min_value=0.001, max_value=1e6)),
    ),
    min_size=1,
    max_size=30,
)
fraction = st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]) | st.floats(min_value=0, max_value=1)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=flows_strategy,
    cut=fraction,
    redirect=fraction,
    targets=st.one_of(st.none(), st.sets(st.sampled_from(COUNTRIES[1:]), min_size=1)),
    partners=st.one_of(st.none(), st.sets(st.sampled_from(COUNTRIES[1:]), min_size=1)),
)
def test_invariants(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, str, str, float, float | None]],
    cut: float,
    redirect: float,
    targets: set[str] | None,
    partners: set[str] | None,
) -> None:
    df = pd.DataFrame(rows, columns=["exporter", "importer", "hs6", "value_usd", "qty_t"])
    df = df[df["exporter"] != df["importer"]].drop_duplicates(["exporter", "importer", "hs6"])
    if not (df["exporter"] == "CHN").any():
        return
    df = df.assign(period=2022)
    store = make_store(tmp_path_factory.mktemp("p"), df)
    try:
        s = scenario(
            "CHN",
            cut=cut,
            redirect=redirect,
            targets=sorted(targets) if targets else None,
            partners=sorted(partners) if partners else None,
            store=store,
        )
    except NoData:
        assert targets is not None  # only a targeted cut can miss every buyer
        return
    p = s.shortfall
    assert (p["shortfall_usd"].to_numpy() == (p["lost_usd"] - p["covered_usd"]).to_numpy()).all()
    assert (p["covered_usd"] >= 0).all() and (p["covered_usd"] <= p["lost_usd"]).all()
    known = p["lost_t"].notna()
    assert (p.loc[known, "covered_t"] >= 0).all()
    assert (p.loc[known, "covered_t"] <= p.loc[known, "lost_t"]).all()
    if targets:
        assert set(p["importer"]) <= targets
    chn = df[df["exporter"] == "CHN"].set_index(["importer", "hs6"])["value_usd"]
    lost = p.set_index(["importer", "hs6"])["lost_usd"]
    assert lost.to_numpy() == pytest.approx(cut * chn.loc[lost.index].to_numpy(), rel=1e-12)
    sub = s.substitution
    by_pair = sub.groupby(["importer", "hs6"])["covered_usd"].sum()
    covered = p.set_index(["importer", "hs6"])["covered_usd"]
    assert by_pair.reindex(covered.index, fill_value=0.0).to_numpy() == pytest.approx(
        covered.to_numpy(), rel=1e-9, abs=1e-6
    )
    named = sub[sub["exporter"].notna()]
    assert not (named["exporter"] == named["importer"]).any()
    given_ = named.groupby(["exporter", "hs6"]).agg(
        cov=("covered_usd", "sum"), cap=("capacity_usd", "max")
    )
    assert (given_["cov"] <= given_["cap"] * (1 + 1e-9) + 1e-6).all()
    if partners:
        assert set(named.loc[named["stage"] == "partner", "exporter"]) <= partners
    # the sweep contains the chosen redirect with the same totals
    chosen = s.sensitivity[s.sensitivity["redirect"] == redirect].set_index("importer")
    t = s.totals.set_index("importer")
    assert chosen["covered_usd"].loc[t.index].to_numpy() == pytest.approx(
        t["covered_usd"].to_numpy(), rel=1e-9, abs=1e-6
    )
