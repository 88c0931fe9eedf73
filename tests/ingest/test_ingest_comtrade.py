"""UN Comtrade ingest on real files (tests/data, copied from ../shared/data by
scripts/build_fixtures.py). Expected figures come from pandas reading the same CSV
directly, independently of ecosec's SQL."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from ecosec import api
from ecosec.errors import BadFile
from tests.conftest import DATA, flows_of, totals_of


def _tables(store: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return flows_of(store), totals_of(store)


def test_legacy_hf_2014_keeps_reporter_side_and_world_totals(store: Path) -> None:
    src = pd.read_csv(DATA / "comtrade_legacy_hf_2014.csv", dtype=str, keep_default_na=False)
    result = api.ingest_comtrade(DATA / "comtrade_legacy_hf_2014.csv", store=store)
    flows, totals = _tables(store)
    # The summary counts each row once (counted from the CSV here): a World row that is
    # a re-export is dropped, not also "kept as totals".
    reflow = src["Trade Flow"].str.startswith("Re-")
    world = (src["Partner ISO"] == "WLD") & ~reflow
    assert f"{len(src)} data rows read" in result.notes
    assert f"{world.sum()} rows with partner World kept as country totals" in result.notes
    assert f"{reflow.sum()} re-export/re-import rows dropped" in result.notes
    assert len(src) == len(flows) + world.sum() + reflow.sum()
    # Japan's reported imports of HF from China (reporter side M) = the CSV's row.
    row = src[
        (src["Reporter ISO"] == "JPN")
        & (src["Partner ISO"] == "CHN")
        & (src["Trade Flow"] == "Import")
    ]
    got = flows[
        (flows["importer"] == "JPN")
        & (flows["exporter"] == "CHN")
        & (flows["reporter_side"] == "M")
    ]
    assert len(row) == 1 and len(got) == 1
    assert got["value_usd"].iloc[0] == float(row["Trade Value (US$)"].iloc[0])
    assert got["qty_t"].iloc[0] == pytest.approx(float(row["Netweight (kg)"].iloc[0]) / 1000)
    assert got["hs6"].iloc[0] == "281111" and got["hs_rev"].iloc[0] == "HS12"
    # Korea's reported exports to Japan are kept as the exporter's report (side X).
    kx = flows[(flows["exporter"] == "KOR") & (flows["importer"] == "JPN")]
    assert set(kx["reporter_side"]) <= {"X", "M"} and len(kx) >= 1
    # World rows are totals, not a partner country.
    world = src[(src["Partner ISO"] == "WLD")]
    assert "WLD" not in set(flows["exporter"]) | set(flows["importer"])
    jpn_m = totals[(totals["country"] == "JPN") & totals["partner"].isna()]["imports_usd"].sum()
    exp = (
        world[(world["Reporter ISO"] == "JPN") & (world["Trade Flow"] == "Import")][
            "Trade Value (US$)"
        ]
        .astype(float)
        .sum()
    )
    assert jpn_m == exp > 0


def test_countries_with_two_numeric_codes_are_stored_once(store: Path) -> None:
    # BEL (56 and Belgium-Luxembourg 58), DEU (276, 280), SDN (729, 736) have two rows
    # each in the country table; a join on the ISO code once stored their rows twice.
    path = DATA / "comtrade_legacy_hf_2014.csv"
    src = pd.read_csv(path, dtype=str, keep_default_na=False)
    api.ingest_comtrade(path, store=store)
    flows, _ = _tables(store)
    # Kept: imports and exports by partner (World rows are totals, re-exports dropped).
    kept = src[(src["Partner ISO"] != "WLD") & src["Trade Flow"].isin(["Import", "Export"])]
    assert len(flows) == len(kept) == 72
    # The USA's reported imports from Belgium: one row of 6,585 USD in the file.
    got = flows[(flows["exporter"] == "BEL") & (flows["importer"] == "USA")]
    got = got[got["reporter_side"] == "M"]
    assert len(got) == 1 and got["value_usd"].iloc[0] == 6585.0
    assert flows["value_usd"].sum() == pytest.approx(
        kept["Trade Value (US$)"].astype(float).sum(), rel=1e-12
    )


def test_legacy_row_count_and_total_match_pandas(store: Path) -> None:
    path = DATA / "comtrade_legacy_kor_from_jpn_2018_head.csv"
    src = pd.read_csv(path, dtype=str, keep_default_na=False)
    api.ingest_comtrade(path, store=store)
    flows, _ = _tables(store)
    six = src[src["Aggregate Level"] == "6"]
    assert len(flows) == len(six)
    assert flows["value_usd"].sum() == pytest.approx(
        six["Trade Value (US$)"].astype(float).sum(), rel=1e-12
    )
    assert set(flows["importer"]) == {"KOR"} and set(flows["exporter"]) == {"JPN"}
    # Leading zero restored: '10619' → '010619'.
    assert "010619" in set(flows["hs6"])


def test_comtradeplus_monthly_latin1_world_rows_are_totals(store: Path) -> None:
    path = DATA / "comtradeplus_monthly_8542_2025.csv"
    # Each data row ends with one empty field the header lacks; strip it for pandas.
    text = path.read_text(encoding="latin-1").replace(",\n", "\n")
    src = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    r = api.ingest_comtrade(path, store=store)
    _, totals = _tables(store)
    assert r.dataset.manifest["rows"] == 0  # every row has partner World
    assert set(totals["hs"]) == {"8542"}
    assert totals["period"].min() >= 202501 and set(totals["freq"]) == {"M"}
    kor = src[
        (src["reporterISO"] == "JPN") & (src["period"] == "202503") & (src["flowCode"] == "X")
    ]
    got = totals[(totals["country"] == "JPN") & (totals["period"] == 202503)]["exports_usd"].sum()
    assert got == pytest.approx(kor["primaryValue"].astype(float).sum()) and got > 1e9
    # `ecosec datasets` describes a totals-only source too (freq and countries were blank)
    listed = api.datasets(store=store).iloc[0]
    assert listed["freq"] == "M" and listed["countries"] == totals["country"].nunique() > 50


def test_comtradeplus_annual(store: Path) -> None:
    path = DATA / "comtradeplus_annual_8542_head.csv"
    api.ingest_comtrade(path, store=store)
    _, totals = _tables(store)
    assert set(totals["freq"]) == {"A"} and totals["period"].min() == 2013


def test_missing_column_is_named(tmp_path: Path, store: Path) -> None:
    text = (DATA / "comtrade_legacy_hf_2014.csv").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("Commodity Code", "Commodity Kode", 1))
    with pytest.raises(BadFile, match="'Commodity Code'"):
        api.ingest_comtrade(bad, store=store)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Trade Value (US$)", "12x", "trade value 12x is not a number between 0 and 1e15"),
        # NaN >= 0 is true in DuckDB and 1e400 reads as inf: both were stored.
        ("Trade Value (US$)", "nan", "trade value nan is not a number between 0 and 1e15"),
        ("Trade Value (US$)", "1e400", "trade value 1e400 is not a number between 0 and 1e15"),
        ("Trade Value (US$)", "-1", "trade value -1 is not a number between 0 and 1e15"),
        ("Netweight (kg)", "inf", "net weight inf is not a number between 0 and 1e15 kg"),
    ],
    ids=["non-numeric", "nan", "overflow", "negative", "infinite-weight"],
)
def test_bad_value_names_the_file(
    tmp_path: Path, store: Path, column: str, value: str, message: str
) -> None:
    import csv

    lines = (DATA / "comtrade_legacy_hf_2014.csv").read_text().splitlines()
    idx = lines[0].split(",").index(column)
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    rows[3][idx] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    bad = tmp_path / "bad.csv"
    bad.write_text(buf.getvalue())
    with pytest.raises(BadFile, match=rf"bad\.csv: {message} \(row 2014,"):
        api.ingest_comtrade(bad, store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


def test_empty_and_wrong_files(tmp_path: Path, store: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(BadFile, match="empty"):
        api.ingest_comtrade(empty, store=store)
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(BadFile, match="not a UN Comtrade CSV"):
        api.ingest_comtrade(other, store=store)
    header_only = tmp_path / "header.csv"
    header_only.write_text(
        (DATA / "comtrade_legacy_hf_2014.csv").read_text().splitlines()[0] + "\n"
    )
    with pytest.raises(BadFile, match="no trade rows"):
        api.ingest_comtrade(header_only, store=store)
    # A folder, a workbook and a semicolon file, each named for what it is.
    with pytest.raises(BadFile, match="is a folder; give the path of one UN Comtrade CSV"):
        api.ingest_comtrade(tmp_path, store=store)
    with pytest.raises(BadFile, match=r"is an Excel workbook.*ingest customs"):
        api.ingest_comtrade(DATA / "korea_customs_hf_2811111000.xlsx", store=store)
    semi = tmp_path / "semi.csv"
    semi.write_text(
        (DATA / "comtrade_legacy_hf_2014.csv").read_text().splitlines()[0].replace(",", ";") + "\n"
    )
    with pytest.raises(BadFile, match="separated by semicolons"):
        api.ingest_comtrade(semi, store=store)
    # UTF-16 (Excel's "Unicode text"): named, and no NUL bytes printed.
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes((DATA / "comtrade_legacy_hf_2014.csv").read_text().encode("utf-16"))
    with pytest.raises(BadFile, match=r"utf16\.csv: is UTF-16 text .*save it as CSV UTF-8"):
        api.ingest_comtrade(utf16, store=store)
    # A pipe is not read (it could block or never end), and says so.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(BadFile, match=r"pipe\.csv: is not a regular file \(a pipe"):
        api.ingest_comtrade(fifo, store=store)
    with pytest.raises(BadFile, match=r"nothing\.csv: no such file"):
        api.ingest_comtrade(tmp_path / "nothing.csv", store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


def test_a_column_named_twice_is_refused(tmp_path: Path, store: Path) -> None:
    # A second 'Trade Value (US$)' column (of 1s) placed first was read instead of the
    # real one: 400 USD stored for 561,872,744.
    lines = (DATA / "comtrade_legacy_hf_2014.csv").read_text().splitlines()
    twice = [f"Trade Value (US$),{lines[0]}"] + [f"1,{line}" for line in lines[1:]]
    bad = tmp_path / "twice.csv"
    bad.write_text("\n".join(twice) + "\n")
    with pytest.raises(
        BadFile, match=r"twice\.csv \(line 1\): the column 'Trade Value \(US\$\)' appears 2 times"
    ):
        api.ingest_comtrade(bad, store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


def _edit_row(text: str, line: int, old: str, new: str) -> str:
    lines = text.splitlines()
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # Found by the fuzz test's independent reading: letters were stripped, and
        # 2812Pr111 was stored as product 281211.
        (",281111,", ",2812Pr111,", r"commodity code 2812Pr111 is not an HS code"),
        # A field lost (two merged): the row's values were read one column off.
        (
            ",2014,6,1,",
            ",2014,61,",
            r"\(line 4\): a row of 34 fields where the file's rows have 35",
        ),
        (",281111,", ",281111,extra,", r"\(line 4\): a row of 36 fields where the file's rows"),
        # An unbalanced quote swallowed the next rows into one field.
        (",Japan,", ',"Japan,', r"\(line 4\): .*unbalanced quote"),
    ],
    ids=["letters-in-code", "field-lost", "field-added", "open-quote"],
)
def test_damaged_rows_are_refused_not_read_shifted(
    tmp_path: Path, store: Path, old: str, new: str, message: str
) -> None:
    text = (DATA / "comtrade_legacy_hf_2014.csv").read_text()
    bad = tmp_path / "damaged.csv"
    bad.write_text(_edit_row(text, 4, old, new))
    with pytest.raises(BadFile, match=message):
        api.ingest_comtrade(bad, store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


def test_a_code_longer_than_its_level_is_dropped_not_cut(tmp_path: Path, store: Path) -> None:
    # lpad cut 2481111 (level 6) to 248111, a real product, and stored the row there.
    text = (DATA / "comtrade_legacy_hf_2014.csv").read_text()
    path = tmp_path / "long.csv"
    path.write_text(_edit_row(text, 4, ",281111,", ",2481111,"))
    result = api.ingest_comtrade(path, store=store)
    assert set(flows_of(store)["hs6"]) == {"281111"}
    assert any("code that is not HS2/4/6" in n for n in result.notes), result.notes


def test_mixed_line_endings_are_named(tmp_path: Path, store: Path) -> None:
    # Two files joined (CRLF, then LF): the strict reader's own error named nothing.
    lines = (DATA / "comtrade_legacy_hf_2014.csv").read_bytes().replace(b"\r\n", b"\n")
    parts = lines.split(b"\n")
    path = tmp_path / "joined.csv"
    path.write_bytes(b"\r\n".join(parts[:40]) + b"\r\n" + b"\n".join(parts[40:]))
    with pytest.raises(BadFile, match=r"joined\.csv: its lines end in two ways, Windows \(CRLF\)"):
        api.ingest_comtrade(path, store=store)
    path.write_bytes(b"\r\n".join(parts))  # one kind throughout: read
    assert api.ingest_comtrade(path, store=store).dataset.manifest["rows"] == 72
