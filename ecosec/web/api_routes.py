"""JSON API routes (the twins of the dashboard pages), under ``/api``."""

from __future__ import annotations

from os import PathLike
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from ecosec import api, api_dependency, refdata
from ecosec._records import records
from ecosec.web.app import WebConfig, run_query, table_response

router = APIRouter(prefix="/api", tags=["api"])

Year = Annotated[
    int | None,
    Query(ge=1950, le=2100, description="Year; default the latest broadly covered year."),
]
Basket = Annotated[str | None, Query(max_length=40, description="Strategic basket name.")]
Hs = Annotated[
    str | None,
    Query(
        max_length=400, pattern=r"^[0-9]{6}(,[0-9]{6})*$", description="HS6 codes, comma-separated."
    ),
]
Page = Annotated[int, Query(ge=1, description="Page number (1-based).")]
PageSize = Annotated[int, Query(ge=1, le=100_000, description="Rows per page.")]
Fmt = Annotated[
    str, Query(pattern="^(json|csv)$", description="json (paginated) or csv (whole table).")
]
Country = Annotated[str, Query(max_length=60)]


def _cfg(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


@router.get("/datasets", summary="Loaded datasets")
async def datasets(request: Request) -> JSONResponse:
    df = await run_query(request, lambda: api.datasets(store=_cfg(request).store))
    return JSONResponse({"rows": records(df)})


@router.get("/countries", summary="Country codes and names")
async def countries(request: Request) -> JSONResponse:
    return JSONResponse({"rows": records(refdata.countries())})


@router.get("/baskets", summary="Strategic product baskets")
async def baskets(request: Request) -> JSONResponse:
    rows = [
        {"basket": b.name, "title": b.title, "codes": [c.hs6 for c in b.codes], "source": b.source}
        for b in refdata.baskets().values()
    ]
    return JSONResponse({"rows": rows})


@router.get("/dependencies/{country}", summary="Import dependencies of a country or group")
async def dependencies(
    request: Request,
    country: str,
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    method: Annotated[str, Query(pattern="^(geodep|eu)$")] = "geodep",
    only_dependent: bool = False,
    page: Page = 1,
    page_size: PageSize = 100,
    format: Fmt = "json",
) -> Response:
    store = _cfg(request).store
    df = await run_query(
        request,
        lambda: api_dependency.dependencies(
            country,
            year=year,
            basket=basket,
            hs=hs,
            method=method,
            only_dependent=only_dependent,
            store=store,
        ),
    )
    return table_response(
        df,
        request=request,
        name=f"dependencies-{country}",
        page=page,
        page_size=page_size,
        fmt=format,
        meta={"units": "USD; shares 0–1", "method": method},
    )


@router.get("/chokepoints", summary="World export concentration per product")
async def chokepoints(
    request: Request,
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    page: Page = 1,
    page_size: PageSize = 100,
    format: Fmt = "json",
) -> Response:
    store = _cfg(request).store
    df = await run_query(
        request, lambda: api_dependency.chokepoints(year=year, basket=basket, hs=hs, store=store)
    )
    return table_response(
        df,
        request=request,
        name="chokepoints",
        page=page,
        page_size=page_size,
        fmt=format,
        meta={"units": "USD; shares 0–1"},
    )


@router.get("/exporters/{hs6}", summary="A product's exporters and their world shares")
async def exporters(
    request: Request,
    hs6: Annotated[str, Path(pattern=r"^[0-9]{6}$")],
    year: Year = None,
    page: Page = 1,
    page_size: PageSize = 100,
    format: Fmt = "json",
) -> Response:
    store = _cfg(request).store
    df = await run_query(request, lambda: product_exporters(hs6, year=year, store=store))
    return table_response(
        df,
        request=request,
        name=f"exporters-{hs6}",
        page=page,
        page_size=page_size,
        fmt=format,
        meta={"units": "USD; shares 0–1"},
    )


def product_exporters(
    hs6: str, *, year: int | None, store: str | PathLike[str] | None
) -> pd.DataFrame:
    """Exporters of one product with their share of world exports (from the RCA query)."""
    df = api_dependency.rca(None, year=year, hs=hs6, store=store)  # type: ignore[arg-type]
    total = df.groupby("year")["exports_usd"].transform("sum")
    df = df.assign(world_share=df["exports_usd"] / total)
    return df.sort_values("exports_usd", ascending=False).reset_index(drop=True)[
        ["exporter", "exporter_name", "hs6", "year", "exports_usd", "world_share", "rca"]
    ]


@router.get("/suppliers/{country}", summary="On whom a country's dependencies rest")
async def suppliers(
    request: Request,
    country: str,
    year: Year = None,
    basket: Basket = None,
    hs: Hs = None,
    page: Page = 1,
    page_size: PageSize = 100,
    format: Fmt = "json",
) -> Response:
    store = _cfg(request).store
    df = await run_query(
        request,
        lambda: api_dependency.suppliers(country, year=year, basket=basket, hs=hs, store=store),
    )
    return table_response(
        df,
        request=request,
        name=f"suppliers-{country}",
        page=page,
        page_size=page_size,
        fmt=format,
        meta={"units": "USD; shares 0–1"},
    )
