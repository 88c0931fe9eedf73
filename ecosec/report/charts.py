"""Vega-Lite chart specifications (built with Altair) and their offline embedding.

Charts are plain Vega-Lite dicts, rendered in the page by the Vega JavaScript bundle
that vl-convert ships (``vl_convert.javascript_bundle()``), inlined once per HTML file
(the brief) or served from the app (the dashboard): nothing is loaded from a CDN.
The world map uses Natural Earth 1:110m country shapes from the ``world-atlas`` npm
package (ISC licence), shipped as ``world-110m.json`` beside this module.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import altair as alt
import pandas as pd

from ecosec import refdata

Spec = dict[str, Any]

# world-atlas ids are ISO 3166-1 numeric; BACI's numeric codes differ for a few.
_ISO_TO_CODE = {840: "USA", 630: "USA", 578: "NOR", 250: "FRA", 356: "IND", 756: "CHE", 158: "S19"}
# d3's SI format writes billions as G; trade readers expect B.
USD_AXIS = "replace(format(datum.value, '$.3~s'), 'G', 'B')"
_FONT = "Noto Sans, Noto Sans CJK KR, Noto Sans CJK JP, Noto Sans CJK SC, sans-serif"
_CONFIG = {
    "font": _FONT,
    "axis": {"labelFontSize": 11, "titleFontSize": 12},
    "legend": {"labelFontSize": 11, "titleFontSize": 12},
    "title": {"fontSize": 14, "anchor": "start"},
    "view": {"stroke": None},
}


def _finish(chart: alt.TopLevelMixin) -> Spec:
    spec: Spec = chart.to_dict()
    spec["config"] = {**_CONFIG, **spec.get("config", {})}
    return spec


def ranked_bars(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    value_title: str,
    percent: bool = False,
    color: str | None = None,
    top: int = 15,
) -> Spec:
    """Horizontal bars, largest first (``label`` on the y axis, ``value`` on x)."""
    data = df.nlargest(top, value)[[label, value] + ([color] if color else [])]
    axis = alt.Axis(format=".0%") if percent else alt.Axis(labelExpr=USD_AXIS)
    enc: dict[str, Any] = {
        "y": alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        "x": alt.X(f"{value}:Q", title=value_title, axis=axis),
        "tooltip": [
            alt.Tooltip(f"{label}:N"),
            alt.Tooltip(f"{value}:Q", format=".1%" if percent else "$,.0f"),
        ],
    }
    if color:
        domain = sorted(data[color].dropna().unique().tolist())
        palette = {"dependent": "#c0392b", "not dependent": "#9aa5b1"}
        scale = (
            alt.Scale(domain=domain, range=[palette[d] for d in domain])
            if set(domain) <= set(palette)
            else alt.Undefined
        )
        enc["color"] = alt.Color(f"{color}:N", title=None, scale=scale)
    chart = alt.Chart(data, title=title).mark_bar().encode(**enc).properties(width=520)
    return _finish(chart)


def top_parts_of(
    df: pd.DataFrame, *, part: str, weight: str, n: int, group: str | None = None
) -> list[str]:
    """The ``n`` parts with the largest ``weight`` summed over the table (USD, so a large
    supplier of a large product is not folded into 'Others' behind a small one's high
    share of a small product), and, given ``group``, each group's largest part (a
    product's top supplier always has its name)."""
    keep = [str(x) for x in df.groupby(part)[weight].sum().nlargest(n).index]
    if group is not None and len(df):
        tops = df.loc[df.groupby(group)[weight].idxmax(), part]
        keep += [str(x) for x in tops if str(x) not in keep]
    return keep


def stacked_shares(
    df: pd.DataFrame,
    *,
    group: str,
    part: str,
    share: str,
    title: str,
    top_parts: int = 6,
    value: str | None = None,
    colors: list[str] | None = None,
) -> Spec:
    """One bar per ``group``, split into ``part`` shares (others summed as 'Others').

    The parts kept by name are :func:`top_parts_of` (by ``value`` when given). ``colors``,
    the same list for several charts (every part any of them shows, 'Others' last),
    gives each part the same colour in all of them."""
    d = df[[group, part, share]].copy()
    keep = top_parts_of(df, part=part, weight=value or share, n=top_parts, group=group)
    d[part] = d[part].where(d[part].isin(keep), "Others")
    d = pd.DataFrame(d.groupby([group, part], as_index=False)[share].sum())
    chart = (
        alt.Chart(d, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{group}:N", title=None, axis=alt.Axis(labelLimit=260)),
            # Shares of a whole: the axis ends at 100% (a sum of 1 + 1e-16 would otherwise
            # round the axis up to 110%).
            x=alt.X(
                f"sum({share}):Q",
                title="share of imports",
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1], clamp=True),
            ),
            color=alt.Color(
                f"{part}:N",
                title="supplier",
                scale=alt.Scale(domain=colors, scheme="tableau20") if colors else alt.Undefined,
            ),
            order=alt.Order(f"{share}:Q", sort="descending"),
            tooltip=[f"{group}:N", f"{part}:N", alt.Tooltip(f"{share}:Q", format=".1%")],
        )
        .properties(width=520)
    )
    return _finish(chart)


