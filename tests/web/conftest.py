"""Web fixtures: an in-process ASGI client, and a real server on loopback for the browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ecosec.web.app import create_app


def assert_error_shape(
    resp: httpx.Response, status: int, kind: str | None = None
) -> dict[str, Any]:
    """The API's one error shape: {"error": {"status", "type", "message"}}."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "type", "message"}
    assert body["error"]["status"] == status and body["error"]["message"]
    if kind is not None:
        assert body["error"]["type"] == kind
    err: dict[str, Any] = body["error"]
    return err


@pytest_asyncio.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@contextmanager
def uvicorn_on_loopback(app: Any) -> Iterator[str]:
    """uvicorn serving ``app`` on a free loopback port, in a thread; yields the base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app (on the embedded sample) on a real loopback server, for the browser."""
    with uvicorn_on_loopback(create_app()) as url:
        yield url
