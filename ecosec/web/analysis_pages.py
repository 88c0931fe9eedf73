"""Dashboard pages for partnership, the scenario builder and alerts."""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from ecosec import refdata
from ecosec.api_partnership import SECTION_NAMES, partnership
from ecosec.api_scenario import scenario
from ecosec.errors import EcosecError
from ecosec.report import charts
from ecosec.report.brief import partnership_section
from ecosec.report.format import Col, product_labels, table_html
from ecosec.report.html import Section
from ecosec.web.app import run_query
from ecosec.web.pages import _store, page, twin_links

router = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=1950, le=2100)]
Basket = Annotated[str | None, Query(max_length=40)]
Codes = Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9, ]{0,400}$")]
Hs = Annotated[str | None, Query(max_length=400, pattern=r"^[0-9, ]{0,400}$")]


def _blank(v: str | None) -> str | None:
    return v.strip() or None if v is not None else None


def _codes(v: str | None) -> str | None:
    """A comma-separated list as typed ("KOR, JPN") in the form the JSON twins accept."""
    return ",".join(p.strip() for p in v.split(",") if p.strip()) or None if v else None


@router.get("/partner/{a}/{b}", response_class=HTMLResponse)
async def partner_page(
    request: Request,
    a: Annotated[str, Path(max_length=40)],
    b: Annotated[str, Path(max_length=40)],
    year: Year = None,
    basket: Basket = None,
) -> HTMLResponse:
    store = _store(request)
    p = await run_query(
        request,
        lambda: partnership(a, b, year=year, basket=_blank(basket), store=store),  # type: ignore[arg-type]
    )
    an, bn = refdata.country_name(p.a), refdata.country_name(p.b)
    sections = [
        Section("about", f"{an} and {bn}, {p.year}",
                twin_links(f"/api/partnership/{p.a}/{p.b}", {"year": year, "basket": basket}, csv=False)
                + '<p class="note">Each section below links its own table as CSV.</p>',
                intro="Each section: verdicts from the numbers, the table, what the data cannot answer."),
    ]  # fmt: skip
    for name in SECTION_NAMES:
        chart = ""
        if name == "buyer-weight":
            t = p.section(name).table
            if len(t):
                t = t.assign(label=product_labels(t["hs"], t["product"]))
                spec = charts.ranked_bars(
                    t, label="label", value="joint_import_share", percent=True, top=10,
                    title=f"{p.a} + {p.b}: share of world imports", value_title="share of world imports",
                )  # fmt: skip
                chart = charts.chart_html(spec, "chart-buyer")
        sec = partnership_section(p, name, chart=chart)
        csv = f"/api/partnership/{p.a}/{p.b}?" + urlencode(
            {
                k: v
                for k, v in {
                    "year": year,
                    "basket": basket,
                    "section": name,
                    "format": "csv",
                }.items()
                if v
            }
        )
        sections.append(
            Section(
                sec.id,
                sec.title,
                sec.html + f'<p class="note"><a href="{escape(csv)}">CSV download</a></p>',
            )
        )
    return page(request, f"{an}–{bn} partnership", sections, subtitle=f"{p.year}; values in USD")


SCENARIO_FORM = """
<form action="/scenario" method="get" id="scenario-form">
<label>Supplier (ISO3) <input name="supplier" value="{supplier}" size="6" required pattern="[A-Za-z]{{3}}"></label>
<label>Basket <select name="basket"><option value="">(HS codes below)</option>{baskets}</select></label>
<label>or HS6 codes <input name="products" value="{products}" size="22" placeholder="811292,850511"></label>
<label>Targets <input name="targets" value="{targets}" size="14" placeholder="KOR,JPN (empty: all buyers)"></label>
<label>Cut <input name="cut" type="number" min="0" max="1" step="0.05" value="{cut}"></label>
<label>Redirect <input name="redirect" type="number" min="0" max="1" step="0.05" value="{redirect}"></label>
<label>Partners first <input name="partners" value="{partners}" size="12" placeholder="MSP,JPN"></label>
<button type="submit">Run scenario</button>
</form>"""


