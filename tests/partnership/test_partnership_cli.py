"""``ecosec partner`` in process (Typer's CliRunner): every section, every format, errors.

The CLI only formats what ``ecosec.api_partnership.partnership`` returns; the analysis
of the sample is computed once per (pair, year, basket) here and reused, except in the
end-to-end JSON test. Expected values are the API's own (its numbers are checked in
test_partnership_hand.py and test_partnership_sample.py).
"""

from __future__ import annotations

import functools
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from ecosec import api_partnership
from ecosec.api_partnership import SECTION_NAMES, SECTIONS
from ecosec.cli import app

runner = CliRunner()
_cached = functools.cache(api_partnership.partnership)


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch) -> None:
    def call(a: str, b: str, **kw: Any) -> api_partnership.Partnership:
        kw.pop("store", None)
        return _cached(a, b, sample=True, **kw)

    monkeypatch.setattr(api_partnership, "partnership", call)


@pytest.mark.parametrize("spec", SECTIONS, ids=[s.name for s in SECTIONS])
def test_each_section_as_a_table(spec: api_partnership.SectionSpec, cached: None) -> None:
    r = runner.invoke(app, ["partner", "KOR", "JPN", "--section", spec.name])
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert f"{spec.number}. {spec.title}" in out
    assert "Partnership KOR (Korea) - JPN (Japan), 2024" in out
    p = _cached("KOR", "JPN", sample=True, year=None, basket=None, engine=None)
    s = p.section(spec.name)
    # the section's first verdict (or note), its units and its source are printed
    first = (s.verdicts or s.notes)[0]
    assert " ".join(first.split())[:60] in out
    assert "Units:" in out and "Source:" in out
    # other sections are not
    others = [x.title for x in SECTIONS if x.name != spec.name and x.title != spec.title]
    assert not any(f". {t}" in out for t in others)


@pytest.mark.parametrize("name", SECTION_NAMES)
def test_each_section_as_csv(name: str, cached: None) -> None:
    r = runner.invoke(app, ["partner", "KOR", "JPN", "-s", name, "--format", "csv"])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(StringIO(r.stdout), dtype=str)
    table = _cached("KOR", "JPN", sample=True, year=None, basket=None, engine=None).table(name)
    assert list(df.columns) == [str(c) for c in table.columns]
    assert len(df) == len(table)


def test_json_document_with_every_section(tmp_path: Path) -> None:
    # end to end, no cache: the real API on the sample
    out = tmp_path / "kj.json"
    r = runner.invoke(app, ["partner", "KOR", "JPN", "--format", "json", "--output", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text("utf-8"))
    assert (doc["a"], doc["b"], doc["year"]) == ("KOR", "JPN", 2024)
    assert [s["name"] for s in doc["sections"]] == list(SECTION_NAMES)
    for s in doc["sections"]:
        assert s["units"] and s["years"] and s["source"]
        assert s["rows"] or s["notes"]
        assert all(set(row) == set(s["columns"]) for row in s["rows"])
    derisk = next(s for s in doc["sections"] if s["name"] == "derisking")
    magnets = [r for r in derisk["rows"] if r["hs"] == "850511"]
    assert magnets and magnets[0]["risky_supplier"] == "CHN"


def test_json_one_section_to_stdout(cached: None) -> None:
    r = runner.invoke(app, ["partner", "KOR", "JPN", "-s", "shared", "-f", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [s["name"] for s in doc["sections"]] == ["shared"]
    assert doc["sections"][0]["rows"][0]["hs"] == "720293"


def test_parquet_needs_a_section_and_a_file(tmp_path: Path, cached: None) -> None:
    out = tmp_path / "agenda.parquet"
    r = runner.invoke(
        app, ["partner", "KOR", "JPN", "-s", "agenda", "-f", "parquet", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert len(pd.read_parquet(out)) > 0
    r = runner.invoke(app, ["partner", "KOR", "JPN", "-f", "parquet", "-o", str(out)])
    assert r.exit_code == 2 and "--section" in r.output


def test_table_to_a_file(tmp_path: Path, cached: None) -> None:
    out = tmp_path / "kj.txt"
    r = runner.invoke(app, ["partner", "KOR", "JPN", "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert all(f"{s.number}. {s.title}" in text for s in SECTIONS)


def test_basket_and_year_options(cached: None) -> None:
    r = runner.invoke(
        app, ["partner", "KOR", "JPN", "--basket", "semiconductors", "-s", "complementarity"]
    )
    assert r.exit_code == 0, r.output
    assert "basket semiconductors" in r.stdout
    r = runner.invoke(
        app, ["partner", "KOR", "JPN", "--year", "2019", "-s", "products", "-f", "csv"]
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(StringIO(r.stdout), dtype={"hs": str})
    assert set(df["year"]) == {2019} and "281111" in set(df["hs"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["KOR", "KOR"], "two different countries"),
        (["KOR", "XXX"], "unknown country"),
        (["KOR", "G7"], "a partnership is between two countries"),
        (["KOR", "JPN", "--year", "1990"], "years in the loaded data"),
        (["KOR", "JPN", "--basket", "chips"], "unknown basket"),
        (["KOR", "JPN", "--section", "nope"], "allowed: complementarity"),
        (["KOR", "JPN", "--format", "csv"], "add --section NAME"),
    ],
)
def test_errors_are_one_line_with_the_fix(args: list[str], message: str) -> None:
    r = runner.invoke(app, ["partner", *args])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())


def test_an_empty_section_prints_no_rows(cached: None) -> None:
    # In 2024 Korea and Japan share no dependency on one supplier among the sample's
    # semiconductor products (the API's table is empty); the terminal view used to
    # crash on the empty table's untyped 'level' column.
    p = _cached("KOR", "JPN", sample=True, year=2024, basket="semiconductors", engine=None)
    assert p.section("shared").table.empty
    r = runner.invoke(app, ["partner", "KOR", "JPN", "--basket", "semiconductors", "-y", "2024"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    shared = out.split("3. Shared vulnerabilities")[1].split("4. Third markets")[0]
    assert "(no rows: see the notes)" in shared
    assert "7. Cooperation agenda" in out
