"""The dependency commands as a user meets them: output files, captions, empty results,
"on whom" detail, notes on partial data, and the inputs the API and settings accept.

Expected figures are counted here with pandas from the sample's own Parquet files
(independently of the engine's SQL), or taken from the engine's JSON records where the
test is about presentation (a table must show the same numbers as the records).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ecosec
from ecosec import api_dependency as api
from ecosec.cli import app
from ecosec.errors import BadInput, NoData, UnknownProduct

runner = CliRunner()
SAMPLE = Path(ecosec.__file__).parent / "sample"
KOR_CM = ["KOR", "--basket", "critical-minerals", "--year", "2024"]


def _flows() -> pd.DataFrame:
    files = sorted(SAMPLE.glob("*.flows.parquet"))
    flows = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return flows[(flows["value_usd"] > 0) & (flows["exporter"] != flows["importer"])]


def _json(args: list[str]) -> list[dict[str, object]]:
    r = runner.invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    rows: list[dict[str, object]] = json.loads(r.stdout)
    return rows


@pytest.mark.parametrize(
    "args",
    [["dependencies", *KOR_CM], ["chokepoints", "--basket", "critical-minerals"],
     ["suppliers", *KOR_CM]],
)  # fmt: skip
def test_a_file_name_picks_the_format_and_keeps_every_column(
    tmp_path: Path, args: list[str]
) -> None:
    """`-o x.json` once wrote the table view (12 columns, cut descriptions); it writes
    the same records as `--format json`, and `-o x.csv` the same as `--format csv`."""
    assert runner.invoke(app, [*args, "-o", str(tmp_path / "a.json")]).exit_code == 0
    assert runner.invoke(app, [*args, "-f", "JSON", "-o", str(tmp_path / "b.json")]).exit_code == 0
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    # Same rows and figures; sums may differ in the last bit between runs (thread order).
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), rtol=1e-12)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(_json(args)), rtol=1e-12)
    assert runner.invoke(app, [*args, "-o", str(tmp_path / "a.csv")]).exit_code == 0
    assert runner.invoke(app, [*args, "-f", "csv", "-o", str(tmp_path / "b.csv")]).exit_code == 0
    a_csv = pd.read_csv(tmp_path / "a.csv", dtype={"hs6": str})
    pd.testing.assert_frame_equal(
        a_csv, pd.read_csv(tmp_path / "b.csv", dtype={"hs6": str}), rtol=1e-12
    )
    assert list(a_csv.columns) == list(a[0])


def test_caption_names_the_rule_used_and_counts_every_product() -> None:
    rows = _json(["dependencies", *KOR_CM])
    n_dep = sum(bool(r["dependent"]) for r in rows)
    r = runner.invoke(app, ["dependencies", *KOR_CM])
    assert f"{n_dep} of {len(rows)} products flagged dependent (CEPII GeoDep rule" in r.output
    # --only-dependent shows the flagged rows but counts against all the products.
    r = runner.invoke(app, ["dependencies", *KOR_CM, "--only-dependent"])
    assert f"{n_dep} of {len(rows)} products flagged dependent" in r.output
    eu = _json(["dependencies", *KOR_CM, "--method", "EU"])
    r = runner.invoke(app, ["dependencies", *KOR_CM, "--method", "eu"])
    n_eu = sum(bool(x["dependent"]) for x in eu)
    assert f"{n_eu} of {len(eu)} products flagged dependent (EU Commission rule: " in r.output
    assert "share of imports from outside the bloc > 0.5" in r.output
    # The EU rule's criterion is shown instead of the world HHI (header on two lines).
    assert "extra_" in r.output and "world" not in r.output


def test_numbers_are_never_broken_across_lines() -> None:
    """At the 160 columns of piped output, every import figure is printed whole (it
    was cut as '13,624,318,4' / '47')."""
    rows = _json(["dependencies", *KOR_CM])
    r = runner.invoke(app, ["dependencies", *KOR_CM])
    for row in rows:
        assert f"{float(row['imports_usd']):,.0f}" in r.output, row["hs6"]
    assert all(len(line) <= 160 for line in r.output.splitlines())


def test_codes_without_imports_are_named() -> None:
    """Basket codes with no imports in the year are listed, not dropped in silence."""
    basket = list(ecosec.refdata.basket_codes("fertilizers"))
    rows = _json(["dependencies", "KOR", "--basket", "fertilizers", "--year", "2024"])
    absent = [c for c in basket if c not in {r["hs6"] for r in rows}]
    assert absent  # the sample has no potash or DAP flows
    r = runner.invoke(app, ["dependencies", "KOR", "--basket", "fertilizers", "--year", "2024"])
    text = " ".join(r.output.split())
    assert f"No imports in the data for {len(absent)} of the {len(basket)} codes asked" in text
    assert all(c in text for c in absent)


def test_empty_results_say_so() -> None:
    args = ["KOR", "--basket", "fertilizers", "--year", "2024"]
    rows = _json(["dependencies", *args])
    assert not any(r["dependent"] for r in rows)
    r = runner.invoke(app, ["dependencies", *args, "--only-dependent"])
    assert r.exit_code == 0
    assert (
        f"Import dependencies of Korea, 2024: none of the {len(rows)} products is flagged"
        in " ".join(r.output.split())
    )
    r = runner.invoke(app, ["suppliers", *args])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "Suppliers of Korea's dependencies, 2024: none of the products analysed" in text
    assert _json(["suppliers", *args]) == []
    assert ecosec.suppliers("KOR", basket="fertilizers", year=2024, sample=True).attrs["years"] == [
        2024
    ]


def test_suppliers_name_the_dependencies_they_hold() -> None:
    """held_hs6 lists, per supplier, the dependent products it is the top supplier of:
    checked against the dependency table (its top supplier per dependent product)."""
    deps = ecosec.dependencies("KOR", year=2024, basket="critical-minerals", sample=True)
    sup = ecosec.suppliers("KOR", year=2024, basket="critical-minerals", sample=True)
    dep = deps[deps["dependent"]]
    expected = dep.groupby("top_supplier")["hs6"].apply(lambda s: ",".join(sorted(s)))
    got = sup.set_index("exporter")["held_hs6"]
    assert got[got != ""].sort_index().to_dict() == expected.sort_index().to_dict()
    assert (sup["held_hs6"].str.split(",").map(lambda x: len([c for c in x if c]))
            == sup["dependencies_held"]).all()  # fmt: skip
    assert int(sup["dependencies_held"].sum()) == len(dep)
    r = runner.invoke(app, ["suppliers", *KOR_CM])
    text = " ".join(r.output.split())
    assert f"{len(dep)} dependent products (CEPII GeoDep rule" in text
    assert "Magnets" in text  # China holds 850511, shown by its short name


def test_a_partner_filtered_dataset_is_named() -> None:
    """Korea's 2019 imports of most products are in the sample only through a Comtrade
    download of its imports from Japan; counted with pandas: the products whose only
    supplier in any 2019 flow (annual, or a month of 2019) is Japan."""
    f = _flows()
    year = f["period"].where(f["freq"] == "A", f["period"] // 100)
    kor = f[(f["importer"] == "KOR") & (year == 2019)]
    per = kor.groupby("hs6")["exporter"].agg(lambda s: tuple(sorted(set(s))))
    only_jpn = int((per == ("JPN",)).sum())
    assert only_jpn > 4000
    table = ecosec.dependencies("KOR", year=2019, sample=True)
    assert len(table) == len(per)
    note = api.thin_partner_note(table, sample=True)
    assert note is not None
    assert note.startswith(
        "In 2019 the dataset comtrade-kor-imports-from-jpn names only JPN as Korea's supplier, "
        f"and {only_jpn:,} of Korea's {len(per):,} products have no other supplier"
    )
    r = runner.invoke(app, ["suppliers", "KOR", "--year", "2019"])
    assert "names only JPN as Korea's supplier" in " ".join(r.output.split())
    # BACI names every partner: no note on 2024.
    assert api.thin_partner_note(ecosec.dependencies("KOR", year=2024, sample=True)) is None


def test_complete_years_of_months_are_years() -> None:
    """Korea's customs months of 2015 are all there: the engine sums them to a year, so
    2015 is a year of the table (it was refused as 'no data'). Expected: Korea's
    importer-reported months of hydrogen fluoride 281111 in 2015, summed with pandas."""
    f = _flows()
    m = f[(f["freq"] == "M") & (f["importer"] == "KOR") & (f["hs6"] == "281111")
          & (f["period"] // 100 == 2015) & (f["reporter_side"] == "M")]  # fmt: skip
    assert m["period"].nunique() == 12
    d = ecosec.dependencies("KOR", hs=281111, year=2015.0, sample=True)
    assert d.loc[0, "imports_usd"] == pytest.approx(m["value_usd"].sum(), rel=1e-12)
    assert d.loc[0, "n_suppliers"] == m["exporter"].nunique()
    assert d.loc[0, "reported_by"] == "importer"
    years = api.available_years(api.open_catalog(None, sample=True), ["281111"])
    with pytest.raises(NoData, match=f"years available: {api.year_ranges(years)}"):
        ecosec.dependencies("KOR", hs="281111", year=1990, sample=True)
    assert api.year_ranges(years).startswith("2000–20")


def test_inputs_as_people_type_them() -> None:
    a = ecosec.dependencies("EU", year=2024, basket="critical-minerals", sample=True)
    b = ecosec.dependencies("EU27", year=2024, basket="critical-minerals", sample=True)
    assert set(a["importer"]) == {"EU27"}  # one bloc, not 27 importers
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    c = ecosec.dependencies("KOR", hs=850511, year=2024.0, method="GeoDep", sample=True)
    assert c.loc[0, "top_supplier"] == "CHN"
    with pytest.raises(BadInput, match="year must be a year such as 2024"):
        ecosec.dependencies("KOR", year="last", sample=True)
    with pytest.raises(UnknownProduct, match="999999"):
        ecosec.dependencies("KOR", basket="fertilizers", hs="999999", sample=True)
    r = runner.invoke(app, ["dependencies", "KOR", "--basket", "fertilizers", "--hs", "999999"])
    assert r.exit_code == 2 and "999999" in r.output


def test_settings_errors_name_where_the_value_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecosec import settings

    monkeypatch.setenv("ECOSEC_ENGINE", "DuckDB")
    assert settings.get("engine") == "duckdb"
    monkeypatch.setenv("ECOSEC_MEMORY_LIMIT", "lots")
    with pytest.raises(BadInput, match=r"^ECOSEC_MEMORY_LIMIT is 'lots'; give a size") as e:
        settings.get("memory-limit")
    assert "--memory-limit" not in str(e.value)  # there is no such option
    with pytest.raises(BadInput, match=r"^engine is 'nope'; "):
        settings.get("engine", "nope")


def test_review_mends() -> None:
    """Found by a review of the change: BACI (reconciled, every partner) is never taken
    for a partner-filtered download, even for a country with three suppliers; year
    lists come as any iterable; a suppliers query with no imports is the no-imports
    error, not 'nothing is dependent'; Spark's master URL is case-sensitive."""
    import numpy as np

    from ecosec import settings

    aia = ecosec.dependencies("AIA", year=2024, sample=True)
    assert aia["n_suppliers"].max() <= 3  # few suppliers, all BACI has
    assert api.thin_partner_note(aia, sample=True) is None
    cat = api.open_catalog(None, sample=True)
    assert api.resolve_years(cat, None, np.array([2022, 2024])) == [2022, 2024]
    assert api.resolve_years(cat, None, (y for y in [2024])) == [2024]
    with pytest.raises(NoData, match="AIA imports none of these products in 2024"):
        ecosec.suppliers("AIA", hs="811292", year=2024, sample=True)
    with pytest.raises(BadInput, match="spark-master is 'LOCAL\\[2\\]'"):
        settings.get("spark-master", "LOCAL[2]")
    r = runner.invoke(app, ["dependencies", "all", "--hs", "850511", "--year", "2024"])
    assert "Import dependencies of all importers, 2024" in r.output


