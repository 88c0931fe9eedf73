"""Bounded load test of the web API on loopback: the country and partnership endpoints.

Starts ``ecosec serve`` (uvicorn) on 127.0.0.1 in a child process, measures one
request alone per endpoint, then runs ``--clients`` concurrent clients (default 50) for
``--seconds`` (default 60, bounded), each client alternating between
``/api/dependencies/{country}`` and ``/api/partnership/{country}/{partner}``, and
reports throughput, p50/p95/p99 latency and errors. Only loopback is contacted.

The server caches results per request (and computes concurrent identical requests
once), so by default the load measures serving and JSON encoding. ``--uncached``
measures the computation: the server runs with ``ECOSEC_WEB_CACHE_SIZE=0`` and the
clients rotate over ``--countries`` (each with its partnership with the next one), so
most concurrent requests are distinct and every one is computed.

Usage::

    python benchmarks/bench_web.py --store DIR [--country KOR] [--partner JPN] [--clients 50]
    python benchmarks/bench_web.py            # the embedded sample
    python benchmarks/bench_web.py --uncached --clients 10 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(
    urls: list[str], clients: int, seconds: float, max_requests: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    stop = time.monotonic() + seconds
    lock = asyncio.Lock()
    details: list[str] = []
    start = time.perf_counter()

    async def worker(client: httpx.AsyncClient, first: int) -> None:
        nonlocal errors
        turn = first
        while time.monotonic() < stop and len(latencies) + errors < max_requests:
            url = urls[turn % len(urls)]
            turn += 1
            t = time.perf_counter()
            try:
                r = await client.get(url)
                kind = "ok" if r.status_code == 200 else f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                kind = type(exc).__name__
                if len(details) < 5:
                    details.append(f"{kind} at {time.perf_counter() - start:.1f} s: {exc!r}")
            async with lock:
                if kind == "ok":
                    latencies.append(time.perf_counter() - t)
                else:
                    errors += 1
                    kinds[kind] = kinds.get(kind, 0) + 1

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client, i) for i in range(clients)))
    if kinds:
        print("errors by kind:", kinds)
        print("\n".join(details))
    return latencies, errors, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path)
    p.add_argument("--country", default="KOR")
    p.add_argument("--partner", default="JPN")
    p.add_argument("--query", default="basket=critical-minerals")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--max-requests", type=int, default=100_000)
    p.add_argument("--uncached", action="store_true", help="no result cache; many URLs")
    p.add_argument("--countries", default="KOR,JPN,USA,CHN,DEU,FRA,GBR,IND,ITA,NLD")
    a = p.parse_args()
    port = _free_port()
    env = dict(os.environ)
    if a.uncached:
        env["ECOSEC_WEB_CACHE_SIZE"] = "0"
    cmd = [sys.executable, "-m", "ecosec", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if a.store:
        cmd += ["--store", str(a.store)]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    pairs = [(a.country, a.partner)]
    if a.uncached:
        ring = a.countries.split(",")
        pairs = list(zip(ring, ring[1:] + ring[:1], strict=True))
    urls = [
        url
        for c, partner in pairs
        for url in (
            f"{base}/api/dependencies/{c}?{a.query}",
            f"{base}/api/partnership/{c}/{partner}?{a.query}",
        )
    ]
    singles: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/baskets", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start") from None
                time.sleep(0.2)
        for url in urls[:2]:
            httpx.get(url, timeout=300).raise_for_status()  # warm caches once
            times = []
            for _ in range(5):
                t = time.perf_counter()
                httpx.get(url, timeout=300).raise_for_status()
                times.append(time.perf_counter() - t)
            singles[url] = statistics.median(times)
        lat, errors, wall = asyncio.run(_load(urls, a.clients, a.seconds, a.max_requests))
    finally:
        server.terminate()
        server.wait(timeout=30)
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    for url, secs in singles.items():
        print(f"GET {url}: single request (median of 5) {secs * 1000:.0f} ms")
    mode = f"uncached, {len(urls)} URLs" if a.uncached else "cached results"
    print(f"{a.clients} clients for {wall:.0f} s ({mode}): {len(lat)} ok, {errors} errors, "
          f"{len(lat) / wall:.1f} requests/s")  # fmt: skip
    print(
        f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
