"""Chart specs: properties checked on the Vega-Lite JSON itself."""

from __future__ import annotations

import pandas as pd

from ecosec.report import charts


def test_stacked_shares_axis_ends_at_100_percent() -> None:
    # Shares of one product's imports that sum to 1 + 2e-16 (as floating sums do) once
    # stretched the axis to 110%; the domain is the whole, 0 to 1.
    df = pd.DataFrame(
        {
            "product": ["A", "A", "A", "B"],
            "supplier": ["CHN", "USA", "DEU", "CHN"],
            "share": [0.1, 0.2, 0.7000000000000002, 1.0],
        }
    )
    spec = charts.stacked_shares(df, group="product", part="supplier", share="share", title="t")
    x = spec["encoding"]["x"]
    assert x["scale"]["domain"] == [0, 1] and x["scale"]["clamp"] is True
    assert x["axis"]["format"] == ".0%"
    # The data behind the bars are the shares as given (not rescaled), summed per part.
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert sorted(round(v["share"], 12) for v in values) == [0.1, 0.2, 0.7, 1.0]


def test_stacked_shares_keep_the_largest_suppliers_by_value() -> None:
    """USA's 720293 case: Canada supplies 11% of a USD 1 bn product, Kazakhstan 100% of
    a USD 1.7 m one. Ranked by summed share Kazakhstan (1.0) outranks Canada (0.11) and
    Canada was folded into 'Others'; by value (given) Canada keeps its name (and each
    product's top supplier keeps its own)."""
    df = pd.DataFrame(
        {
            "product": ["big", "big", "small"],
            "supplier": ["BRA", "CAN", "KAZ"],
            "share": [0.89, 0.11, 1.0],
            "imports_usd": [890e6, 110e6, 1.7e6],
        }
    )
    kw = {"group": "product", "part": "supplier", "share": "share", "title": "t", "top_parts": 2}
    by_share = charts.stacked_shares(df, **kw)  # type: ignore[arg-type]
    by_value = charts.stacked_shares(df, value="imports_usd", **kw)  # type: ignore[arg-type]

    def parts(spec: dict[str, object]) -> set[str]:
        data = spec["datasets"]  # type: ignore[index]
        return {v["supplier"] for v in data[next(iter(data))]}  # type: ignore[index]

    assert parts(by_share) == {"BRA", "KAZ", "Others"}
    assert parts(by_value) == {"BRA", "CAN", "KAZ"}  # KAZ: the small product's top


def test_stacked_shares_share_one_colour_list() -> None:
    """Given the same colour list, two charts give a supplier the same colour: the
    scale's domain is the list, whichever suppliers each chart shows."""
    a = pd.DataFrame({"p": ["x", "x"], "s": ["China", "Chile"], "share": [0.6, 0.4]})
    b = pd.DataFrame({"p": ["y", "y"], "s": ["Brazil", "China"], "share": [0.9, 0.1]})
    colors = ["Brazil", "Chile", "China", "Others"]
    specs = [
        charts.stacked_shares(df, group="p", part="s", share="share", title="t", colors=colors)
        for df in (a, b)
    ]
    for spec in specs:
        assert spec["encoding"]["color"]["scale"]["domain"] == colors


def test_each_products_top_supplier_keeps_its_name() -> None:
    """Korea's strontium carbonate: Germany holds 60% of a small product and is not
    among the largest suppliers overall; it is still shown by name, not as 'Others'."""
    df = pd.DataFrame(
        {
            "product": ["big", "big", "small", "small"],
            "supplier": ["CHN", "CHL", "DEU", "CHN"],
            "share": [0.7, 0.3, 0.6, 0.4],
            "imports_usd": [700e6, 300e6, 12e6, 8e6],
        }
    )
    spec = charts.stacked_shares(
        df, group="product", part="supplier", share="share", title="t", top_parts=1,
        value="imports_usd",
    )  # fmt: skip
    data = spec["datasets"][next(iter(spec["datasets"]))]
    assert {v["supplier"] for v in data} == {"CHN", "DEU", "Others"}  # CHL: 2nd in 'big'