def test_small_shares_keep_two_digits() -> None:
    """Japan's arsenic is 0.023% of its basket exports (RCA table): it read 0.000."""
    from ecosec.cli._output import _cell

    assert _cell(0.000228, "share_of_exporter") == "0.00023"
    assert _cell(2.8e-05, "share_of_world") == "0.000028"
    assert _cell(0.0005, "top_share") == "0.001" and _cell(0.0, "top_share") == "0.000"
    rca = ecosec.rca("JPN", basket="critical-minerals", year=2024, sample=True)
    row = rca[rca["hs6"] == "280480"].iloc[0]
    r = runner.invoke(app, ["rca", "JPN", "--basket", "critical-minerals", "--year", "2024"])
    assert _cell(float(row["share_of_world"]), "share_of_world") in r.output
    assert float(row["share_of_world"]) < 0.0005


def test_a_partial_year_is_noted() -> None:
    """The sample's LPG flows of 2025 are a year Comtrade's reporters have not all
    published. Counted with pandas: the (importer, exporter) pairs of annual 271112 and
    271113 flows per year; 2025's share of the best year's is in the caption."""
    f = _flows()
    lpg = f[(f["freq"] == "A") & f["hs6"].isin(["271112", "271113"])]
    pairs = lpg.groupby("period")[["importer", "exporter"]].apply(
        lambda g: len(g.drop_duplicates())
    )
    best = int(pairs.idxmax())
    args = ["chokepoints", "--hs", "271112,271113", "--year"]
    text = " ".join(runner.invoke(app, [*args, "2025"]).output.split())
    assert (
        f"2025's annual flows of these products link {pairs[2025]:,} importer–exporter pairs, "
        f"{pairs[2025] / pairs[best]:.0%} of {best}'s {pairs[best]:,}"
    ) in text
    assert pairs[2024] >= 0.8 * pairs[best]
    assert "annual flows of these products link" not in runner.invoke(app, [*args, "2024"]).output


