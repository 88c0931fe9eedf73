"""Korea customs monthly preset on a real fixture (the hydrogen fluoride item of the
Korea Customs Service workbook, copied by scripts/build_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosec import api
from ecosec.errors import BadFile, BadInput
from tests.conftest import DATA, flows_of

HF = DATA / "korea_customs_hf_2811111000.xlsx"


def _flows(store: Path) -> pd.DataFrame:
    return flows_of(store)


def _japan_share_by_pandas(year: int) -> float:
    """Independent computation straight from the workbook with pandas."""
    book = pd.read_excel(HF)
    y = book[(book["Year"] == year) & book["Country"].notna()]
    return float(y.loc[y["Country"] == "Japan", "Import_dollar"].sum() / y["Import_dollar"].sum())


@pytest.mark.parametrize("year", [2018, 2019, 2020])
def test_japan_share_of_korea_hf_imports(store: Path, year: int) -> None:
    api.ingest_customs(HF, preset="kr-monthly", store=store)
    f = _flows(store)
    m = f[(f["importer"] == "KOR") & (f["period"] // 100 == year)]
    share = m.loc[m["exporter"] == "JPN", "value_usd"].sum() / m["value_usd"].sum()
    assert share == pytest.approx(_japan_share_by_pandas(year), rel=1e-12)


def test_published_hf_shares() -> None:
    """Published figures: Japan's share of Korea's HF imports fell from about 42% in
    2018 to about 13% in 2020 (Korea Customs Service; reported widely after the
    July 2019 controls)."""
    assert _japan_share_by_pandas(2018) == pytest.approx(0.42, abs=0.02)
    assert _japan_share_by_pandas(2020) == pytest.approx(0.13, abs=0.02)


def test_mapping(store: Path) -> None:
    api.ingest_customs(HF, preset="kr-monthly", store=store)
    f = _flows(store)
    assert set(f["hs6"]) == {"281111"} and set(f["freq"]) == {"M"}
    assert set(f["source"]) == {"customs-KR"}
    assert f["period"].min() == 200001 and f["period"].max() // 100 == 2021
    imports = f[f["reporter_side"] == "M"]
    assert set(imports["importer"]) == {"KOR"}
    book = pd.read_excel(HF)
    row = book[(book["Country"] == "Japan") & (book["Year"] == 2019) & (book["Month"] == 7)].iloc[0]
    got = imports[(imports["exporter"] == "JPN") & (imports["period"] == 201907)].iloc[0]
    assert got["value_usd"] == row["Import_dollar"]
    assert got["qty_t"] == pytest.approx(row["Import_weight"] / 1000)


def test_bad_preset_and_bad_values(tmp_path: Path, store: Path) -> None:
    with pytest.raises(BadInput, match="kr-monthly"):
        api.ingest_customs(HF, preset="kr-month", store=store)
    book = pd.read_excel(HF, dtype=str)
    book.loc[4, "Import_dollar"] = "-12"
    bad = tmp_path / "bad.xlsx"
    book.to_excel(bad, index=False)
    with pytest.raises(BadFile, match=r"line 6, column 'Import_dollar'.*'-12'"):
        api.ingest_customs(bad, preset="kr-monthly", store=store)
    for value in ("inf", "1e400", "Infinity"):  # each read as inf by DuckDB; "nan" is NA to pandas
        book = pd.read_excel(HF, dtype=str)
        book.loc[4, "Import_weight"] = value
        book.to_excel(bad, index=False)
        with pytest.raises(
            BadFile, match=rf"column 'Import_weight'\): value '{value}' is not a number between"
        ):
            api.ingest_customs(bad, preset="kr-monthly", store=store)
    book = pd.read_excel(HF, dtype=str).rename(columns={"Country": "Nation"})
    book.to_excel(bad, index=False)
    with pytest.raises(BadFile, match="Country"):
        api.ingest_customs(bad, preset="kr-monthly", store=store)
    (tmp_path / "broken.xlsx").write_bytes(HF.read_bytes()[:1000])
    with pytest.raises(BadFile, match="cannot be read"):
        api.ingest_customs(tmp_path / "broken.xlsx", preset="kr-monthly", store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


def test_unknown_country_name(tmp_path: Path, store: Path) -> None:
    book = pd.read_excel(HF, dtype=str)
    book.loc[2, "Country"] = "Atlantis"
    bad = tmp_path / "bad.xlsx"
    book.to_excel(bad, index=False)
    with pytest.raises(BadFile, match="'Atlantis'"):
        api.ingest_customs(bad, preset="kr-monthly", store=store)
