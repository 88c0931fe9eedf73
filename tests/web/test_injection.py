"""Injection attempts in every parameter of every route, and hostile data on the pages.

The routes are read from the app itself, so a new route is attacked without editing
this file; a route with a parameter missing from ``PARAMS`` (or taking a header, cookie
or body) fails until it is added there. Each parameter in turn gets every payload —
SQL, path traversal, HTML/JS, 100 kB, NUL, unicode, CR/LF — with the other required
parameters valid. Every answer must be a 4xx in the one error shape (pages send their
errors as JSON too), except the few listed in ``MAY_PASS`` with the reason; never a
5xx, never file contents, never a header carrying the payload's CR/LF, never an HTML
body carrying the payload unescaped. A route without parameters gets the payloads in
an unknown query parameter ``x`` (ignored, so it may answer 200, but under the same
rules otherwise).

Then the pages are fed hostile *data* and hostile *echoed text* (the engine calls are
replaced so the text reaches the page): names and descriptions holding HTML and
``</script>`` come out escaped in the HTML and in the chart JSON, in process and, with
the ``browser`` marker, in chromium (no dialog, every section still in the document).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import quote, unquote, urlencode

import httpx
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Scope

from ecosec.web.app import create_app
from tests.conftest import HOSTILE
from tests.web.conftest import assert_error_shape

# Every parameter the app takes, with the valid value sent while another parameter is
# attacked (None: left to its default). The request with these values alone must
# succeed, so that an attacked parameter is refused for its payload, not for another.
PARAMS: dict[str, str | None] = {
    "country": "KOR",
    "code": "KOR",
    "a": "KOR",
    "b": "JPN",
    "supplier": "CHN",
    "targets": None,
    "partners": None,
    "basket": "critical-minerals",
    "hs6": "850511",
    "hs": None,
    "products": None,
    "year": "2024",
    "since": None,
    "until": None,
    "method": None,
    "min_severity": None,
    "section": None,
    "format": None,
    "page": None,
    "page_size": None,
    "only_dependent": None,
    "by_supplier": None,
    "cut": None,
    "redirect": None,
}

PAYLOADS: dict[str, str] = {
    "sql-or": "KOR' OR '1'='1",
    "sql-drop": "KOR'; DROP TABLE flows; --",
    "sql-union": "1 UNION SELECT hs6, 1, 1 FROM flows --",
    "sql-paren": "2024) OR (1=1",
    "sql-wildcard": "%",
    "path-up": "../../etc/passwd",
    "path-up-encoded": "..%2F..%2Fetc%2Fpasswd",
    "path-absolute": "/etc/passwd",
    "path-windows": "..\\..\\windows\\win.ini",
    "html-script": "<script>alert(1)</script>",
    "html-attr": '"><img src=x onerror=alert(1)>',
    "html-comment": "<!--<script>",
    "long-100kB": "A" * 100_000,
    "nul": "KOR\x00",
    "unicode": "한국\u202eＫＯＲ\u2028🙂",
    "crlf": "KOR\r\nSet-Cookie: injected=1",
}

# (route, parameter) pairs that may answer a payload without an error, and why.
MAY_PASS: dict[tuple[str, str], str] = {
    ("/country", "code"): "the form redirects to /country/{code}, which judges the code",
    ("/country", "basket"): "the form redirects to /country/{code}?basket=…, which judges it",
    ("/scenario", "basket"): "without a supplier the basket only preselects the form's <select>",
}

# What must never reach an HTML body unescaped.
MARKERS = ("<script>alert(1)</script>", "<img src=x onerror", "<!--<script>")
PASSWD = re.compile(r"root:[^:\n]*:0:0:")


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    for r in routes:
        included = getattr(r, "original_router", None)  # FastAPI's lazily included router
        if included is not None:
            yield from _walk(included.routes, prefix + r.include_context.prefix)  # type: ignore[attr-defined]
        elif isinstance(r, Mount):
            yield from _walk(r.routes, prefix + r.path)
        elif isinstance(r, Route | APIRoute):
            yield prefix + r.path, r
        else:
            raise AssertionError(f"route {r!r} of a kind this test does not know; teach _walk")


def _dependants(d: Dependant) -> Iterator[Dependant]:
    yield d
    for sub in d.dependencies:
        yield from _dependants(sub)


def app_routes(app: FastAPI) -> dict[str, list[tuple[str, str, bool]]]:
    """Every route's path and its parameters as (name, "path" | "query", required)."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for path, r in _walk(app.routes):
        methods = set(getattr(r, "methods", None) or {"GET"}) - {"HEAD"}
        assert methods == {"GET"}, f"{path}: methods {methods}; attack them here too"
        if isinstance(r, APIRoute):
            deps = list(_dependants(r.dependant))
            assert not any(d.header_params or d.cookie_params or d.body_params for d in deps), (
                f"{path} takes headers, cookies or a body; attack them here too"
            )
            params = [(p.alias, "path", True) for d in deps for p in d.path_params]
            params += [
                (p.alias, "query", p.field_info.is_required()) for d in deps for p in d.query_params
            ]
        else:
            params = [(name, "path", True) for name in r.param_convertors]  # type: ignore[attr-defined]
        out[path] = params
    return out


