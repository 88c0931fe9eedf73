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
