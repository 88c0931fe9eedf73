"""Dashboard pages. Each page has a JSON twin under /api (linked from the page)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Annotated
from urllib.parse import quote, urlencode

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from ecosec import api, api_dependency, refdata
from ecosec.errors import BadInput
from ecosec.report import charts
from ecosec.report.format import Col, product_labels, table_html, usd
from ecosec.report.html import Section, render_page
from ecosec.web.api_routes import product_exporters
from ecosec.web.app import WebConfig, run_query

router = APIRouter(include_in_schema=False)

NAV = [
    ("/", "Home"),
    ("/country/KOR", "Country dependencies"),
    ("/product/850511", "Product chokepoint"),
    ("/partner/KOR/JPN", "Partnership"),
    ("/scenario", "Scenario builder"),
    ("/alerts", "Alerts"),
]

Year = Annotated[int | None, Query(ge=1950, le=2100)]
Basket = Annotated[str | None, Query(max_length=40)]


def _store(request: Request) -> object:
    cfg: WebConfig = request.app.state.config
    return cfg.store


def twin_links(api_path: str, params: Mapping[str, object], *, csv: bool = True) -> str:
    """Links to the page's JSON twin and (when it is one table, ``csv``) its CSV download."""
    q = {k: v for k, v in params.items() if v not in (None, "")}
    base = f"{api_path}?{urlencode(q)}" if q else api_path
    sep = "&" if q else "?"
    download = f' · <a href="{escape(base + sep + "format=csv")}">CSV download</a>' if csv else ""
    return f'<p class="note">Data: <a href="{escape(base)}">JSON</a>{download}</p>'


async def _thin_note(request: Request, df: pd.DataFrame) -> str:
    """A caveat when the table's "world" figures rest on a few importers' data."""
    store = _store(request)
    note = await run_query(
        request,
        lambda: api_dependency.thin_world_note(df, store=store),  # type: ignore[arg-type]
    )
    return f'<p class="note caveat">{escape(note)}</p>' if note else ""


def page(request: Request, title: str, sections: list[Section], subtitle: str = "") -> HTMLResponse:
    return HTMLResponse(render_page(title=title, subtitle=subtitle, sections=sections, nav=NAV))


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    store = _store(request)
    df = await run_query(request, lambda: api.datasets(store=store))  # type: ignore[arg-type]
    cat = api.catalog(store=store)  # type: ignore[arg-type]
    where = (
        "the embedded sample (real BACI, UN Comtrade and Korea customs data; nothing ingested yet)"
        if cat.is_sample
        else f"the store at {cat.root}"
    )
    table = table_html(
        df,
        [
            Col("name", "dataset"),
            Col("description", "what"),
            Col("years", "years"),
            Col("rows", "flows", "int"),
            Col("totals_rows", "totals", "int"),
            Col("countries", "countries", "int"),
            Col("products", "products", "int"),
        ],
        empty="No datasets.",
        limit=None,
    )
    forms = (
        """
<form action="/country" method="get"><label>Country or group (ISO3, EU27…)
<input name="code" value="KOR" size="8" required pattern="[A-Za-z0-9 \\-]{2,40}"></label>
<label>Basket <select name="basket">"""
        + "".join(f'<option value="{escape(b)}">{escape(b)}</option>' for b in refdata.baskets())
        + """</select></label><button>Show dependencies</button></form>
<form action="/product" method="get"><label>HS6 product
<input name="hs6" value="850511" size="8" required pattern="[0-9]{6}"></label>
<button>Show chokepoint</button></form>"""
    )
    return page(
        request,
        "ecosec dashboard",
        [
            Section("start", "Start", forms),
            Section("data", "Data loaded", table, intro=f"Analyses read {where}."),
        ],
        subtitle="Economic-security analysis of international trade",
    )


@router.get("/country", response_class=HTMLResponse)
async def country_form(
    request: Request, code: Annotated[str, Query(max_length=40)], basket: Basket = None
) -> HTMLResponse:
    from fastapi.responses import RedirectResponse

    # One path segment, whatever was typed ("/", "?" and "#" stay in the code).
    target = f"/country/{quote(code.strip().upper(), safe=',')}" + (
        f"?{urlencode({'basket': basket})}" if basket else ""
    )
    return RedirectResponse(target, status_code=303)  # type: ignore[return-value]


@router.get("/product", response_class=HTMLResponse)
async def product_form(
    request: Request, hs6: Annotated[str, Query(pattern=r"^[0-9]{6}$")]
) -> HTMLResponse:
    from fastapi.responses import RedirectResponse

    return RedirectResponse(f"/product/{hs6}", status_code=303)  # type: ignore[return-value]


