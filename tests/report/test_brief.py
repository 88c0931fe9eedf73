"""The partnership brief: every section present, numbers equal the API's, offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ecosec
from ecosec.cli import app
from ecosec.report.brief import write_brief
from ecosec.report.format import usd

SECTIONS = {
    "summary", "deps-KOR", "deps-JPN", "chokepoints", "complementarity", "derisking",
    "shared", "third-markets", "buyer-weight", "scenario", "alerts", "challenges",
    "agenda", "sources",
}  # fmt: skip


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.scripts_src: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        if tag == "script" and a.get("src"):
            self.scripts_src.append(str(a["src"]))
        if tag in ("link", "img") and (a.get("href") or a.get("src")):
            self.links.append(str(a.get("href") or a.get("src")))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    out = tmp_path_factory.mktemp("brief") / "brief.html"
    d = write_brief("KOR", "JPN", out)
    return out.read_text("utf-8"), d


def test_every_section_and_no_external_resource(brief: tuple[str, object]) -> None:
    html, _ = brief
    c = _Collect()
    c.feed(html)
    assert set(c.sections) == SECTIONS
    assert c.scripts_src == [] and c.links == []  # the Vega bundle is inlined
    # (tests/web/test_browser.py opens the file with every network request blocked)
    # ranked bars, supplier-share bars, supplier map, world map, waterfall, alert series
    assert html.count('class="chart"') >= 7
    for chart in ("chart-supplier-map", "chart-waterfall", "chart-alert", "chart-shares-1"):
        assert f'id="{chart}"' in html


def test_numbers_equal_the_api(brief: tuple[str, object]) -> None:
    html, _ = brief
    text = re.sub(r"\s+", " ", html)
    kor = ecosec.dependencies("KOR", year=2024)
    dep = kor[kor["dependent"]]
    # Summary: number of dependent products and their imports, from the Python API.
    assert f"{len(dep)} · {usd(dep['imports_usd'].sum())}" in text
    for hs in dep["hs6"]:
        assert hs in text
    p = ecosec.partnership("KOR", "JPN", year=2024)
    cover = p.section("derisking").table["coverable_usd"].sum()
    assert usd(cover) in text
    shared = p.section("shared").table
    top = shared.sort_values("combined_from_supplier_usd", ascending=False).iloc[0]
    s = ecosec.scenario(
        str(top["supplier"]), products=[str(top["hs"])], targets="KOR,JPN", year=2024
    )
    assert usd(s.totals["shortfall_usd"].sum()) in text
    for v in p.section("challenges").verdicts:
        assert v.replace("->", "-&gt;") in html or v in text


def test_cli_brief_and_bad_output(tmp_path: Path) -> None:
    out = tmp_path / "kj.html"
    r = CliRunner().invoke(app, ["brief", "KOR", "JPN", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 500_000  # the inlined Vega bundle
    r = CliRunner().invoke(app, ["brief", "KOR", "JPN", "-o", str(tmp_path / "x.pdf")])
    assert r.exit_code == 2 and ".html" in r.output
    r = CliRunner().invoke(app, ["brief", "KOR", "XXX", "-o", str(out)])
    assert r.exit_code == 2 and "unknown country" in r.output


def test_on_whom_equals_the_suppliers_api() -> None:
    """The brief sums "on whom" from supplier shares; it must equal api suppliers()."""
    from ecosec.api_dependency import supplier_shares, suppliers
    from ecosec.report.brief import on_whom

    dep = ecosec.dependencies("KOR", year=2024, basket="critical-minerals")
    dep = dep[dep["dependent"]]
    got = on_whom(dep, supplier_shares("KOR", hs=dep["hs6"].tolist(), year=2024))
    ref = suppliers("KOR", year=2024, basket="critical-minerals")
    m = got.merge(ref, on="exporter", suffixes=("", "_ref"))
    assert len(m) == len(ref) == len(got)
    assert (m["dependencies_held"] == m["dependencies_held_ref"]).all()
    assert (m["dependencies_supplied"] == m["dependencies_supplied_ref"]).all()
    assert m["imports_usd"].to_numpy() == pytest.approx(m["imports_usd_ref"].to_numpy())
    assert m["share_of_dependent_imports"].to_numpy() == pytest.approx(
        m["share_of_dependent_imports_ref"].to_numpy()
    )


def test_brief_follows_its_basket_and_scope(tmp_path: Path) -> None:
    """A basket brief: its alerts are of the basket's products, its summary verdict is
    the basket's own scope (not 'batteries', first in alphabetical order), every scope's
    complementarity verdict is shown (the single-product warning included), and the
    third-market table starts with the largest opening the verdicts cite."""
    from ecosec import refdata

    d = write_brief("KOR", "JPN", tmp_path / "b.html", basket="critical-minerals")
    html = (tmp_path / "b.html").read_text("utf-8")
    codes = set(refdata.basket_codes("critical-minerals"))
    assert len(d.alerts) == 0 or set(d.alerts["hs6"]) <= codes
    summary = html.split('id="summary"')[1].split("</section>")[0]
    assert "critical-minerals (HS6 bilateral flows" in summary and "batteries (" not in summary
    comp = d.partnership.section("complementarity").verdicts
    section = html.split('id="complementarity"')[1].split("</section>")[0]
    assert all(v.split(":")[0] in section for v in comp)
    tm = d.partnership.section("third-markets").table
    first = tm.sort_values("opportunity_usd", ascending=False).iloc[0]
    third = html.split('id="third-markets"')[1].split("</section>")[0]
    assert third.index(str(first["importer_name"])) < third.index("</tr>", third.index("<tbody"))
