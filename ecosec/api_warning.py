"""Public API of early warning: :func:`alerts` on the loaded data, :func:`watch` on a
watchlist, :func:`watchlist_items` to list one.

Inputs are validated here (countries, products, periods, thresholds); the signals,
events and severity are computed by :mod:`ecosec.engine.warning` as one SQL query;
this module adds names, tiers, baseline descriptions and a one-line message to each
alert. The approach follows Korea's supply-chain early-warning system (about 4,000
import items in tiers checked weekly to quarterly) and the EU's import surveillance
(codes whose volumes jump while prices fall); see the engine module for the method.

>>> import ecosec.api_warning as ew
>>> a = ew.alerts(country="KOR", hs="281111", since="2019-01", until="2020-12", sample=True)
>>> row = a[a["exporter"] == "JPN"].iloc[0]
>>> row["start"], row["severity"]
('2019-07', 'high')

The parts live in private modules, one per family; every public name is re-exported
here, the one place to import them from: :mod:`ecosec._warning_alerts` (:func:`alerts`
and the resolution of its parameters), :mod:`ecosec._warning_watch` (watchlists: TOML
loading and checking, :func:`watch`, :func:`watchlist_items`) and
:mod:`ecosec._warning_format` (periods, product names, tiers and one-line messages).
"""

from __future__ import annotations

from ecosec._warning_alerts import SEVERITIES, AlertParams, alerts
from ecosec._warning_format import (
    ALERT_COLUMNS,
    CADENCES,
    TIERS,
    default_tier,
    month_name,
    parse_period,
    period_label,
    short_product,
)
from ecosec._warning_watch import (
    DEFAULT_WATCHLIST,
    LOOKBACK,
    Tier,
    WatchItem,
    Watchlist,
    default_watchlist_text,
    load_watchlist,
    watch,
    watchlist_items,
)
from ecosec.engine import warning as ew

THRESHOLDS = ew.THRESHOLDS

__all__ = [
    "ALERT_COLUMNS",
    "CADENCES",
    "DEFAULT_WATCHLIST",
    "LOOKBACK",
    "SEVERITIES",
    "THRESHOLDS",
    "TIERS",
    "AlertParams",
    "Tier",
    "WatchItem",
    "Watchlist",
    "alerts",
    "default_tier",
    "default_watchlist_text",
    "load_watchlist",
    "month_name",
    "parse_period",
    "period_label",
    "short_product",
    "watch",
    "watchlist_items",
]

# doctest.testmod(ecosec.api_warning) (tests/warning/test_warning_sql.py) collects only
# the examples of what a module defines; these name the re-exported ones that have some.
__test__: dict[str, object] = {
    "parse_period": parse_period,
    "short_product": short_product,
    "default_tier": default_tier,
    "load_watchlist": load_watchlist,
    "watch": watch,
    "watchlist_items": watchlist_items,
}
