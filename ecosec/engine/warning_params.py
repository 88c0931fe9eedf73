"""Parameters of the early-warning engine: fixed constants, thresholds, calendar, scope.

The method's fixed constants (robust-scale factors, concentration cut-offs, severity
cuts, signal names), the alert thresholds declared once in :data:`THRESHOLDS` with
:class:`AlertParams` validated against them, what differs between monthly and annual
series (:class:`Calendar`) and what a query reads (:class:`Scope`, with its ``WHERE``
clause). The method itself is described in :mod:`ecosec.engine.warning`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ecosec._types import Freq
from ecosec.engine.trade import hs_list, sql_list
from ecosec.errors import BadInput, closest

MAD_TO_SIGMA = 1.4826
"""Scale factor making the MAD a consistent estimate of σ under normality."""
SCALE_FLOOR = 0.1
"""The z-score scale is at least this fraction of the baseline median."""
DEFAULT_DEPENDENCY = 0.25
"""Dependency used in the severity when the supplier's share is unknown."""
HHI_CONCENTRATED = 0.25
"""HHI above which imports count as highly concentrated (US DOJ/FTC 2010 guidelines)."""
TOP_SHARE_DOMINANT = 0.5
"""A top supplier's share at or above this is a single point of failure."""
COVERAGE_KEPT = 0.5
"""After a series' last trade, zeros are inferred only if the reporter's next period keeps
this fraction of the product's partners (or of its products, when the product is gone)."""
SEVERITY_CUTS = (("high", 50.0), ("medium", 25.0))
"""Score cut-offs for the severity labels (else ``low``)."""

SIGNALS_DOWN = ("sudden stop", "restriction?", "collapse", "share collapse")
SIGNALS_UP = ("diversion/dumping?", "surge")
SIGNALS = (*SIGNALS_DOWN, *SIGNALS_UP, "concentration")
"""Signal names, in the order of precedence used to name an event."""


@dataclass(frozen=True)
class Threshold:
    """One alert parameter: default, allowed range and meaning (declared once)."""

    name: str
    default: float | None
    lo: float
    hi: float
    help: str
    integer: bool = False


THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("history", 5, 3, 10, "history values (same month in earlier years, or earlier years) for median and MAD", True),
    Threshold("min_history", 3, 2, 10, "history values needed before a z-score is computed", True),
    Threshold("z", 3.5, 2.0, 10.0, "robust z-score cut-off (Iglewicz & Hoaglin 1993: 3.5)"),
    Threshold("drop", 0.5, 0.1, 0.95, "fall y/y for collapse (value) and restriction? (volume): 0.5 = -50%"),
    Threshold("rise", 1.0, 0.2, 20.0, "rise y/y for surge (value) and diversion/dumping? (volume): 1.0 = +100%"),
    Threshold("price", 0.2, 0.05, 5.0, "unit-value move y/y naming restriction? (up) or diversion/dumping? (down)"),
    Threshold("stop", 0.05, 0.0, 0.5, "sudden stop: value at most this fraction of the trailing mean"),
    Threshold("active", 0.75, 0.25, 1.0, "sudden stop: fraction of trailing periods traded for a normally active flow"),
    Threshold("share_drop", 0.2, 0.05, 0.9, "share collapse: fall in the supplier's share (share points)"),
    Threshold("hhi_rise", 0.15, 0.02, 0.9, "concentration: rise in the importer's HHI"),
    Threshold("top_rise", 0.2, 0.05, 0.9, "concentration: rise in the top supplier's share"),
    Threshold("min_value_usd", 1e6, 0.0, 1e12, "smallest flow judged, USD a year (a month: a twelfth)"),
    Threshold("persistence", None, 1, 12, "consecutive flagged periods for an event (default 2 monthly, 1 annual)", True),
    Threshold("merge_gap", None, 0, 12, "quiet periods that do not split an event (default 2 monthly, 0 annual)", True),
)  # fmt: skip
"""Every alert parameter with its default and allowed range; :class:`AlertParams`
fields, their validation and the CLI's ``--set`` help derive from this list."""

_SPEC = {t.name: t for t in THRESHOLDS}


