"""Render pages (the brief, dashboard pages) from sections with one Jinja2 template."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2


@dataclass(frozen=True)
class Section:
    """One titled block of a page; ``html`` is already escaped where it holds data."""

    id: str
    title: str
    html: str
    intro: str = ""


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ecosec.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )


def render_page(
    *,
    title: str,
    sections: list[Section],
    subtitle: str = "",
    inline_js: str | None = None,
    js_src: str = "/static/vega.js",
    nav: list[tuple[str, str]] | None = None,
) -> str:
    """A complete HTML page. ``inline_js`` makes it self-contained (the brief)."""
    return (
        _env()
        .get_template("page.html")
        .render(
            title=title,
            subtitle=subtitle,
            sections=sections,
            inline_js=inline_js,
            js_src=js_src,
            nav=nav or [],
        )
    )
