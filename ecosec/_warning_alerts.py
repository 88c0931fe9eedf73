"""Early warning, the :func:`alerts` entry point and the resolution of its parameters.

Importers, products and suppliers are resolved to codes, the frequency is chosen from
what the loaded data hold for the selection, and the reporting window is checked
against them; :func:`_run` then runs the engine's one SQL query
(:func:`ecosec.engine.warning.alerts_sql`) and finishes its table
(:func:`ecosec._warning_format._finish`). :func:`ecosec.api_warning.watch` shares that
resolution and run. Public names are re-exported by :mod:`ecosec.api_warning`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ecosec import refdata, settings
from ecosec._warning_format import _finish, parse_period, period_label
from ecosec.api_dependency import resolve_codes
from ecosec.engine import warning as ew
from ecosec.engine.executor import Catalog, open_catalog, run
from ecosec.engine.trade import hs_list, sql_list
from ecosec.errors import BadInput, NoData, closest

AlertParams = ew.AlertParams
SEVERITIES = ("low", "medium", "high")


def _importers(country: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if country is None:
        return None
    text = country if isinstance(country, str) else ",".join(country)
    if text.strip().lower() in ("", "all", "*"):
        return None
    return refdata.resolve_countries(text)


def _coverage(
    catalog: Catalog, importers: tuple[str, ...] | None, codes: list[str] | None
) -> pd.DataFrame:
    """Per frequency: first and last period and rows, for the selection."""
    where = ["exporter <> importer"]
    if importers:
        where.append(f"importer IN {sql_list(importers)}")
    if codes:
        where.append(f"hs6 IN {hs_list(codes)}")
    sql = (
        "SELECT freq, MIN(period) AS lo, MAX(period) AS hi, COUNT(*) AS n FROM flows "
        f"WHERE {' AND '.join(where)} GROUP BY freq"
    )
    return run(catalog, sql, engine="duckdb").set_index("freq")


def _choose_freq(cov: pd.DataFrame, freq: str | None, who: str) -> str:
    if freq is not None:
        f = freq.strip().upper()[:1]
        if f not in ("M", "A"):
            raise BadInput(f"freq {freq!r} is not known; allowed: M (monthly), A (annual)")
        if f not in cov.index:
            have = ", ".join(cov.index) or "none"
            raise NoData(
                f"no {'monthly' if f == 'M' else 'annual'} flows for {who} in the loaded data "
                f"(frequencies present: {have}); try the other with --freq, or `ecosec datasets`"
            )
        return f
    if cov.empty:
        raise NoData(f"no flows for {who} in the loaded data; see `ecosec datasets`")
    return "M" if "M" in cov.index else "A"


def alerts(
    *,
    country: str | Sequence[str] | None = None,
    basket: str | None = None,
    since: str | int | None = None,
    until: str | int | None = None,
    hs: Sequence[str] | str | None = None,
    supplier: str | None = None,
    freq: str | None = None,
    params: AlertParams | None = None,
    min_severity: str = "low",
    by_supplier: bool = False,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Early-warning alerts on (importer, supplier, product) series, one row per event.

    Parameters
    ----------
    country
        Importer(s): ISO3 code, group (``EU27``) or list; None or ``"all"`` for all.
    basket, hs
        Products: a strategic basket and/or HS6 codes (default: all in the data).
    since, until
        Reporting window (``2019``, ``2019-07``, ``201907``): alerts whose event is
        flagged at or after ``since``; nothing after ``until`` is read ("as of").
    supplier
        Only alerts on these suppliers (ISO3, group or list); shares still count all.
    freq
        ``"M"`` or ``"A"``; default monthly when the selection has monthly flows.
    params
        Thresholds, :class:`~ecosec.engine.warning.AlertParams` (validated on creation).
    min_severity
        ``low`` (all), ``medium`` or ``high``.
    by_supplier
        Order by supplier country (then score), for the staff who follow that country.

    Returns
    -------
    pandas.DataFrame
        :data:`ALERT_COLUMNS`: who (importer, exporter = supplier, hs6), ``signal`` (the
        first flagged; ``signals`` all seen), ``what`` moved (value_usd, qty_t, share,
        hhi, top_share), ``start``/``end``/``periods``/``status`` (since when, ongoing
        or ended), ``current`` vs ``baseline`` (``baseline_desc`` says which) and their
        ``change`` (relative; share points for shares and HHI), y/y changes and robust
        z-scores of value, volume and unit value at the start, dependency context
        (``share_before``: the supplier's share of the importer's imports before;
        ``hhi_before``/``hhi_now``; ``imports_before_usd``), ``score`` (0–100) and
        ``severity``, ``tier``/``cadence`` (default rule :func:`default_tier`),
        strategic ``baskets`` and a one-line ``message``. ``attrs["series_periods"]``
        holds the number of series-periods judged, for the alert rate.
    """
    params = params or AlertParams()
    min_severity = min_severity.strip().lower()
    if min_severity not in SEVERITIES:
        raise BadInput(
            f"severity {min_severity!r} is not known (--severity / min_severity); "
            f"{closest(min_severity, list(SEVERITIES))}"
        )
    catalog = open_catalog(store, sample=sample)
    importers = _importers(country)
    exporters = refdata.resolve_countries(supplier) if supplier else None
    codes = resolve_codes(catalog, basket=basket, hs=hs)
    who = country if isinstance(country, str) and country else "these importers"
    cov = _coverage(catalog, importers, codes)
    f = _choose_freq(cov, freq, str(who))
    lo, hi = _window(since, until, f, cov)
    df = _run(catalog, f, importers, codes, exporters, lo, hi, params, engine)
    keep = SEVERITIES[SEVERITIES.index(min_severity) :]
    return _order(df[df["severity"].isin(keep)], df, by_supplier=by_supplier)


