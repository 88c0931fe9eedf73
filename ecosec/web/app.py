"""The FastAPI application: a JSON API for every analysis and the dashboard pages.

Read-only over the store (each request reads the current catalog, so a finished ingest
shows up without a restart). Inputs are validated by the same API functions the CLI
uses; every error leaves as one JSON shape::

    {"error": {"status": 400, "type": "UnknownCountry", "message": "…what to do…"}}

No SQL is built from request text: codes are resolved against the reference tables
and validated patterns before they reach the engine.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ecosec import settings
from ecosec._records import records
from ecosec.engine.executor import CancelScope, cancelling
from ecosec.errors import BadInput, EcosecError, NoData

DEFAULT_ROW_LIMIT = 5000
DEFAULT_TIMEOUT_S = 60.0


class WebConfig:
    """Settings of one app instance (store, row limit, query timeout)."""

    def __init__(self, store: str | Path | None, row_limit: int, timeout_s: float) -> None:
        self.store = store
        self.row_limit = row_limit
        self.timeout_s = timeout_s


def error_body(status: int, kind: str, message: str) -> dict[str, Any]:
    """The one JSON error shape of the API."""
    return {"error": {"status": status, "type": kind, "message": message}}


def error_response(request: Request, status: int, kind: str, message: str) -> Response:
    """The error in the API's one JSON shape, or, for a browser asking for a dashboard
    page (not ``/api``, ``Accept: text/html``), the same message as a page with the
    navigation, so a mistyped country is not a screen of raw JSON."""
    wants_page = "text/html" in request.headers.get("accept", "")
    if wants_page and not request.url.path.startswith("/api"):
        from ecosec.report.html import Section, render_page
        from ecosec.web.pages import NAV

        body = (
            f'<p class="error">{escape(message)}</p>'
            '<p class="note">Go back and change the request, or start again from '
            '<a href="/">the home page</a>.</p>'
        )
        page = render_page(
            title="ecosec: the request could not be answered",
            subtitle=f"{status} · {kind}",
            sections=[Section("error", "What went wrong", body)],
            nav=NAV,
        )
        return HTMLResponse(page, status_code=status)
    return JSONResponse(error_body(status, kind, message), status_code=status)


def _status(exc: EcosecError) -> int:
    if isinstance(exc, NoData):
        return 404
    if isinstance(exc, BadInput) or exc.exit_code == 2:
        return 400
    return 500


def _filename(name: str) -> str:
    """``name`` as a download file name: request text such as a country as typed can
    hold quotes, CR/LF or characters a header cannot carry (latin-1 only)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "table"


def table_response(
    df: pd.DataFrame,
    *,
    request: Request,
    name: str,
    page: int,
    page_size: int,
    fmt: str,
    meta: dict[str, Any] | None = None,
) -> Response:
    """A table as paginated JSON (pages of at most the row limit), or whole as CSV: a
    download is the complete table, never silently cut (its row count is in the
    ``X-Total-Rows`` header)."""
    cfg: WebConfig = request.app.state.config
    if fmt == "csv":
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{_filename(name)}.csv"',
                "X-Total-Rows": str(len(df)),
            },
        )
    if fmt != "json":
        raise BadInput(f"format {fmt!r} is not known; allowed: json, csv")
    if page < 1 or page_size < 1 or page_size > cfg.row_limit:
        raise BadInput(f"page must be ≥ 1 and page_size between 1 and {cfg.row_limit}")
    start = (page - 1) * page_size
    body = {
        "total": len(df),
        "page": page,
        "page_size": page_size,
        "columns": [str(c) for c in df.columns],
        "rows": records(df.iloc[start : start + page_size]),
        **(meta or {}),
    }
    return JSONResponse(body)


class ResultCache:
    """Results of recent requests, keyed by the request and the datasets' versions.

    Published dataset versions never change (an ingest publishes a new version), so a
    result computed for the same parameters over the same versions is still right;
    a new ingest changes the key. Bounded (least recently used out).
    """

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return _MISSING

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


_MISSING = object()


def _versions(store: str | Path | None) -> tuple[tuple[str, str], ...]:
    from ecosec.engine.executor import open_catalog

    cat = open_catalog(store)
    return tuple((d.name, d.version) for d in cat.datasets)


# Query parameters that only shape the answer (which page, which format), not the
# result the engine computes: one cached result serves every page and format.
_PRESENTATION = frozenset({"page", "page_size", "format"})


