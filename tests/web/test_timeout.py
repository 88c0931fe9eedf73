"""The query time limit: a request past it gets a 504, and its work is stopped.

Before, ``asyncio.wait_for`` answered 504 but left the thread computing: 36 distinct
requests at a 0.05 s limit all got 504 while the server burned 35 s of CPU after them.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb
import httpx
import pytest
from fastapi import Request

from ecosec.engine.executor import Cancelled, CancelScope, cancelling, connect, open_catalog, run
from ecosec.web.app import create_app, run_query
from tests.web.conftest import assert_error_shape

pytestmark = pytest.mark.asyncio

# DuckDB takes minutes over this on 2 cores: only an interrupt ends it in time.
ENDLESS = "SELECT sum(hash(range)) FROM range(1000000000000)"


async def test_a_query_past_the_limit_is_answered_504_and_interrupted() -> None:
    app = create_app(timeout_s=0.3)
    ended = threading.Event()
    seen: dict[str, Any] = {}

    def endless() -> None:
        con = connect(open_catalog(None))
        try:
            con.execute(ENDLESS).fetchall()
            seen["end"] = "finished"
        except duckdb.InterruptException:
            seen["end"] = "interrupted"
        finally:
            con.close()
        try:  # the scope is cancelled: no new query may start
            connect(open_catalog(None)).close()
            seen["after"] = "connected"
        except Cancelled as exc:
            seen["after"] = str(exc)
        ended.set()

    @app.get("/test/endless")
    async def _endless(request: Request) -> Any:
        return await run_query(request, endless)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/test/endless")
    err = assert_error_shape(r, 504, "QueryTimeout")
    assert "longer than 0.3 s" in err["message"] and "ECOSEC_WEB_TIMEOUT" in err["message"]
    assert ended.wait(60), "the abandoned query was not stopped"
    assert seen == {
        "end": "interrupted",
        "after": "the query was cancelled (it ran past the time limit)",
    }


async def test_real_routes_time_out_with_the_same_shape() -> None:
    app = create_app(timeout_s=0.001)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.get("/api/partnership/KOR/JPN", params={"year": 2022})
    assert_error_shape(r, 504, "QueryTimeout")


async def test_work_within_the_limit_is_untouched() -> None:
    app = create_app(timeout_s=60)

    def quick() -> int:
        con = connect(open_catalog(None))
        try:
            return int(con.execute("SELECT count(*) FROM range(1000)").fetchall()[0][0])
        finally:
            con.close()

    @app.get("/test/quick")
    async def _quick(request: Request) -> Any:
        return {"n": await run_query(request, quick)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/test/quick")
    assert r.status_code == 200 and r.json() == {"n": 1000}


async def test_a_cancel_between_queries_stops_the_next_one() -> None:
    # DuckDB drops an interrupt that arrives while no statement runs: a cancel during
    # the connection's setup or between two queries must still stop the next query.
    scope = CancelScope()
    with cancelling(scope):
        catalog = open_catalog(None)
        assert run(catalog, "SELECT 42 AS x")["x"].tolist() == [42]
        scope.cancel()
        with pytest.raises(Cancelled, match="cancelled"):
            run(catalog, ENDLESS)
