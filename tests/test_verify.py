"""``ecosec verify``: passes on intact data, fails loudly on altered files or results.

Every new check has an honest pass on real data (the embedded sample, the real UN
Comtrade and Korea customs fixtures of tests/data) and a tamper test: something is
altered behind the store's or the engine's back, and verify must report it and the CLI
must exit 1.
"""

from __future__ import annotations

import dataclasses
import doctest
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import ecosec.engine.dependency as engine_dependency
import ecosec.engine.scenario as engine_scenario
from ecosec import api, api_scenario, refdata
from ecosec import verify as verify_mod
from ecosec.cli import app
from ecosec.verify import verify
from tests.conftest import DATA, sample_baci_2024, write_baci_zip

runner = CliRunner()

LEGACY = DATA / "comtrade_legacy_kor_from_jpn_2018_head.csv"
PLUS_MONTHLY = DATA / "comtradeplus_monthly_8542_2025.csv"
HF_CUSTOMS = DATA / "korea_customs_hf_2811111000.xlsx"


def _failed(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["ok"]]


def _cli_verify(*args: str, tmp: Path) -> tuple[int, pd.DataFrame]:
    """Run ``ecosec verify`` as a user would; its exit code and its JSON table."""
    out = tmp / "verify.json"
    r = runner.invoke(app, ["verify", *args, "--format", "json", "--output", str(out)])
    return r.exit_code, pd.DataFrame(json.loads(out.read_text("utf-8")))


def test_sample_and_fresh_ingest_pass(baci_zip: Path, store: Path) -> None:
    # The docstring runs verify on the sample: every check passes, among them five per
    # full cut by the sample's three largest exporters of 2022 (its widest year).
    result = doctest.testmod(verify_mod)
    assert result.failed == 0 and result.attempted >= 3
    api.ingest_baci(baci_zip, store=store)
    df = verify(store=store, deep=True)
    assert df["ok"].all()
    src = df[df["check"] == "source"]
    # The source-file figures were recomputed (not skipped): rows of the real sample,
    # and every row matched whole against the stored Parquet.
    assert len(src) == 3 and src["expected"].iloc[0] == 21723
    assert src["subject"].iloc[2].endswith("rows that differ from the source file")
    assert src["found"].iloc[2] == 0
    assert (df["check"] == "scenario").sum() == 5 * verify_mod.SCENARIO_SUPPLIERS


def test_altered_parquet_is_reported(baci_zip: Path, store: Path) -> None:
    api.ingest_baci(baci_zip, store=store)
    ds = api.catalog(store=store).datasets[0]
    part = ds.flows_files[0]
    df = pd.read_parquet(part)
    df.iloc[:-10].to_parquet(part, index=False)  # ten rows lost behind the store's back
    out = verify(store=store)
    bad = out[~out["ok"]]
    assert set(bad["check"]) == {"manifest"} and len(bad) == 2
    r = runner.invoke(app, ["verify", "--store", str(store)])
    assert r.exit_code == 1 and "2 check(s) failed" in r.output


def test_rows_altered_with_totals_kept_are_reported_by_deep(
    baci_zip: Path, store: Path, tmp_path: Path
) -> None:
    # Two values swapped and one exporter renamed in the Parquet: rows, total value and
    # the manifest all still agree, so only the row-by-row source comparison can tell.
    api.ingest_baci(baci_zip, store=store)
    part = api.catalog(store=store).datasets[0].flows_files[0]
    df = pd.read_parquet(part)
    df.loc[[0, 1], "value_usd"] = df.loc[[1, 0], "value_usd"].to_numpy()
    assert df.loc[0, "value_usd"] != df.loc[1, "value_usd"]
    df.loc[2, "exporter"] = "PRK" if df.loc[2, "exporter"] != "PRK" else "NOR"
    df.to_parquet(part, index=False)
    assert verify(store=store)["ok"].all()  # without --deep nothing can see it
    code, out = _cli_verify("--store", str(store), "--deep", tmp=tmp_path)
    bad = _failed(out)
    assert code == 1 and len(bad) == 1, bad
    row = bad.iloc[0]
    assert row["subject"].endswith("rows that differ from the source file")
    # Three source rows are not stored as read, three stored rows are not in the source.
    assert row["found"] == 3
    assert row["detail"].startswith("3 source rows not stored as read, 3 stored rows not in")


