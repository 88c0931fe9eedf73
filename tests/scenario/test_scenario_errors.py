"""Parameter validation of scenarios: every bad input raises an ecosec error whose
message says what is allowed or what to do (STYLE.md rules 7–10). Expected messages
come from the validation rules in ecosec/api_scenario.py; data from the sample."""

from __future__ import annotations

import pytest

from ecosec.api_scenario import Scenario, scenario
from ecosec.errors import BadInput, NoData, UnknownBasket, UnknownCountry, UnknownProduct

KW = {"products": "850511", "year": 2024, "sample": True}


@pytest.mark.parametrize("cut", [1.5, -0.1, float("nan"), "half"])
def test_cut_outside_0_1(cut: object) -> None:
    with pytest.raises(BadInput, match="cut must be"):
        scenario("CHN", cut=cut, **KW)  # type: ignore[arg-type]


@pytest.mark.parametrize("redirect", [2, -1e-9, "lots"])
def test_redirect_outside_0_1(redirect: object) -> None:
    with pytest.raises(BadInput, match="redirect must be"):
        scenario("CHN", redirect=redirect, **KW)  # type: ignore[arg-type]


def test_unknown_supplier_says_where_codes_are_listed() -> None:
    with pytest.raises(UnknownCountry, match=r"did you mean .*ecosec countries"):
        scenario("CHM", **KW)


def test_supplier_must_be_one_country() -> None:
    with pytest.raises(BadInput, match="one country"):
        scenario("G7", **KW)
    with pytest.raises(BadInput, match="one country"):
        scenario("CHN,JPN", **KW)


def test_unknown_basket_lists_baskets() -> None:
    with pytest.raises(UnknownBasket, match="critical-minerals"):
        scenario("CHN", basket="critical-mineral", sample=True)


def test_unknown_product() -> None:
    with pytest.raises(UnknownProduct, match="999999"):
        scenario("CHN", products="999999", sample=True)


def test_target_equal_to_supplier() -> None:
    with pytest.raises(BadInput, match="remove it"):
        scenario("CHN", targets="KOR,CHN", **KW)


def test_partner_equal_to_supplier() -> None:
    with pytest.raises(BadInput, match="cannot be its own partner"):
        scenario("CHN", targets="KOR", partners="CHN", **KW)


def test_supplier_inside_a_target_group_is_left_out_with_a_note() -> None:
    """G7 includes JPN: a Japanese cut to the G7 targets the six others."""
    s = scenario("JPN", targets="G7", products="850511", year=2024, sample=True)
    assert isinstance(s, Scenario) and "JPN" not in s.assumptions["targets"]
    assert any("JPN (the supplier) left out of G7" in n for n in s.notes)


def test_unknown_target() -> None:
    with pytest.raises(UnknownCountry, match="group"):
        scenario("CHN", targets="KOR,Narnia", **KW)


def test_year_without_data_lists_years() -> None:
    with pytest.raises(NoData, match="years with such sales: 2022, 2024"):
        scenario("CHN", products="850511", targets="KOR", year=2023, sample=True)
    with pytest.raises(BadInput, match="year must be"):
        scenario("CHN", products="850511", year="last", sample=True)  # type: ignore[arg-type]


def test_nothing_exposed() -> None:
    """South Africa exports 811292 (4 flows in BACI 2024) but none to Korea in any
    sample year; Chile sold Korea $17 of magnets in 2022 and none in 2024."""
    with pytest.raises(NoData, match="ZAF sells none of these products to KOR"):
        scenario("ZAF", products="811292", targets="KOR", sample=True)
    with pytest.raises(NoData, match=r"in 2024 .* years with such sales: 2022$"):
        scenario("CHL", products="850511", targets="KOR", year=2024, sample=True)


def test_unknown_section_and_engine() -> None:
    s = scenario("CHN", targets="KOR", **KW)
    with pytest.raises(BadInput, match="exposure, substitution"):
        s.section("charts")
    with pytest.raises(BadInput, match="duckdb"):
        scenario("CHN", engine="postgres", **KW)