def test_tables_say_when_they_come_from_the_sample(tmp_path: Path) -> None:
    """With nothing ingested (or $ECOSEC_HOME naming an empty place) the commands read
    the embedded sample: the caption says so; on a store with data it does not."""
    from tests.conftest import make_store

    sample_note = "Data: the embedded sample"
    r = runner.invoke(app, ["dependencies", "KOR", "--hs", "850511", "--year", "2024"])
    assert sample_note in " ".join(r.output.split())
    flows = pd.DataFrame(
        {"period": [2024, 2024], "exporter": ["CHN", "JPN"], "importer": ["KOR", "KOR"],
         "hs6": ["850511", "850511"], "value_usd": [3.0, 1.0]}
    )  # fmt: skip
    store = make_store(tmp_path / "s", flows)
    r = runner.invoke(app, ["dependencies", "KOR", "--year", "2024", "--store", str(store)])
    assert r.exit_code == 0, r.output
    assert sample_note not in r.output and "0.750" in r.output  # China's 3 of 4


def test_the_default_year_skips_a_thin_latest_year() -> None:
    """The energy basket's annual flows of 2025 (Comtrade's partial LPG year) link 61%
    of 2024's (importer, exporter) pairs, counted here with pandas; the default year is
    2024, for the world's tables and for the whole bloc, and 2025 stays reachable."""
    f = _flows()
    codes = list(ecosec.refdata.basket_codes("energy"))
    annual = f[(f["freq"] == "A") & f["hs6"].isin(codes)]
    pairs = annual.groupby("period")[["importer", "exporter"]].apply(
        lambda g: len(g.drop_duplicates())
    )
    assert 2 * pairs[2025] >= pairs.max() and pairs[2025] < 0.8 * pairs[2024]
    assert set(ecosec.chokepoints(basket="energy", sample=True)["year"]) == {2024}
    assert set(ecosec.dependencies(None, basket="energy", sample=True)["year"]) == {2024}
    assert set(ecosec.chokepoints(basket="energy", year=2025, sample=True)["year"]) == {2025}


