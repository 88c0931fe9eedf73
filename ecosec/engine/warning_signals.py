"""Early-warning SQL, detection: signals on each series and period, grouped into events.

:func:`signals_sql` writes the CTEs ``ew_c … ew_hits`` (cheap candidate conditions,
then robust z-scores on the candidates, then one row per series, period and direction
with a signal); :func:`events_sql` writes ``ew_isl … ew_alerts`` (runs, persistence,
merging, one row per event with its severity inputs). Definitions in
:mod:`ecosec.engine.warning`.
"""

from __future__ import annotations

import math

from ecosec.engine.trade import sql_list
from ecosec.engine.warning_params import (
    DEFAULT_DEPENDENCY,
    HHI_CONCENTRATED,
    SIGNALS,
    TOP_SHARE_DOMINANT,
    AlertParams,
    Scope,
)
from ecosec.engine.warning_series import _robust


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
    Shares and HHIs are shown only from the importer's own report: computed from
    exporters' reports alone they are not the importer's.
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
             CASE WHEN e.own = 1 THEN e.share_prev END AS share_before,
             CASE WHEN e.own = 1 THEN e.share END AS share_now,
             CASE WHEN e.own = 1 THEN e.hhi_prev END AS hhi_before,
             CASE WHEN e.own = 1 THEN e.hhi END AS hhi_now,
             e.imports_prev AS imports_before_usd,
             e.own = 1 AS importer_reported,
             e.move, {dep} AS dependency, ROUND(100.0 * SQRT(e.move * {dep}), 1) AS score,
             {", ".join(f"e.ev_{f} AS {f}" for f in FLAGS)}
      FROM ew_ev AS e
      JOIN ew_series AS n ON n.sid = e.supplier_sid
      WHERE e.rn = 1 AND ((e.family = 'scan' AND e.family_rn = 1) OR (e.family <> 'scan' {since} {who}))
    )"""