@functools.lru_cache(maxsize=1)
def _world() -> dict[str, Any]:
    text = (resources.files("ecosec.report") / "world-110m.json").read_text("utf-8")
    topo: dict[str, Any] = json.loads(text)
    codes = dict(
        zip(refdata.countries()["numeric"].astype(int), refdata.countries()["code"], strict=True)
    )
    for g in topo["objects"]["countries"]["geometries"]:
        iso = int(g["id"]) if g.get("id") else -1
        g.setdefault("properties", {})["code"] = _ISO_TO_CODE.get(iso) or codes.get(iso, "")
    return topo


def world_map(df: pd.DataFrame, *, code: str, value: str, title: str, percent: bool = True) -> Spec:
    """A choropleth of ``value`` by country ``code`` (ISO3/BACI codes)."""
    values = df[[code, value]].rename(columns={code: "code", value: "value"})
    names = {c: refdata.country_name(c) for c in values["code"]}
    values = values.assign(country=values["code"].map(names))
    fmt = ".1%" if percent else ",.3s"
    topo = alt.DataFormat(type="topojson", feature="countries")  # type: ignore[no-untyped-call]
    shapes = alt.Data(values=_world(), format=topo)  # type: ignore[no-untyped-call]
    base = alt.Chart(shapes).mark_geoshape(fill="#eeeeee", stroke="white", strokeWidth=0.4)
    filled = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .transform_lookup(
            lookup="properties.code",
            from_=alt.LookupData(values, "code", ["value", "country"]),
        )
        .transform_filter("isValid(datum.value)")
        .encode(
            color=alt.Color(
                "value:Q",
                title=None,
                scale=alt.Scale(scheme="oranges"),
                legend=alt.Legend(format=fmt),
            ),
            tooltip=[alt.Tooltip("country:N"), alt.Tooltip("value:Q", format=fmt)],
        )
    )
    chart = (
        alt.layer(base, filled, title=title)
        .project(type="equalEarth")
        .properties(width=640, height=330)
    )
    return _finish(chart)


def time_series(
    df: pd.DataFrame, *, x: str, y: str, color: str | None, title: str, y_title: str
) -> Spec:
    """Lines over time (``x`` a date or year column)."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(labelExpr=USD_AXIS)),
        "tooltip": [alt.Tooltip(f"{x}:T"), alt.Tooltip(f"{y}:Q", format=",.0f")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
        enc["tooltip"].append(alt.Tooltip(f"{color}:N"))
    chart = alt.Chart(df, title=title).mark_line(point=True).encode(**enc).properties(width=560)
    return _finish(chart)


def waterfall(*, lost: float, covered: float, shortfall: float, title: str) -> Spec:
    """Lost → covered by others → shortfall, as a three-step waterfall (USD)."""
    d = pd.DataFrame(
        {
            "step": ["1 lost imports", "2 covered by others", "3 shortfall"],
            "start": [0.0, lost - covered, 0.0],
            "end": [lost, lost, shortfall],
            "amount": [lost, covered, shortfall],
        }
    )
    chart = (
        alt.Chart(d, title=title)
        .mark_bar()
        .encode(
            x=alt.X("step:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("start:Q", title="USD", axis=alt.Axis(labelExpr=USD_AXIS)),
            y2="end:Q",
            color=alt.Color(
                "step:N", legend=None, scale=alt.Scale(range=["#d62728", "#2ca02c", "#ff7f0e"])
            ),
            tooltip=[alt.Tooltip("step:N"), alt.Tooltip("amount:Q", format=",.0f")],
        )
        .properties(width=420)
    )
    return _finish(chart)


@functools.lru_cache(maxsize=1)
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert; works offline)."""
    import vl_convert

    bundle: str = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    return bundle


def script_json(obj: Any) -> str:
    r"""``obj`` as JSON safe to embed in an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\u003c``, ``\u003e`` and ``\u0026`` (the same
    string to JavaScript), so data holding ``</script>`` cannot close the element and
    ``<!--<script>`` cannot put the HTML parser in the state where the real
    ``</script>`` no longer closes it (which would swallow the rest of the page).

    Examples
    --------
    >>> print(script_json({"name": "</script><!--<script>"}))
    {"name": "\u003c/script\u003e\u003c!--\u003cscript\u003e"}
    """
    text = json.dumps(obj, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_html(spec: Spec, element_id: str) -> str:
    """A div and the script that renders ``spec`` into it as SVG."""
    payload = script_json(spec)
    return (
        f'<div class="chart" id="{element_id}"></div>\n'
        f"<script>vegaEmbed('#{element_id}', {payload}, "
        '{"renderer": "svg", "actions": false}).catch(function (e) {'
        ' document.getElementById("' + element_id + '").textContent = "chart failed: " + e; });'
        "</script>"
    )