ROUTES = app_routes(create_app())
CASES = [
    (path, name) for path, params in ROUTES.items() for name in [p[0] for p in params] or ["?"]
]


def test_routes_are_all_enumerated() -> None:
    """The walk finds the schema's routes and the pages (hidden from the schema)."""
    app = create_app()
    schema = app.openapi()
    for path, ops in schema["paths"].items():
        assert path in ROUTES, f"{path} is in the OpenAPI schema but not attacked"
        declared = {p["name"] for op in ops.values() for p in op.get("parameters", [])}
        assert declared == {n for n, _, _ in ROUTES[path]}, path
    assert {"/", "/country/{code}", "/partner/{a}/{b}", "/scenario", "/alerts"} <= set(ROUTES)
    params = [(path, *p) for path, ps in ROUTES.items() for p in ps]
    unknown = {(path, n) for path, n, _, _ in params if n not in PARAMS}
    assert not unknown, f"parameters missing from PARAMS: {unknown}"
    # Without a valid value for each required parameter, a payload would be refused for
    # the missing one and prove nothing.
    no_value = {(path, n) for path, n, _, required in params if required and not PARAMS[n]}
    assert not no_value, f"required parameters without a valid value in PARAMS: {no_value}"


def _request(
    path: str, params: list[tuple[str, str, bool]], attacked: str, payload: str
) -> tuple[str, dict[str, str]]:
    """URL and query of ``path`` with ``attacked`` set to ``payload``, others valid."""
    query: dict[str, str] = {}
    url = path
    for name, where, _ in params:
        value = payload if name == attacked else PARAMS[name]
        if value is None:
            continue
        if where == "path":
            url = url.replace("{" + name + "}", quote(value, safe=""))
        else:
            query[name] = value
    if attacked == "?":
        query["x"] = payload
    return url, query


def check_response(r: httpx.Response, payload: str, *, may_pass: bool) -> None:
    """The rules every answer to a hostile request must keep."""
    where = f"{r.request.method} {str(r.request.url)[:120]} → {r.status_code}"
    assert r.status_code < 500, f"{where}: {r.text[:300]}"
    assert not PASSWD.search(r.text), f"{where}: file contents in the answer"
    for key, value in r.headers.raw:
        assert b"\r" not in value and b"\n" not in value, f"{where}: CR/LF in header {key!r}"
    if "text/html" in r.headers.get("content-type", ""):
        for marker in MARKERS:
            assert marker not in r.text, f"{where}: {marker!r} unescaped in the page"
        if any(c in payload for c in '<>"'):
            assert payload not in r.text, f"{where}: the payload unescaped in the page"
    if 300 <= r.status_code < 400:
        assert may_pass, f"{where}: redirected"
        loc = r.headers["location"]
        assert loc.startswith("/") and not loc.startswith("//"), f"{where}: off-site {loc}"
        assert not any(c in loc for c in "<>\"' \x00"), f"{where}: unquoted Location {loc!r}"
    elif r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/json"), where
        assert_error_shape(r, r.status_code)
    else:
        assert may_pass, f"{where}: accepted a hostile value: {r.text[:300]}"


