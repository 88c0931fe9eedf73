"""Thresholds, periods and names are validated with messages that say what is allowed.

Expected messages come from the ranges declared once in ecosec.engine.warning.THRESHOLDS
and the option sets of ecosec.api_warning.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

import ecosec.api_warning as ew
from ecosec.engine.warning import THRESHOLDS, AlertParams, params_from
from ecosec.errors import BadFile, BadInput, NoData, UnknownBasket, UnknownCountry
from tests.warning.warning_helpers import flat, monthly_store, series


def test_every_field_is_declared_once() -> None:
    """AlertParams' fields and THRESHOLDS list the same names with the same defaults."""
    spec = {t.name: t.default for t in THRESHOLDS}
    assert [f.name for f in fields(AlertParams)] == list(spec)
    for f in fields(AlertParams):
        assert f.default == spec[f.name]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"z": 1.0}, "z=1.0 is out of range: allowed 2 to 10"),
        ({"z": float("nan")}, "allowed 2 to 10"),
        ({"drop": 1.5}, "drop=1.5 is out of range: allowed 0.1 to 0.95"),
        ({"history": 2}, "history=2 is out of range: allowed 3 to 10"),
        ({"history": 4.5}, "history=4.5 must be a whole number"),
        ({"persistence": 0}, "persistence=0 is out of range: allowed 1 to 12"),
        ({"min_value_usd": -1}, "allowed 0 to 1e+12"),
        ({"min_history": 6}, "min_history=6 exceeds history=5"),
        ({"stop": "x"}, "stop='x' is not a number"),
        ({"active": True}, "is not a number"),
    ],
)
def test_thresholds_out_of_range(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BadInput, match=re.escape(message)):
        AlertParams(**kwargs)  # type: ignore[arg-type]


def test_params_from_text() -> None:
    """The CLI's --set NAME=VALUE goes through params_from: names with dashes, text
    numbers, integers kept integral; unknown names get a suggestion."""
    p = params_from({"min-value-usd": "5e6", "persistence": "3", "z": 4})
    assert (p.min_value_usd, p.persistence, p.z) == (5e6, 3, 4.0)
    with pytest.raises(BadInput, match="'zz' is not known; did you mean z"):
        params_from({"zz": "4"})
    with pytest.raises(BadInput, match="z='four' is not a number; allowed 2 to 10"):
        params_from({"z": "four"})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"since": "2019-13"}, BadInput, "month 13 is not 1 to 12"),
        ({"since": "July 2019"}, BadInput, "give 2019, 2019-07 or 201907"),
        ({"since": "2020", "until": "2019"}, BadInput, "since 2020 is after until 2019"),
        ({"freq": "Q"}, BadInput, "allowed: M \\(monthly\\), A \\(annual\\)"),
        ({"min_severity": "urgent"}, BadInput, "severity 'urgent' is not known"),
        ({"country": "Atlantis"}, UnknownCountry, "Atlantis"),
        ({"supplier": "Atlantis"}, UnknownCountry, "Atlantis"),
        ({"basket": "spices"}, UnknownBasket, "spices"),
        ({"hs": "2811"}, BadInput, "six-digit code"),
        ({"country": "KOR", "since": "2090-01"}, NoData, "data for this selection run from"),
    ],
)
def test_bad_inputs(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        ew.alerts(sample=True, **kwargs)  # type: ignore[arg-type]


def test_missing_frequency_says_what_exists(tmp_path: Path) -> None:
    """A monthly-only store asked for annual alerts: NoData naming the frequencies held."""
    store = monthly_store(tmp_path / "s", series("JPN", flat()), series("CHN", flat()))
    with pytest.raises(NoData, match=r"no annual flows .* \(frequencies present: M\)"):
        ew.alerts(country="KOR", freq="A", store=store)


def test_parse_period_forms() -> None:
    assert ew.parse_period("201907", freq="M") == 201907
    assert ew.parse_period(2019, freq="M") == 201901
    assert ew.parse_period("2019", freq="M", end=True) == 201912
    assert ew.parse_period("2019-7", freq="M") == 201907
    assert ew.parse_period("2019-07", freq="A") == 2019


WATCH = """
title = "test"
importer = "KOR"
[[item]]
supplier = "JPN"
hs6 = "281111"
tier = "A"
note = "HF"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'x'\n", "no items; add at least one \\[\\[item\\]\\]"),
        ("title = \n", "not valid TOML"),
        ("titel = 'x'\n[[item]]\nimporter = 'KOR'\n", "key 'titel' is not known"),
        ("[[item]]\nhs6 = '281111'\n", "item 1: no importer"),
        ("[[item]]\nimporter = 'KOR'\ntier = 'E'\n", "tier 'E' is not known; allowed: A, B, C, D"),
        ("[[item]]\nimporter = 'KOR'\nsuplier = 'JPN'\n", "did you mean supplier"),
        ("[[item]]\nimporter = 'KOR'\nhs6 = '2811'\n", "hs6 '2811' is not a six-digit code"),
        ("[[item]]\nimporter = 'Atlantis'\n", "Atlantis"),
        ("[tiers.A]\ncadence = 'daily'\n[[item]]\nimporter = 'KOR'\n", "cadence 'daily'"),
    ],
)
def test_bad_watchlists(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(BadFile, match=f"watchlist {path}.*{message}"):
        ew.load_watchlist(path)


def test_watchlist_missing_file_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(BadFile, match="ecosec watch --init FILE"):
        ew.load_watchlist(tmp_path / "none.toml")


def test_watchlist_reads_items_and_cadences(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(WATCH, "utf-8")
    wl = ew.load_watchlist(path)
    assert wl.items[0].suppliers == ("JPN",) and wl.items[0].hs6 == ("281111",)
    assert [t.cadence for t in wl.tiers] == ["weekly", "fortnightly", "monthly", "quarterly"]
    with pytest.raises(BadInput, match="tier 'Z' is not known"):
        ew.watch(wl, tier="Z", sample=True)
    with pytest.raises(BadInput, match="no items of tier B"):
        ew.watch(wl, tier="B", sample=True)
