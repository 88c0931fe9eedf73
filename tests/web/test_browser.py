"""Dashboard pages in a real browser: Debian's chromium driven by Playwright.

Each page is loaded from a live server on loopback; the test asserts that every chart
rendered (an SVG inside each chart div), that the page logged no console errors, and
saves a screenshot under test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecosec.cli._brief import CHROMIUM_ARGS

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The flags `ecosec brief --pdf` runs chromium with; Playwright adds --headless itself.
ARGS = [a for a in CHROMIUM_ARGS if a != "--headless"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        msg = "chromium is not installed: apt-get install chromium fonts-noto-cjk (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser: Any, url: str, shot: str) -> tuple[Any, list[str]]:
    """Load ``url``, wait for charts, screenshot; return the page and its console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    n = page.locator("div.chart").count()
    if n:
        page.wait_for_function(
            "n => document.querySelectorAll('div.chart svg').length >= n", arg=n, timeout=20000
        )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return page, errors


@pytest.mark.parametrize(
    ("path", "shot", "charts"),
    [
        ("/", "home.png", 0),
        ("/country/KOR?basket=critical-minerals", "country-KOR.png", 2),
        ("/product/850511", "product-850511.png", 2),
    ],
)
def test_pages_render_charts(
    browser: Any, live_server: str, path: str, shot: str, charts: int
) -> None:
    page, errors = open_page(browser, live_server + path, shot)
    assert page.locator("div.chart").count() == charts
    assert page.locator("div.chart svg").count() >= charts
    assert errors == []
    page.close()


def test_brief_opens_offline(browser: Any, tmp_path: Path) -> None:
    """The brief renders every chart from a file:// URL with all network access refused."""
    from ecosec.report.brief import write_brief

    out = tmp_path / "brief.html"
    write_brief("KOR", "JPN", out)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []

    def block(route: Any) -> None:
        requested.append(route.request.url)
        route.abort()

    page.route("http*://**/*", block)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    n = page.locator("div.chart").count()
    page.wait_for_function(
        "n => document.querySelectorAll('div.chart svg').length >= n", arg=n, timeout=30000
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "brief-KOR-JPN.png"), full_page=True)
    assert n >= 5 and requested == [] and errors == []
    # Korean, Japanese and Chinese names render with a CJK font (glyphs, not boxes):
    # the page's font stack names Noto Sans CJK, which .ci/run installs.
    assert "Noto Sans CJK" in page.evaluate("getComputedStyle(document.body).fontFamily")
    page.close()


@pytest.mark.parametrize(
    ("path", "shot", "charts"),
    [
        ("/partner/KOR/JPN", "partner-KOR-JPN.png", 1),
        ("/scenario", "scenario-form.png", 0),
        ("/alerts?country=KOR&since=2019-01", "alerts-KOR.png", 1),
    ],
)
def test_analysis_pages(browser: Any, live_server: str, path: str, shot: str, charts: int) -> None:
    page, errors = open_page(browser, live_server + path, shot)
    assert page.locator("div.chart svg").count() >= charts and errors == []
    page.close()


def test_scenario_form_runs(browser: Any, live_server: str) -> None:
    page, errors = open_page(browser, live_server + "/scenario", "scenario-empty.png")
    page.fill("input[name=supplier]", "CHN")
    page.fill("input[name=products]", "811292,850511")
    page.fill("input[name=targets]", "KOR,JPN")
    page.click("#scenario-form button")
    page.wait_for_selector("#result div.chart svg", timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "scenario-result.png"), full_page=True)
    text = page.inner_text("#totals")
    assert "Korea" in text and "Japan" in text and errors == []
    page.close()


def test_brief_prints_to_pdf(tmp_path: Path) -> None:
    """--pdf prints the brief with headless chromium; the PDF starts with %PDF."""
    from typer.testing import CliRunner

    from ecosec.cli import app

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    out = tmp_path / "brief.html"
    r = CliRunner().invoke(app, ["brief", "KOR", "JPN", "-o", str(out), "--pdf"])
    assert r.exit_code == 0, r.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 50_000


def test_api_docs_render_offline(browser: Any, live_server: str) -> None:
    """/docs (Swagger UI) renders the API's routes from the server alone: every request
    off the loopback server is refused and none is made."""
    elsewhere: list[str] = []

    def block(route: Any) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", block)
    page.goto(live_server + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    assert "/api/dependencies/{country}" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    assert errors == []
    page.close()
    assert elsewhere == []