def test_deep_reports_a_stored_row_without_value(baci_zip: Path, store: Path) -> None:
    # The example row of the failed check was formatted with {v:,.0f}: a traceback.
    api.ingest_baci(baci_zip, store=store)
    part = api.catalog(store=store).datasets[0].flows_files[0]
    df = pd.read_parquet(part)
    extra = df.iloc[[3]].assign(value_usd=None)  # a row the source does not have
    pd.concat([df, extra]).to_parquet(part, index=False)
    out = verify(store=store, deep=True)
    bad = out[(out["check"] == "source") & ~out["ok"]]
    differ = bad[bad["subject"].str.endswith("rows that differ from the source file")]
    assert len(differ) == 1
    assert differ.iloc[0]["detail"].startswith("0 source rows not stored as read, 1 stored")
    assert "stored row 2024" in differ.iloc[0]["detail"] and "no value" in differ.iloc[0]["detail"]


def test_deep_reads_the_country_table_whatever_its_header_case(tmp_path: Path, store: Path) -> None:
    # Ingest matches the table's column names case-insensitively; verify's own reader
    # did not, and then reported every row as differing.
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024().head(300))
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in members if n.startswith("country_codes"))
    head, rest = members[name].split(b"\n", 1)
    members[name] = head.upper() + b"\n" + rest
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    api.ingest_baci(path, store=store)
    out = verify(store=store, deep=True)
    assert out["ok"].all(), out[~out["ok"]]


def test_missing_or_damaged_files_are_reported(baci_zip: Path, store: Path) -> None:
    """A version whose only flows file is gone used to pass (its checks were skipped);
    a file that is not Parquet was a traceback. Both are failed checks now, and an
    analysis on such a store is one line (exit 1) naming what to do."""
    api.ingest_baci(baci_zip, store=store)
    part = api.catalog(store=store).datasets[0].flows_files[0]
    data = part.read_bytes()
    part.unlink()
    bad = _failed(verify(store=store))
    assert bad["subject"].tolist() == [f"baci-hs17-v202601: {part.name}"]
    part.write_bytes(b"garbage")
    bad = _failed(verify(store=store))
    assert bad["subject"].tolist() == ["baci-hs17-v202601: files readable"]
    assert "Parquet" in bad["detail"].iloc[0]
    r = runner.invoke(app, ["verify", "--store", str(store)])
    assert r.exit_code == 1 and "1 check(s) failed" in r.output
    r = runner.invoke(app, ["dependencies", "KOR", "--store", str(store)])
    assert r.exit_code == 1 and "cannot be read" in r.output and "ecosec verify" in r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    part.write_bytes(data)
    assert verify(store=store)["ok"].all()


# --- scenario conservation ---------------------------------------------------------------


def _shortfall_off(s: api_scenario.Scenario) -> api_scenario.Scenario:
    """One importer×product's shortfall 1 USD m too large: lost ≠ covered + shortfall."""
    short = s.shortfall.copy()
    short.loc[0, "shortfall_usd"] += 1e6
    return dataclasses.replace(s, shortfall=short)


def _covered_beyond_lost(s: api_scenario.Scenario) -> api_scenario.Scenario:
    """Covered above lost, shortfall negative: the sum holds, the bounds do not."""
    short = s.shortfall.copy()
    short.loc[0, "covered_usd"] = short.loc[0, "lost_usd"] + 1e6
    short.loc[0, "shortfall_usd"] = -1e6
    return dataclasses.replace(s, shortfall=short)


def _substitution_doubled(s: api_scenario.Scenario) -> api_scenario.Scenario:
    """One alternative exporter's contribution counted twice."""
    subs = s.substitution.copy()
    subs.loc[subs["covered_usd"].idxmax(), "covered_usd"] *= 2
    return dataclasses.replace(s, substitution=subs)