@router.get("/scenario", response_class=HTMLResponse)
async def scenario_page(
    request: Request,
    supplier: Annotated[str | None, Query(max_length=40)] = None,
    products: Hs = None,
    basket: Basket = None,
    cut: Annotated[float, Query(ge=0, le=1)] = 1.0,
    targets: Codes = None,
    year: Year = None,
    redirect: Annotated[float, Query(ge=0, le=1)] = 0.25,
    partners: Codes = None,
) -> HTMLResponse:
    baskets = "".join(
        f'<option value="{escape(n)}"{" selected" if n == basket else ""}>{escape(n)}</option>'
        for n in refdata.baskets()
    )
    form = SCENARIO_FORM.format(
        supplier=escape(supplier or "CHN"), baskets=baskets, products=escape(products or ""),
        targets=escape(targets or "KOR,JPN"), cut=cut, redirect=redirect,
        partners=escape(partners or ""),
    )  # fmt: skip
    sections = [Section("form", "Scenario builder", form,
                        intro="A supplier cuts exports; who is exposed, who can cover, what is short.")]  # fmt: skip
    if supplier:
        store = _store(request)
        s = await run_query(
            request,
            lambda: scenario(
                supplier, products=_blank(products), basket=_blank(basket), cut=cut,
                targets=_blank(targets), year=year, redirect=redirect,
                partners=_blank(partners), store=store,  # type: ignore[arg-type]
            ),
        )  # fmt: skip
        t = s.totals
        lost, covered, short = (
            float(t[c].sum()) for c in ("lost_usd", "covered_usd", "shortfall_usd")
        )
        spec = charts.waterfall(
            lost=lost,
            covered=covered,
            shortfall=short,
            title="Lost → covered by other exporters → shortfall (USD)",
        )
        params = {"supplier": supplier.strip(), "products": _codes(products),
                  "basket": _blank(basket), "cut": cut, "targets": _codes(targets), "year": year,
                  "redirect": redirect, "partners": _codes(partners)}  # fmt: skip
        notes = "".join(f'<p class="note">{escape(n)}</p>' for n in s.notes)
        sections += [
            Section("result", f"Result: {s.assumptions['supplier_name']} cuts {cut:.0%}, "
                              f"{s.assumptions['year']}",
                    charts.chart_html(spec, "chart-waterfall") + notes
                    + f'<p class="note">Data: <a href="/api/scenario?{escape(urlencode({k: v for k, v in params.items() if v is not None}))}">JSON with every assumption</a></p>'),
            Section("downloads", "Downloads", " · ".join(
                f'<a href="/api/scenario?{escape(urlencode({**{k: v for k, v in params.items() if v is not None}, "section": sec, "format": "csv"}))}">{sec} (CSV)</a>'
                for sec in ("exposure", "substitution", "shortfall", "totals", "sensitivity"))),
            Section("totals", "Per importer", table_html(t, [
                Col("rank", "#", "int"), Col("importer_name", "importer"), Col("lost_usd", "lost", "usd"),
                Col("covered_partners_usd", "covered by partners", "usd"),
                Col("covered_usd", "covered", "usd"), Col("shortfall_usd", "shortfall", "usd"),
                Col("coverage", "coverage", "share")], empty="No importer buys these products from the supplier.")),
            Section("shortfall", "Per importer and product", table_html(s.shortfall, [
                Col("importer_name", "importer"), Col("hs6", "HS6", "code"), Col("product", "product"),
                Col("lost_usd", "lost", "usd"), Col("lost_t", "lost (t)", "num"),
                Col("covered_usd", "covered", "usd"), Col("shortfall_usd", "shortfall", "usd"),
                Col("coverage", "coverage", "share")], empty="Nothing lost.", limit=30)),
            Section("substitution", "Who covers", table_html(s.substitution, [
                Col("exporter_name", "exporter"), Col("importer_name", "for"), Col("hs6", "HS6", "code"),
                Col("stage", "stage"), Col("capacity_usd", "spare capacity", "usd"),
                Col("covered_usd", "covered", "usd"), Col("share_of_lost", "share of the loss", "share")],
                empty="No alternative exporter in the data.", limit=30)),
        ]  # fmt: skip
    return page(
        request, "Scenario builder", sections, subtitle="partial equilibrium; values in USD"
    )


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(
    request: Request,
    country: Codes = "KOR",
    since: Annotated[
        str | None, Query(max_length=7, pattern=r"^(\d{4}(-?\d{1,2})?)?$")
    ] = "2019-01",
    until: Annotated[str | None, Query(max_length=7, pattern=r"^(\d{4}(-?\d{1,2})?)?$")] = None,
    basket: Basket = None,
    by_supplier: bool = False,
) -> HTMLResponse:
    from ecosec.api_warning import alerts

    store = _store(request)
    df = await run_query(
        request,
        lambda: alerts(
            country=_blank(country), since=_blank(since), until=_blank(until),
            basket=_blank(basket), by_supplier=by_supplier, store=store,  # type: ignore[arg-type]
        ),
    )  # fmt: skip
    form = (
        '<form action="/alerts" method="get" id="alerts-form">'
        f'<label>Importer <input name="country" value="{escape(country or "")}" size="8"></label>'
        f'<label>Since <input name="since" value="{escape(since or "")}" size="8" placeholder="2019-01"></label>'
        f'<label>Until <input name="until" value="{escape(until or "")}" size="8"></label>'
        '<label><input type="checkbox" name="by_supplier" value="true"'
        f"{' checked' if by_supplier else ''}> by supplier country</label>"
        "<button>Show alerts</button></form>"
    )
    n = int(df.attrs.get("series_periods", 0))
    rate = f"{len(df) / n * 1000:.1f}" if n else "–"
    html = table_html(
        df,
        [Col("severity", "severity"), Col("tier", "tier"), Col("importer_name", "importer"),
         Col("exporter_name", "supplier"), Col("hs6", "HS6", "code"), Col("product", "product"),
         Col("signal", "signal"), Col("start", "since"), Col("status", "status"),
         Col("message", "what moved, against which baseline, why it matters")],
        empty="No alert for this selection: no series moved beyond the thresholds.", limit=50,
    )  # fmt: skip
    chart = ""
    if len(df):
        top = df.iloc[0]
        series = _alert_series(request, str(top["importer"]), str(top["exporter"]), str(top["hs6"]))
        if series is not None and len(series):
            spec = charts.time_series(
                series, x="date", y="value_usd", color="supplier",
                title=f"{top['importer_name']} imports of {top['hs6']} by supplier (the top alert's series)",
                y_title="imports (USD)",
            )  # fmt: skip
            chart = charts.chart_html(spec, "chart-alert")
    params = {"country": _codes(country), "since": _blank(since), "until": _blank(until),
              "basket": _blank(basket), "by_supplier": "true" if by_supplier else None}  # fmt: skip
    sections = [
        Section("form", "Alerts", form + twin_links("/api/alerts", params),
                intro=f"{len(df)} alerts over {n:,} series-periods judged ({rate} per 1,000)."),
        Section("chart", "The top alert's series", chart or '<p class="empty">No series to draw.</p>'),
        Section("table", "Alerts, most severe first", html),
    ]  # fmt: skip
    return page(request, "Early-warning alerts", sections, subtitle="values in USD")


def _alert_series(request: Request, importer: str, exporter: str, hs6: str) -> pd.DataFrame | None:
    """Monthly imports of ``hs6`` by ``importer`` from its top suppliers (for the chart)."""
    from ecosec.api_dependency import monthly_imports

    store = _store(request)
    try:
        df = monthly_imports(importer, hs=hs6, store=store)  # type: ignore[arg-type]
    except EcosecError:
        return None
    keep = df.groupby("exporter")["value_usd"].sum().nlargest(4).index.union([exporter])
    df = df[df["exporter"].isin(keep)]
    return df.assign(supplier=df["exporter_name"])
