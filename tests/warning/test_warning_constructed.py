"""Constructed series with known breaks: what must be flagged, and what must not.

Expected values are derived by hand from the definitions in ecosec/engine/warning*.py
(stated in each test): history = the same month of the 5 previous years, robust
z = (x - median) / max(1.4826 MAD, 0.1 median, minimum monthly value), minimum monthly
value = 1e6 / 12 USD, persistence 2 months, merge gap 2 months.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ecosec.api_warning import AlertParams, alerts
from tests.conftest import make_store
from tests.warning.warning_helpers import flat, monthly_store, series, step


def _alerts(store: Path, **kw: object) -> pd.DataFrame:
    return alerts(country="KOR", store=store, **kw)  # type: ignore[arg-type]


def test_step_down_is_one_collapse_with_hand_computed_figures(tmp_path: Path) -> None:
    """JPN falls from 1.0m to 0.2m a month in 2019-07, CHN stays at 1.0m.

    By hand: baseline = median of five Julys at 1.0m = 1.0m; change = 0.2/1.0 - 1 = -0.8;
    MAD = 0, so the scale is 0.1 x 1.0m and z = (0.2 - 1.0) / 0.1 = -8; share before =
    1/2. The y/y fall holds for 12 months (2019-07 to 2020-06), one event. Move =
    log10(1.0/0.2) = 0.699 (the share collapse, (0.5 - 1/6)/0.5 = 0.667, is smaller);
    score = 100 sqrt(0.699 x 0.5) = 59.1. CHN's share rises to 1/1.2, so KOR's HHI goes
    from 0.5 to (1/1.2)^2 + (0.2/1.2)^2 = 0.722: one concentration alert, top supplier CHN.
    """
    store = monthly_store(
        tmp_path / "s", series("JPN", step(1e6, 2e5, 201907)), series("CHN", flat())
    )
    a = _alerts(store)
    assert sorted(a["signal"]) == ["collapse", "concentration"]
    jpn = a[a["exporter"] == "JPN"].iloc[0]
    assert (jpn["start"], jpn["end"], jpn["periods"], jpn["status"]) == (
        "2019-07",
        "2020-06",
        12,
        "ended",
    )
    assert jpn["signals"] == "collapse, share collapse"
    assert jpn["baseline"] == pytest.approx(1e6)
    assert jpn["change"] == pytest.approx(-0.8)
    assert jpn["value_z"] == pytest.approx(-8.0)
    assert jpn["share_before"] == pytest.approx(0.5)
    assert jpn["score"] == pytest.approx(100 * math.sqrt(math.log10(5) * 0.5), abs=0.05)
    assert jpn["severity"] == "high"
    conc = a[a["signal"] == "concentration"].iloc[0]
    assert conc["exporter"] == "CHN" and conc["what"] == "hhi" and conc["start"] == "2019-07"
    assert conc["change"] == pytest.approx((1 / 1.2) ** 2 + (0.2 / 1.2) ** 2 - 0.5)


def test_one_month_spike_is_noise_unless_persistence_is_one(tmp_path: Path) -> None:
    """JPN is 1.0m except 10m in 2019-03. One month does not persist (default 2): no
    alert. With persistence 1 the spike is a surge of 10/1 - 1 = +900% (with, that month,
    CHN's share collapsing to 1/11 and KOR's imports concentrating on JPN), and March 2020
    (back to 1.0m, -90% y/y) is not a collapse: the March median over 2015-2019 is still
    1.0m, the spike being one value of five (the robust baseline ignores it)."""
    spike = series("JPN", lambda p: 1e7 if p == 201903 else 1e6)
    store = monthly_store(tmp_path / "s", spike, series("CHN", flat()))
    assert _alerts(store).empty
    a = _alerts(store, params=AlertParams(persistence=1))
    assert sorted(zip(a["exporter"], a["signal"], a["start"], strict=True)) == [
        ("CHN", "share collapse", "2019-03"),
        ("JPN", "concentration", "2019-03"),
        ("JPN", "surge", "2019-03"),
    ]
    assert a.query("signal == 'surge'")["change"].iloc[0] == pytest.approx(9.0)


def test_seasonal_pattern_without_break_is_quiet(tmp_path: Path) -> None:
    """JPN swings from 0.2m to 1.8m within each year (1.0m x (1 + 0.8 sin)), the same
    every year; month on month it falls by up to 89 %. Against the same month of earlier
    years nothing moves, and shares and HHI equal those of a year earlier: no alert."""
    seasonal = series("JPN", lambda p: 1e6 * (1 + 0.8 * math.sin(2 * math.pi * (p % 100) / 12)))
    store = monthly_store(tmp_path / "s", seasonal, series("CHN", flat()))
    assert _alerts(store).empty


def test_slow_drift_is_quiet(tmp_path: Path) -> None:
    """JPN declines 2 % a month for seven years (1.0m to 0.23m): -21.5 % a year, never
    the -50 % of a collapse, and its share slides by under 5 points a year: no alert."""
    start = 2014 * 12

    def drift(p: int) -> float:
        return 1e6 * 0.98 ** ((p // 100) * 12 + p % 100 - 1 - start)

    store = monthly_store(tmp_path / "s", series("JPN", drift), series("CHN", flat()))
    assert _alerts(store).empty


def test_sudden_stop(tmp_path: Path) -> None:
    """JPN ships 1.0m a month and nothing from 2019-07 (no rows, as in customs tables);
    KOR still reports CHN, so the missing months are zeros: a sudden stop (0 <= 5 % of
    the trailing mean of 1.0m, traded 12 of 12 months) from 2019-07, change -100 %."""
    stop = series("JPN", step(1e6, 0.0, 201907))
    store = monthly_store(tmp_path / "s", stop, series("CHN", flat()))
    jpn = _alerts(store).query("exporter == 'JPN'").iloc[0]
    assert (jpn["signal"], jpn["start"], jpn["change"]) == ("sudden stop", "2019-07", -1.0)
    assert "collapse" in jpn["signals"]


def test_sole_supplier_stop_is_found_while_other_products_are_reported(tmp_path: Path) -> None:
    """KOR buys 281111 only from JPN, which stops in 2019-07, and keeps reporting 370790
    from CHN: half of its products are still reported the next month (the coverage rule
    keeps >= 0.5), so 281111's months are zeros and the stop is found."""
    stop = series("JPN", step(1e6, 0.0, 201907))
    other = series("CHN", flat(), hs6="370790")
    a = _alerts(monthly_store(tmp_path / "s", stop, other))
    assert a.query("exporter == 'JPN'")["signal"].tolist() == ["sudden stop"]


