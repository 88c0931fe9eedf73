"""BACI ingest on real bytes: a BACI-layout zip built from the sample's real 2024 figures.

Expected totals come from an independent computation: DuckDB reading the zip's CSV
straight (no ecosec code), or pandas on the sample it was written from.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ecosec import api
from ecosec.errors import BadFile
from tests.conftest import DATA, flows_of, sample_baci_2024, write_baci_zip


def _flows(store: Path) -> pd.DataFrame:
    return flows_of(store)


def test_rows_and_totals_match_the_csv_read_independently(
    baci_zip: Path, store: Path, tmp_path: Path
) -> None:
    api.ingest_baci(baci_zip, store=store)
    with zipfile.ZipFile(baci_zip) as z:
        z.extract("BACI_HS17_Y2024_V202601.csv", tmp_path)
    ref = (
        duckdb.connect()
        .execute(
            f"""SELECT count(*), sum(v) * 1000, sum(TRY_CAST(trim(q) AS DOUBLE)),
                   count(*) FILTER (WHERE trim(q) = 'NA')
            FROM read_csv('{tmp_path / "BACI_HS17_Y2024_V202601.csv"}', all_varchar = false,
                          types = {{'q': 'VARCHAR'}})"""
        )
        .fetchone()
    )
    assert ref is not None
    got = _flows(store)
    assert len(got) == ref[0] == len(sample_baci_2024())
    assert got["value_usd"].sum() == pytest.approx(ref[1], rel=1e-12)
    assert got["qty_t"].sum() == pytest.approx(ref[2], rel=1e-12)
    assert got["qty_t"].isna().sum() == ref[3] > 0  # NA and padded NA both become null


def test_codes_are_mapped_and_padded(baci_zip: Path, store: Path) -> None:
    api.ingest_baci(baci_zip, store=store)
    got = _flows(store)
    assert got["hs6"].str.len().eq(6).all()
    assert set(got["source"]) == {"baci"} and set(got["reporter_side"]) == {"R"}
    assert set(got["hs_rev"]) == {"HS17"}
    # Taiwan is BACI's 490 → S19, not TWN.
    assert "S19" in set(got["exporter"]) and "TWN" not in set(got["exporter"])


def test_known_figure_china_share_of_world_magnet_exports_2024(baci_zip: Path, store: Path) -> None:
    """China's share of world exports of HS 850511 (permanent magnets) in BACI 2024.

    Reference: pandas on the sample's BACI 2024 flows (the figures the zip was built
    from; USD with three decimals of thousands, so exact to 1e-9).
    """
    api.ingest_baci(baci_zip, store=store)
    got = _flows(store)
    mag = got[got["hs6"] == "850511"]
    share = mag.loc[mag["exporter"] == "CHN", "value_usd"].sum() / mag["value_usd"].sum()
    src = sample_baci_2024()
    src = src[src["hs6"] == "850511"]
    expected = src.loc[src["exporter"] == "CHN", "value_usd"].sum() / src["value_usd"].sum()
    assert share == pytest.approx(expected, rel=1e-9)
    # Published context: China supplies about 60–70% of world magnet exports by value.
    assert 0.5 < share < 0.8


def test_second_ingest_of_the_same_file_adds_no_rows(baci_zip: Path, store: Path) -> None:
    first = api.ingest_baci(baci_zip, store=store)
    second = api.ingest_baci(baci_zip, store=store)
    assert first.changed and not second.changed
    assert second.dataset.version == first.dataset.version
    assert len(_flows(store)) == len(sample_baci_2024())


def test_a_folder_of_csvs_ingests_like_the_zip(baci_zip: Path, store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(baci_zip) as z:
        z.extractall(folder)
    api.ingest_baci(folder, store=store)
    assert len(_flows(store)) == len(sample_baci_2024())


def test_multi_year_zip(tmp_path: Path, store: Path) -> None:
    flows = sample_baci_2024().head(50)
    path = tmp_path / "BACI_HS17_V202601.zip"
    write_baci_zip(path, flows)
    with zipfile.ZipFile(path, "a") as z:
        text = z.read("BACI_HS17_Y2024_V202601.csv").decode().replace("\n2024,", "\n2023,")
        z.writestr("BACI_HS17_Y2023_V202601.csv", text)
    result = api.ingest_baci(path, store=store)
    assert result.dataset.manifest["years"] == [2023, 2024]
    assert len(_flows(store)) == 100


_NOT_AMOUNT = r"value {} is not a number between 0 and 1e\+12 \(thousand USD\) \(line 6: "


def test_two_files_of_one_year_are_refused(tmp_path: Path, store: Path) -> None:
    # The second (a 10-row copy in a subfolder) silently replaced the first: 200 rows lost.
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024().head(200))
    with zipfile.ZipFile(path, "a") as z:
        text = z.read("BACI_HS17_Y2024_V202601.csv").decode()
        z.writestr("extra/BACI_HS17_Y2024_V202601.csv", "".join(text.splitlines(True)[:11]))
    with pytest.raises(
        BadFile,
        match=r"holds 2 files for one year \(BACI_HS17_Y2024_V202601\.csv, "
        r"extra/BACI_HS17_Y2024_V202601\.csv\); one would overwrite the other",
    ):
        api.ingest_baci(path, store=store)
    assert api.catalog(store=store, sample=False).datasets == ()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t.replace("t,i,j,k,v,q", "t,i,j,k,value,q"), "expected the BACI header"),
        (lambda t: _replace_value(t, "-5.000"), _NOT_AMOUNT.format(re.escape("-5.0"))),
        (lambda t: _replace_value(t, "abc"), "not a number"),
        # DuckDB's sniffer failed naming ecosec's staged copy under .staging/, not a line.
        (lambda t: _replace_value(t, "0.005,99", field=5), r"rows do not parse as CSV \(a row"),
        (lambda t: _replace_value(t, '"2024', field=0), r"rows do not parse as CSV \(a row"),
        # DuckDB reads these as doubles; NaN >= 0 is true there, 1e308 thousand USD
        # overflows to inf in USD: each was stored, and tables showed blank imports.
        (lambda t: _replace_value(t, "nan"), _NOT_AMOUNT.format(re.escape("nan"))),
        (lambda t: _replace_value(t, "inf"), _NOT_AMOUNT.format(re.escape("inf"))),
        (lambda t: _replace_value(t, "1e308"), _NOT_AMOUNT.format(re.escape("1e+308"))),
        (lambda t: _replace_value(t, "2e12"), _NOT_AMOUNT.format(re.escape("2000000000000.0"))),
        (lambda t: _replace_value(t, "5.0", field=5), None),  # an ordinary quantity passes
        (lambda t: _replace_value(t, "nan", field=5), "quantity nan is not a number between"),
        (lambda t: _replace_value(t, "-inf", field=5), "quantity -inf is not a number between"),
    ],
    ids=[
        "renamed-column",
        "negative-value",
        "non-numeric",
        "extra-field",
        "open-quote",
        "nan-value",
        "inf-value",
        "overflowing-value",
        "absurd-value",
        "good-quantity",
        "nan-quantity",
        "inf-quantity",
    ],
)
def test_bad_rows_fail_with_file_and_line(
    tmp_path: Path, store: Path, mutate, expected: str
) -> None:  # type: ignore[no-untyped-def]
    flows = sample_baci_2024().head(20)
    good = tmp_path / "good.zip"
    write_baci_zip(good, flows)
    with zipfile.ZipFile(good) as z:
        text = z.read("BACI_HS17_Y2024_V202601.csv").decode()
    bad = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", flows, csv_text=mutate(text))
    if expected is None:
        api.ingest_baci(bad, store=store)
        assert _flows(store)["qty_t"].tolist().count(5.0) >= 1
        return
    with pytest.raises(BadFile, match=expected) as err:
        api.ingest_baci(bad, store=store)
    assert "BACI_HS17_Y2024_V202601.csv" in str(err.value)
    assert ".staging" not in str(err.value)
    assert api.catalog(store=store, sample=False).datasets == ()


def _replace_value(text: str, value: str, *, field: int = 4) -> str:
    lines = text.splitlines()
    fields = lines[5].split(",")
    fields[field] = value
    lines[5] = ",".join(fields)
    return "\n".join(lines) + "\n"


def test_unknown_exporter_names_line(tmp_path: Path, store: Path) -> None:
    flows = sample_baci_2024().head(20)
    good = write_baci_zip(tmp_path / "g.zip", flows)
    with zipfile.ZipFile(good) as z:
        lines = z.read("BACI_HS17_Y2024_V202601.csv").decode().splitlines()
    f = lines[7].split(",")
    f[1] = "999"
    lines[7] = ",".join(f)
    bad = write_baci_zip(
        tmp_path / "BACI_HS17_V202601.zip", flows, csv_text="\n".join(lines) + "\n"
    )
    with pytest.raises(BadFile, match=r"exporter code 999 is not in the country table \(line 8"):
        api.ingest_baci(bad, store=store)


def test_truncated_zip_is_refused_and_store_untouched(
    baci_zip: Path, store: Path, tmp_path: Path
) -> None:
    api.ingest_baci(baci_zip, store=store)
    before = api.datasets(store=store)
    truncated = tmp_path / "trunc" / "BACI_HS17_V202601.zip"
    truncated.parent.mkdir()
    data = baci_zip.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadFile, match="not a readable zip"):
        api.ingest_baci(truncated, store=store)
    pd.testing.assert_frame_equal(api.datasets(store=store), before)
    assert len(_flows(store)) == len(sample_baci_2024())


def test_not_a_zip(tmp_path: Path, store: Path) -> None:
    p = tmp_path / "BACI.zip"
    p.write_text("hello")
    with pytest.raises(BadFile, match="not a readable zip"):
        api.ingest_baci(p, store=store)


def test_empty_year_file(tmp_path: Path, store: Path) -> None:
    empty = write_baci_zip(
        tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024().head(0), csv_text="t,i,j,k,v,q\n"
    )
    with pytest.raises(BadFile, match="no trade rows"):
        api.ingest_baci(empty, store=store)


def test_zip_without_year_files(tmp_path: Path, store: Path) -> None:
    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(BadFile, match="holds no BACI year file"):
        api.ingest_baci(p, store=store)


def test_product_not_in_the_zip_product_table(tmp_path: Path, store: Path) -> None:
    flows = sample_baci_2024().head(20)
    good = write_baci_zip(tmp_path / "g.zip", flows)
    with zipfile.ZipFile(good) as z:
        lines = z.read("BACI_HS17_Y2024_V202601.csv").decode().splitlines()
    f = lines[3].split(",")
    f[3] = "999999"
    lines[3] = ",".join(f)
    bad = write_baci_zip(
        tmp_path / "BACI_HS17_V202601.zip", flows, csv_text="\n".join(lines) + "\n"
    )
    with pytest.raises(
        BadFile, match=r"product 999999 is not in the product table of the zip \(line 4"
    ):
        api.ingest_baci(bad, store=store)


def test_paths_with_quotes_ingest_and_query(baci_zip: Path, tmp_path: Path) -> None:
    # Every path reaches DuckDB as a SQL string literal (ingest.schema.sql_str): a quote
    # in a folder name must neither break nor inject into the SQL.
    import shutil

    import ecosec

    folder = tmp_path / "it's here"
    folder.mkdir()
    zip_path = Path(shutil.copy(baci_zip, folder / baci_zip.name))
    store = tmp_path / "O'Brien's store"
    api.ingest_baci(zip_path, store=store)
    src = sample_baci_2024()
    d = ecosec.dependencies("all", year=2024, store=store)
    assert d["imports_usd"].sum() == pytest.approx(
        src.loc[src["exporter"] != src["importer"], "value_usd"].sum(), rel=1e-9
    )
    api.ingest_comtrade(DATA / "comtrade_legacy_hf_2014.csv", store=store, name="hf")
    assert {"baci-hs17-v202601", "hf"} <= set(api.datasets(store=store)["name"])


def test_a_newer_release_replaces_the_older_in_queries(tmp_path: Path) -> None:
    """Two BACI releases covering 2024 (V202601 and V202604, the same 300 flows) are two
    datasets in the store, but queries read 2024 once, from the newer release: the
    dependency table equals that of one release (it used to double every import and
    halve top shares). A third dataset, HS22 for 2021 only, stays in. ``ecosec verify``
    checks every stored dataset."""
    from ecosec import api_dependency
    from ecosec.engine.executor import open_catalog
    from ecosec.verify import verify

    flows = sample_baci_2024().head(300)
    one, both = tmp_path / "one", tmp_path / "both"
    for i, release in enumerate(["202601", "202604"]):
        (tmp_path / release).mkdir()
        z = write_baci_zip(tmp_path / release / f"BACI_HS17_V{release}.zip", flows, release=release)
        api.ingest_baci(z, store=both)
        if i == 0:
            api.ingest_baci(z, store=one)
    (tmp_path / "hs22").mkdir()
    z22 = write_baci_zip(tmp_path / "hs22" / "BACI_HS22_V202601.zip", flows, year=2021, rev="22")
    api.ingest_baci(z22, store=both)
    listed = api.datasets(store=both).set_index("name")["note"].to_dict()
    assert listed == {
        "baci-hs17-v202601": "2024 read from a newer BACI release",
        "baci-hs17-v202604": "", "baci-hs22-v202601": "",
    }  # fmt: skip
    read = {d.name: d.manifest["years"] for d in open_catalog(both).datasets}
    assert read == {"baci-hs17-v202604": [2024], "baci-hs22-v202601": [2021]}
    importer = flows["importer"].value_counts().index[0]
    ref = api_dependency.dependencies(importer, year=2024, store=one)
    got = api_dependency.dependencies(importer, year=2024, store=both)
    pd.testing.assert_frame_equal(got, ref)
    assert len(api_dependency.dependencies(importer, year=2021, store=both)) > 0
    checks = verify(store=both)
    assert checks["ok"].all()
    assert checks["subject"].str.startswith("baci-hs17-v202601").any()
    stored = [d.manifest["inputs"][0] for d in open_catalog(both, every_release=True).datasets]
    assert all(Path(p).is_absolute() for p in stored)
