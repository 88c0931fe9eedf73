"""Data holding HTML is escaped by every renderer: tables, the page template and the
Vega-Lite JSON embedded in ``<script>`` elements (where HTML escaping does not apply:
there ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so no ``</script>`` or ``<!--``
can reach the HTML parser)."""

from __future__ import annotations

import doctest
import json
import re
from typing import Any

import pandas as pd
import pytest

from ecosec.report import charts
from ecosec.report.format import Col, table_html
from ecosec.report.html import Section, render_page
from tests.conftest import HOSTILE

RAW = ("<script>alert(1)</script>", "<img src=x", "<!--", "</script><script>")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": HOSTILE,
            "code": ["KOR", "JPN", "CHN", "USA", "DEU"],
            "part": HOSTILE[::-1],
            "value": [5.0, 4.0, 3.0, 2.0, 1.0],
            "date": pd.date_range("2024-01-01", periods=5, freq="MS"),
        }
    )


def test_table_cells_labels_and_empty_message_are_escaped() -> None:
    df = _frame()
    html = table_html(df, [Col("name", HOSTILE[0]), Col("value", HOSTILE[1], "usd")], empty="")
    html += table_html(df.iloc[:0], [Col("name", "n")], empty=HOSTILE[2])
    for raw in RAW:
        assert raw not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2
    assert "Tom &amp; Jerry&#x27;s &quot;ltd&quot;" in html


def test_page_template_escapes_title_subtitle_intro_and_nav() -> None:
    page = render_page(
        title=HOSTILE[0],
        subtitle=HOSTILE[1],
        sections=[Section("s", HOSTILE[2], "<p>kept as given</p>", intro=HOSTILE[3])],
        nav=[("/", HOSTILE[0])],
    )
    for raw in RAW:
        assert raw not in page
    # Section.html is the caller's already-escaped HTML: passed through unchanged.
    assert "<p>kept as given</p>" in page


def _specs() -> dict[str, charts.Spec]:
    df = _frame()
    return {
        "ranked_bars": charts.ranked_bars(
            df, label="name", value="value", color="part", title=HOSTILE[2], value_title=HOSTILE[0]
        ),
        "stacked_shares": charts.stacked_shares(
            df, group="name", part="part", share="value", title=HOSTILE[3]
        ),
        "world_map": charts.world_map(df, code="code", value="value", title=HOSTILE[2]),
        "time_series": charts.time_series(
            df, x="date", y="value", color="name", title=HOSTILE[2], y_title=HOSTILE[3]
        ),
        "waterfall": charts.waterfall(lost=3.0, covered=2.0, shortfall=1.0, title=HOSTILE[2]),
    }


@pytest.mark.parametrize("kind", list(_specs()))
def test_chart_json_cannot_leave_its_script_element(kind: str) -> None:
    spec = _specs()[kind]
    html = charts.chart_html(spec, "chart-x")
    body = re.fullmatch(
        r'<div class="chart" id="chart-x"></div>\n<script>(.*)</script>', html, re.S
    )
    assert body is not None
    script = body.group(1)
    # Nothing the HTML parser acts on inside a script element: no "</", no "<!--".
    assert "<" not in script
    payload = re.fullmatch(r"vegaEmbed\('#chart-x', (.*), \{\"renderer\".*", script, re.S)
    assert payload is not None
    got: Any = json.loads(payload.group(1))
    assert got == json.loads(json.dumps(spec))  # the same spec, hostile text intact
    assert any(h in json.dumps(got, ensure_ascii=False) for h in HOSTILE[:4])


def test_script_json_example() -> None:
    result = doctest.testmod(charts)
    assert result.attempted > 0 and result.failed == 0


def test_product_labels_keep_the_code() -> None:
    """Chart labels lead with the HS code and cut only the name (two LPG codes whose
    names share their first 40 characters stayed indistinguishable when the code came
    last and the chart cut the label)."""
    from ecosec.report import format as fmt

    assert doctest.testmod(fmt).failed == 0
    name = "Petroleum gases and other gaseous hydrocarbons; liquefied, "
    labels = fmt.product_labels(
        pd.Series(["271112", "271113"]), pd.Series([name + "propane", name + "butanes"])
    )
    assert labels.tolist() == [f"271112 {name[:40].rstrip()}…", f"271113 {name[:40].rstrip()}…"]
    short = fmt.product_labels(pd.Series(["850511"]), pd.Series(["Permanent magnets"]))
    assert short.iloc[0] == "850511 Permanent magnets"