def test_change_of_coverage_is_not_a_stop(tmp_path: Path) -> None:
    """A file with 281111 from JPN up to 2018-12, then a file covering only another
    product: the reporter's products of 2018-12 are not reported in 2019-01 (none kept),
    so no zeros are inferred and nothing is flagged."""
    before = series("JPN", step(1e6, 0.0, 201901))
    other = series("CHN", lambda p: 1e6 if p >= 201901 else 0.0, hs6="370790")
    assert _alerts(monthly_store(tmp_path / "s", before, other)).empty


def test_restriction_volume_down_price_up(tmp_path: Path) -> None:
    """From 2019-07 JPN ships 300 t instead of 1,000 t for the same 1.0m: volume -70 %
    (z = (300 - 1000)/100 = -7), unit value 1,000 -> 3,333 USD/t (+233 %, z = 23):
    restriction?, measured on volume against its July median of 1,000 t."""
    qty = step(1000.0, 300.0, 201907)
    store = monthly_store(
        tmp_path / "s",
        series("JPN", flat(), qty=qty),
        series("CHN", flat(), qty=flat(1000.0)),
    )
    jpn = _alerts(store).query("exporter == 'JPN'").iloc[0]
    assert (jpn["signal"], jpn["what"], jpn["start"]) == ("restriction?", "qty_t", "2019-07")
    assert jpn["baseline"] == pytest.approx(1000.0) and jpn["change"] == pytest.approx(-0.7)
    assert jpn["qty_z"] == pytest.approx(-7.0) and jpn["unit_value_z"] == pytest.approx(
        (1e6 / 300 - 1000) / 100
    )