@router.get("/country/{code}", response_class=HTMLResponse)
async def country(
    request: Request,
    code: Annotated[str, Path(max_length=40)],
    year: Year = None,
    basket: Basket = None,
) -> HTMLResponse:
    store = _store(request)
    basket = basket or "critical-minerals"
    if "," in code or code.strip().lower() in ("", "all", "*"):
        raise BadInput(
            f"{code!r}: a country page shows one country or group (KOR, EU27…); compare two "
            "with /partner/A/B, or get several as a table from /api/dependencies/A,B"
        )
    deps = await run_query(
        request,
        lambda: api_dependency.dependencies(code, year=year, basket=basket, store=store),  # type: ignore[arg-type]
    )
    sup = await run_query(
        request,
        lambda: api_dependency.suppliers(code, year=year, basket=basket, store=store),  # type: ignore[arg-type]
    )
    name = str(deps["importer_name"].iloc[0]) if len(deps) else code
    yr = int(deps["year"].max())
    n_dep = int(deps["dependent"].sum())
    deps = deps.assign(status=deps["dependent"].map({True: "dependent", False: "not dependent"}))
    deps = deps.assign(label=product_labels(deps["hs6"], deps["product"]))
    kpis = (
        '<div class="kpis">'
        f'<div class="kpi"><div class="v">{n_dep} of {len(deps)}</div><div class="l">products flagged dependent</div></div>'
        f'<div class="kpi"><div class="v">{escape(usd(deps["imports_usd"].sum()))}</div><div class="l">imports in the basket, {yr}</div></div>'
        f'<div class="kpi"><div class="v">{escape(usd(deps.loc[deps["dependent"], "imports_usd"].sum()))}</div><div class="l">imports in dependent products</div></div>'
        "</div>"
    )
    bars = charts.ranked_bars(
        deps,
        label="label",
        value="imports_usd",
        color="status",
        title=f"{name}: imports by product, {yr} (USD)",
        value_title="imports (USD)",
    )
    table = table_html(
        deps,
        [
            Col("hs6", "HS6", "code"),
            Col("product", "product"),
            Col("imports_usd", "imports (USD)", "usd"),
            Col("n_suppliers", "suppliers", "int"),
            Col("top_supplier_name", "top supplier"),
            Col("top_share", "top share", "share"),
            Col("hhi_imports", "HHI imports", "num"),
            Col("hhi_world", "HHI world exports", "num"),
            Col("import_export_ratio", "imports / exports", "ratio"),
            Col("dependent", "dependent", "flag"),
        ],
        empty="No imports of these products in the data.",
        limit=None,
    )
    sup_table = table_html(
        sup,
        [
            Col("exporter_name", "supplier"),
            Col("dependencies_held", "dependencies held (top supplier)", "int"),
            Col("dependencies_supplied", "dependencies supplied", "int"),
            Col("imports_usd", "imports in dependent products (USD)", "usd"),
            Col("share_of_dependent_imports", "share", "share"),
        ],
        empty=f"{name} has no flagged dependencies in this basket and year, so no supplier holds one.",
    )
    sup_chart = (
        charts.ranked_bars(
            sup,
            label="exporter_name",
            value="imports_usd",
            title="Suppliers of the dependent products (USD)",
            value_title="imports (USD)",
        )
        if len(sup)
        else None
    )
    params = {"year": year, "basket": basket}
    sections = [
        Section(
            "summary",
            f"{name}: dependencies in {basket}, {yr}",
            kpis
            + await _thin_note(request, deps)
            + twin_links(f"/api/dependencies/{code}", params),
            intro="CEPII GeoDep rule: supplier HHI > 0.4, world export HHI > 0.4 and imports/exports > 1 (2 of 3 years where 3 consecutive years exist).",
        ),
        Section("chart", "Imports by product", charts.chart_html(bars, "chart-deps")),
        Section("table", "Every product", table),
        Section(
            "suppliers",
            "On whom",
            (charts.chart_html(sup_chart, "chart-sup") if sup_chart else "")
            + sup_table
            + twin_links(f"/api/suppliers/{code}", params),
        ),
    ]
    return page(
        request,
        f"{name} — import dependencies",
        sections,
        subtitle=f"{basket}, {yr}; values in USD",
    )


@router.get("/product/{hs6}", response_class=HTMLResponse)
async def product(
    request: Request, hs6: Annotated[str, Path(pattern=r"^[0-9]{6}$")], year: Year = None
) -> HTMLResponse:
    store = _store(request)
    ex = await run_query(request, lambda: product_exporters(hs6, year=year, store=store))  # type: ignore[arg-type]
    desc = refdata.hs_description(hs6) or hs6
    yr = int(ex["year"].max())
    ex = ex[ex["year"] == yr]
    hhi = float((ex["world_share"] ** 2).sum())
    top = ex.iloc[0]
    kpis = (
        '<div class="kpis">'
        f'<div class="kpi"><div class="v">{escape(usd(ex["exports_usd"].sum()))}</div><div class="l">world exports, {yr}</div></div>'
        f'<div class="kpi"><div class="v">{escape(str(top["exporter_name"]))} {top["world_share"] * 100:.1f}%</div><div class="l">largest exporter</div></div>'
        f'<div class="kpi"><div class="v">{hhi:.2f}</div><div class="l">world export HHI (&gt; 0.4: concentrated)</div></div>'
        "</div>"
    )
    bars = charts.ranked_bars(
        ex,
        label="exporter_name",
        value="world_share",
        percent=True,
        title=f"Largest exporters of {hs6}, {yr} (share of world exports)",
        value_title="share of world exports",
    )
    world = charts.world_map(
        ex, code="exporter", value="world_share", title=f"Share of world exports of {hs6}, {yr}"
    )
    table = table_html(
        ex,
        [
            Col("exporter_name", "exporter"),
            Col("exports_usd", "exports (USD)", "usd"),
            Col("world_share", "share of world", "share"),
            Col("rca", "RCA", "num"),
        ],
        empty="No exports of this product in the data.",
    )
    sections = [
        Section(
            "summary",
            f"{desc} ({hs6})",
            kpis
            + await _thin_note(request, ex)
            + twin_links(f"/api/exporters/{hs6}", {"year": year}),
        ),
        Section("bars", "Who exports it", charts.chart_html(bars, "chart-bars")),
        Section("map", "Where exports come from", charts.chart_html(world, "chart-map")),
        Section("table", "Exporters", table, intro="RCA over the products in the loaded data."),
    ]
    return page(
        request,
        f"Product {hs6} — chokepoint view",
        sections,
        subtitle=f"{desc}; {yr}; values in USD",
    )
