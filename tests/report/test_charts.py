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
