"""``ecosec alerts`` and ``ecosec watch`` in process (Typer CliRunner) on the sample.

Expected rows come from the Korea customs series of the sample (see test_warning_korea).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ecosec.api_warning as ew
from ecosec.cli import app

KOREA = ["alerts", "--country", "KOR", "--since", "2019-01", "--until", "2020-12"]


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_alerts_json_has_every_column_and_the_hf_event() -> None:
    code, out = _run(*KOREA, "--hs", "281111", "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert list(rows[0]) == ew.ALERT_COLUMNS
    hf = [r for r in rows if r["exporter"] == "JPN"]
    assert hf[0]["start"] == "2019-07" and hf[0]["signal"] == "collapse"


def test_alerts_table_by_supplier() -> None:
    code, out = _run(*KOREA, "--by-supplier", "--severity", "medium")
    assert code == 0, out
    assert "Japan (JPN): 1 alert" in out and "Taiwan (S19)" in out
    assert "per 1,000" in out


def test_alerts_supplier_filter_and_csv(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    code, out = _run(*KOREA, "--supplier", "JPN", "--format", "csv", "--output", str(target))
    assert code == 0, out
    text = target.read_text("utf-8")
    assert text.startswith("importer,importer_name,exporter")
    assert all(line.split(",")[2] == "JPN" for line in text.splitlines()[1:])


def test_alerts_bad_parameters_exit_2_with_the_range() -> None:
    code, out = _run(*KOREA, "--set", "z=1")
    assert code == 2 and "allowed 2 to 10" in out
    code, out = _run(*KOREA, "--set", "zz")
    assert code == 2 and "NAME=VALUE" in out
    code, out = _run(*KOREA, "--z", "50")
    assert code == 2 and "z=50.0 is out of range" in out
    code, out = _run("alerts", "--country", "KOR", "--since", "2019-13")
    assert code == 2 and "month 13" in out


def test_watch_init_list_and_run(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    code, out = _run("watch", str(path), "--init")
    assert code == 0 and path.read_text("utf-8") == ew.default_watchlist_text()
    code, out = _run("watch", str(path), "--init")
    assert code == 2 and "exists" in out
    code, out = _run("watch", str(path), "--list", "--tier", "A", "--format", "json")
    assert code == 0, out
    items = json.loads(out)
    assert {(r["exporter"], r["hs6"]) for r in items} >= {("JPN", "281111"), ("JPN", "370790")}
    code, out = _run(
        "watch", str(path), "--tier", "A", "--since", "2019-01", "--until", "2020-12",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    rows = json.loads(out)
    assert (rows[0]["exporter"], rows[0]["hs6"], rows[0]["start"]) == ("JPN", "281111", "2019-07")
    assert rows[0]["note"].startswith("Japan's export controls")


def test_watch_by_supplier_table() -> None:
    code, out = _run("watch", "--tier", "A", "--since", "2019-01", "--until", "2020-12",
                     "--by-supplier")  # fmt: skip
    assert code == 0, out
    assert "Japan (JPN)" in out and "Belgium (BEL)" in out


def test_watch_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[item]]\nimporter = 'KOR'\ntier = 'Z'\n", "utf-8")
    code, out = _run("watch", str(bad))
    assert code == 2 and "tier 'Z' is not known" in out
    code, out = _run("watch", "--init")
    assert code == 2 and "give FILE" in out


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ("supplier = 'XXQ'", "item 2: supplier: unknown country 'XXQ'"),
        ("basket = 'chips'", "item 2: basket: unknown basket 'chips'"),
        ("hs6 = 'abc'", "item 2: hs6: HS code 'abc'"),
        ("importer = 'Atlantis'", "item 2: importer: unknown country 'Atlantis'"),
    ],
)
def test_watch_errors_name_the_item(tmp_path: Path, item: str, says: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f"importer = 'KOR'\n[[item]]\nhs6 = '281111'\n[[item]]\n{item}\n", "utf-8")
    code, out = _run("watch", str(bad))
    assert code == 2 and f"watchlist {bad}: {says}" in " ".join(out.split()), out
