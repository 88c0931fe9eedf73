"""Public API of the dependency engine: dependencies, chokepoints, suppliers, RCA.

Inputs are validated here (countries, groups, baskets, HS codes, years) and turned
into SQL by :mod:`ecosec.engine.dependency`; results come back as DataFrames with
country names and product descriptions added.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ecosec import refdata
from ecosec.engine import dependency as dep
from ecosec.engine.conservation import check_dependency_table, check_supplier_shares
from ecosec.engine.executor import Catalog, is_simple, open_catalog, run
from ecosec.engine.trade import (
    complete_years_sql,
    hs_list,
    months_sql,
    sql_list,
    trade_sql,
    year_list,
)
from ecosec.errors import BadInput, NoData, UnknownProduct, closest
from ecosec.ingest.schema import FLOWS_SCHEMA, parquet_select

METHODS = ("geodep", "eu")
_NO_YEARS = "no annual flows for these products in the loaded data; see `ecosec datasets`"

DEPENDENCY_COLUMNS = [
    "importer", "hs6", "year", "imports_usd", "n_suppliers", "top_supplier", "top_share",
    "top3_share", "hhi_imports", "hhi_world", "exports_usd", "import_export_ratio",
    "extra_share", "criteria_met", "years_met", "persistence_applied", "dependent",
    "reported_by", "importer_name", "product", "top_supplier_name",
]  # fmt: skip


def _hs6(item: str) -> str:
    """One six-digit code as typed (``85051`` with BACI's dropped zero, ``8505.11``), or
    one error that says what the analyses take, whatever was wrong with it."""
    try:
        code = refdata.normalize_hs(item.strip())
    except UnknownProduct:
        code = ""
    if len(code) == 6:
        return code
    digits = "".join(ch for ch in item if ch.isdigit())
    hint = (
        f"; a national tariff line? its first six digits are {digits[:6]}"
        if len(digits) > 6
        else ""
    )
    raise UnknownProduct(
        f"HS code {item!r} is not a six-digit code (HS6); give codes such as 850511 or "
        f"811292 (`ecosec baskets NAME` lists a basket's){hint}"
    )


def _hs6_codes(hs: Sequence[str] | str | int) -> list[str]:
    """Codes given as "850511,811292", a list, or one number (850511), each checked by
    :func:`_hs6`."""
    if isinstance(hs, bool):
        raise UnknownProduct(f"HS code {hs!r} is not a six-digit code (HS6); give e.g. 850511")
    if isinstance(hs, int):
        hs = str(hs)
    if isinstance(hs, str):
        return [_hs6(item) for item in hs.split(",")]
    return [_hs6(str(item)) for item in hs]


def asked_codes(*, basket: str | None, hs: Sequence[str] | str | None) -> list[str]:
    """The HS6 codes a basket and/or list name, in order, each once (not checked
    against the data: :func:`resolve_codes` does that)."""
    codes: list[str] = []
    if basket:
        codes += list(refdata.basket_codes(basket))
    if hs:
        codes += _hs6_codes(hs)
    return list(dict.fromkeys(codes))


def rule_text(method: str, t: dep.Thresholds | None = None) -> str:
    """The dependency rule in words, with its thresholds.

    >>> rule_text("eu")  # doctest: +NORMALIZE_WHITESPACE
    'EU Commission rule: HHI of imports > 0.4, share of imports from outside the bloc > 0.5,
     imports/exports > 1; 2 of 3 years where 3 consecutive years exist'
    """
    t = t or dep.Thresholds()
    second = (
        f"share of imports from outside the bloc > {t.extra_share:g}"
        if method == "eu"
        else f"world export HHI > {t.hhi_world:g}"
    )
    name = "EU Commission rule" if method == "eu" else "CEPII GeoDep rule"
    return (
        f"{name}: HHI of imports > {t.hhi_imports:g}, {second}, imports/exports > {t.ratio:g}; "
        "2 of 3 years where 3 consecutive years exist"
    )


def resolve_codes(
    catalog: Catalog, *, basket: str | None, hs: Sequence[str] | str | None
) -> list[str] | None:
    """The HS6 codes asked for (basket and/or list), validated against the data."""
    codes = asked_codes(basket=basket, hs=hs)
    if not codes:
        return None
    present = set(run(catalog, "SELECT DISTINCT hs6 FROM flows", engine="duckdb")["hs6"].tolist())
    found = [c for c in codes if c in present]
    if hs:  # codes typed one by one must each be in the data (a basket's may be absent)
        missing = [c for c in _hs6_codes(hs) if c not in present]
        if missing:
            raise UnknownProduct(
                f"HS code(s) {', '.join(missing)} not in the loaded data; "
                f"{closest(missing[0], sorted(present))}"
            )
    if not found:
        sample = ", ".join(sorted(present)[:12])
        what = f"basket {basket!r}" if basket and not hs else f"HS code(s) {', '.join(codes[:5])}"
        raise UnknownProduct(
            f"{what}: none of its codes is in the loaded data; codes present include "
            f"{sample} ({len(present)} in all). Ingest data that covers them (ecosec ingest)"
        )
    return found


def available_years(catalog: Catalog, codes: list[str] | None) -> list[int]:
    """The years the engine can compute (of ``codes``, or of any product): years of
    annual flows, and years a reporter's monthly flows cover in full (all 12 months),
    which the engine sums to annual figures (:func:`ecosec.engine.trade.trade_sql`)."""
    where = f"AND hs6 IN {hs_list(codes)}" if codes else ""
    annual = None if codes else _manifest_years(catalog)
    if annual is None:
        df = run(
            catalog,
            f"SELECT DISTINCT period AS year FROM flows WHERE freq = 'A' {where}",
            engine="duckdb",
        )
        annual = [int(y) for y in df["year"]]
    if not any(d.flows_files and d.manifest.get("freq") != "A" for d in catalog.datasets):
        return sorted(annual)
    return sorted(set(annual) | set(_month_years(catalog, tuple(codes or ()))))


@functools.lru_cache(maxsize=256)
def _month_years(catalog: Catalog, codes: tuple[str, ...]) -> tuple[int, ...]:
    """Years of complete months (of ``codes``, or of any product), by the engine's rule
    (over each reporter's every product). Cached per catalog: a catalog names its
    dataset versions, so a new ingest is a new key; the web app asks on every request."""
    where = f"AND hs6 IN {hs_list(list(codes))}" if codes else ""
    months = run(
        catalog,
        f"""WITH m AS ({months_sql()}), c AS ({complete_years_sql("m")})
            SELECT DISTINCT m.year FROM m
            JOIN c USING (year, reporter, source, reporter_side)
            WHERE TRUE {where}""",
        engine="duckdb",
    )
    return tuple(sorted(int(y) for y in months["year"]))


def year_ranges(years: Sequence[int]) -> str:
    """Years as runs: ``2000–2021, 2024``.

    >>> year_ranges([2024, 2000, 2001, 2002, 2019])
    '2000–2002, 2019, 2024'
    """
    out: list[str] = []
    run_: list[int] = []
    for y in sorted(set(years)):
        if run_ and y != run_[-1] + 1:
            out.append(_run_text(run_))
            run_ = []
        run_.append(y)
    if run_:
        out.append(_run_text(run_))
    return ", ".join(out)


def _run_text(years: list[int]) -> str:
    if len(years) == 1:
        return str(years[0])
    if len(years) == 2:
        return f"{years[0]}, {years[1]}"
    return f"{years[0]}–{years[-1]}"


def _manifest_years(catalog: Catalog) -> list[int] | None:
    """The years of annual flows as the manifests record them, without reading the data;
    None when a dataset mixes annual and monthly flows (then only a query can tell)."""
    years: set[int] = set()
    for d in catalog.datasets:
        if not d.flows_files:
            continue
        freq = d.manifest.get("freq")
        if freq == "A":
            years.update(int(y) for y in d.manifest.get("years") or [])
        elif freq != "M":
            return None
    return sorted(years)


def resolve_years(
    catalog: Catalog,
    codes: list[str] | None,
    year: int | Sequence[int] | None,
    *,
    available: list[int] | None = None,
) -> list[int]:
    """The requested years, checked against ``available`` (looked up when not given)."""
    if available is None:
        available = available_years(catalog, codes)
    if not available:
        raise NoData(_NO_YEARS)
    if year is None:
        return [broad_year(catalog, codes, among=available) or available[-1]]
    wanted = year_args(year)
    missing = [y for y in wanted if y not in available]
    if missing:
        raise NoData(
            f"no data for year {', '.join(map(str, missing))} for these products; "
            f"years available: {year_ranges(available)}"
        )
    return wanted


def year_args(year: object) -> list[int]:
    """``year`` as given (2024, "2024", 2024.0, [2022, 2024]) as a list of years, or one
    error that says what a year is."""
    one = isinstance(year, str | bytes) or not isinstance(year, Iterable)
    items = [year] if one else list(year)  # type: ignore[call-overload]
    out = []
    for y in items:
        text = str(y).strip()
        if isinstance(y, float) and y.is_integer():
            text = str(int(y))
        if isinstance(y, bool) or not text.isdigit() or len(text) != 4:
            raise BadInput(f"year must be a year such as 2024 (or a list of years); got {year!r}")
        out.append(int(text))
    if not out:
        raise BadInput("no year given; give a year such as 2024, or leave it out for the latest")
    return out


def broad_year(
    catalog: Catalog, codes: list[str] | None, *, where: str = "", among: Sequence[int]
) -> int | None:
    """The latest year in ``among`` whose annual flows (of ``codes``, matching the SQL
    condition ``where``) link at least half as many (importer, exporter) pairs as its
    best-covered year: the default year of a table. A year only a few reporters have
    published yet (the sample's Comtrade 2025–26) is not taken for a full one, nor is a
    latest year with under :data:`COVERAGE_NOTE` of the previous year's pairs. Pairs,
    not rows: a source of one partner's every product (Korea's imports from Japan
    2018–2020 in the sample) is deep, not broad. None when ``among`` holds no flows.
    """
    wanted = {int(y) for y in among}
    counts = {y: n for y, n in pair_counts(catalog, codes, where=where).items() if y in wanted}
    if not counts:
        return None
    best = max(counts.values())
    year = max(y for y, n in counts.items() if 2 * n >= best)
    # A latest year clearly thinner than the one before it, here and in the world's
    # flows of the products, is one not all reporters have published yet (the sample's
    # energy flows of 2025: 61% of 2024's pairs). The world check keeps an importer's
    # few pairs from moving its year on their own (Japan's semiconductor suppliers in
    # BACI 2024, a complete year).
    # The world's counts are read only when the importer's would step back (a default
    # year is resolved on every web request without a year).
    world = None if where else counts
    earlier = sorted(y for y in counts if y < year)
    while earlier and counts[year] < COVERAGE_NOTE * counts[earlier[-1]]:
        if world is None:
            world = pair_counts(catalog, codes)
        if world.get(year, 0) >= COVERAGE_NOTE * world.get(earlier[-1], 0):
            break
        year = earlier.pop()
    return year


def pair_counts(catalog: Catalog, codes: list[str] | None, *, where: str = "") -> dict[int, int]:
    """Per year, the (importer, exporter) pairs the annual flows (of ``codes``) link."""
    what = f"AND hs6 IN {hs_list(codes)}" if codes else ""
    df = run(
        catalog,
        "SELECT period AS year, COUNT(DISTINCT importer || exporter) AS n FROM flows "
        f"WHERE freq = 'A' AND exporter <> importer AND value_usd > 0 {what} {where} "
        "GROUP BY period",
        engine="duckdb",
    )
    return {int(y): int(n) for y, n in zip(df["year"], df["n"], strict=True)}


COVERAGE_NOTE = 0.8
"""A year whose flows link fewer pairs than this fraction of the best year's is noted."""


def coverage_note(
    hs: Sequence[str] | None, year: int, *, store: str | Path | None = None,
    sample: bool | None = None,
) -> str | None:  # fmt: skip
    """One sentence when ``year``'s annual flows of the products link clearly fewer
    (importer, exporter) pairs than their best-covered year — a year few reporters have
    published yet, whose "world" figures are partial — else None.

    >>> coverage_note(["271112", "271113"], 2025, sample=True)[:72]
    "2025's annual flows of these products link 1,094 importer–exporter pairs"
    >>> coverage_note(["271112", "271113"], 2024, sample=True) is None  # 89% of 2020's
    True
    """
    counts = pair_counts(open_catalog(store, sample=sample), list(hs) if hs else None)
    if year not in counts or not counts:
        return None
    best_year = max(counts, key=lambda y: (counts[y], y))
    if counts[year] >= COVERAGE_NOTE * counts[best_year]:
        return None
    n, share = counts[year], counts[year] / counts[best_year]
    return (
        f"{year}'s annual flows of these products link {n:,} importer–exporter "
        f"pair{'' if n == 1 else 's'}, {'under 1%' if share < 0.005 else f'{share:.0%}'} of "
        f"{best_year}'s {counts[best_year]:,}: a year not all reporters have published? Its "
        "world figures are partial (--year picks another)."
    )


def latest_import_year(
    catalog: Catalog, importer: dep.Importer, codes: list[str] | None, *, available: list[int]
) -> int:
    """The default year of an importer's table: the latest year of broad coverage
    (:func:`broad_year`) of its annual imports (of ``codes``), or of all flows when the
    importer is every country or imports none of them."""
    if not available:
        raise NoData(_NO_YEARS)
    if importer.members:
        members = sql_list(importer.members)
        outside = f"AND exporter NOT IN {members}" if importer.is_group else ""
        found = broad_year(
            catalog, codes, where=f"AND importer IN {members} {outside}", among=available
        )
        if found is not None:
            return found
    return broad_year(catalog, codes, among=available) or available[-1]


def resolve_importer(country: str | None) -> dep.Importer:
    if country is None or country.strip().lower() in ("all", "*"):
        return dep.Importer(None)
    if not country.strip():
        raise BadInput("the country is empty; give an ISO3 code (KOR), a group (EU27) or 'all'")
    text = country.strip()
    group = refdata.find_group(text)
    if group is not None:  # one bloc ("EU" too), not its members one by one
        return dep.Importer(group.name, group.members)
    members = refdata.resolve_countries(text)
    if len(members) == 1:
        return dep.Importer(members[0], members)
    return dep.Importer(None, tuple(members))


def _name(code: object) -> str:
    if not isinstance(code, str):
        return ""
    return refdata.groups()[code].title if code in refdata.groups() else refdata.country_name(code)


def _product(code: object) -> str:
    try:
        return refdata.hs_description(str(code)) or ""
    except BadInput:
        return ""


def add_names(
    df: pd.DataFrame, country_cols: Sequence[str], hs_col: str | None = "hs6"
) -> pd.DataFrame:
    """Add ``<col>_name`` and ``product`` columns (looked up once per distinct code)."""
    for col in country_cols:
        df[f"{col}_name"] = _lookup(df[col], _name)
    if hs_col:
        df["product"] = _lookup(df[hs_col], _product)
    return df


def _lookup(codes: pd.Series, describe: Callable[[str], str]) -> pd.Series:
    """``describe`` of every code, "" for a missing one: one call per distinct code and
    one vectorised take (a full dependency table has a million rows, 5,000 codes)."""
    index, distinct = pd.factorize(codes)
    names = pd.array([describe(str(c)) for c in distinct] + [""], dtype="str")
    return pd.Series(names.take(np.where(index < 0, len(distinct), index)), index=codes.index)


def dependencies(
    country: str | None,
    *,
    year: int | Sequence[int] | None = None,
    basket: str | None = None,
    hs: Sequence[str] | str | None = None,
    method: str = "geodep",
    thresholds: dep.Thresholds | None = None,
    only_dependent: bool = False,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Import dependency of ``country`` (ISO3, group such as EU27, list, or None for all).

    One row per (importer, hs6, year) with imports, suppliers, concentration and the
    dependency flag with each criterion's value (CEPII GeoDep by default;
    ``method="eu"`` for the EU Commission's SWD(2021) 352 variant).

    >>> import ecosec
    >>> d = ecosec.dependencies("KOR", year=2024, hs="850511", sample=True)
    >>> d.loc[0, "top_supplier"], round(float(d.loc[0, "top_share"]), 2)
    ('CHN', 0.87)
    """
    df, years = _run_dependency(
        country, year=year, basket=basket, hs=hs, method=method, thresholds=thresholds,
        store=store, sample=sample, engine=engine, on_whom=False,
    )  # fmt: skip
    if df.empty:
        raise _imports_none(country, years)
    check_dependency_table(df)  # a result that breaks its identities is withheld
    if only_dependent:
        df = df[df["dependent"]].reset_index(drop=True)
    df = add_names(df, ["importer", "top_supplier"])
    return df[DEPENDENCY_COLUMNS]


def chokepoints(
    *,
    year: int | Sequence[int] | None = None,
    basket: str | None = None,
    hs: Sequence[str] | str | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Per (product, year): world exports, the three largest exporters and shares, world HHI.

    >>> import ecosec
    >>> c = ecosec.chokepoints(year=2022, hs="283691", sample=True)
    >>> c.loc[0, "top_exporter"]
    'CHL'
    """
    catalog = open_catalog(store, sample=sample)
    codes = resolve_codes(catalog, basket=basket, hs=hs)
    years = resolve_years(catalog, codes, year)
    df = run(
        catalog, dep.chokepoint_sql(hs=codes, years=years, simple=is_simple(catalog)), engine=engine
    )
    df = add_names(df, ["top_exporter", "second_exporter", "third_exporter"])
    return df


def suppliers(
    country: str,
    *,
    year: int | Sequence[int] | None = None,
    basket: str | None = None,
    hs: Sequence[str] | str | None = None,
    method: str = "geodep",
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """On whom ``country`` depends: per supplier, the dependencies it supplies and holds."""
    df, years = _run_dependency(
        country, year=year, basket=basket, hs=hs, method=method, thresholds=None,
        store=store, sample=sample, engine=engine, on_whom=True,
    )  # fmt: skip
    if df.empty:  # no dependency, or no imports at all (then the same error as dependencies)
        table, _ = _run_dependency(
            country, year=years, basket=basket, hs=hs, method=method, thresholds=None,
            store=store, sample=sample, engine=engine, on_whom=False,
        )  # fmt: skip
        if table.empty:
            raise _imports_none(country, years)
    df = add_names(df, ["importer", "exporter"], hs_col=None)
    df.attrs["years"] = years  # an empty table (no dependency) still says which year
    return df


def _imports_none(country: str | None, years: Sequence[int]) -> NoData:
    return NoData(
        f"{country} imports none of these products in {', '.join(map(str, years))} in the "
        "loaded data; try another year or basket (`ecosec baskets`, `ecosec datasets`)"
    )


def _run_dependency(
    country: str | None,
    *,
    year: int | Sequence[int] | None,
    basket: str | None,
    hs: Sequence[str] | str | None,
    method: str,
    thresholds: dep.Thresholds | None,
    store: str | Path | None,
    sample: bool | None,
    engine: str | None,
    on_whom: bool,
) -> tuple[pd.DataFrame, list[int]]:
    """The dependency (or "on whom") query for the inputs, checked; (result, years).

    Without a year, a country's table is for its latest broadly covered year of imports
    (:func:`latest_import_year`)."""
    method = str(method).strip().lower()
    if method not in METHODS:
        raise BadInput(f"method {method!r} is not known; {closest(method, list(METHODS))}")
    catalog = open_catalog(store, sample=sample)
    importer = resolve_importer(country)
    codes = resolve_codes(catalog, basket=basket, hs=hs)
    in_data = available_years(catalog, codes)
    if year is None:
        years = [latest_import_year(catalog, importer, codes, available=in_data)]
    else:
        years = resolve_years(catalog, codes, year, available=in_data)
    sql = dep.dependency_sql(
        importer,
        hs=codes,
        years=years,
        method=method,
        t=thresholds or dep.Thresholds(),
        simple=is_simple(catalog),
        years_in_data=in_data,
        on_whom=on_whom,
    )
    return run(catalog, sql, engine=engine), years


WORLD_MIN_IMPORTERS = 10
"""Fewest importers whose imports of a product a year's data must hold before its
"world" figures (world exports, ``hhi_world``) are read as the world's."""


def world_importers(
    hs: Sequence[str] | str,
    *,
    year: int | Sequence[int],
    store: str | Path | None = None,
    sample: bool | None = None,
) -> pd.DataFrame:
    """Per (hs6, year): how many importers the data hold imports of the product for —
    the breadth behind its world figures. A source of one country's trade (Korea's
    customs series, Korea's imports from Japan 2018–2020 in the sample) gives "world"
    exports that are that country's imports; below :data:`WORLD_MIN_IMPORTERS` the
    tables and pages say so.

    >>> import ecosec.api_dependency as d
    >>> w = d.world_importers("850511", year=[2018, 2024], sample=True)
    >>> w.set_index("year")["importers"].to_dict()
    {2018: 1, 2024: 211}
    """
    catalog = open_catalog(store, sample=sample)
    codes = _hs6_codes(hs)
    years = year_args(year)
    df = run(
        catalog,
        f"""SELECT hs6, year, COUNT(DISTINCT importer) AS importers
            FROM ({trade_sql(hs=codes, years=years, simple=is_simple(catalog))}) AS t
            WHERE value_usd > 0 AND exporter <> importer
            GROUP BY hs6, year ORDER BY hs6, year""",
        engine="duckdb",
    )
    df["importers"] = df["importers"].astype("int64")
    return df


def thin_world_note(
    df: pd.DataFrame, *, store: str | Path | None = None, sample: bool | None = None
) -> str | None:
    """One sentence for a dependency or chokepoint table whose products' world figures
    rest on fewer than :data:`WORLD_MIN_IMPORTERS` importers' data, else None."""
    if df.empty:
        return None
    w = world_importers(
        sorted(set(df["hs6"])),
        year=sorted({int(y) for y in df["year"]}),
        store=store,
        sample=sample,
    )
    thin = w[w["importers"] < WORLD_MIN_IMPORTERS]
    if thin.empty:
        return None
    codes = ", ".join(sorted(set(thin["hs6"]))[:6]) + (" …" if thin["hs6"].nunique() > 6 else "")
    return (
        f"World figures (hhi_world, world exports) of {thin['hs6'].nunique()} product(s) "
        f"({codes}) rest on fewer than {WORLD_MIN_IMPORTERS} importers' data in "
        f"{', '.join(map(str, sorted(set(thin['year']))))}: read them as the data's, not the "
        "world's."
    )


PARTNER_MIN = 5
"""Fewest partners a dataset must name for an importer in a year before its figures are
read as covering the importer's suppliers (below it, a download filtered by partner)."""


def partner_limited(
    importers: Sequence[str],
    years: Sequence[int],
    *,
    hs: Sequence[str] | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
) -> pd.DataFrame:
    """Per (dataset, importer, year) where a dataset's declared flows into the importer
    (of the products ``hs``) name fewer than :data:`PARTNER_MIN` suppliers: the dataset,
    those suppliers (``partners``, comma-separated) and whose declarations they are
    (``sides``: ``M`` the importer's, ``X`` the exporters'). A Comtrade download of one
    reporter's imports from one partner (Korea's from Japan 2018–2020 in the sample) is
    such a dataset, and so is a national source whose exports reach an importer that
    reports nothing itself (Korea's 2025 in the sample's monthly data). Reconciled flows
    (BACI) cover every partner and are not read: a small country's few suppliers there
    are all it has.

    >>> import ecosec.api_dependency as d
    >>> d.partner_limited(["KOR"], [2019], sample=True).iloc[0].to_dict()
    {'dataset': 'comtrade-kor-imports-from-jpn', 'importer': 'KOR', 'year': 2019, 'partners': 'JPN', 'sides': 'M'}
    """
    codes = [c for c in importers if isinstance(c, str) and re.fullmatch("[A-Z0-9]{3}", c)]
    what = f"AND hs6 IN {hs_list(list(hs))}" if hs else ""
    catalog = open_catalog(store, sample=sample)
    parts = [
        f"""SELECT '{d.name.replace("'", "")}' AS dataset, importer, exporter, reporter_side,
                   CASE WHEN freq = 'M' THEN CAST(FLOOR(period / 100) AS INTEGER)
                        ELSE period END AS year
            FROM ({
            parquet_select(
                [str(f) for f in d.flows_files], FLOWS_SCHEMA, d.manifest.get("constants")
            )
        }) AS f
            WHERE importer IN {sql_list(codes)} AND exporter <> importer AND value_usd > 0
              AND reporter_side IN ('M', 'X') {what}"""
        for d in catalog.datasets
        if d.flows_files
    ]
    if not codes or not parts or not years:
        return pd.DataFrame(columns=["dataset", "importer", "year", "partners", "sides"])
    df = run(
        catalog,
        f"""SELECT dataset, importer, year,
                   ARRAY_TO_STRING(LIST_SORT(LIST(DISTINCT exporter)), ',') AS partners,
                   ARRAY_TO_STRING(LIST_SORT(LIST(DISTINCT reporter_side)), ',') AS sides
            FROM ({" UNION ALL ".join(parts)}) AS t
            WHERE year IN {year_list(years)}
            GROUP BY dataset, importer, year
            HAVING COUNT(DISTINCT exporter) < {PARTNER_MIN}
            ORDER BY importer, year, dataset""",
        engine="duckdb",
    )
    df["year"] = df["year"].astype("int64")
    return df


_SIDE_REPORTED = {"M": "importer", "X": "exporter"}


def thin_partner_note(
    df: pd.DataFrame, *, store: str | Path | None = None, sample: bool | None = None
) -> str | None:
    """One sentence for a dependency table with rows that rest on a dataset naming few
    of the importer's suppliers (:func:`partner_limited`), else None. A row rests on it
    when its figures are declared ones (``reported_by`` not ``reconciled``) of that
    dataset's side, its top supplier is one of the dataset's partners and it has no more
    suppliers than they are; with one partner that is exact and the rows are counted."""
    need = {"importer", "year", "hs6", "n_suppliers", "top_supplier", "reported_by"}
    if df.empty or not need <= set(df.columns):
        return None
    limited = partner_limited(
        sorted(set(df["importer"])), sorted({int(y) for y in df["year"]}),
        hs=sorted(set(df["hs6"])), store=store, sample=sample,
    )  # fmt: skip
    parts = []
    for row in limited.itertuples(index=False):
        partners = str(row.partners).split(",")
        sides = str(row.sides).split(",")
        mine = df[(df["importer"] == row.importer) & (df["year"] == row.year)]
        declared = mine["reported_by"].isin([_SIDE_REPORTED[x] for x in sides] + ["mixed"])
        hit = mine[
            declared & (mine["n_suppliers"] <= len(partners)) & mine["top_supplier"].isin(partners)
        ]
        if hit.empty:
            continue
        name = _name(row.importer)
        count = (
            f", and {len(hit):,} of {name}'s {len(mine):,} products have no other supplier "
            "in the data"
            if len(partners) == 1
            else ""
        )
        whose = " (from their own export declarations)" if sides == ["X"] else ""
        parts.append(
            f"in {row.year} the dataset {row.dataset} names only {', '.join(partners)} as "
            f"{name}'s supplier{'s' if len(partners) > 1 else ''}{whose}{count}"
        )
    if not parts:
        return None
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    text = (
        "; ".join(parts[:3]) + more + ": for products whose imports rest on such a dataset "
        "alone, the supplier shares, HHI of imports and flags describe its partners, not "
        "all of the importer's suppliers."
    )
    return text[0].upper() + text[1:]


def rca(
    exporters: str | None = None,
    *,
    year: int | Sequence[int] | None = None,
    basket: str | None = None,
    hs: Sequence[str] | str | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Balassa RCA per (exporter, hs6, year), over all products in the loaded data."""
    catalog = open_catalog(store, sample=sample)
    who = list(refdata.resolve_countries(exporters)) if exporters else None
    codes = resolve_codes(catalog, basket=basket, hs=hs)
    years = resolve_years(catalog, codes, year)
    df = run(
        catalog,
        dep.rca_sql(exporters=who, hs=codes, years=years, simple=is_simple(catalog)),
        engine=engine,
    )
    return add_names(df, ["exporter"])


def supplier_shares(
    country: str,
    *,
    hs: Sequence[str] | str,
    year: int | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Each supplier's share of ``country``'s imports of the products ``hs`` (one year).

    >>> import ecosec.api_dependency as d
    >>> s = d.supplier_shares("KOR", hs="850511", year=2024, sample=True)
    >>> s.iloc[0]["exporter"], round(float(s["share"].sum()), 6)
    ('CHN', 1.0)
    """
    catalog = open_catalog(store, sample=sample)
    importer = resolve_importer(country)
    codes = resolve_codes(catalog, basket=None, hs=hs)
    years = resolve_years(catalog, codes, year)
    sql = dep.supplier_share_sql(importer, hs=codes, years=years, simple=is_simple(catalog))
    df = run(catalog, sql, engine=engine)
    check_supplier_shares(df)
    return add_names(df, ["importer", "exporter"])


def monthly_imports(
    country: str,
    *,
    hs: Sequence[str] | str,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    """Monthly imports of ``country`` by supplier and month (importer-reported where
    both sides report), with a ``date`` column for charts.

    >>> import ecosec.api_dependency as d
    >>> m = d.monthly_imports("KOR", hs="281111", sample=True)
    >>> int(m.loc[(m["exporter"] == "JPN") & (m["period"] == 201907), "value_usd"].iloc[0]) > 0
    True
    """
    catalog = open_catalog(store, sample=sample)
    members = refdata.resolve_countries(country)
    codes = resolve_codes(catalog, basket=None, hs=hs)
    sql = f"""
    SELECT period, exporter, importer, hs6,
           SUM(CASE WHEN reporter_side = 'M' THEN value_usd END) AS m_usd,
           SUM(CASE WHEN reporter_side <> 'M' THEN value_usd END) AS x_usd
    FROM flows
    WHERE freq = 'M' AND importer IN {sql_list(members)} AND hs6 IN {hs_list(codes or [])}
    GROUP BY period, exporter, importer, hs6
    ORDER BY period, exporter
    """
    df = run(catalog, sql, engine=engine)
    if df.empty:
        raise NoData(
            f"no monthly flows of {', '.join(codes or [])} into {country} in the loaded data"
        )
    df["value_usd"] = df["m_usd"].fillna(df["x_usd"])
    df["date"] = pd.to_datetime(
        (df["period"] // 100).astype(str)
        + "-"
        + (df["period"] % 100).astype(str).str.zfill(2)
        + "-01"
    )
    df = df.drop(columns=["m_usd", "x_usd"])
    return add_names(df, ["importer", "exporter"])