def _window(
    since: str | int | None, until: str | int | None, freq: str, cov: pd.DataFrame
) -> tuple[int | None, int | None]:
    """The reporting window as periods of the data, checked against what the data hold."""
    lo, hi = parse_period(since, freq=freq), parse_period(until, freq=freq, end=True)
    if lo is not None and hi is not None and lo > hi:
        raise BadInput(f"since {since} is after until {until}; give since <= until")
    first, last = (int(cov["lo"].loc[freq]), int(cov["hi"].loc[freq]))
    if (lo is not None and lo > last) or (hi is not None and hi < first):
        raise NoData(
            f"the {'monthly' if freq == 'M' else 'annual'} data for this selection run from "
            f"{period_label(first, freq)} to {period_label(last, freq)}; "
            "give --since and --until within them"
        )
    return lo, hi


def _run(
    catalog: Catalog,
    freq: str,
    importers: tuple[str, ...] | None,
    codes: Sequence[str] | None,
    exporters: tuple[str, ...] | None,
    since: int | None,
    until: int | None,
    params: AlertParams,
    engine: str | None,
) -> pd.DataFrame:
    cycle = 100 if freq == "M" else 1
    scope = ew.Scope(
        "M" if freq == "M" else "A",
        importers=importers,
        hs=tuple(codes) if codes else None,
        exporters=exporters,
        read_from=None if since is None else since - (params.history + 2) * cycle,
        since=since,
        until=until,
    )
    _spark_ready(engine)
    return _finish(
        run(catalog, ew.alerts_sql(scope, params), engine=engine), params=params, freq=freq
    )


def _spark_ready(engine: str | None) -> None:
    """Turn off Spark's constraint propagation for this query family.

    The alert query has hundreds of aliased expressions under several filters; Spark's
    optimizer infers constraints across all of them and runs out of memory (its own
    documentation names "a large number of predicates and aliases" as the case). The
    setting changes no result. Until ``ecosec/engine/spark.py`` sets it on the session,
    it is set here on the shared session before a Spark run.
    """
    if settings.get("engine", engine) != "spark":
        return
    from ecosec.engine.spark import session

    spark = session(settings.get("spark-master") or "local[2]")
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")


def _order(
    df: pd.DataFrame, full: pd.DataFrame, *, by_supplier: bool, first: Sequence[str] = ()
) -> pd.DataFrame:
    keys = [*first, *(["exporter"] if by_supplier else []), "score"]
    out = df.sort_values(keys, ascending=[k != "score" for k in keys], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(full.attrs)
    return out