def test_diversion_volume_up_price_down(tmp_path: Path) -> None:
    """From 2019-07 CHN ships 3,000 t for 1.5m instead of 1,000 t for 1.0m: volume +200 %
    (z = 20), unit value 1,000 -> 500 USD/t (-50 %, z = -5), value only +50 % (no surge):
    diversion/dumping?, the EU import-surveillance pattern."""
    store = monthly_store(
        tmp_path / "s",
        series("CHN", step(1e6, 1.5e6, 201907), qty=step(1000.0, 3000.0, 201907)),
        series("JPN", flat(), qty=flat(1000.0)),
    )
    chn = _alerts(store).query("exporter == 'CHN' and signal != 'concentration'").iloc[0]
    assert (chn["signal"], chn["start"], chn["signals"]) == (
        "diversion/dumping?",
        "2019-07",
        "diversion/dumping?",
    )
    assert chn["qty_z"] == pytest.approx(20.0) and chn["unit_value_z"] == pytest.approx(-5.0)


def test_one_event_across_its_months_and_the_merge_gap(tmp_path: Path) -> None:
    """JPN at 0.2m in 2019-07, 08, then 1.0m in 2019-09, then 0.2m in 2019-10, 11: two
    runs with one quiet month between them, merged (gap <= 2) into one event of 5 periods
    with 4 flagged; with merge_gap 0 they are two events."""
    low = {201907, 201908, 201910, 201911}
    store = monthly_store(
        tmp_path / "s",
        series("JPN", lambda p: 2e5 if p in low else 1e6),
        series("CHN", flat()),
    )
    jpn = _alerts(store).query("exporter == 'JPN'")
    assert len(jpn) == 1
    assert (jpn.iloc[0]["start"], jpn.iloc[0]["end"]) == ("2019-07", "2019-11")
    assert (jpn.iloc[0]["periods"], jpn.iloc[0]["flagged"]) == (5, 4)
    split = _alerts(store, params=AlertParams(merge_gap=0)).query("exporter == 'JPN'")
    assert sorted(split["start"]) == ["2019-07", "2019-10"]


def test_minimum_value_keeps_small_flows_out(tmp_path: Path) -> None:
    """The same step down at 1/200 of the size (5,000 USD a month, under the minimum of
    1e6/12): nothing is judged; with min_value_usd = 0 the collapse is flagged."""
    store = monthly_store(
        tmp_path / "s", series("JPN", step(5e3, 1e3, 201907)), series("CHN", flat(5e3))
    )
    assert _alerts(store).empty
    a = _alerts(store, params=AlertParams(min_value_usd=0))
    assert "collapse" in a.query("exporter == 'JPN'")["signal"].tolist()


def test_until_is_as_of(tmp_path: Path) -> None:
    """With data read up to 2019-07 the step down has one month and is not yet persistent;
    up to 2019-08 it is an alert, still ongoing."""
    store = monthly_store(
        tmp_path / "s", series("JPN", step(1e6, 2e5, 201907)), series("CHN", flat())
    )
    assert _alerts(store, until="2019-07", supplier="JPN").empty
    a = _alerts(store, until="2019-08", supplier="JPN")
    assert a[["start", "status"]].values.tolist() == [["2019-07", "ongoing"]]


def test_since_keeps_events_flagged_in_the_window(tmp_path: Path) -> None:
    """The event runs 2019-07 to 2020-06: it is reported for since 2020-01 (still flagged
    then) and not for since 2020-07 (over)."""
    store = monthly_store(
        tmp_path / "s", series("JPN", step(1e6, 2e5, 201907)), series("CHN", flat())
    )
    assert _alerts(store, since="2020-01", supplier="JPN")["start"].tolist() == ["2019-07"]
    assert _alerts(store, since="2020-07", supplier="JPN").empty


def test_by_supplier_groups_rows(tmp_path: Path) -> None:
    """by_supplier orders the same alerts by supplier code: CHN's before JPN's."""
    store = monthly_store(
        tmp_path / "s", series("JPN", step(1e6, 2e5, 201907)), series("CHN", flat())
    )
    assert _alerts(store, by_supplier=True)["exporter"].tolist() == ["CHN", "JPN"]


