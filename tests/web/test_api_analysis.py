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


async def test_every_link_on_the_pages_answers(client: httpx.AsyncClient) -> None:
    """Every same-site link (JSON twins, CSV downloads, navigation) on the main pages
    answers 200, including pages reached with lists typed with spaces ("KOR, JPN"),
    which the pages accept and the JSON twins' patterns do not."""
    import html
    import re

    pages = [
        ("/", {}), ("/country/KOR", {"basket": "critical-minerals"}), ("/product/850511", {}),
        ("/partner/KOR/JPN", {"basket": "critical-minerals"}),
        ("/scenario", {"supplier": "CHN", "products": "811292, 850511", "targets": "KOR, JPN",
                       "partners": "MSP, JPN"}),
        ("/alerts", {"country": "KOR, JPN", "since": "2019-01", "until": "2020-12",
                     "by_supplier": "true", "basket": "semiconductors"}),
    ]  # fmt: skip
    seen: set[str] = set()
    for url, params in pages:
        r = await client.get(url, params=params)
        assert r.status_code == 200, (url, r.text[:300])
        for href in re.findall(r'href="(/[^"]*)"', r.text):
            link = html.unescape(href)
            if link in seen or link.startswith("/docs"):
                continue
            seen.add(link)
            got = await client.get(link)
            assert got.status_code == 200, (url, link, got.text[:300])
    assert any("format=csv" in x and "section=agenda" in x for x in seen)
    assert any(x.startswith("/api/alerts") and "by_supplier=true" in x for x in seen)


async def test_page_errors_are_pages_for_browsers(client: httpx.AsyncClient) -> None:
    """A browser (Accept: text/html) asking a dashboard page with a bad input gets the
    message as a page with the navigation; API clients, and every /api route, keep the
    one JSON error shape."""
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    cases = [
        ("/country/XYZ", 400, "XYZ"),
        ("/country/KOR,JPN", 400, "one country or group"),
        ("/product/999999", 400, "999999"),
        ("/alerts?since=2019-13", 400, "2019-13"),
        ("/no/such/page", 404, "no page"),
    ]
    for url, status, text in cases:
        r = await client.get(url, headers=browser)
        assert r.status_code == status, (url, r.text[:200])
        assert r.headers["content-type"].startswith("text/html"), url
        assert '<p class="error">' in r.text and text in r.text and 'href="/alerts"' in r.text
        assert_error_shape(await client.get(url), status)
    r = await client.get("/api/dependencies/XYZ", headers=browser)
    assert_error_shape(r, 400, "UnknownCountry")
    r = await client.get("/country/<script>x</script>", headers=browser)
    assert "<script>x" not in r.text and "&lt;script&gt;x" in r.text
