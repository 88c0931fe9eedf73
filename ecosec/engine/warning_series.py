"""Early-warning SQL, series and baseline: dense (importer, supplier, product) series
with their history, shares and HHI, and the robust baseline (median, MAD, z-score).

:func:`series_sql` writes the CTEs ``ew_agg … ew_j`` (one row per series and period,
with history lags, trailing sums and the importer's totals); :func:`_robust` writes
``ew_h … ew_rz``, the median, MAD and robust z of each measure over its history, which
:mod:`ecosec.engine.warning_signals` applies to the candidate rows. Definitions in
:mod:`ecosec.engine.warning`.
"""

from __future__ import annotations

from ecosec.engine.warning_params import (
    COVERAGE_KEPT,
    MAD_TO_SIGMA,
    SCALE_FLOOR,
    AlertParams,
    Scope,
    _where,
)


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
    reported from at least :data:`~ecosec.engine.warning_params.COVERAGE_KEPT` as many
    partners, or, when the product is gone altogether, at least that fraction of the
    reporter's products still reported. A later file that covers other products or
    fewer partners is a change of coverage, not a stop.

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