async def run_query(request: Request, fn: Callable[[], Any]) -> Any:
    """Run blocking engine work in a thread, bounded by the query timeout.

    Identical requests over the same dataset versions are answered from a cache, and
    identical requests that arrive while the first is still running wait for its
    result instead of computing it again.
    """
    cfg: WebConfig = request.app.state.config
    cache: ResultCache = request.app.state.cache
    inflight: dict[tuple[Any, ...], asyncio.Future[Any]] = request.app.state.inflight
    key = (
        request.url.path,
        tuple(sorted(i for i in request.query_params.multi_items() if i[0] not in _PRESENTATION)),
        fn.__code__.co_firstlineno,
        await run_in_threadpool(_versions, cfg.store),
    )
    hit = cache.get(key)
    if hit is not _MISSING:
        return hit
    running = inflight.get(key)
    if running is None:
        scope = CancelScope()

        def work() -> Any:
            with cancelling(scope):
                return fn()

        running = asyncio.ensure_future(
            asyncio.wait_for(run_in_threadpool(work), timeout=cfg.timeout_s)
        )
        inflight[key] = running

        def done(f: asyncio.Future[Any]) -> None:
            inflight.pop(key, None)
            if f.cancelled() or isinstance(f.exception(), TimeoutError):
                scope.cancel()  # stop the thread's queries: nobody waits for them now

        running.add_done_callback(done)
    try:
        # Shielded: a client that goes away does not cancel the others' computation.
        result = await asyncio.shield(running)
    except TimeoutError:
        raise QueryTimeout(
            f"the query took longer than {cfg.timeout_s:g} s; narrow it (a year, a basket "
            "or fewer codes) or raise ECOSEC_WEB_TIMEOUT"
        ) from None
    cache.put(key, result)
    return result


class QueryTimeout(EcosecError):
    """A query ran past the configured time limit."""


def create_app(
    store: str | Path | None = None,
    *,
    row_limit: int | None = None,
    timeout_s: float | None = None,
) -> FastAPI:
    """The ecosec web application (``ecosec serve`` runs it with uvicorn)."""
    app = FastAPIOffline(
        title="ecosec",
        description="Economic-security analysis of international trade: JSON API and dashboard.",
        version="0.1.0",
        favicon_url="/favicon.ico",
        redoc_url=None,  # ReDoc fetches its logo from cdn.redoc.ly; /docs is enough
        # Swagger UI would ask validator.swagger.io about the schema: nothing leaves.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.cache = ResultCache(int(settings.get("web-cache-size") or 128))
    app.state.inflight = {}
    app.state.config = WebConfig(
        store,
        int(row_limit or settings.get("web-row-limit") or DEFAULT_ROW_LIMIT),
        float(timeout_s or settings.get("web-timeout") or DEFAULT_TIMEOUT_S),
    )

    @app.exception_handler(EcosecError)
    async def _ecosec_error(request: Request, exc: EcosecError) -> Response:
        status = 504 if isinstance(exc, QueryTimeout) else _status(exc)
        return error_response(request, status, type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        msg = "; ".join(parts) + " (see /docs for the parameters)"
        return error_response(request, 400, "BadInput", msg)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = (
            str(exc.detail)
            if exc.status_code != 404
            else (
                f"no page or endpoint at {request.url.path}; "
                "see / for the pages and /docs for the API"
            )
        )
        return error_response(request, exc.status_code, "HTTPError", msg)

    @app.middleware("http")
    async def _limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > 64_000):
            return JSONResponse(
                error_body(413, "PayloadTooLarge", "request bodies are limited to 64 kB"),
                status_code=413,
            )
        # Every parameter is a code, a year or a short list: 8 kB is far beyond any real
        # request, and under uvicorn's own cut-off (16 kB), so the answer is an error
        # message rather than a dropped connection.
        if len(request.scope.get("raw_path") or b"") + len(request.scope["query_string"]) > 8192:
            return JSONResponse(
                error_body(
                    414,
                    "URITooLong",
                    "request URLs are limited to 8 kB; ask for fewer codes at once",
                ),
                status_code=414,
            )
        return await call_next(request)

    from ecosec.web import analysis_pages, analysis_routes, api_routes, pages

    app.include_router(api_routes.router)
    app.include_router(analysis_routes.router)
    app.include_router(pages.router)
    app.include_router(analysis_pages.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def _favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/vega.js", include_in_schema=False)
    async def _vega() -> Response:
        from ecosec.report.charts import javascript_bundle

        return Response(
            javascript_bundle(),
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return app


def html(text: str) -> HTMLResponse:
    return HTMLResponse(text)
