"""JSON API routes for partnership and scenarios (twins of their dashboard pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ecosec.api_partnership import SECTION_NAMES, partnership
from ecosec.api_scenario import scenario
from ecosec.errors import BadInput, closest
from ecosec.web.app import WebConfig, run_query, table_response

router = APIRouter(prefix="/api", tags=["api"])

Year = Annotated[
    int | None,
    Query(ge=1950, le=2100, description="Year; default the latest broadly covered year."),
]
Basket = Annotated[str | None, Query(max_length=40, description="Strategic basket name.")]
Codes = Annotated[
    str | None,
    Query(max_length=400, pattern=r"^[A-Za-z0-9]{2,10}(,[A-Za-z0-9]{2,10})*$",
          description="Comma-separated codes (ISO3 countries or group names)."),
]  # fmt: skip
Hs = Annotated[
    str | None,
    Query(max_length=400, pattern=r"^[0-9]{6}(,[0-9]{6})*$", description="HS6 codes, comma-separated."),
]  # fmt: skip


@router.get("/partnership/{a}/{b}", summary="Partnership analysis of two countries")
async def partnership_route(
    request: Request,
    a: str,
    b: str,
    year: Year = None,
    basket: Basket = None,
    section: Annotated[str | None, Query(max_length=40)] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    cfg: WebConfig = request.app.state.config
    if section is not None and section not in SECTION_NAMES:
        raise BadInput(f"section {section!r} is not known; {closest(section, list(SECTION_NAMES))}")
    if format == "csv" and section is None:
        raise BadInput(f"format=csv is one table: add section=NAME ({', '.join(SECTION_NAMES)})")
    p = await run_query(
        request, lambda: partnership(a, b, year=year, basket=basket, store=cfg.store)
    )
    if format == "csv":
        assert section is not None
        table = p.section(section).table
        return table_response(
            table, request=request, name=f"partnership-{p.a}-{p.b}-{section}", page=1,
            page_size=max(len(table), 1), fmt="csv",
        )  # fmt: skip
    return JSONResponse(p.to_dict([section] if section else None))


@router.get("/scenario", summary="Disruption scenario: a supplier cuts exports")
async def scenario_route(
    request: Request,
    supplier: Annotated[str, Query(max_length=40, description="Supplier country (ISO3).")],
    products: Hs = None,
    basket: Basket = None,
    cut: Annotated[float, Query(ge=0, le=1, description="Share of exports cut (0–1).")] = 1.0,
    targets: Codes = None,
    year: Year = None,
    redirect: Annotated[
        float | None,
        Query(ge=0, le=1, description="Redirectable share of others' third-country sales."),
    ] = None,
    partners: Codes = None,
    section: Annotated[
        str | None, Query(pattern="^(exposure|substitution|shortfall|totals|sensitivity)$")
    ] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    from ecosec.engine.scenario import REDIRECT_DEFAULT

    if format == "csv" and section is None:
        raise BadInput(
            "format=csv is one table: add section=exposure, substitution, shortfall, "
            "totals or sensitivity"
        )
    cfg: WebConfig = request.app.state.config
    r = REDIRECT_DEFAULT if redirect is None else redirect
    s = await run_query(
        request,
        lambda: scenario(
            supplier, products=products, basket=basket, cut=cut, targets=targets, year=year,
            redirect=r, partners=partners, store=cfg.store,
        ),
    )  # fmt: skip
    if format == "csv":
        assert section is not None
        table = getattr(s, section)
        return table_response(
            table, request=request, name=f"scenario-{s.assumptions['supplier']}-{section}", page=1,
            page_size=max(len(table), 1), fmt="csv",
        )  # fmt: skip
    return JSONResponse(s.to_dict())


@router.get("/alerts", summary="Early-warning alerts on (importer, supplier, product) series")
async def alerts_route(
    request: Request,
    country: Codes = None,
    basket: Basket = None,
    hs: Hs = None,
    supplier: Codes = None,
    since: Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}(-?\d{1,2})?$")] = None,
    until: Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}(-?\d{1,2})?$")] = None,
    min_severity: Annotated[str, Query(pattern="^(low|medium|high)$")] = "low",
    by_supplier: Annotated[
        bool, Query(description="Group the alerts by supplier country (as the page can).")
    ] = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100_000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    from ecosec.api_warning import alerts

    cfg: WebConfig = request.app.state.config
    df = await run_query(
        request,
        lambda: alerts(
            country=country, basket=basket, hs=hs, supplier=supplier, since=since, until=until,
            min_severity=min_severity, by_supplier=by_supplier, store=cfg.store,
        ),
    )  # fmt: skip
    return table_response(
        df, request=request, name="alerts", page=page, page_size=page_size, fmt=format,
        meta={"series_periods": int(df.attrs.get("series_periods", 0))},
    )  # fmt: skip