@dataclass(frozen=True)
class AlertParams:
    """Thresholds of the early-warning signals (see :data:`THRESHOLDS` for meaning).

    Values are checked on creation; a value out of range raises
    :class:`~ecosec.errors.BadInput` naming the allowed range.

    >>> AlertParams(z=4.0).z
    4.0
    >>> AlertParams(z=1.0)
    Traceback (most recent call last):
    ...
    ecosec.errors.BadInput: z=1.0 is out of range: allowed 2 to 10 (robust z-score cut-off (Iglewicz & Hoaglin 1993: 3.5); default 3.5)
    """

    history: int = 5
    min_history: int = 3
    z: float = 3.5
    drop: float = 0.5
    rise: float = 1.0
    price: float = 0.2
    stop: float = 0.05
    active: float = 0.75
    share_drop: float = 0.2
    hhi_rise: float = 0.15
    top_rise: float = 0.2
    min_value_usd: float = 1e6
    persistence: int | None = None
    merge_gap: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            spec = _SPEC[f.name]
            if value is None and spec.default is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BadInput(f"{f.name}={value!r} is not a number; {_allowed(spec)}")
            if math.isnan(value) or not spec.lo <= value <= spec.hi:
                raise BadInput(f"{f.name}={value!r} is out of range: {_allowed(spec)}")
            if spec.integer and value != int(value):
                raise BadInput(f"{f.name}={value!r} must be a whole number: {_allowed(spec)}")
        if self.min_history > self.history:
            raise BadInput(
                f"min_history={self.min_history} exceeds history={self.history}; "
                "set min_history at most history"
            )

    def for_freq(self, freq: Freq) -> tuple[int, int]:
        """(persistence, merge_gap) with the defaults of the frequency filled in."""
        persistence = (
            self.persistence if self.persistence is not None else (2 if freq == "M" else 1)
        )
        gap = self.merge_gap if self.merge_gap is not None else (2 if freq == "M" else 0)
        return int(persistence), int(gap)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _allowed(spec: Threshold) -> str:
    default = "depends on the frequency" if spec.default is None else _fmt(spec.default)
    return f"allowed {_fmt(spec.lo)} to {_fmt(spec.hi)} ({spec.help}; default {default})"


def params_from(values: dict[str, str | float | int]) -> AlertParams:
    """:class:`AlertParams` from name → value pairs (text such as ``"4"`` accepted)."""
    kwargs: dict[str, float | int] = {}
    for name, raw in values.items():
        key = name.strip().replace("-", "_")
        if key not in _SPEC:
            raise BadInput(f"alert parameter {name!r} is not known; {closest(key, list(_SPEC))}")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise BadInput(f"{key}={raw!r} is not a number; {_allowed(_SPEC[key])}") from None
        kwargs[key] = int(number) if _SPEC[key].integer and number == int(number) else number
    return AlertParams(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Calendar:
    """What differs between monthly and annual series."""

    step: int  # grid periods from one period to the same period a year earlier
    stop_window: int | None  # trailing periods judged by the sudden stop (None: history)
    share_window: int  # trailing periods of the baseline share and HHI
    per_period: float  # fraction of a year in one period


MONTHLY = Calendar(12, 12, 12, 1 / 12)
ANNUAL = Calendar(1, None, 1, 1.0)


@dataclass(frozen=True)
class Scope:
    """What a query reads: frequency, importers, products and the period range.

    ``read_from`` reaches back far enough for the history of ``since``; alerts are kept
    when their event is still flagged at or after ``since`` (periods as in the data:
    yyyymm for monthly, yyyy for annual).
    """

    freq: Freq
    importers: tuple[str, ...] | None = None
    hs: tuple[str, ...] | None = None
    exporters: tuple[str, ...] | None = None
    read_from: int | None = None
    since: int | None = None
    until: int | None = None

    @property
    def calendar(self) -> Calendar:
        return MONTHLY if self.freq == "M" else ANNUAL


def _where(scope: Scope, *, with_hs: bool) -> str:
    parts = [f"freq = '{scope.freq}'", "exporter <> importer", "value_usd >= 0"]
    if scope.importers:
        parts.append(f"importer IN {sql_list(scope.importers)}")
    if with_hs and scope.hs:
        parts.append(f"hs6 IN {hs_list(scope.hs)}")
    if scope.read_from is not None:
        parts.append(f"period >= {int(scope.read_from)}")
    if scope.until is not None:
        parts.append(f"period <= {int(scope.until)}")
    return " AND ".join(parts)