def test_exporters_declarations_of_a_silent_importer_are_noted() -> None:
    """Korea's 2025 imports of critical minerals are known in the sample only from
    Brazil's and Britain's monthly export declarations (reported_by 'exporter', one
    supplier each); BACI rows (Andorra's few suppliers in 2024) are never noted, nor is a
    dataset that holds none of the table's products."""
    t = ecosec.dependencies("KOR", year=2025, basket="critical-minerals", sample=True)
    assert set(t["reported_by"]) == {"exporter"} and set(t["n_suppliers"]) == {1}
    note = api.thin_partner_note(t, sample=True)
    assert note is not None and note.startswith(
        "In 2025 the dataset monthly-critical-2024-2026 names only "
        f"{', '.join(sorted(set(t['top_supplier'])))} as Korea's suppliers (from their own "
        "export declarations)"
    )
    r = runner.invoke(app, ["suppliers", "KOR", "--basket", "critical-minerals", "--year", "2025"])
    assert "names only BRA, GBR as Korea's suppliers" in " ".join(r.output.split())
    andorra = ecosec.dependencies("AND", year=2024, basket="critical-minerals", sample=True)
    assert api.thin_partner_note(andorra, sample=True) is None


@pytest.mark.parametrize("width", [80, 100, 120])
def test_narrow_terminals_drop_columns_not_digits(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    from rich.console import Console

    from ecosec.cli import _output

    monkeypatch.setattr(_output, "console", Console(width=width))
    rows = _json(["dependencies", *KOR_CM])
    text = runner.invoke(app, ["dependencies", *KOR_CM]).output
    assert all(len(line) <= width for line in text.splitlines())
    flat = " ".join(text.split())
    if "imports_usd" in flat.split("not shown at this width:")[-1]:
        return  # the column was left out, and the caption says so
    for row in rows:
        assert f"{float(row['imports_usd']):,.0f}" in text, (width, row["hs6"])


def test_rca_table_names_whom_and_when() -> None:
    rows = _json(["rca", "JPN", "--basket", "critical-minerals", "--year", "2024"])
    r = runner.invoke(app, ["rca", "JPN", "--basket", "critical-minerals", "--year", "2024"])
    assert "Revealed comparative advantage of Japan, 2024" in r.output
    # Sorted by RCA, ties by code, so the table and the records list the same order.
    keys = [(-float(x["rca"]), x["hs6"]) for x in rows]
    assert keys == sorted(keys)
