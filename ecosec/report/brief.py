"""The partnership brief: one self-contained HTML file for two countries.

Every number comes from the public API (dependencies, suppliers, chokepoints,
partnership, scenario, alerts); this module only chooses, orders and formats. The
Vega JavaScript bundle is inlined once, so the file opens offline in any browser.
:func:`brief_data` returns the figures shown, so tests can compare them with the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ecosec import api, api_dependency, refdata
from ecosec.api_partnership import Partnership, partnership
from ecosec.api_scenario import Scenario, scenario
from ecosec.errors import EcosecError
from ecosec.report import charts
from ecosec.report.format import Col, clip, product_labels, table_html, usd
from ecosec.report.html import Section, render_page


@dataclass
class BriefData:
    """What the brief shows, as DataFrames and figures (the numbers tests compare)."""

    a: str
    b: str
    year: int
    basket: str | None
    deps: dict[str, pd.DataFrame]
    suppliers: dict[str, pd.DataFrame]
    shares: dict[str, pd.DataFrame]
    chokepoints: pd.DataFrame
    partnership: Partnership
    scenario: Scenario | None
    scenario_choice: str
    alerts: pd.DataFrame
    alerts_note: str
    store: str | Path | None = None
    alert_series: pd.DataFrame | None = None
    supplier_map: tuple[str, pd.DataFrame] | None = None
    kpis: dict[str, float] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)


def _alerts(
    a: str, b: str, store: str | Path | None, *, basket: str | None, year: int
) -> tuple[pd.DataFrame, str]:
    """Current alerts for either country (on the brief's basket): events still flagged
    in the last two years of each country's alert history (the data's latest periods),
    most severe first. The note says when that history ends before the brief's year."""
    from ecosec import api_warning

    frames = []
    notes = []
    for c in (a, b):
        try:
            df = api_warning.alerts(country=c, basket=basket, store=store)
        except EcosecError as exc:
            notes.append(f"{refdata.country_name(c)}: {exc}")
            continue
        if len(df):
            end = pd.PeriodIndex(df["end"].astype(str), freq="M")
            recent = end >= end.max() - 24
            df = df[recent]
            last = end.max()
            old = (
                f" — its alert history ends in {last.strftime('%Y-%m')}, before {year}: "
                "these are past events, not current ones"
                if last.year < year
                else ""
            )
            notes.append(
                f"{refdata.country_name(c)}: alerts ending after "
                f"{(last - 24).strftime('%Y-%m')}{old}"
            )
        frames.append(df)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(out):
        out = out.sort_values(["score"], ascending=False).reset_index(drop=True)
    return out, "; ".join(notes)


def brief_data(
    a: str,
    b: str,
    *,
    year: int | None = None,
    basket: str | None = None,
    store: str | Path | None = None,
) -> BriefData:
    """Compute everything the brief shows (no formatting)."""
    p = partnership(a, b, year=year, basket=basket, store=store)
    a, b = p.a, p.b
    deps: dict[str, pd.DataFrame] = {}
    sups: dict[str, pd.DataFrame] = {}
    shares: dict[str, pd.DataFrame] = {}
    for c in (a, b):
        d = api_dependency.dependencies(c, year=p.year, basket=basket, store=store)
        deps[c] = d
        dep = d[d["dependent"]]
        # One query for the supplier shares of every dependent product; "on whom" is
        # summed from it (the same figures as api_dependency.suppliers, which would
        # recompute the dependency table).
        all_shares = (
            api_dependency.supplier_shares(c, hs=dep["hs6"].tolist(), year=p.year, store=store)
            if len(dep)
            else pd.DataFrame()
        )
        sups[c] = on_whom(dep, all_shares)
        top_codes = dep.nlargest(8, "imports_usd")["hs6"].tolist()
        shares[c] = all_shares[all_shares["hs6"].isin(top_codes)] if len(all_shares) else all_shares
    choke = api_dependency.chokepoints(year=p.year, basket=basket, store=store)
    shared = p.section("shared").table
    sc: Scenario | None = None
    choice = ""
    if len(shared):
        top = shared.sort_values("combined_from_supplier_usd", ascending=False).iloc[0]
        choice = (
            f"the largest shared vulnerability: {refdata.country_name(str(top['supplier']))} "
            f"stops exports of {top['hs']} ({clip(str(top['product']), 60)}) to "
            f"{refdata.country_name(a)} and {refdata.country_name(b)}"
        )
        try:
            sc = scenario(
                str(top["supplier"]), products=[str(top["hs"])], targets=[a, b],
                year=int(top["year"]), store=store,
            )  # fmt: skip
        except EcosecError as exc:
            choice += f" (not computable: {exc})"
    alerts, alerts_note = _alerts(a, b, store, basket=basket, year=p.year)
    data = BriefData(
        a=a, b=b, year=p.year, basket=basket, deps=deps, suppliers=sups, shares=shares,
        chokepoints=choke, partnership=p, scenario=sc, scenario_choice=choice,
        alerts=alerts, alerts_note=alerts_note, store=store,
    )  # fmt: skip
    data.alert_series = _alert_series(alerts, store)
    data.supplier_map = _supplier_map(a, deps[a], shares[a])
    data.kpis = _kpis(data)
    data.sources = api.sources(store=store)
    return data


