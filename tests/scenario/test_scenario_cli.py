"""``ecosec scenario`` in process (Typer CliRunner) on the embedded sample.

Expected values are the API's own results for the same arguments (the CLI only
formats them) and the JSON layout documented in docs/scenarios.md."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ecosec.api_scenario import SECTIONS, scenario
from ecosec.cli import app

ARGS = ["scenario", "--supplier", "CHN", "--products", "811292,850511", "--targets", "KOR,JPN"]
ARGS += ["--year", "2024"]


def _run(*extra: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, [*ARGS, *extra])
    return r.exit_code, r.stdout, r.stderr


def test_json_is_one_document_with_every_assumption_and_section() -> None:
    code, out, _ = _run("--partners", "MSP,JPN", "--redirect", "0.3", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert list(doc) == ["assumptions", "notes", *SECTIONS]
    a = doc["assumptions"]
    assert a["supplier"] == "CHN" and a["targets"] == ["KOR", "JPN"] and a["year"] == 2024
    assert a["cut"] == 1.0 and a["redirect"] == 0.3 and a["cut_kind"] == "targeted"
    assert a["products"] == ["811292", "850511"] and "JPN" in a["partners"]
    assert 0.3 in a["redirect_sweep"] and a["redirect_default"] == 0.25
    assert {"model", "lost", "capacity", "allocation", "partners", "shortfall", "tonnes"} <= set(
        a["rules"]
    )
    assert a["data"]["embedded_sample"] is True and a["data"]["engine"] == "duckdb"
    api = scenario(
        "CHN",
        products="811292,850511",
        targets="KOR,JPN",
        year=2024,
        partners="MSP,JPN",
        redirect=0.3,
        sample=True,
    )
    for name in SECTIONS:
        got = pd.DataFrame(doc[name])
        want = api.section(name)
        assert list(got.columns) == list(want.columns) and len(got) == len(want), name
    # DuckDB's parallel sums may differ in the last bits from run to run
    short = pd.DataFrame(doc["shortfall"])
    assert short["shortfall_usd"].to_numpy() == pytest.approx(
        api.shortfall["shortfall_usd"].to_numpy(), rel=1e-12
    )
    # no NaN in JSON: unknown values are null
    assert "NaN" not in out


def test_json_one_section() -> None:
    code, out, _ = _run("--format", "json", "--section", "totals")
    doc = json.loads(out)
    assert code == 0 and list(doc) == ["assumptions", "notes", "totals"]
    assert {r["importer"] for r in doc["totals"]} == {"KOR", "JPN"}


def test_table_shows_headline_and_sections() -> None:
    code, out, _ = _run()
    assert code == 0, out
    assert "China cuts 100% of its exports of 811292, 850511 to KOR, JPN" in out
    for title in (
        "Exposure",
        "Substitution",
        "Shortfall after substitution",
        "Totals",
        "Sensitivity",
    ):
        assert title in out


def test_table_to_file(tmp_path: Path) -> None:
    path = tmp_path / "scenario.txt"
    code, out, err = _run("--output", str(path), "--section", "shortfall")
    assert code == 0 and out == "" and "wrote" in err
    text = path.read_text("utf-8")
    assert "Shortfall after substitution" in text and "Exposure" not in text


def test_csv_and_parquet_need_a_section(tmp_path: Path) -> None:
    code, _, err = _run("--format", "csv")
    assert code == 2 and "--section" in err and "--format json" in err
    code, out, _ = _run("--format", "csv", "--section", "exposure")
    assert code == 0 and out.splitlines()[0].startswith("importer,importer_name,hs6")
    path = tmp_path / "subs.parquet"
    code, _, _ = _run("--format", "parquet", "--section", "substitution", "--output", str(path))
    assert code == 0 and len(pd.read_parquet(path)) > 0


def test_full_cut_with_basket() -> None:
    args = ["scenario", "--supplier", "CHN", "--basket", "critical-minerals", "--year", "2024"]
    r = CliRunner().invoke(app, [*args, "--section", "totals", "--format", "json"])
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and doc["assumptions"]["cut_kind"] == "full"
    assert len(doc["totals"]) > 100  # every importer of Chinese critical minerals


def test_errors_are_one_line_exit_2() -> None:
    for extra, says in [
        (["--cut", "1.5"], "cut must be from 0 to 1"),
        (["--redirect", "-1"], "redirect must be from 0 to 1"),
        (["--section", "chart"], "allowed: exposure"),
        (["--format", "xml"], "allowed: table"),
    ]:
        code, _, err = _run(*extra)
        assert code == 2 and says in err, (extra, err)
        assert err.strip().count("\n") <= 2  # one message (wrapped by the terminal width)
    r = CliRunner().invoke(app, ["scenario", "--supplier", "CHN", "--targets", "CHN,KOR"])
    assert r.exit_code == 2 and "remove it" in r.stderr