@pytest.mark.parametrize(
    ("tamper", "failing"),
    [
        (_shortfall_off, {"lost = covered + shortfall", "total lost", "per-importer tables"}),
        (
            _covered_beyond_lost,
            {"lost = covered + shortfall", "per-importer tables", "substitution"},
        ),
        (_substitution_doubled, {"substitution rows"}),
    ],
)
def test_scenario_tampered_result_is_reported(
    tamper: Callable[[api_scenario.Scenario], api_scenario.Scenario],
    failing: set[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(verify_mod, "SCENARIO_SUPPLIERS", 1)  # one cut is enough here
    real = api_scenario.scenario
    monkeypatch.setattr(api_scenario, "scenario", lambda *a, **k: tamper(real(*a, **k)))
    code, df = _cli_verify(tmp=tmp_path)
    bad = _failed(df)
    assert code == 1
    assert set(bad["check"]) == {"scenario"}
    assert {f for f in failing for s in bad["subject"] if f in s} == failing
    assert len(bad) == len(failing)


def test_scenario_reading_wrong_flows_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An engine bug: the scenario's trade relation inflates every flow by 1%. The
    scenario stays internally consistent; only lost = the supplier's exports catches it."""
    monkeypatch.setattr(verify_mod, "SCENARIO_SUPPLIERS", 1)
    real = engine_scenario.trade_sql

    def inflated(**kw: Any) -> str:
        return f"SELECT * REPLACE (value_usd * 1.01 AS value_usd) FROM ({real(**kw)})"

    monkeypatch.setattr(engine_scenario, "trade_sql", inflated)
    code, df = _cli_verify(tmp=tmp_path)
    bad = _failed(df)
    assert code == 1 and len(bad) == 1
    row = bad.iloc[0]
    assert "exports of 30 products" in row["subject"]
    assert row["found"] == pytest.approx(1.01 * row["expected"], rel=1e-9)


def test_engine_share_bug_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An engine bug: supplier shares taken over a whole year instead of per importer and
    product. verify runs the engine's own share query, so the sums show it."""
    monkeypatch.setattr(verify_mod, "SCENARIO_SUPPLIERS", 1)
    real = engine_dependency.supplier_share_sql

    def per_year(*a: Any, **kw: Any) -> str:
        sql = real(*a, **kw)
        assert "PARTITION BY year, importer, hs6" in sql
        return sql.replace("PARTITION BY year, importer, hs6", "PARTITION BY year")

    monkeypatch.setattr(engine_dependency, "supplier_share_sql", per_year)
    code, df = _cli_verify(tmp=tmp_path)
    bad = _failed(df)
    assert code == 1 and list(bad["check"]) == ["shares"]
    assert 0.5 < bad.iloc[0]["found"] <= 1  # one year's share of a product: far from 1


# --- UN Comtrade and Korea customs source files ------------------------------------------


def _without_duplicated_iso(src: Path, tmp: Path) -> Path:
    """The real fixture less the reporters BEL, DEU and SDN (see the xfail test below)."""
    lines = src.read_text(encoding="latin-1").splitlines(keepends=True)
    keep = [lines[0]] + [x for x in lines[1:] if not any(f'"{c}"' in x for c in ("BEL", "DEU", "SDN"))]  # fmt: skip
    out = tmp / "comtradeplus_monthly_8542_2025_part.csv"
    out.write_text("".join(keep), encoding="latin-1")
    return out


def _ingest_real(store: Path, tmp: Path) -> None:
    api.ingest_comtrade(LEGACY, store=store, name="legacy")
    api.ingest_comtrade(_without_duplicated_iso(PLUS_MONTHLY, tmp), store=store, name="plus")
    api.ingest_customs(HF_CUSTOMS, preset="kr-monthly", store=store, name="customs")


def test_comtrade_and_customs_sources_pass(store: Path, tmp_path: Path) -> None:
    _ingest_real(store, tmp_path)
    df = verify(store=store, deep=True)
    assert df["ok"].all(), _failed(df)
    src = df[df["check"] == "source"].set_index("subject")
    assert not src["detail"].str.contains("skipped").any()
    # The figures match pandas reading the same files (independently of both readers).
    legacy = pd.read_csv(LEGACY, dtype=str, keep_default_na=False)
    assert src.loc["legacy: flows rows from the source file", "expected"] == len(legacy) == 400
    assert src.loc["legacy: flows value from the source file", "expected"] == pytest.approx(
        legacy["Trade Value (US$)"].astype(float).sum(), rel=1e-12
    )
    text = _without_duplicated_iso(PLUS_MONTHLY, tmp_path).read_text("latin-1")
    plus = pd.read_csv(io.StringIO(text.replace(",\n", "\n")), dtype=str, keep_default_na=False)
    plus = plus[plus["reporterISO"].isin(set(refdata.countries()["code"]))]
    assert src.loc["plus: totals value from the source file", "found"] == pytest.approx(
        plus["primaryValue"].astype(float).sum(), rel=1e-12
    )
    book = pd.read_excel(HF_CUSTOMS)
    book = book[book["Country"].notna()]
    assert src.loc["customs: flows value from the source file", "found"] == pytest.approx(
        book["Import_dollar"].sum() + book["Export_dollar"].sum(), rel=1e-12
    )
    assert "1,052 data rows" in src.loc["customs: flows rows from the source file", "detail"]


def _rewrite(path: Path, change: Callable[[pd.DataFrame], None]) -> None:
    df = pd.read_parquet(path)
    change(df)
    df.to_parquet(path, index=False)


def test_swapped_comtrade_values_are_reported(store: Path, tmp_path: Path) -> None:
    """Two flows' values swapped: rows and total unchanged, so the manifest still agrees;
    only the key-by-key comparison with the source file sees it."""
    api.ingest_comtrade(LEGACY, store=store, name="legacy")
    part = api.catalog(store=store).datasets[0].flows_files[0]

    def swap(df: pd.DataFrame) -> None:
        df.loc[[0, 1], "value_usd"] = df.loc[[1, 0], "value_usd"].to_numpy()

    _rewrite(part, swap)
    code, df = _cli_verify("--store", str(store), "--deep", tmp=tmp_path)
    bad = _failed(df)
    assert code == 1 and len(bad) == 1
    assert bad.iloc[0]["subject"] == "legacy: flows rows that differ from the source file"
    assert bad.iloc[0]["found"] == 2 and "e.g. 2018 A JPN KOR" in bad.iloc[0]["detail"]


def test_altered_customs_value_with_matching_manifest_is_reported(
    store: Path, tmp_path: Path
) -> None:
    """A value and the manifest altered together: only the source file can tell."""
    api.ingest_customs(HF_CUSTOMS, preset="kr-monthly", store=store, name="customs")
    ds = api.catalog(store=store).datasets[0]

    def bump(df: pd.DataFrame) -> None:
        df.loc[0, "value_usd"] += 1000.0

    _rewrite(ds.flows_files[0], bump)
    manifest = ds.path / "manifest.json"
    m = json.loads(manifest.read_text("utf-8"))
    m["value_usd"] += 1000.0
    manifest.write_text(json.dumps(m), "utf-8")
    code, df = _cli_verify("--store", str(store), "--deep", tmp=tmp_path)
    bad = _failed(df)
    assert code == 1
    assert set(bad["subject"]) == {
        "customs: flows value from the source file",
        "customs: flows rows that differ from the source file",
    }
    value = bad[bad["subject"].str.contains("value")].iloc[0]
    assert value["found"] - value["expected"] == pytest.approx(1000.0)


def test_comtrade_with_belgium_and_germany_passes(store: Path) -> None:
    # Regression: rows of reporters or partners BEL, DEU, SDN (two numeric codes each in
    # the country table) were stored twice; verify's independent re-read caught it.
    api.ingest_comtrade(DATA / "comtrade_legacy_hf_2014.csv", store=store, name="hf")
    df = verify(store=store, deep=True)
    assert df["ok"].all(), _failed(df)[["subject", "expected", "found", "detail"]]
