"""Partnership, scenario and alerts routes in process; numbers equal the Python API."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest

import ecosec
from ecosec.api_warning import alerts
from tests.web.conftest import assert_error_shape

pytestmark = pytest.mark.asyncio


async def test_partnership_json_and_csv(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/partnership/KOR/JPN", params={"section": "shared"})
    assert r.status_code == 200
    body = r.json()
    ref = ecosec.partnership("KOR", "JPN").section("shared").table
    rows = body["sections"][0]["rows"] if "sections" in body else body["shared"]["rows"]
    assert [x["hs"] for x in rows] == ref["hs"].tolist()
    r = await client.get("/api/partnership/KOR/JPN", params={"section": "agenda", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(pd.read_csv(io.StringIO(r.text))) == len(
        ecosec.partnership("KOR", "JPN").section("agenda").table
    )
    assert_error_shape(
        await client.get("/api/partnership/KOR/JPN", params={"format": "csv"}), 400, "BadInput"
    )
    assert_error_shape(
        await client.get("/api/partnership/KOR/JPN", params={"section": "nope"}), 400, "BadInput"
    )


async def test_scenario_conserves_and_matches_api(client: httpx.AsyncClient) -> None:
    params = {"supplier": "CHN", "products": "811292,850511", "targets": "KOR,JPN"}
    r = await client.get("/api/scenario", params=params)
    assert r.status_code == 200
    body = r.json()
    assert body["assumptions"]["redirect"] == 0.25
    s = ecosec.scenario("CHN", products="811292,850511", targets="KOR,JPN")
    r = await client.get("/api/scenario", params={**params, "section": "totals", "format": "csv"})
    t = pd.read_csv(io.StringIO(r.text))
    assert t["lost_usd"].sum() == pytest.approx(s.totals["lost_usd"].sum())
    assert (t["lost_usd"] - t["covered_usd"] - t["shortfall_usd"]).abs().max() < 1e-6
    assert_error_shape(
        await client.get("/api/scenario", params={"supplier": "CHN", "redirect": 1.5}),
        400,
        "BadInput",
    )
    assert_error_shape(await client.get("/api/scenario", params={"supplier": "ZZZ"}), 400)


async def test_alerts_route(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/api/alerts",
        params={"country": "KOR", "since": "2019-01", "until": "2020-12", "hs": "281111"},
    )
    assert r.status_code == 200
    rows = r.json()["rows"]
    ref = alerts(country="KOR", since="2019-01", until="2020-12", hs="281111")
    assert len(rows) == len(ref)
    jpn = [x for x in rows if x["exporter"] == "JPN"]
    assert jpn and jpn[0]["start"] == "2019-07"
    assert_error_shape(await client.get("/api/alerts", params={"since": "July"}), 400, "BadInput")


async def test_analysis_pages(client: httpx.AsyncClient) -> None:
    for url in ("/partner/KOR/JPN", "/scenario", "/alerts"):
        r = await client.get(url)
        assert r.status_code == 200 and "<section" in r.text, url
    r = await client.get(
        "/scenario", params={"supplier": "CHN", "products": "850511", "targets": "KOR"}
    )
    assert r.status_code == 200 and "Korea" in r.text and "chart-waterfall" in r.text