def _annual(root: Path, rows: list[tuple[int, str, str, float]]) -> Path:
    table = pd.DataFrame(rows, columns=["period", "exporter", "hs6", "value_usd"])
    return make_store(root, table.assign(importer="KOR"), side="R", freq="A")


def test_annual_top_supplier_share_jump(tmp_path: Path) -> None:
    """BACI-like years 2022 and 2024 (consecutive in the data): KOR's magnets (850511)
    from CHN and JPN 50/50 (USD m) become 90/10. By hand: top share 0.5 -> 0.9 (+0.4 >=
    0.2), HHI 0.5 -> 0.82: concentration, top supplier CHN; JPN's share 0.5 -> 0.1
    (-0.4, under half): share collapse. A product at 50/50 both years stays quiet."""
    rows = [
        (2022, "CHN", "850511", 50e6),
        (2022, "JPN", "850511", 50e6),
        (2024, "CHN", "850511", 90e6),
        (2024, "JPN", "850511", 10e6),
        (2022, "CHN", "811292", 50e6),
        (2022, "JPN", "811292", 50e6),
        (2024, "CHN", "811292", 50e6),
        (2024, "JPN", "811292", 50e6),
    ]
    a = _alerts(_annual(tmp_path / "a", rows))
    assert set(a["hs6"]) == {"850511"}
    by = {r.signal: r for r in a.itertuples()}
    assert set(by) == {"concentration", "share collapse"}
    assert by["concentration"].exporter == "CHN" and by["concentration"].start == "2024"
    assert by["concentration"].change == pytest.approx(0.82 - 0.5)
    assert by["share collapse"].exporter == "JPN"
    assert by["share collapse"].change == pytest.approx(0.1 - 0.5)
    assert a.attrs["freq"] == "A"


def test_annual_years_are_each_sources_own(tmp_path: Path) -> None:
    """The 50/50 -> 90/10 shift above from a BACI-like source (2022, 2024), next to a
    second source holding 2023 for another product: 2024 is still compared with 2022
    (the previous year of its own source), so the shift is found."""
    rows = [
        (2022, "CHN", "850511", 50e6, "baci", "R"),
        (2022, "JPN", "850511", 50e6, "baci", "R"),
        (2024, "CHN", "850511", 90e6, "baci", "R"),
        (2024, "JPN", "850511", 10e6, "baci", "R"),
        (2023, "USA", "271111", 80e6, "comtrade", "M"),
    ]
    cols = ["period", "exporter", "hs6", "value_usd", "source", "reporter_side"]
    table = pd.DataFrame(rows, columns=cols).assign(importer="KOR")
    a = _alerts(make_store(tmp_path / "a", table, freq="A"))
    assert sorted(a["signal"]) == ["concentration", "share collapse"]
    assert set(a["start"]) == {"2024"}


def test_exporters_reports_alone_give_no_shares(tmp_path: Path) -> None:
    """Korea's imports known only from JPN's and CHN's export reports (1.0m a month
    each; JPN stops 281111 in 2019-07 and keeps reporting 370790): the stop is found,
    but JPN's share of Korea's imports (1/2 of what the two exporters report) is not
    Korea's own figure, so shares and HHIs are empty, the message says so, severity
    uses the stated dependency of 0.25 (move 1 for a stop to zero: score
    100 sqrt(1 x 0.25) = 50), and the tier is that of an unknown dependency (D, up
    one to C for 281111, a semiconductor-basket product)."""
    frames = [
        series("JPN", step(1e6, 0.0, 201907)),
        series("JPN", flat(), hs6="370790"),
        series("CHN", flat()),
    ]
    store = make_store(tmp_path / "s", pd.concat(frames, ignore_index=True), side="X", freq="M")
    jpn = _alerts(store).query("exporter == 'JPN' and hs6 == '281111'").iloc[0]
    assert jpn["signal"] == "sudden stop" and not jpn["importer_reported"]
    assert jpn[["share_before", "share_now", "hhi_before", "hhi_now"]].isna().all()
    assert jpn["message"].endswith("shares unknown (only exporters' reports)")
    assert jpn["dependency"] == 0.25 and jpn["score"] == pytest.approx(50.0)
    assert (jpn["severity"], jpn["tier"]) == ("high", "C")