def _alert_series(alerts: pd.DataFrame, store: str | Path | None) -> pd.DataFrame | None:
    """Monthly imports behind the top alert: its importer and product, top suppliers."""
    if alerts.empty or alerts.iloc[0].get("freq") != "M":
        return None
    top = alerts.iloc[0]
    try:
        m = api_dependency.monthly_imports(str(top["importer"]), hs=str(top["hs6"]), store=store)
    except EcosecError:
        return None
    keep = m.groupby("exporter")["value_usd"].sum().nlargest(4).index.union([str(top["exporter"])])
    m = m[m["exporter"].isin(keep)]
    start = pd.Period(str(top["start"]), freq="M") - 24
    m = m[m["date"] >= start.to_timestamp()]
    return m.assign(supplier=m["exporter_name"])


def _supplier_map(
    c: str, deps: pd.DataFrame, shares: pd.DataFrame
) -> tuple[str, pd.DataFrame] | None:
    """Supplier shares of ``c``'s largest dependency, for the world map."""
    dep = deps[deps["dependent"]]
    if dep.empty or shares.empty:
        return None
    hs6 = str(dep.nlargest(1, "imports_usd")["hs6"].iloc[0])
    return hs6, shares[shares["hs6"] == hs6]


def on_whom(dep: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per supplier of the dependent products: how many it supplies and holds, and value.

    Equal to :func:`ecosec.api_dependency.suppliers` (tests/report check it).
    """
    if dep.empty or shares.empty:
        return pd.DataFrame(
            columns=["exporter", "exporter_name", "dependencies_supplied", "dependencies_held",
                     "imports_usd", "share_of_dependent_imports"]
        )  # fmt: skip
    m = shares.merge(dep[["hs6", "top_supplier"]], on="hs6")
    m = m.assign(held=(m["exporter"] == m["top_supplier"]).astype(int))
    g = m.groupby(["exporter", "exporter_name"], as_index=False).agg(
        dependencies_supplied=("hs6", "count"),
        dependencies_held=("held", "sum"),
        imports_usd=("imports_usd", "sum"),
    )
    g["share_of_dependent_imports"] = g["imports_usd"] / dep["imports_usd"].sum()
    return g.sort_values(
        ["dependencies_held", "imports_usd", "exporter"], ascending=[False, False, True]
    ).reset_index(drop=True)


def _kpis(d: BriefData) -> dict[str, float]:
    der = d.partnership.section("derisking").table
    shared = d.partnership.section("shared").table
    k = {f"dependent_{c}": float(d.deps[c]["dependent"].sum()) for c in (d.a, d.b)} | {
        f"dependent_usd_{c}": float(d.deps[c].loc[d.deps[c]["dependent"], "imports_usd"].sum())
        for c in (d.a, d.b)
    }
    k["shared_n"] = float(len(shared))
    k["shared_usd"] = float(shared["combined_from_supplier_usd"].sum()) if len(shared) else 0.0
    k["coverable_usd"] = float(der["coverable_usd"].sum()) if len(der) else 0.0
    if d.scenario is not None and len(d.scenario.totals):
        k["scenario_shortfall_usd"] = float(d.scenario.totals["shortfall_usd"].sum())
        k["scenario_lost_usd"] = float(d.scenario.totals["lost_usd"].sum())
    return k


def _kpi(value: str, label: str) -> str:
    return f'<div class="kpi"><div class="v">{escape(value)}</div><div class="l">{escape(label)}</div></div>'


def _verdicts(lines: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<p class="verdict">{escape(v)}</p>' for v in lines)


def _notes(lines: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<p class="note">{escape(v)}</p>' for v in lines)


def partner_columns(a: str, b: str) -> dict[str, list[Col]]:
    """Columns shown for each partnership section (brief and dashboard alike)."""
    return {
        "complementarity": [
            Col("scope", "scope"), Col("level", "level"), Col("tc_a_to_b", f"TC {a}→{b}", "num"),
            Col("tc_b_to_a", f"TC {b}→{a}", "num"), Col("es", "export similarity", "num"),
            Col("gl", "Grubel–Lloyd", "num"), Col("ti_a_to_b", f"intensity {a}→{b}", "num"),
            Col("ti_b_to_a", f"intensity {b}→{a}", "num"), Col("n_compete", "compete", "int"),
            Col("n_complement_a_to_b", f"{a} sells {b} buys", "int"),
            Col("n_complement_b_to_a", f"{b} sells {a} buys", "int")],
        "products": [
            Col("hs", "HS", "code"), Col("product", "product"), Col("level", "level"),
            Col("relation", "relation"), Col("rca_a", f"RCA {a}", "num"), Col("rca_b", f"RCA {b}", "num"),
            Col("a_to_b_usd", f"{a}→{b}", "usd"), Col("b_to_a_usd", f"{b}→{a}", "usd"),
            Col("gl", "Grubel–Lloyd", "num")],
        "derisking": [
            Col("dependent", "dependent"), Col("partner", "partner"), Col("hs", "HS", "code"),
            Col("product", "product"), Col("risky_supplier", "risky supplier"),
            Col("risky_share", "its share", "share"), Col("imports_from_risky_usd", "imports from it", "usd"),
            Col("partner_exports_usd", "partner exports", "usd"), Col("partner_rca", "partner RCA", "num"),
            Col("coverable_usd", "coverable", "usd"), Col("coverage_share", "coverage", "share"),
            Col("level", "level")],
        "shared": [
            Col("hs", "HS", "code"), Col("product", "product"), Col("supplier", "common supplier"),
            Col("a_supplier_share", f"{a} share", "share"), Col("b_supplier_share", f"{b} share", "share"),
            Col("combined_from_supplier_usd", "combined imports from it", "usd"),
            Col("alternatives_cover", "alternatives' spare / imports", "num"),
            Col("alt1", "first alternative")],
        "third-markets": [
            Col("rank", "#", "int"), Col("importer_name", "market"), Col("level", "level"),
            Col("imports_usd", "imports", "usd"), Col("growth_pa", "growth p.a.", "share"),
            Col("pair_share", "pair share", "share"), Col("opportunity_usd", "opening", "usd"),
            Col("top_product", "largest product")],
        "buyer-weight": [
            Col("hs", "HS", "code"), Col("product", "product"), Col("year", "year", "code"),
            Col("joint_import_share", "share of world imports", "share"),
            Col("top_joint_supplier", "largest supplier"), Col("top_joint_share", "its share", "share"),
            Col("hhi_joint_suppliers", "supplier HHI", "num"), Col("supplier_overlap", "overlap", "num")],
        "challenges": [
            Col("country", "country"), Col("indicator", "indicator"), Col("year", "year", "code"),
            Col("value", "value", "num"), Col("unit", "unit"), Col("basis", "basis")],
        "agenda": [
            Col("rank", "#", "int"), Col("kind", "kind"), Col("project", "project"),
            Col("value_usd", "value at stake", "usd"), Col("forum", "forum"),
            Col("evidence", "evidence")],
    }  # fmt: skip


def partnership_section(
    p: Partnership,
    name: str,
    *,
    limit: int = 15,
    chart: str = "",
    verdicts: int | None = 4,
    order: str | None = None,
) -> Section:
    """One partnership section as HTML: verdicts (the first ``verdicts``, or all),
    table (sorted by ``order``, largest first, before ``limit``), notes, units, source."""
    s = p.section(name)
    cols = partner_columns(p.a, p.b)[name]
    table = s.table
    if order is not None and len(table):
        table = table.sort_values(order, ascending=False, kind="stable")
    body = (
        _verdicts(s.verdicts[:verdicts])
        + chart
        + table_html(
            table, cols, empty=" ".join(s.notes) or "Nothing found in the data.", limit=limit
        )
        + _notes(s.notes)
        + f'<p class="source">Units: {escape(s.units)}. Years: '
        f"{escape(', '.join(map(str, s.years)))}. Source: {escape(s.source)}.</p>"
    )
    return Section(name, s.title, body)


def _country_section(d: BriefData, c: str, n: int) -> Section:
    name = refdata.country_name(c)
    deps = d.deps[c]
    dep = deps[deps["dependent"]]
    cols = [
        Col("hs6", "HS6", "code"), Col("product", "product"), Col("imports_usd", "imports", "usd"),
        Col("top_supplier_name", "top supplier"), Col("top_share", "top share", "share"),
        Col("hhi_imports", "HHI imports", "num"), Col("hhi_world", "HHI world", "num"),
        Col("import_export_ratio", "imports/exports", "ratio"), Col("years_met", "years met", "int"),
    ]  # fmt: skip
    html = table_html(
        dep.sort_values("imports_usd", ascending=False), cols, limit=12,
        empty=f"No product meets the dependency rule for {name} in {d.year} in the loaded data.",
    )  # fmt: skip
    sh = d.shares[c]
    if len(sh):
        sh = sh.assign(label=product_labels(sh["hs6"], sh["product"], 38))
        spec = charts.stacked_shares(
            sh, group="label", part="exporter_name", share="share", value="imports_usd",
            colors=_supplier_colors(d),
            title=f"{name}: who supplies its dependent products, {d.year}",
        )  # fmt: skip
        html += charts.chart_html(spec, f"chart-shares-{n}")
    if n == 1 and d.supplier_map is not None:
        hs6, sm = d.supplier_map
        spec = charts.world_map(
            sm, code="exporter", value="share",
            title=f"Where {name}'s imports of {hs6} ({clip(refdata.hs_description(hs6) or '', 45)}) "
            f"come from, {d.year} (share of its imports)",
        )  # fmt: skip
        html += charts.chart_html(spec, "chart-supplier-map")
    sup = d.suppliers[c]
    if len(sup):
        html += "<h3>On whom</h3>" + table_html(
            sup,
            [Col("exporter_name", "supplier"), Col("dependencies_held", "held (top supplier)", "int"),
             Col("dependencies_supplied", "supplied", "int"),
             Col("imports_usd", "imports in dependent products", "usd"),
             Col("share_of_dependent_imports", "share", "share")],
            empty="", limit=8,
        )  # fmt: skip
    thin = api_dependency.thin_world_note(deps, store=d.store)
    return Section(
        f"deps-{c}", f"{name}: top dependencies and on whom", html,
        intro=f"CEPII GeoDep rule, {d.year}; {len(dep)} of {len(deps)} products flagged."
        + (f" {thin}" if thin else ""),
    )  # fmt: skip


def _supplier_colors(d: BriefData) -> list[str]:
    """One colour list for both countries' supplier-share charts: a supplier has the
    same colour in each (China was teal in one and orange in the other)."""
    names: list[str] = []
    for c in (d.a, d.b):
        if len(d.shares[c]):
            names += charts.top_parts_of(
                d.shares[c], part="exporter_name", weight="imports_usd", n=6, group="hs6"
            )
    return [*sorted(set(names)), "Others"]


def render_brief(d: BriefData) -> str:
    """The brief as one self-contained HTML document."""
    an, bn = refdata.country_name(d.a), refdata.country_name(d.b)
    k = d.kpis
    kpis = (
        '<div class="kpis">'
        + "".join(
            [
                _kpi(
                    f"{int(k[f'dependent_{d.a}'])} · {usd(k[f'dependent_usd_{d.a}'])}",
                    f"{an}: dependent products and their imports",
                ),
                _kpi(
                    f"{int(k[f'dependent_{d.b}'])} · {usd(k[f'dependent_usd_{d.b}'])}",
                    f"{bn}: dependent products and their imports",
                ),
                _kpi(
                    f"{int(k['shared_n'])} · {usd(k['shared_usd'])}",
                    "shared vulnerabilities: products, combined imports from the common supplier",
                ),
                _kpi(usd(k["coverable_usd"]), "risky imports one partner's exports could cover"),
                _kpi(
                    usd(k.get("scenario_shortfall_usd")),
                    "shortfall after substitution in the disruption scenario",
                ),
            ]
        )
        + "</div>"
    )
    comp = d.partnership.section("complementarity")
    # The headline verdicts: the brief's own scope (its basket, or all products), HS6
    # first, not the first two scopes in alphabetical order.
    scope = d.basket or "all"
    headline = [v for v in comp.verdicts if v.startswith(f"{scope} (")][:2]
    none_dependent = not any(k[f"dependent_{c}"] for c in (d.a, d.b))
    summary = (
        kpis
        + (
            _notes(
                [
                    f"No product{' of the basket' if d.basket else ''} meets the dependency rule "
                    f"for either country in {d.year}: "
                    + "; ".join(
                        f"{refdata.country_name(c)} imports {len(d.deps[c])} of them"
                        for c in (d.a, d.b)
                    )
                    + " in the data."
                ]
            )
            if none_dependent
            else ""
        )
        + _verdicts(headline or comp.verdicts[:2])
        + _verdicts(d.partnership.section("agenda").verdicts[:1])
    )
    sections = [
        Section("summary", "Summary: the five numbers that matter", summary,
                intro=f"{an} and {bn}, {d.year}"
                + (f", basket {d.basket}" if d.basket else ", all products in the data")
                + ". Values in USD."),
        _country_section(d, d.a, 1),
        _country_section(d, d.b, 2),
    ]  # fmt: skip
    ch = d.chokepoints[d.chokepoints["year"] == d.year].head(12)
    chtml = table_html(
        ch,
        [Col("hs6", "HS6", "code"), Col("product", "product"), Col("world_exports_usd", "world exports", "usd"),
         Col("top_exporter_name", "top exporter"), Col("top_share", "share", "share"),
         Col("top3_share", "top-3 share", "share"), Col("hhi_world", "world HHI", "num")],
        empty="No product with world export data in this selection.", limit=12,
    )  # fmt: skip
    if len(ch):
        top = ch.iloc[0]
        spec = charts.ranked_bars(
            ch.assign(label=product_labels(ch["hs6"], ch["product"])),
            label="label", value="hhi_world", percent=False, top=12,
            title=f"Most concentrated world exports, {d.year} (HHI)", value_title="world export HHI",
        )  # fmt: skip
        spec["encoding"]["x"]["axis"] = {"format": ".1f", "tickCount": 5, "labelOverlap": True}
        chtml = charts.chart_html(spec, "chart-choke") + chtml
        world = _world_shares(d, str(top["hs6"]))
        if world is not None:
            chtml += charts.chart_html(world, "chart-map")
    sections.append(
        Section(
            "chokepoints",
            "Chokepoint products",
            chtml,
            intro="World export concentration of the products in scope."
            + (f" {thin}" if (thin := api_dependency.thin_world_note(ch, store=d.store)) else ""),
        )
    )
    # Every scope's verdict (one says when a scope holds a single product).
    sections.append(partnership_section(d.partnership, "complementarity", verdicts=None))
    sections.append(partnership_section(d.partnership, "derisking"))
    sections.append(partnership_section(d.partnership, "shared"))
    # The largest openings first, whatever their level: the verdicts cite them.
    sections.append(partnership_section(d.partnership, "third-markets", order="opportunity_usd"))
    sections.append(partnership_section(d.partnership, "buyer-weight"))
    sections.append(_scenario_section(d))
    sections.append(_alerts_section(d))
    sections.append(partnership_section(d.partnership, "challenges"))
    sections.append(partnership_section(d.partnership, "agenda"))
    sections.append(_sources_section(d))
    return render_page(
        title=f"{an}–{bn} economic-security partnership brief",
        subtitle=f"{d.year}; values in USD; generated by ecosec from the data in use",
        sections=sections,
        inline_js=charts.javascript_bundle(),
    )


def _world_shares(d: BriefData, hs6: str) -> dict[str, Any] | None:
    df = api_dependency.rca(None, year=d.year, hs=hs6, store=d.store)
    if df.empty:
        return None
    df = df.assign(world_share=df["exports_usd"] / df["exports_usd"].sum())
    return charts.world_map(
        df, code="exporter", value="world_share",
        title=f"Who exports {hs6} ({clip(refdata.hs_description(hs6) or '', 50)}), {d.year}",
    )  # fmt: skip


def _scenario_section(d: BriefData) -> Section:
    s = d.scenario
    if s is None:
        return Section("scenario", "Disruption scenario", '<p class="empty">'
                       + escape(d.scenario_choice or "No shared vulnerability in the data to build a scenario on.")
                       + "</p>")  # fmt: skip
    t = s.totals
    lost, covered, short = (float(t[c].sum()) for c in ("lost_usd", "covered_usd", "shortfall_usd"))
    spec = charts.waterfall(
        lost=lost,
        covered=covered,
        shortfall=short,
        title="Lost imports → covered by other exporters → shortfall (USD)",
    )
    body = (
        f"<p>Scenario chosen from the data: {escape(d.scenario_choice)}; cut "
        f"{s.assumptions['cut']:.0%}, redirectable share of other exporters' sales to third "
        f"countries {s.assumptions['redirect']:.0%} (sensitivity in the JSON and CLI).</p>"
        + charts.chart_html(spec, "chart-waterfall")
        + table_html(t, [Col("importer_name", "importer"), Col("lost_usd", "lost", "usd"),
                         Col("covered_usd", "covered", "usd"), Col("shortfall_usd", "shortfall", "usd"),
                         Col("coverage", "coverage", "share")], empty="")
        + _notes(list(s.notes))
        + f'<p class="source">Model: {escape(s.assumptions["rules"]["model"])}.</p>'
    )  # fmt: skip
    return Section("scenario", "Disruption scenario", body)


def _alerts_section(d: BriefData) -> Section:
    al = d.alerts
    if al.empty:
        msg = "No alert in the data in use for either country"
        msg += f" ({d.alerts_note})." if d.alerts_note else "."
        return Section("alerts", "Current alerts", f'<p class="empty">{escape(msg)}</p>')
    html = table_html(
        al,
        [Col("severity", "severity"), Col("importer_name", "importer"), Col("exporter_name", "supplier"),
         Col("hs6", "HS6", "code"), Col("product", "product"), Col("signal", "signal"),
         Col("start", "since"), Col("message", "what moved")],
        empty="", limit=10,
    )  # fmt: skip
    top = al.iloc[0]
    series = d.alert_series
    if series is not None and len(series):
        spec = charts.time_series(
            series, x="date", y="value_usd", color="supplier",
            title=f"{top['importer_name']} monthly imports of {top['hs6']} by supplier "
            f"(the top alert: {top['exporter_name']}, {top['signal']} since {top['start']})",
            y_title="imports (USD)",
        )  # fmt: skip
        html = charts.chart_html(spec, "chart-alert") + html
    return Section(
        "alerts",
        "Current alerts",
        html,
        intro="Early-warning signals on the latest periods of the data in use. "
        + (d.alerts_note + "." if d.alerts_note else ""),
    )


def _sources_section(d: BriefData) -> Section:
    src = table_html(
        d.sources, [Col("name", "dataset"), Col("what", "what"), Col("source", "source"),
                    Col("caveat", "caveat")],
        empty="", limit=None,
    )  # fmt: skip
    method = (
        "<ul><li>Dependency: CEPII GeoDep rule (supplier HHI &gt; 0.4, world export HHI &gt; 0.4, "
        "imports/exports &gt; 1; 2 of 3 years where three consecutive years exist).</li>"
        "<li>Complementarity (WITS), export similarity (Finger–Kreinin 1979), Grubel–Lloyd "
        "(1975), RCA (Balassa 1965) over the products in the data.</li>"
        "<li>Scenario: partial equilibrium, no price response, no stocks, no domestic "
        "production (docs/scenarios.md).</li>"
        "<li>Values are trade values in current USD; HS 2017 six-digit codes unless labelled HS4.</li></ul>"
    )
    return Section("sources", "Data sources, years, method and caveats", method + src)


def write_brief(
    a: str,
    b: str,
    output: Path,
    *,
    year: int | None = None,
    basket: str | None = None,
    store: str | Path | None = None,
) -> BriefData:
    """Compute and write the brief to ``output`` (HTML); returns what it shows."""
    d = brief_data(a, b, year=year, basket=basket, store=store)
    output.write_text(render_brief(d), encoding="utf-8")
    return d