async def asgi_get(app: FastAPI, path: str, query: dict[str, str]) -> httpx.Response:
    """GET straight through ASGI: httpx refuses URLs past 64 kB, the payloads go further."""
    sent: dict[str, Any] = {"headers": [], "body": b""}
    done = asyncio.Event()

    async def receive() -> Message:
        if "asked" in sent:
            await done.wait()
            return {"type": "http.disconnect"}
        sent["asked"] = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            sent["status"], sent["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")
            if not message.get("more_body"):
                done.set()

    qs = urlencode(query)
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "root_path": "",
        "query_string": qs.encode(), "headers": [(b"host", b"test")],
        "server": ("test", 80), "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    await app(scope, receive, send)
    shown = f"http://test{path[:100]}?{qs[:100]}"
    return httpx.Response(
        sent["status"], headers=sent["headers"], content=sent["body"],
        request=httpx.Request("GET", shown),
    )  # fmt: skip


APP = create_app()  # one app for the sweep: its cache answers the repeated valid requests


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p} {n}" for p, n in CASES])
async def test_every_parameter_resists_every_payload(path: str, name: str) -> None:
    assert name in PARAMS or name == "?", f"{path}: parameter {name!r} not in PARAMS"
    url, query = _request(path, ROUTES[path], "", "")
    valid = await asgi_get(APP, url, query)
    assert valid.status_code < 400, f"{url} {query} with valid values: {valid.text[:300]}"
    may_pass = (path, name) in MAY_PASS or name == "?"
    for payload in PAYLOADS.values():
        url, query = _request(path, ROUTES[path], name, payload)
        r = await asgi_get(APP, url, query)
        check_response(r, payload, may_pass=may_pass)


@pytest.mark.asyncio
async def test_sql_payloads_change_nothing(client: httpx.AsyncClient) -> None:
    """After every SQL payload, the valid query answers exactly as before (no row more,
    no table dropped)."""
    valid: dict[str, str | int] = {"basket": "critical-minerals", "page_size": 1000}
    before = await client.get("/api/dependencies/KOR", params=valid)
    assert before.status_code == 200 and before.json()["total"] == 30
    sql = [v for k, v in PAYLOADS.items() if k.startswith("sql")]
    for payload in sql:
        attacks: list[tuple[str, dict[str, str | int]]] = [
            (f"/api/dependencies/{quote(payload, safe='')}", valid),
            ("/api/dependencies/KOR", {**valid, "basket": payload}),
            ("/api/suppliers/KOR", {"basket": payload}),
            ("/api/scenario", {"supplier": payload, "basket": "critical-minerals"}),
            (f"/api/partnership/KOR/{quote(payload, safe='')}", {}),
        ]
        for url, params in attacks:
            r = await client.get(url, params=params)
            assert r.status_code == 400, (url, params, r.text[:200])
    after = await client.get("/api/dependencies/KOR", params=valid)
    assert after.json() == before.json()


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", ["KOR\u2028", "KOR\r\n", "KOR\u3000", "kor, jpn"])
async def test_csv_file_name_is_a_plain_token(client: httpx.AsyncClient, typed: str) -> None:
    """A country typed with trailing line breaks or wide spaces still resolves, and the
    download's file name carries none of it (a CR/LF split the header; U+2028 was a
    500, since a header holds latin-1 only)."""
    r = await client.get(
        f"/api/dependencies/{quote(typed, safe='')}",
        params={"basket": "critical-minerals", "format": "csv"},
    )
    assert r.status_code == 200, r.text[:300]
    name = re.fullmatch(
        r'attachment; filename="([A-Za-z0-9._-]+)"', r.headers["content-disposition"]
    )
    assert name is not None and name.group(1).upper().startswith("DEPENDENCIES-KOR")
    r = await client.get(
        "/api/scenario",
        params={
            "supplier": "CHN\r\n",
            "basket": "critical-minerals",
            "section": "totals",
            "format": "csv",
        },
    )
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="scenario-CHN-totals.csv"'


