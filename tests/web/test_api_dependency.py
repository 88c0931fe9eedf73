"""JSON API routes of the dependency family, in process (httpx ASGI client).

Expected numbers come from the Python API on the same sample (the engine is tested
against hand computations and pandas in tests/engine)."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

import ecosec
from ecosec.web.app import create_app
from tests.web.conftest import assert_error_shape, uvicorn_on_loopback

pytestmark = pytest.mark.asyncio


async def test_dependencies_paginated_equals_python_api(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/dependencies/KOR",
        params={"basket": "critical-minerals", "year": 2024, "page_size": 5, "page": 2},
    )
    assert r.status_code == 200
    body = r.json()
    ref = ecosec.dependencies("KOR", year=2024, basket="critical-minerals")
    assert body["total"] == len(ref) and body["page"] == 2 and len(body["rows"]) == 5
    got = pd.DataFrame(body["rows"])
    exp = ref.iloc[5:10].reset_index(drop=True)
    assert got["hs6"].tolist() == exp["hs6"].tolist()
    assert got["imports_usd"].tolist() == pytest.approx(exp["imports_usd"].tolist())
    assert got["dependent"].tolist() == exp["dependent"].tolist()


async def test_dependencies_csv_download(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/dependencies/KOR", params={"basket": "critical-minerals", "format": "csv"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    df = pd.read_csv(io.StringIO(r.text), dtype={"hs6": str})
    assert len(df) == 30 and "850511" in set(df["hs6"])


async def test_csv_is_the_whole_table_past_the_page_limit() -> None:
    # With a row limit of 10, the 30-row table is refused as one JSON page but
    # downloads whole as CSV (it used to be cut at the limit without a word).
    from ecosec.web.app import create_app

    app = create_app(row_limit=10)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        params = {"basket": "critical-minerals", "year": 2024}
        r = await c.get("/api/dependencies/KOR", params={**params, "format": "csv"})
        assert r.status_code == 200 and r.headers["x-total-rows"] == "30"
        assert len(pd.read_csv(io.StringIO(r.text))) == 30
        r = await c.get("/api/dependencies/KOR", params={**params, "page_size": 30})
        assert_error_shape(r, 400, "BadInput")


async def test_group_and_eu_method(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/dependencies/EU27", params={"basket": "critical-minerals", "method": "eu"}
    )
    assert r.status_code == 200 and r.json()["method"] == "eu"
    assert {row["importer"] for row in r.json()["rows"]} == {"EU27"}


async def test_chokepoints_exporters_suppliers(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/chokepoints", params={"hs": "283691", "year": 2022})
    assert r.status_code == 200 and r.json()["rows"][0]["top_exporter"] == "CHL"
    r = await client.get("/api/exporters/850511", params={"year": 2024, "page_size": 1000})
    rows = r.json()["rows"]
    assert rows[0]["exporter"] == "CHN" and sum(x["world_share"] for x in rows) == pytest.approx(
        1.0
    )
    r = await client.get("/api/suppliers/KOR", params={"basket": "critical-minerals"})
    assert r.status_code == 200 and r.json()["rows"][0]["exporter"] == "CHN"


async def test_reference_routes(client: httpx.AsyncClient) -> None:
    assert len((await client.get("/api/countries")).json()["rows"]) > 200
    names = {b["basket"] for b in (await client.get("/api/baskets")).json()["rows"]}
    assert {"semiconductors", "critical-minerals", "batteries", "energy"} <= names
    ds = (await client.get("/api/datasets")).json()["rows"]
    assert any(d["name"] == "baci-critical-2024" for d in ds)


@pytest.mark.parametrize(
    ("url", "params", "status", "kind"),
    [
        ("/api/dependencies/XXX", {}, 400, "UnknownCountry"),
        ("/api/dependencies/KOR", {"basket": "nope"}, 400, "UnknownBasket"),
        ("/api/dependencies/KOR", {"year": 1999}, 404, "NoData"),
        ("/api/dependencies/KOR", {"year": "abc"}, 400, "BadInput"),
        ("/api/dependencies/KOR", {"hs": "85'; DROP TABLE flows; --"}, 400, "BadInput"),
        ("/api/dependencies/KOR", {"page_size": 0}, 400, "BadInput"),
        ("/api/dependencies/KOR", {"format": "xml"}, 400, "BadInput"),
        ("/api/exporters/12345x", {}, 400, "BadInput"),
        ("/api/chokepoints", {"hs": "999999"}, 400, "UnknownProduct"),
        ("/api/nothing-here", {}, 404, "HTTPError"),
    ],
)
async def test_bad_inputs_share_one_error_shape(
    client: httpx.AsyncClient, url: str, params: dict[str, object], status: int, kind: str
) -> None:
    r = await client.get(url, params=params)
    assert_error_shape(r, status, kind)


async def test_oversized_body_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/dependencies/KOR", content=b"x" * 70_000)
    assert_error_shape(r, 413, "PayloadTooLarge")


async def test_oversized_url_refused_with_a_message(client: httpx.AsyncClient) -> None:
    # 8 kB: a URL just under it is served; one just over is refused with the error shape.
    url = "/api/dependencies/KOR?year=2024&basket=critical-minerals&note="
    r = await client.get(url + "a" * (8000 - len(url)))
    assert r.status_code == 200, r.text
    r = await client.get(url + "a" * (8300 - len(url)))
    err = assert_error_shape(r, 414, "URITooLong")
    assert "8 kB" in err["message"]


async def test_oversized_url_gets_an_answer_from_the_real_server() -> None:
    # Over loopback through uvicorn: past uvicorn's own 16 kB cut-off the connection is
    # dropped without an answer, so the limit must answer first.
    with uvicorn_on_loopback(create_app()) as base:
        r = httpx.get(f"{base}/api/dependencies/KOR", params={"hs": "1" * 12_000}, timeout=30)
    assert_error_shape(r, 414, "URITooLong")


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {
        "/api/dependencies/{country}",
        "/api/chokepoints",
        "/api/suppliers/{country}",
        "/api/exporters/{hs6}",
    } <= set(spec["paths"])


async def test_pages_render_with_names_not_codes(client: httpx.AsyncClient) -> None:
    r = await client.get("/country/KOR", params={"basket": "critical-minerals"})
    assert r.status_code == 200 and "Korea" in r.text and "magnets" in r.text
    assert "/api/dependencies/KOR" in r.text  # JSON twin linked
    r = await client.get("/product/850511")
    assert r.status_code == 200 and "China" in r.text
    r = await client.get("/country/KOR", params={"basket": "<script>alert(1)</script>"})
    assert_error_shape(r, 400, "UnknownBasket")
    # Echoed only inside JSON (never as HTML), so a browser does not run it.
    assert r.headers["content-type"].startswith("application/json")
