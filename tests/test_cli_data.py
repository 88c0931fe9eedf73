"""The CLI in process (Typer's CliRunner): ingest, datasets, sources, output formats, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ecosec.cli import app
from tests.conftest import DATA, sample_baci_2024

runner = CliRunner()


def test_ingest_then_datasets_json(baci_zip: Path, store: Path) -> None:
    r = runner.invoke(app, ["ingest", "baci", str(baci_zip), "--store", str(store)])
    assert r.exit_code == 0, r.output
    assert "ingested baci-hs17-v202601" in r.output
    r = runner.invoke(app, ["datasets", "--store", str(store), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 1
    d = rows[0]
    assert d["name"] == "baci-hs17-v202601" and d["source"] == "baci" and d["hs_rev"] == "HS17"
    assert d["years"] == "2024" and d["freq"] == "A"
    src = sample_baci_2024()
    assert d["rows"] == len(src)
    assert d["products"] == src["hs6"].nunique()
    assert d["countries"] == len(set(src["exporter"]) | set(src["importer"]))


def test_datasets_without_ingest_lists_the_sample(store: Path) -> None:
    r = runner.invoke(app, ["datasets", "--store", str(store), "--format", "csv"])
    assert r.exit_code == 0, r.output
    from io import StringIO

    df = pd.read_csv(StringIO(r.stdout))
    assert {"baci-critical-2024", "customs-kr-monthly", "comtrade-energy-2008-2017"} <= set(
        df["name"]
    )


def test_sources_names_every_part(store: Path) -> None:
    r = runner.invoke(app, ["sources", "--store", str(store), "--format", "json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert all(row["source"] for row in rows)
    assert any("CEPII BACI" in row["source"] for row in rows)
    assert any("Korea Customs Service" in row["source"] for row in rows)


def test_output_file_csv_and_parquet(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.parquet"
    r = runner.invoke(app, ["datasets", "--store", str(store), "-f", "parquet", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(pd.read_parquet(out)) >= 6
    r = runner.invoke(app, ["datasets", "--store", str(store), "-f", "parquet"])
    assert r.exit_code == 2 and "--output" in r.output


def test_bad_input_is_one_line_exit_2(tmp_path: Path, store: Path) -> None:
    p = tmp_path / "nope.zip"
    p.write_text("not a zip")
    r = runner.invoke(app, ["ingest", "baci", str(p), "--store", str(store)])
    assert r.exit_code == 2
    assert "error:" in r.output and "not a readable zip" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(app, ["datasets", "--format", "xml", "--store", str(store)])
    assert r.exit_code == 2 and "allowed: table, csv, json, parquet" in r.output


def test_ingest_comtrade_and_customs_via_cli(store: Path) -> None:
    r = runner.invoke(
        app,
        ["ingest", "comtrade", str(DATA / "comtrade_legacy_hf_2014.csv"), "--store", str(store)],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "ingest",
            "customs",
            str(DATA / "korea_customs_hf_2811111000.xlsx"),
            "--preset",
            "kr-monthly",
            "--store",
            str(store),
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["datasets", "--store", str(store), "-f", "json"])
    names = {d["name"] for d in json.loads(r.stdout)}
    assert names == {"comtrade-comtrade_legacy_hf_2014", "customs-kr-korea_customs_hf_2811111000"}


def test_remove_dataset(baci_zip: Path, store: Path) -> None:
    runner.invoke(app, ["ingest", "baci", str(baci_zip), "--store", str(store)])
    r = runner.invoke(app, ["datasets", "--remove", "baci-hs17-v202601", "--store", str(store)])
    assert r.exit_code == 0
    r = runner.invoke(app, ["datasets", "--remove", "nothing", "--store", str(store)])
    assert r.exit_code == 2 and "no dataset named" in r.output


def test_long_error_stays_on_one_line() -> None:
    # The message lists the closest country names, longer than any terminal's width;
    # Rich used to wrap it at 80 columns when stderr was not a terminal.
    r = runner.invoke(app, ["dependencies", "Republic of Nowhere At All", "--year", "2024"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.output
    assert len(lines[0]) > 80


def test_mistakes_are_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mistakes a new user makes, each one line naming what to do, exit 2, no traceback
    (each was a traceback or a silent fallback before)."""
    missing = tmp_path / "no-such-store"
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    cases = [
        (["verify", "--store", str(missing)], "does not exist"),
        (["dependencies", "KOR", "--store", str(a_file)], "is a file"),
        (["dependencies", "KOR", "-f", "csv", "-o", str(tmp_path / "no" / "x.csv")], "folder"),
        (["countries", "--group", "FOO"], "group 'FOO' is not known"),
    ]
    for args, text in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2 and text in r.output and "Traceback" not in r.output, args
        assert len(r.output.strip().splitlines()) == 1, r.output
    for env, value, text in [
        ("ECOSEC_MEMORY_LIMIT", "abc", "a size such as 3GB"),
        ("ECOSEC_THREADS", "0", "1 or more"),
        ("ECOSEC_THREADS", "two", "1 or more"),
    ]:
        monkeypatch.setenv(env, value)
        r = runner.invoke(app, ["dependencies", "KOR", "--hs", "850511"])
        assert r.exit_code == 2 and env in r.output and text in r.output, r.output
        monkeypatch.delenv(env)
    assert not missing.exists()


def test_output_format_follows_the_file_name(tmp_path: Path) -> None:
    r = runner.invoke(app, ["baskets", "Critical-Minerals", "-o", str(tmp_path / "b.parquet")])
    assert r.exit_code == 0, r.output
    codes = pd.read_parquet(tmp_path / "b.parquet")["hs6"].tolist()
    from ecosec import refdata

    assert codes == [c.hs6 for c in refdata.basket("critical-minerals").codes]
    r = runner.invoke(app, ["groups", "-o", str(tmp_path / "g.json")])
    assert {g["group"] for g in json.loads((tmp_path / "g.json").read_text())} >= {"IPEF", "MSP"}
    r = runner.invoke(app, ["groups", "-o", str(tmp_path / "g.txt")])
    assert "Country groups" in (tmp_path / "g.txt").read_text() and "wrote" in r.output


def test_terminal_output_reads_as_a_person_expects() -> None:
    """Titles name the resolved country (not 'kor' as typed); counts from 1,000 carry a
    separator and tonnes are whole numbers (not 7.628e+04); severities ignore case; an
    empty country is an error, not 'every country'."""
    r = runner.invoke(app, ["suppliers", "kor", "--basket", "critical-minerals"])
    assert r.exit_code == 0 and "Suppliers of Korea's dependencies, 2024" in r.output
    r = runner.invoke(
        app,
        ["alerts", "-c", "kor,jpn", "--since", "2019-01", "--until", "2020-12", "--severity",
         "HIGH"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "Alerts for Korea, Japan, 2019-01 to 2020-12" in text
    r = runner.invoke(app, ["alerts", "-c", "kor", "--since", "2019-01", "--until", "2020-12"])
    text = " ".join(r.output.split())
    assert "19 alerts over 1,896 series-months" in text  # docs/early-warning.md: Korea's
    r = runner.invoke(app, ["scenario", "-s", "CHN", "--hs", "280469", "--targets", "KOR"])
    assert r.exit_code == 0 and "e+0" not in r.output, r.output
    from ecosec.cli._output import _cell

    assert (_cell(76285.4, "lost_t"), _cell(4526, "rows"), _cell(2024, "year")) == (
        "76,285",
        "4,526",
        "2024",
    )
    r = runner.invoke(app, ["dependencies", ""])
    assert r.exit_code == 2 and "the country is empty" in r.output
