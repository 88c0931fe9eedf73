"""Early warning: signals, events and alerts on monthly or annual trade series, as SQL.

A *series* is one (importer, supplier, product) flow: the importer's imports of an HS6
product from one supplier, monthly (``freq = 'M'``) or annual (``'A'``). For every
series and period the query computes, against the series' own history:

- **year-on-year change** of value (USD), volume (``qty_t``, tonnes) and unit value
  (USD per tonne), against the same month a year earlier (monthly) or the previous
  year in the data (annual);
- a **robust z-score** ``(x − median) / (1.4826 · MAD)`` of each, with median and
  median absolute deviation (MAD) over the previous ``history`` values of the same
  calendar month (seasonally aligned: July against earlier Julys) or previous years.
  1.4826 makes the MAD a consistent estimate of σ for normal data; the default cut-off
  3.5 is Iglewicz and Hoaglin's (1993) for their "modified z-score". The scale is
  floored at 10 % of the median (and, for value, at the minimum value of a period) so
  that a flat history does not turn every wobble into an outlier;
- the supplier's **share** of the importer's imports of the product, now, over the
  trailing 12 months (monthly) or previous year (annual) and a year earlier, and the
  importer's supplier concentration (**HHI**, Σ share², World Bank WITS definition) and
  top-supplier share, at the same three points.

Signals (each threshold an :class:`AlertParams` field; y/y = year on year):

======================  ===========================================================
``collapse``            value y/y ≤ −drop and z ≤ −z
``surge``               value y/y ≥ +rise and z ≥ +z
``sudden stop``         a normally active flow (traded in ≥ ``active`` of the
                        trailing periods, mean ≥ the minimum value) at ≤ ``stop``
                        of its trailing mean
``restriction?``        volume y/y ≤ −drop, z ≤ −z, and unit value y/y ≥ +price,
                        z ≥ +z (volume down, price up: the signature of an export
                        restriction)
``diversion/dumping?``  volume y/y ≥ +rise, z ≥ +z, and unit value y/y ≤ −price,
                        z ≤ −z (volume up, price down: what the EU's import
                        surveillance lists as possible trade diversion)
``share collapse``      supplier share down ≥ ``share_drop`` points from both its
                        trailing share and its share a year earlier, and to at most
                        half of the trailing share
``concentration``       importer HHI up ≥ ``hhi_rise`` (vs trailing and a year
                        earlier) to ≥ 0.25, or the top supplier's share up ≥
                        ``top_rise`` to ≥ 0.5 (one series per importer and product;
                        the supplier shown is the top one)
======================  ===========================================================

Noise control: flows under ``min_value_usd`` (a year; a twelfth of it a month) are not
judged; value and volume signals need ``min_history`` values of history, share and
concentration signals a year (so that seasonal swings are not read as shifts); a
signal counts once it holds ``persistence`` consecutive periods; flagged runs of one
series and direction (down: collapse, stop, restriction, share; up: surge, diversion;
concentration) separated by at most ``merge_gap`` periods are one *event*, reported
once with its start. Share and concentration signals need the importer's own report
(``reporter_side`` M or R): exporters' reports cover only the reporting partners.

Severity combines the size of the move with the dependency::

    score = 100 · sqrt(move · dependency)

``move`` in [0, 1] is the event's largest move on a log scale (a tenfold fall or rise
= 1; −50 % = 0.30), or share/HHI points over 0.5; ``dependency`` is the supplier's
share of the importer's imports before the event (for a rise, the largest share it
reaches; for concentration, the HHI; 0.25 when the importer's own report is
missing). high ≥ 50, medium ≥ 25, else low.

Sources of the approach: Korea's supply-chain early-warning system (EWS), launched in
November 2021 over about 4,000 import-dependent items (more than half from one
country), graded A to D and checked weekly, fortnightly, monthly and quarterly, with
embassies reporting on their countries (Korean government, Nov. 2021 - Jan. 2022); the
European Commission's import-surveillance task force (2025), whose monthly list of
customs codes shows the rise in import volume and the fall in price; Iglewicz &
Hoaglin (1993), *How to Detect and Handle Outliers*, for the robust z-score.

Every query is DuckDB SQL that sqlglot transpiles to Spark: window functions, plain
aggregates (``MEDIAN`` exists in both) and scalar expressions; no DuckDB-only list or
MAD functions, no ``generate_series`` (the month grid is built from digits). Common
table expressions are prefixed ``ew_``.

>>> sql = alerts_sql(Scope("M", importers=("KOR",), hs=("281111",)), AlertParams())
>>> sql.count("ew_") > 50, "MEDIAN(" in sql
(True, True)
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


def _robust(measures: dict[str, float], k: int, rows: str) -> str:
    """CTEs ``ew_h … ew_rz``: median, MAD and robust z of each measure over its history.

    ``rows`` names the CTE holding ``{m}`` and its history ``{m}_1 … {m}_k`` for every
    measure ``m`` (keys of ``measures``, whose values are absolute floors of the z-score
    scale in the measure's unit, 0 for none). The history values of each row are
    unpivoted into ``k`` rows and reduced with ``MEDIAN`` (the interpolated 0.5
    quantile in DuckDB and Spark alike; nulls ignored); the MAD is the median of the
    absolute deviations from that median. ``ew_rz`` adds ``{m}_n`` (history values
    present), ``{m}_med``, ``{m}_mad`` and ``{m}_z``.
    """
    ks = "(VALUES " + ", ".join(f"({i})" for i in range(1, k + 1)) + ") AS ew_k(k)"
    hist = ", ".join(
        f"CASE ew_k.k {' '.join(f'WHEN {i} THEN {m}_{i}' for i in range(1, k + 1))} END AS h_{m}"
        for m in measures
    )
    med = ", ".join(f"MEDIAN(h_{m}) AS {m}_med, COUNT(h_{m}) AS {m}_n" for m in measures)
    keep = ", ".join(f"d.{m}_med, d.{m}_n" for m in measures)
    mad = ", ".join(f"MEDIAN(ABS(h.h_{m} - d.{m}_med)) AS {m}_mad" for m in measures)
    stats = ", ".join(f"r.{m}_med, r.{m}_n, r.{m}_mad" for m in measures)
    zs = ", ".join(
        f"(c.{m} - r.{m}_med) / NULLIF(GREATEST({MAD_TO_SIGMA} * r.{m}_mad, "
        f"{SCALE_FLOOR} * ABS(r.{m}_med), {floor}), 0) AS {m}_z"
        for m, floor in measures.items()
    )
    return f"""
    ew_h AS (SELECT sid, t_idx, {hist} FROM {rows} CROSS JOIN {ks}),
    ew_med AS (SELECT sid, t_idx, {med} FROM ew_h GROUP BY sid, t_idx),
    ew_mad AS (
      SELECT d.sid, d.t_idx, {keep}, {mad}
      FROM ew_med AS d JOIN ew_h AS h ON h.sid = d.sid AND h.t_idx = d.t_idx
      GROUP BY d.sid, d.t_idx, {keep}
    ),
    ew_rz AS (
      SELECT c.*, {stats}, {zs}
      FROM {rows} AS c JOIN ew_mad AS r ON r.sid = c.sid AND r.t_idx = c.t_idx
    )"""


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


_REPORTER = "CASE WHEN reporter_side = 'X' THEN exporter ELSE importer END"
_DIGITS = "(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))"


def _grid_sql(scope: Scope) -> str:
    """CTE ``ew_tidx`` (source, reporter_side, reporter, period, t_idx): the periods
    each source's series are laid out on.

    Monthly: every calendar month from the source's first to its last (built from
    digits), numbered by absolute month, so a month the source did not publish still
    holds its place, a lag of 12 rows is always the same month a year earlier and
    every source counts months alike. Annual: the years the source published, so BACI
    2022 and 2024 are consecutive periods whatever other sources hold for 2023.
    """
    keys = "source, reporter_side, reporter"
    if scope.freq == "A":
        return f"""ew_tidx AS (
      SELECT {keys}, period, DENSE_RANK() OVER (PARTITION BY {keys} ORDER BY period) AS t_idx
      FROM ew_cal
    )"""
    month = "(CAST(FLOOR(period / 100) AS INTEGER) * 12 + period % 100 - 1)"
    digits = " CROSS JOIN ".join(f"{_DIGITS} AS ew_d{i}(i)" for i in range(4))
    n = " + ".join(f"{10**i} * ew_d{i}.i" for i in range(4))
    return f"""ew_span AS (
      SELECT {keys}, MIN({month}) AS lo, MAX({month}) AS hi FROM ew_cal GROUP BY {keys}
    ),
    ew_tidx AS (
      SELECT {keys}, CAST(FLOOR(m / 12) AS INTEGER) * 100 + m % 12 + 1 AS period, m AS t_idx
      FROM (SELECT b.*, b.lo + {n} AS m FROM ew_span AS b CROSS JOIN {digits}) AS ew_m
      WHERE m <= hi
    )"""


def series_sql(scope: Scope, p: AlertParams) -> str:
    """CTEs ``ew_agg … ew_j``: one dense series per (importer, supplier, product) with
    history lags, trailing sums, the importer's totals, shares and HHI.

    One figure per series and period: the series keeps one (reporter side, source)
    throughout, preferring reconciled (R), then the importer's report (M), then the
    exporter's (X), then the source with most periods. A period in which the series'
    source published something but not this flow counts as zero (customs tables list
    only non-zero flows); a period the source did not publish at all is unknown
    (null), and left out of every statistic. Series run from their first trade to the
    source's last period, or ``history`` years after the last trade, when nothing
    more can be flagged. After the series' last trade, periods count as zero only if
    the reporter's next period looks as complete as the last one: the product still
    reported from at least :data:`COVERAGE_KEPT` as many partners, or, when the
    product is gone altogether, at least that fraction of the reporter's products
    still reported. A later file that covers other products or fewer partners is a
    change of coverage, not a stop.

    Series are numbered (``sid``; ``ih`` numbers importer × product) so that the
    heavy steps sort and join small integer keys.
    """
    cal = scope.calendar
    k, step = p.history, cal.step
    # Products each reporter reported in each period, with how many partners: from
    # the aggregated series when every product is read, else from a light scan.
    prods_from = (
        f"(SELECT source, reporter_side, {_REPORTER} AS reporter, hs6, period, value_usd AS v "
        f"FROM flows WHERE {_where(scope, with_hs=False)}) AS ew_f"
        if scope.hs
        else "ew_agg"
    )
    lags = ",\n             ".join(
        f"LAG({m}, {step * i}) OVER (PARTITION BY sid ORDER BY t_idx) AS {m}_{i}"
        for m in ("v", "q", "uv")
        for i in range(1, k + 1)
    )

    def trailing(n: int) -> str:
        return f"OVER (PARTITION BY sid ORDER BY t_idx ROWS BETWEEN {n} PRECEDING AND 1 PRECEDING)"

    stop_w, share_w = trailing(cal.stop_window or k), trailing(cal.share_window)

    same_cell = "OVER (PARTITION BY ih, period)"
    # The importer-product's own period index: the absolute month (monthly), else the
    # rank of the years in which any of its series has a row.
    ih_t = "t_idx" if scope.freq == "M" else "DENSE_RANK() OVER (PARTITION BY ih ORDER BY period)"
    since = f"period >= {int(scope.since)}" if scope.since is not None else "TRUE"

    def year_ago(col: str) -> str:
        return (
            f"MAX({col}) OVER (PARTITION BY ih ORDER BY ih_t "
            f"RANGE BETWEEN {step} PRECEDING AND {step} PRECEDING)"
        )

    return f"""
    ew_agg AS (
      SELECT importer, exporter, hs6, reporter_side, source, {_REPORTER} AS reporter, period, v, q
      FROM (
        SELECT importer, exporter, hs6, reporter_side, source, period,
               SUM(value_usd) AS v,
               CASE WHEN COUNT(qty_t) = COUNT(*) THEN SUM(qty_t) END AS q
        FROM flows WHERE {_where(scope, with_hs=True)}
        GROUP BY importer, exporter, hs6, reporter_side, source, period
      ) AS ew_a
    ),
    ew_prods AS (
      SELECT source, reporter_side, reporter, hs6, period,
             SUM(CASE WHEN v > 0 THEN 1 ELSE 0 END) AS partners
      FROM {prods_from} GROUP BY source, reporter_side, reporter, hs6, period
    ),
    ew_cal AS (SELECT DISTINCT source, reporter_side, reporter, period FROM ew_prods),
    {_grid_sql(scope)},
    ew_pick AS (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY importer, exporter, hs6
                                   ORDER BY side_rank, n DESC, source) AS rk
      FROM (
        SELECT importer, exporter, hs6, reporter_side, source, reporter,
               CASE reporter_side WHEN 'R' THEN 0 WHEN 'M' THEN 1 ELSE 2 END AS side_rank,
               COUNT(*) AS n, MIN(period) AS first_period, MAX(period) AS last_period,
               MAX(CASE WHEN q IS NOT NULL THEN 1 ELSE 0 END) AS has_q
        FROM ew_agg WHERE v > 0
        GROUP BY importer, exporter, hs6, reporter_side, source, reporter
      ) AS ew_g
    ),
    ew_next AS (
      SELECT e.source, e.reporter_side, e.reporter, e.last_period, MIN(c.period) AS next_period
      FROM (SELECT DISTINCT source, reporter_side, reporter, last_period FROM ew_pick
            WHERE rk = 1) AS e
      JOIN ew_cal AS c
        ON c.source = e.source AND c.reporter_side = e.reporter_side AND c.reporter = e.reporter
       AND c.period > e.last_period
      GROUP BY e.source, e.reporter_side, e.reporter, e.last_period
    ),
    ew_kept AS (
      SELECT e.source, e.reporter_side, e.reporter, e.last_period, e.next_period,
             SUM(CASE WHEN b.hs6 IS NOT NULL THEN 1 ELSE 0 END) / COUNT(*) AS kept
      FROM ew_next AS e
      JOIN ew_prods AS a
        ON a.source = e.source AND a.reporter_side = e.reporter_side AND a.reporter = e.reporter
       AND a.period = e.last_period
      LEFT JOIN ew_prods AS b
        ON b.source = a.source AND b.reporter_side = a.reporter_side AND b.reporter = a.reporter
       AND b.hs6 = a.hs6 AND b.period = e.next_period
      GROUP BY e.source, e.reporter_side, e.reporter, e.last_period, e.next_period
    ),
    ew_calend AS (
      SELECT source, reporter_side, reporter, MAX(t_idx) AS cal_end_idx FROM ew_tidx
      GROUP BY source, reporter_side, reporter
    ),
    ew_series AS (
      SELECT p.importer, p.exporter, p.hs6, p.reporter_side, p.source, p.reporter, p.has_q,
             ROW_NUMBER() OVER (ORDER BY p.importer, p.exporter, p.hs6) AS sid,
             DENSE_RANK() OVER (ORDER BY p.importer, p.hs6) AS ih,
             CASE WHEN p.reporter_side IN ('M', 'R') THEN 1 ELSE 0 END AS own,
             tf.t_idx AS first_idx, tl.t_idx AS last_idx, c.cal_end_idx,
             LEAST(c.cal_end_idx, tl.t_idx + {step * k}) AS end_idx,
             CASE WHEN pn.partners IS NOT NULL
                  THEN CASE WHEN pn.partners >= {COVERAGE_KEPT} * pl.partners THEN 1 ELSE 0 END
                  WHEN k.kept >= {COVERAGE_KEPT} THEN 1 ELSE 0 END AS fill_after
      FROM ew_pick AS p
      JOIN ew_calend AS c
        ON c.source = p.source AND c.reporter_side = p.reporter_side AND c.reporter = p.reporter
      JOIN ew_tidx AS tf
        ON tf.source = p.source AND tf.reporter_side = p.reporter_side
       AND tf.reporter = p.reporter AND tf.period = p.first_period
      JOIN ew_tidx AS tl
        ON tl.source = p.source AND tl.reporter_side = p.reporter_side
       AND tl.reporter = p.reporter AND tl.period = p.last_period
      JOIN ew_prods AS pl
        ON pl.source = p.source AND pl.reporter_side = p.reporter_side
       AND pl.reporter = p.reporter AND pl.hs6 = p.hs6 AND pl.period = p.last_period
      LEFT JOIN ew_kept AS k
        ON k.source = p.source AND k.reporter_side = p.reporter_side AND k.reporter = p.reporter
       AND k.last_period = p.last_period
      LEFT JOIN ew_prods AS pn
        ON pn.source = p.source AND pn.reporter_side = p.reporter_side
       AND pn.reporter = p.reporter AND pn.hs6 = p.hs6 AND pn.period = k.next_period
      WHERE p.rk = 1
    ),
    ew_dense AS (
      SELECT s.sid, s.ih, s.own, s.cal_end_idx, t.t_idx, t.period,
             CASE WHEN a.v IS NOT NULL THEN a.v WHEN c.period IS NOT NULL THEN 0 END AS v,
             CASE WHEN a.v IS NOT NULL THEN a.q WHEN c.period IS NOT NULL AND s.has_q = 1
                  THEN 0 END AS q,
             CASE WHEN a.q > 0 AND a.v > 0 THEN a.v / a.q END AS uv
      FROM ew_series AS s
      JOIN ew_tidx AS t
        ON t.source = s.source AND t.reporter_side = s.reporter_side AND t.reporter = s.reporter
       AND t.t_idx BETWEEN s.first_idx AND s.end_idx
       AND (t.t_idx <= s.last_idx OR s.fill_after = 1)
      LEFT JOIN ew_cal AS c
        ON c.source = s.source AND c.reporter_side = s.reporter_side AND c.reporter = s.reporter
       AND c.period = t.period
      LEFT JOIN ew_agg AS a
        ON a.importer = s.importer AND a.exporter = s.exporter AND a.hs6 = s.hs6
       AND a.reporter_side = s.reporter_side AND a.source = s.source AND a.period = t.period
    ),
    ew_lag AS (
      SELECT sid, ih, own, cal_end_idx, t_idx, period, v, q, uv,
             SUM(v) {share_w} AS v_prev,
             SUM(v) {stop_w} AS v_stop,
             COUNT(v) {stop_w} AS n_stop,
             SUM(CASE WHEN v > 0 THEN 1 ELSE 0 END) {stop_w} AS act_stop,
             {lags}
      FROM ew_dense
    ),
    ew_tot AS (
      SELECT *,
             SUM(v) {same_cell} AS tot, SUM(v * v) {same_cell} AS sq, MAX(v) {same_cell} AS top,
             SUM(v_prev) {same_cell} AS tot_prev, SUM(v_prev * v_prev) {same_cell} AS sq_prev,
             MAX(v_prev) {same_cell} AS top_prev, MAX(own) {same_cell} AS imp_own,
             ROW_NUMBER() OVER (PARTITION BY ih, period ORDER BY v DESC, sid) AS top_rank,
             {ih_t} AS ih_t
      FROM ew_lag
    ),
    ew_j AS (
      SELECT *,
             v / NULLIF(tot, 0) AS share, v_prev / NULLIF(tot_prev, 0) AS share_prev,
             v_1 / NULLIF(tot_1, 0) AS share_1,
             sq / NULLIF(tot * tot, 0) AS hhi, sq_prev / NULLIF(tot_prev * tot_prev, 0) AS hhi_prev,
             sq_1 / NULLIF(tot_1 * tot_1, 0) AS hhi_1,
             top / NULLIF(tot, 0) AS top_share, top_prev / NULLIF(tot_prev, 0) AS top_share_prev,
             top_1 / NULLIF(tot_1, 0) AS top_share_1,
             v_stop / NULLIF(n_stop, 0) AS v_mean
      FROM (
        SELECT *, {year_ago("tot")} AS tot_1, {year_ago("sq")} AS sq_1, {year_ago("top")} AS top_1,
               SUM(CASE WHEN ({since}) AND (v > 0 OR (v = 0 AND v_prev > 0)) THEN 1 ELSE 0 END)
                 OVER (PARTITION BY ih) AS scan_ih,
               ROW_NUMBER() OVER (PARTITION BY ih ORDER BY ih_t, sid) AS ih_first,
               MAX(ih_t) OVER (PARTITION BY ih) AS ih_end
        FROM ew_tot
      ) AS ew_y
    )"""


def _log_move(base: str, now: str) -> str:
    """Size of a fall from ``base`` to ``now`` on a log scale: tenfold (or more) = 1."""
    return f"LEAST(1.0, GREATEST(0.0, LN({base} / GREATEST({now}, 0.1 * {base})) / LN(10.0)))"


FLAGS = ("s_stop", "s_restr", "s_coll", "s_share", "s_div", "s_surge", "s_conc")
"""Per-event 0/1 columns: which signals were seen during the event."""
FLAG_SIGNALS = SIGNALS
"""The signal each of :data:`FLAGS` stands for."""
_FAMILIES = "(VALUES ('down'), ('up'), ('concentration'), ('scan')) AS ew_fam(family)"


def signals_sql(scope: Scope, p: AlertParams) -> str:
    """CTEs ``ew_c … ew_hits``: one row per series, period and direction with a signal.

    Cheap conditions (y/y changes, sudden stop, share collapse, concentration) pick the
    candidate rows first; medians, MADs and z-scores are computed on those rows only.
    Concentration is judged on the row of the importer's top supplier of the period.
    One row per importer and product (its first) carries the count of series-periods
    judged (family ``scan``), so the query needs no second pass for the alert rate.
    """
    cal = scope.calendar
    vmin = p.min_value_usd * cal.per_period
    min_active = max(1, math.ceil(p.active * (cal.stop_window or p.history) - 1e-9))
    mh, z = p.min_history, p.z
    down = "s_stop + s_restr + s_coll + s_share > 0"
    return f"""
    ew_c AS (
      SELECT *,
             v_1 >= {vmin} AND v <= {1 - p.drop} * v_1 AS c_coll,
             v >= {vmin} AND v_1 IS NOT NULL AND v >= {1 + p.rise} * v_1 AS c_surge,
             v_1 >= {vmin} AND q_1 > 0 AND q <= {1 - p.drop} * q_1
               AND uv >= {1 + p.price} * uv_1 AS c_restr,
             v >= {vmin} AND q_1 > 0 AND q >= {1 + p.rise} * q_1
               AND uv <= {1 - p.price} * uv_1 AS c_div,
             act_stop >= {min_active} AND v_mean >= {vmin} AND v <= {p.stop} * v_mean AS c_stop,
             imp_own = 1 AND v_mean >= {vmin} AND share_prev - share >= {p.share_drop}
               AND share <= share_prev / 2
               AND share_1 - share >= {p.share_drop} AS c_share,
             top_rank = 1 AND imp_own = 1 AND tot_prev >= {vmin * cal.share_window}
               AND ((hhi - hhi_prev >= {p.hhi_rise} AND hhi >= {HHI_CONCENTRATED}
                     AND hhi - hhi_1 >= {p.hhi_rise})
                 OR (top_share - top_share_prev >= {p.top_rise}
                     AND top_share >= {TOP_SHARE_DOMINANT}
                     AND top_share - top_share_1 >= {p.top_rise})) AS c_conc,
             hhi - hhi_prev >= {p.hhi_rise} AND hhi >= {HHI_CONCENTRATED}
               AND hhi - hhi_1 >= {p.hhi_rise} AS c_hhi
      FROM ew_j
    ),
    ew_cand AS (
      SELECT * FROM ew_c
      WHERE COALESCE(c_coll, FALSE) OR COALESCE(c_surge, FALSE) OR COALESCE(c_restr, FALSE)
         OR COALESCE(c_div, FALSE) OR COALESCE(c_stop, FALSE) OR COALESCE(c_share, FALSE)
         OR COALESCE(c_conc, FALSE) OR ih_first = 1
    ),{_robust({"v": vmin, "q": 0.0, "uv": 0.0}, p.history, "ew_cand")},
    ew_sig AS (
      SELECT *,
        CASE WHEN COALESCE(c_stop, FALSE) THEN 1 ELSE 0 END AS s_stop,
        CASE WHEN COALESCE(c_restr AND q_n >= {mh} AND uv_n >= {mh}
                           AND q_z <= -{z} AND uv_z >= {z}, FALSE) THEN 1 ELSE 0 END AS s_restr,
        CASE WHEN COALESCE(c_coll AND v_n >= {mh} AND v_z <= -{z}, FALSE) THEN 1 ELSE 0 END
          AS s_coll,
        CASE WHEN COALESCE(c_share, FALSE) THEN 1 ELSE 0 END AS s_share,
        CASE WHEN COALESCE(c_div AND q_n >= {mh} AND uv_n >= {mh}
                           AND q_z >= {z} AND uv_z <= -{z}, FALSE) THEN 1 ELSE 0 END AS s_div,
        CASE WHEN COALESCE(c_surge AND v_n >= {mh} AND v_z >= {z}, FALSE) THEN 1 ELSE 0 END
          AS s_surge,
        CASE WHEN COALESCE(c_conc, FALSE) THEN 1 ELSE 0 END AS s_conc
      FROM ew_rz
    ),
    ew_hits AS (
      SELECT ih, CASE WHEN family IN ('down', 'up') THEN sid ELSE 0 END AS skey,
             sid AS supplier_sid, family,
             CASE WHEN family = 'concentration' THEN ih_t ELSE t_idx END AS t_idx, period,
             CASE WHEN family = 'concentration' THEN ih_end ELSE cal_end_idx END AS cal_end_idx,
             scan_ih,
             CASE family
               WHEN 'down' THEN CASE WHEN s_stop = 1 THEN 'sudden stop'
                                     WHEN s_restr = 1 THEN 'restriction?'
                                     WHEN s_coll = 1 THEN 'collapse' ELSE 'share collapse' END
               WHEN 'up' THEN CASE WHEN s_div = 1 THEN 'diversion/dumping?' ELSE 'surge' END
               ELSE family END AS signal,
             CASE family
               WHEN 'down' THEN CASE WHEN s_stop = 1 OR (s_restr = 0 AND s_coll = 1) THEN 'value_usd'
                                     WHEN s_restr = 1 THEN 'qty_t' ELSE 'share' END
               WHEN 'up' THEN CASE WHEN s_div = 1 THEN 'qty_t' ELSE 'value_usd' END
               ELSE CASE WHEN COALESCE(c_hhi, FALSE) THEN 'hhi' ELSE 'top_share' END END AS what,
             CASE family
               WHEN 'down' THEN CASE WHEN s_stop = 1 OR (s_restr = 0 AND s_coll = 1) THEN v
                                     WHEN s_restr = 1 THEN q ELSE share END
               WHEN 'up' THEN CASE WHEN s_div = 1 THEN q ELSE v END
               ELSE CASE WHEN COALESCE(c_hhi, FALSE) THEN hhi ELSE top_share END END AS cur,
             CASE family
               WHEN 'down' THEN CASE WHEN s_stop = 1 THEN v_mean WHEN s_restr = 1 THEN q_med
                                     WHEN s_coll = 1 THEN v_med ELSE share_prev END
               WHEN 'up' THEN CASE WHEN s_div = 1 THEN q_med ELSE v_med END
               ELSE CASE WHEN COALESCE(c_hhi, FALSE) THEN hhi_prev ELSE top_share_prev END
               END AS base,
             CASE family
               WHEN 'down' THEN GREATEST(
                 CASE WHEN s_stop = 1 THEN {_log_move("v_mean", "v")} END,
                 CASE WHEN s_restr = 1 THEN {_log_move("q_med", "q")} END,
                 CASE WHEN s_coll = 1 THEN {_log_move("v_med", "v")} END,
                 CASE WHEN s_share = 1 THEN LEAST(1.0, (share_prev - share) / 0.5) END)
               WHEN 'up' THEN GREATEST(
                 CASE WHEN s_div = 1 THEN {_log_move("q", "q_med")} END,
                 CASE WHEN s_surge = 1 THEN {_log_move("v", "v_med")} END)
               ELSE LEAST(1.0, GREATEST(hhi - hhi_prev, top_share - top_share_prev) / 0.5)
               END AS m,
             CASE family
               WHEN 'down' THEN CASE WHEN imp_own = 1 THEN share_prev END
               WHEN 'up' THEN CASE WHEN imp_own = 1 THEN GREATEST(share_prev, share) END
               ELSE hhi END AS dep,
             CASE WHEN family = 'down' THEN s_stop ELSE 0 END AS s_stop,
             CASE WHEN family = 'down' THEN s_restr ELSE 0 END AS s_restr,
             CASE WHEN family = 'down' THEN s_coll ELSE 0 END AS s_coll,
             CASE WHEN family = 'down' THEN s_share ELSE 0 END AS s_share,
             CASE WHEN family = 'up' THEN s_div ELSE 0 END AS s_div,
             CASE WHEN family = 'up' THEN s_surge ELSE 0 END AS s_surge,
             CASE WHEN family = 'concentration' THEN 1 ELSE 0 END AS s_conc,
             v, v / NULLIF(v_1, 0) - 1 AS yoy_v, v_z, q / NULLIF(q_1, 0) - 1 AS yoy_q, q_z,
             uv / NULLIF(uv_1, 0) - 1 AS yoy_uv, uv_z,
             CASE WHEN family = 'concentration' THEN top_share_prev ELSE share_prev END
               AS share_prev,
             CASE WHEN family = 'concentration' THEN top_share ELSE share END AS share,
             hhi_prev, hhi, tot_prev AS imports_prev, imp_own AS own
      FROM ew_sig CROSS JOIN {_FAMILIES}
      WHERE (family = 'down' AND {down}) OR (family = 'up' AND s_div + s_surge > 0)
         OR (family = 'concentration' AND s_conc = 1) OR (family = 'scan' AND ih_first = 1)
    )"""


def events_sql(scope: Scope, p: AlertParams) -> str:
    """CTEs ``ew_isl … ew_alerts``: flagged periods grouped into events, one row each.

    Consecutive flagged periods of one series and direction form a run; runs shorter
    than ``persistence`` are dropped; runs separated by at most ``merge_gap`` quiet
    periods are one event. The event's row carries its first flagged period (what
    moved, by how much, against which baseline) and its largest move (for severity).
    For a concentration event the supplier shown is the top supplier at its start.
    Window functions only, so that every step reads the one before once (Spark
    recomputes a CTE at each reference).
    """
    persistence, gap = p.for_freq(scope.freq)
    key = "ih, skey, family"
    event = f"OVER (PARTITION BY {key}, ev)"
    since = f"AND e.end_period >= {int(scope.since)}" if scope.since is not None else ""
    who = f"AND n.exporter IN {sql_list(scope.exporters)}" if scope.exporters else ""
    dep = (
        "COALESCE(CASE WHEN e.family = 'up' THEN GREATEST(e.dep, e.max_share) ELSE e.dep END, "
        f"{DEFAULT_DEPENDENCY})"
    )
    flags = ", ".join(f"MAX({f}) {event} AS ev_{f}" for f in FLAGS)
    return f"""
    ew_isl AS (
      SELECT *, t_idx - ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY t_idx) AS isl
      FROM ew_hits
    ),
    ew_run AS (
      SELECT * FROM (
        SELECT *, COUNT(*) OVER (PARTITION BY {key}, isl) AS run_len FROM ew_isl
      ) AS ew_r WHERE run_len >= {persistence} OR family = 'scan'
    ),
    ew_gap AS (
      SELECT *, CASE WHEN t_idx - LAG(t_idx) OVER (PARTITION BY {key} ORDER BY t_idx) - 1
                          <= {gap} THEN 0 ELSE 1 END AS new_ev
      FROM ew_run
    ),
    ew_evt AS (
      SELECT *, SUM(new_ev) OVER (PARTITION BY {key} ORDER BY t_idx
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ev
      FROM ew_gap
    ),
    ew_ev AS (
      SELECT *,
             MIN(period) {event} AS start_period, MAX(period) {event} AS end_period,
             MAX(t_idx) {event} - MIN(t_idx) {event} + 1 AS periods,
             COUNT(*) {event} AS flagged, MAX(t_idx) {event} AS e_end, MAX(m) {event} AS move,
             MAX(CASE WHEN own = 1 THEN share END) {event} AS max_share,
             FIRST_VALUE(period) OVER (PARTITION BY {key}, ev ORDER BY m DESC, t_idx)
               AS peak_period,
             FIRST_VALUE(cur) OVER (PARTITION BY {key}, ev ORDER BY m DESC, t_idx)
               AS peak_current,
             ROW_NUMBER() OVER (PARTITION BY {key}, ev ORDER BY t_idx) AS rn,
             SUM(CASE WHEN family = 'scan' THEN scan_ih ELSE 0 END) OVER () AS series_periods,
             ROW_NUMBER() OVER (PARTITION BY family ORDER BY ih, skey, t_idx) AS family_rn,
             {flags}
      FROM ew_evt
    ),
    ew_alerts AS (
      SELECT e.series_periods, n.importer, n.exporter, n.hs6, '{scope.freq}' AS freq,
             e.family, e.signal, e.what, e.start_period, e.end_period, e.periods, e.flagged,
             CASE WHEN e.e_end >= e.cal_end_idx THEN 'ongoing' ELSE 'ended' END AS status,
             e.cur AS current, e.base AS baseline,
             CASE WHEN e.what IN ('share', 'hhi', 'top_share') THEN e.cur - e.base
                  ELSE e.cur / NULLIF(e.base, 0) - 1 END AS change,
             e.peak_period, e.peak_current,
             e.v AS value_usd, e.yoy_v AS value_yoy, e.v_z AS value_z,
             e.yoy_q AS qty_yoy, e.q_z AS qty_z, e.yoy_uv AS unit_value_yoy, e.uv_z AS unit_value_z,
             e.share_prev AS share_before, e.share AS share_now,
             e.hhi_prev AS hhi_before, e.hhi AS hhi_now, e.imports_prev AS imports_before_usd,
             e.own = 1 AS importer_reported,
             e.move, {dep} AS dependency, ROUND(100.0 * SQRT(e.move * {dep}), 1) AS score,
             {", ".join(f"e.ev_{f} AS {f}" for f in FLAGS)}
      FROM ew_ev AS e
      JOIN ew_series AS n ON n.sid = e.supplier_sid
      WHERE e.rn = 1 AND ((e.family = 'scan' AND e.family_rn = 1) OR (e.family <> 'scan' {since} {who}))
    )"""


def alerts_sql(scope: Scope, p: AlertParams) -> str:
    """The whole early-warning query: one row per alert (event), plus one ``scan`` row.

    Every row carries ``series_periods``, the number of series-periods judged in the
    reporting window (a series counts in a period when it trades then, or is at zero
    having traded in its trailing window); the row of family ``scan`` carries only that
    count, so the scan size is known when nothing is flagged.
    """
    (high, high_cut), (medium, medium_cut) = SEVERITY_CUTS
    return f"""
    WITH {series_sql(scope, p)},{signals_sql(scope, p)},{events_sql(scope, p)}
    SELECT *, CASE WHEN family = 'scan' THEN NULL WHEN score >= {high_cut} THEN '{high}'
                   WHEN score >= {medium_cut} THEN '{medium}' ELSE 'low' END AS severity
    FROM ew_alerts
    ORDER BY family = 'scan', score DESC, importer, exporter, hs6, start_period
    """


def exposure_sql(scope: Scope) -> str:
    """Per (importer, supplier, product): imports over the latest year in the data and
    the supplier's share of the importer's imports of the product ("why watch it").

    The latest year is the 12 months up to the last monthly period of that importer
    and product, or its last year for annual data; the importer's own report is
    preferred to partners'. ``share`` is null when only exporters reported the
    product's flows into the importer (their reports cover only the reporting
    partners); ``reported_by`` says which.
    """
    back = 100 if scope.freq == "M" else 1
    return f"""
    WITH ew_x AS (
      SELECT importer, exporter, hs6, period, value_usd,
             CASE reporter_side WHEN 'R' THEN 0 WHEN 'M' THEN 1 ELSE 2 END AS side_rank
      FROM flows WHERE {_where(scope, with_hs=True)}
    ),
    ew_last AS (SELECT importer, hs6, MAX(period) AS as_of FROM ew_x GROUP BY importer, hs6),
    ew_w AS (
      SELECT x.*, l.as_of FROM ew_x AS x
      JOIN ew_last AS l
        ON l.importer = x.importer AND l.hs6 = x.hs6 AND x.period > l.as_of - {back}
    ),
    ew_best AS (
      SELECT importer, exporter, hs6, MIN(side_rank) AS side_rank FROM ew_w
      GROUP BY importer, exporter, hs6
    ),
    ew_v AS (
      SELECT w.importer, w.exporter, w.hs6, MAX(w.as_of) AS as_of, SUM(w.value_usd) AS v,
             MIN(w.side_rank) AS side_rank
      FROM ew_w AS w
      JOIN ew_best AS b
        ON b.importer = w.importer AND b.exporter = w.exporter AND b.hs6 = w.hs6
       AND b.side_rank = w.side_rank
      GROUP BY w.importer, w.exporter, w.hs6
    ),
    ew_s AS (
      SELECT *, v / NULLIF(SUM(v) OVER (PARTITION BY importer, hs6), 0) AS raw_share,
             MIN(side_rank) OVER (PARTITION BY importer, hs6) AS best_side
      FROM ew_v WHERE v > 0
    )
    SELECT importer, exporter, hs6, as_of, v AS imports_usd,
           CASE WHEN best_side <= 1 THEN raw_share END AS share,
           CASE WHEN best_side <= 1 THEN 'importer' ELSE 'exporters' END AS reported_by
    FROM ew_s
    ORDER BY importer, hs6, share DESC, exporter
    """
