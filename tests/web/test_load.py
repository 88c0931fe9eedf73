"""A bounded load test of the web API on loopback, fast enough for every CI run.

A real uvicorn server (the app on the embedded sample, its own free port on 127.0.0.1)
and ``CLIENTS`` concurrent httpx clients for ``SECONDS`` seconds, cycling through a
few countries' dependency tables and a partnership. Every response must be a 200 with
JSON of the expected shape. Latency and throughput are printed, never asserted (they
depend on the machine); ``python benchmarks/bench_web.py --clients 50 --seconds 60``
is the full benchmark. Each URL is requested once before the load (printed as cold):
results are cached per dataset version, so the load measures the server, the cache
and JSON encoding of up to ~100 kB bodies under concurrency.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ecosec.web.app import create_app
from tests.web.conftest import uvicorn_on_loopback

CLIENTS = 10
SECONDS = 8.0
COUNTRIES = ("KOR", "JPN", "USA", "CHN", "DEU")
URLS = [f"/api/dependencies/{c}?basket=critical-minerals" for c in COUNTRIES] + [
    "/api/partnership/KOR/JPN"
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A fresh app (empty result cache) on its own loopback server."""
    with uvicorn_on_loopback(create_app()) as url:
        yield url


def _table_ok(body: Any) -> bool:
    """A paginated table: total, page, columns, and rows carrying exactly those columns."""
    rows = body.get("rows") if isinstance(body, dict) else None
    return (
        isinstance(rows, list)
        and body["total"] >= len(rows) > 0
        and "hs6" in body["columns"]
        and all(list(r) == body["columns"] for r in rows)
    )


def _partnership_ok(body: Any) -> bool:
    sections = body.get("sections") if isinstance(body, dict) else None
    return (
        (body["a"], body["b"]) == ("KOR", "JPN")
        and isinstance(sections, list)
        and len(sections) > 0
        and all(isinstance(s["rows"], list) and "columns" in s for s in sections)
    )


def _check(url: str, resp: httpx.Response) -> str:
    """'ok', or what was wrong with the response."""
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}"
    try:
        body = resp.json()
    except ValueError:
        return "not JSON"
    good = _partnership_ok(body) if "/partnership/" in url else _table_ok(body)
    return "ok" if good else "unexpected JSON shape"


async def _load(base: str) -> tuple[list[float], Counter[str], list[int], float]:
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    per_client = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    async def client(i: int, http: httpx.AsyncClient) -> None:
        n = i  # each client starts on another URL, then cycles through all
        while time.monotonic() < stop:
            url = URLS[n % len(URLS)]
            n += 1
            t = time.perf_counter()
            try:
                outcome = _check(url, await http.get(url))
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            latencies.append(time.perf_counter() - t)
            outcomes[outcome] += 1
            per_client[i] += 1

    start = time.perf_counter()
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(CLIENTS)))
    return latencies, outcomes, per_client, time.perf_counter() - start


async def _cold(base: str) -> dict[str, float]:
    """Each URL once, all at the same time (the server computes them in its thread pool)."""

    async def one(http: httpx.AsyncClient, url: str) -> float:
        t = time.perf_counter()
        resp = await http.get(url)
        assert _check(url, resp) == "ok", (url, resp.text[:300])
        return time.perf_counter() - t

    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        times = await asyncio.gather(*(one(http, url) for url in URLS))
    return dict(zip(URLS, times, strict=True))


def test_concurrent_clients_get_only_valid_answers(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cold = asyncio.run(_cold(server))
    latencies, outcomes, per_client, wall = asyncio.run(_load(server))
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    first = ", ".join(f"{url.split('?')[0]} {s * 1000:.0f} ms" for url, s in cold.items())
    with capsys.disabled():
        print(
            f"\nload test: {CLIENTS} clients, {wall:.1f} s, {len(latencies)} requests "
            f"({len(latencies) / wall:.0f}/s); latency p50 {q[49] * 1000:.0f} ms, "
            f"p95 {q[94] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; cold: {first}"
        )
    assert set(outcomes) == {"ok"}, outcomes
    assert min(per_client) >= 1, per_client  # every client was served, none starved
