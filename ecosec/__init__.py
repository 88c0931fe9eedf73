"""ecosec: economic-security analysis of international trade.

The public API lives in :mod:`ecosec.api` and is re-exported here.
"""

from __future__ import annotations

from ecosec.api import (
    catalog,
    datasets,
    ingest_baci,
    ingest_comtrade,
    ingest_customs,
    remove_dataset,
    sources,
)
from ecosec.api_dependency import chokepoints, dependencies, rca, suppliers
from ecosec.api_partnership import Partnership, PartnershipParams, partnership
from ecosec.api_scenario import Scenario, scenario
from ecosec.api_warning import (
    AlertParams,
    Watchlist,
    alerts,
    load_watchlist,
    watch,
    watchlist_items,
)
from ecosec.errors import EcosecError

__version__ = "0.1.0"

__all__ = [
    "AlertParams",
    "EcosecError",
    "Partnership",
    "PartnershipParams",
    "Scenario",
    "Watchlist",
    "__version__",
    "alerts",
    "catalog",
    "chokepoints",
    "datasets",
    "dependencies",
    "ingest_baci",
    "ingest_comtrade",
    "ingest_customs",
    "load_watchlist",
    "partnership",
    "rca",
    "remove_dataset",
    "scenario",
    "sources",
    "suppliers",
    "watch",
    "watchlist_items",
]