@pytest.mark.asyncio
async def test_country_form_redirects_within_one_segment(client: httpx.AsyncClient) -> None:
    r = await client.get("/country", params={"code": "../api/datasets?x=1#y", "basket": "energy"})
    assert r.status_code == 303
    assert r.headers["location"] == "/country/..%2FAPI%2FDATASETS%3FX%3D1%23Y?basket=energy"
    r = await client.get("/country", params={"code": "kor, jpn"})
    assert r.headers["location"] == "/country/KOR,%20JPN"


# ---------------------------------------------------------------------------------------
# Hostile data and echoed text on the pages


def _hostile(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``df`` with each of ``cols`` holding the hostile strings in turn."""
    out = df.copy()
    for col in cols:
        out[col] = [HOSTILE[i % len(HOSTILE)] for i in range(len(out))]
    return out


@cache
def _real(kind: str) -> pd.DataFrame:
    from ecosec import api_dependency
    from ecosec.api_warning import alerts
    from ecosec.web.api_routes import product_exporters

    if kind == "deps":
        return api_dependency.dependencies("KOR", basket="critical-minerals")
    if kind == "sup":
        return api_dependency.suppliers("KOR", basket="critical-minerals")
    if kind == "exporters":
        return product_exporters("850511", year=None, store=None)
    return alerts(country="KOR", since="2019-01")


@pytest.fixture
def hostile_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine answers with real numbers but hostile names and descriptions."""
    from ecosec import api_dependency, api_warning, refdata
    from ecosec.web import pages

    deps = _hostile(_real("deps"), ["importer_name", "product", "top_supplier_name"])
    sup = _hostile(_real("sup"), ["exporter_name"])
    ex = _hostile(_real("exporters"), ["exporter_name"])
    al = _real("alerts")
    al_hostile = _hostile(al, ["importer_name", "exporter_name", "product", "message", "signal"])
    al_hostile.attrs = dict(al.attrs)
    monkeypatch.setattr(api_dependency, "dependencies", lambda *a, **k: deps.copy())
    monkeypatch.setattr(api_dependency, "suppliers", lambda *a, **k: sup.copy())
    monkeypatch.setattr(pages, "product_exporters", lambda *a, **k: ex.copy())
    monkeypatch.setattr(api_warning, "alerts", lambda *a, **k: al_hostile.copy())
    monkeypatch.setattr(refdata, "hs_description", lambda *a, **k: HOSTILE[2])
    monkeypatch.setattr(refdata, "country_name", lambda *a, **k: HOSTILE[1])


def chart_specs(page: str) -> list[Any]:
    """The Vega-Lite specs embedded in a page, parsed back from the script elements."""
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    specs = []
    for s in scripts:
        m = re.fullmatch(r"vegaEmbed\('#[\w-]+', (.*), \{\"renderer\".*", s, flags=re.S)
        assert m is not None, f"a script that is not a chart: {s[:200]}"
        assert "<" not in m.group(1) and ">" not in m.group(1)
        specs.append(json.loads(m.group(1)))
    return specs


def assert_escaped(page: str, sections: list[str]) -> None:
    for marker in MARKERS:
        assert marker not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Every section survives whatever came before it.
    for sid in sections:
        assert f'<section id="{sid}">' in page, sid
    assert page.rstrip().endswith("</html>")


HOSTILE_PAGES = [
    ("/country/KOR?basket=critical-minerals", ["summary", "chart", "table", "suppliers"], 2),
    ("/product/850511", ["summary", "bars", "map", "table"], 2),
    ("/alerts?country=KOR&since=2019-01", ["form", "chart", "table"], 1),
    ("/partner/KOR/JPN", ["about", "complementarity", "buyer-weight", "agenda"], 1),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("url", "sections", "n_charts"), HOSTILE_PAGES)
async def test_hostile_data_is_escaped_on_pages(
    client: httpx.AsyncClient, hostile_data: None, url: str, sections: list[str], n_charts: int
) -> None:
    r = await client.get(url)
    assert r.status_code == 200, r.text[:300]
    assert_escaped(r.text, sections)
    specs = chart_specs(r.text)
    assert len(specs) == n_charts
    # The hostile text reaches the chart as data or title, unchanged.
    assert any(h in json.dumps(specs, ensure_ascii=False) for h in HOSTILE[:4])


@pytest.mark.asyncio
async def test_echoed_text_is_escaped(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, hostile_data: None
) -> None:
    """Text from the request shown on a page (a code, a basket, a supplier as typed)
    is escaped in the page's text, form values and links."""
    from ecosec import api_scenario
    from ecosec.web import analysis_pages

    real = api_scenario.scenario
    monkeypatch.setattr(analysis_pages, "scenario", lambda supplier, **k: real("CHN", **k))
    attr = HOSTILE[1]
    for url, params in [
        (f"/country/{quote(attr, safe='')}", {"basket": "critical-minerals"}),
        ("/scenario", {"supplier": attr, "basket": "critical-minerals", "targets": "KOR"}),
    ]:
        r = await client.get(url, params=params)
        assert r.status_code == 200, r.text[:300]
        assert attr not in r.text and "<img" not in r.text
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in r.text or quote(attr) in r.text
    r = await client.get("/scenario", params={"supplier": attr, "basket": "critical-minerals"})
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in r.text


# ---------------------------------------------------------------------------------------
# The same, in chromium: no dialog, no script error, every section in the document


def _render(url: str) -> str:
    async def get() -> str:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.get(url)
            assert r.status_code == 200
            return r.text

    return asyncio.run(get())


@pytest.mark.browser
@pytest.mark.parametrize(("url", "sections", "n_charts"), HOSTILE_PAGES[:2])
def test_hostile_data_in_chromium(
    hostile_data: None, url: str, sections: list[str], n_charts: int
) -> None:
    from pathlib import Path

    from ecosec.report.charts import javascript_bundle
    from tests.web.test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    html = _render(url)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        dialogs: list[str] = []
        errors: list[str] = []

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def serve(route: Any) -> None:
            if route.request.url.endswith("/static/vega.js"):
                route.fulfill(body=javascript_bundle(), content_type="application/javascript")
            else:
                route.fulfill(body=html, content_type="text/html; charset=utf-8")

        page.route("http://ecosec.test/**", serve)
        page.goto("http://ecosec.test" + url)
        page.wait_for_function(
            "n => document.querySelectorAll('div.chart svg').length >= n",
            arg=n_charts,
            timeout=20000,
        )
        for sid in sections:
            assert page.locator(f"section#{sid}").count() == 1, sid
        assert page.locator("img").count() == 0 and page.locator("body script").count() == n_charts
        # The hostile names show as text, in the tables and in the charts vega drew.
        assert "<script>alert(1)</script>" in page.inner_text("main")
        drawn = page.locator("div.chart svg").first.text_content() or ""
        assert any(h in drawn for h in HOSTILE)
        browser.close()
    assert dialogs == [] and errors == []
