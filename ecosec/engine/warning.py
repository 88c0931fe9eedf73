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

The code, one module per family: parameters, calendar and scope in
:mod:`ecosec.engine.warning_params`; the series and their robust baseline in
:mod:`ecosec.engine.warning_series`; signals and events in
:mod:`ecosec.engine.warning_signals`. This module assembles the query
(:func:`alerts_sql`), writes the exposure query (:func:`exposure_sql`) and keeps every
name importable from here.

>>> sql = alerts_sql(Scope("M", importers=("KOR",), hs=("281111",)), AlertParams())
>>> sql.count("ew_") > 50, "MEDIAN(" in sql
(True, True)
"""

from __future__ import annotations

# Private helpers are re-exported too: tests and older callers import them from here.
from ecosec.engine.warning_params import _SPEC as _SPEC
from ecosec.engine.warning_params import (
    ANNUAL,
    COVERAGE_KEPT,
    DEFAULT_DEPENDENCY,
    HHI_CONCENTRATED,
    MAD_TO_SIGMA,
    MONTHLY,
    SCALE_FLOOR,
    SEVERITY_CUTS,
    SIGNALS,
    SIGNALS_DOWN,
    SIGNALS_UP,
    THRESHOLDS,
    TOP_SHARE_DOMINANT,
    AlertParams,
    Calendar,
    Scope,
    Threshold,
    params_from,
)
from ecosec.engine.warning_params import _allowed as _allowed
from ecosec.engine.warning_params import _fmt as _fmt
from ecosec.engine.warning_params import _where as _where
from ecosec.engine.warning_series import _DIGITS as _DIGITS
from ecosec.engine.warning_series import _REPORTER as _REPORTER
from ecosec.engine.warning_series import _grid_sql as _grid_sql
from ecosec.engine.warning_series import _robust as _robust
from ecosec.engine.warning_series import series_sql
from ecosec.engine.warning_signals import _FAMILIES as _FAMILIES
from ecosec.engine.warning_signals import FLAG_SIGNALS, FLAGS, events_sql, signals_sql
from ecosec.engine.warning_signals import _log_move as _log_move

__all__ = [
    "ANNUAL",
    "COVERAGE_KEPT",
    "DEFAULT_DEPENDENCY",
    "FLAGS",
    "FLAG_SIGNALS",
    "HHI_CONCENTRATED",
    "MAD_TO_SIGMA",
    "MONTHLY",
    "SCALE_FLOOR",
    "SEVERITY_CUTS",
    "SIGNALS",
    "SIGNALS_DOWN",
    "SIGNALS_UP",
    "THRESHOLDS",
    "TOP_SHARE_DOMINANT",
    "AlertParams",
    "Calendar",
    "Scope",
    "Threshold",
    "alerts_sql",
    "events_sql",
    "exposure_sql",
    "params_from",
    "series_sql",
    "signals_sql",
]

# doctest.testmod(this module) finds only what is defined here; keep running the
# examples of the classes that moved.
__test__ = {"AlertParams": AlertParams}


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
