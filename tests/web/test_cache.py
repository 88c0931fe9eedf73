"""The web API computes a result once: concurrent identical requests share it, and
every page and format of a table is served from one cached result."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from ecosec import api_dependency
from ecosec.errors import BadInput
from ecosec.web.app import create_app


@pytest.mark.asyncio
async def test_one_computation_for_concurrent_requests_and_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = 0
    lock = threading.Lock()
    real = api_dependency.dependencies

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.3)  # long enough for the other requests to arrive meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(api_dependency, "dependencies", counted)
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        url = "/api/dependencies/KOR?year=2024&basket=critical-minerals"
        first = await asyncio.gather(*(c.get(url + "&page_size=5") for _ in range(6)))
        assert [r.status_code for r in first] == [200] * 6
        assert calls == 1
        assert len({r.text for r in first}) == 1
        # Other pages and the CSV of the same table: the cached result, no new query.
        p2 = await c.get(url + "&page_size=5&page=2")
        csv = await c.get(url + "&format=csv")
        assert p2.status_code == csv.status_code == 200 and calls == 1
        rows = first[0].json()["rows"] + p2.json()["rows"]
        assert len(rows) == 10 and len({(r["hs6"], r["year"]) for r in rows}) == 10
        assert csv.text.count("\n") - 1 == first[0].json()["total"]
        # A different query is computed.
        assert (await c.get(url.replace("2024", "2022"))).status_code == 200
        assert calls == 2


@pytest.mark.asyncio
async def test_cache_size_zero_computes_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = api_dependency.dependencies

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(api_dependency, "dependencies", counted)
    monkeypatch.setenv("ECOSEC_WEB_CACHE_SIZE", "0")
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        url = "/api/dependencies/KOR?year=2024&basket=critical-minerals"
        bodies = [(await c.get(url)).json() for _ in range(3)]
    # Computed three times: the same rows (HHIs may differ in their last bit, DuckDB's
    # parallel sums adding in another order).
    assert calls == 3
    assert len({tuple((r["hs6"], r["top_supplier"]) for r in b["rows"]) for b in bodies}) == 1
    monkeypatch.setenv("ECOSEC_WEB_CACHE_SIZE", "-1")
    with pytest.raises(BadInput, match=r"ECOSEC_WEB_CACHE_SIZE.*0 or more"):
        create_app()
