"""Public API of disruption scenarios: a supplier restricts exports of some products.

Inputs are validated here (supplier, targets, partners, products, year, fractions),
the model runs as one SQL query (:mod:`ecosec.engine.scenario`), and the result comes
back as a :class:`Scenario`: DataFrames per section plus every assumption used.

>>> import ecosec.api_scenario as sc
>>> s = sc.scenario("CHN", products="850511", targets="KOR", year=2024, sample=True)
>>> round(float(s.exposure.loc[0, "supplier_share"]), 2)
0.87
>>> bool((s.shortfall["covered_usd"] + s.shortfall["shortfall_usd"]
...       - s.shortfall["lost_usd"]).abs().max() < 1e-6)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from ecosec import refdata, settings
from ecosec._records import records
from ecosec.api_dependency import add_names, broad_year, resolve_codes
from ecosec.engine import scenario as sc
from ecosec.engine.conservation import check_scenario
from ecosec.engine.executor import Catalog, is_simple, open_catalog, run
from ecosec.errors import BadInput, NoData, UnknownCountry

SECTIONS = ("exposure", "substitution", "shortfall", "totals", "sensitivity")

EXPOSURE_COLUMNS = [
    "importer", "importer_name", "hs6", "product", "imports_usd", "imports_t",
    "n_suppliers", "supplier_usd", "supplier_t", "supplier_share", "lost_usd", "lost_t",
    "lost_share",
]  # fmt: skip
SUBSTITUTION_COLUMNS = [
    "exporter", "exporter_name", "importer", "importer_name", "hs6", "product", "stage",
    "n_exporters", "current_usd", "third_usd", "third_t", "capacity_usd", "capacity_t",
    "offered_usd", "offered_t", "covered_usd", "covered_t", "share_of_lost",
]  # fmt: skip
SHORTFALL_COLUMNS = [
    "rank", "importer", "importer_name", "hs6", "product", "lost_usd", "lost_t",
    "alt_third_usd", "covered_partners_usd", "covered_partners_t", "covered_usd",
    "covered_t", "shortfall_usd", "shortfall_t", "coverage", "shortfall_share",
]  # fmt: skip
TOTALS_COLUMNS = [
    "rank", "importer", "importer_name", "n_products", "imports_usd", "supplier_usd",
    "lost_usd", "covered_partners_usd", "covered_usd", "shortfall_usd", "lost_share",
    "coverage", "shortfall_share",
]  # fmt: skip
SENSITIVITY_COLUMNS = [
    "redirect", "importer", "importer_name", "lost_usd", "covered_partners_usd",
    "covered_usd", "shortfall_usd", "coverage",
]  # fmt: skip

RULES = {
    "model": (
        "partial equilibrium, one year of observed flows: no price response, no stocks, "
        "no new capacity, no domestic production (an exposed importer's own exports are "
        "not turned to its home market), no re-export through third countries"
    ),
    "exposed": (
        "importers that buy the product from the supplier in the year: the targets among "
        "them in a targeted cut, all of them in a full cut (targets=None); the supplier's "
        "other buyers keep their flows in a targeted cut"
    ),
    "lost": "lost = cut x the supplier's exports to the exposed importer (value and tonnes)",
    "capacity": (
        "capacity of each other exporter = redirect x its exports of the product to "
        "third countries (neither exposed in that product nor the supplier)"
    ),
    "allocation": (
        "each exporter's capacity is offered to the exposed importers other than itself "
        "in proportion to their remaining loss; an importer takes the smaller of its "
        "remaining loss and the offers, scaling every offer by the same factor; one round "
        "per stage: an offer an importer cannot use is not offered again elsewhere"
    ),
    "partners": (
        "when partners are given, their capacity is allocated first (stage 'partner') and "
        "the other exporters' capacity then covers what remains (stage 'other')"
    ),
    "shortfall": "shortfall = lost - covered; covered <= lost for every importer and product",
    "tonnes": (
        "the same rule run on quantities (tonnes) where flows report them; a flow without "
        "a quantity adds value but no tonnes; tonnes are not summed across products"
    ),
    "substitution_rows": (
        f"the {sc.TOP_EXPORTERS} largest alternative exporters per importer and product "
        "are listed; the others of each stage are summed in one row (exporter empty, "
        "exporter_name 'N other exporters', n_exporters = N)"
    ),
    "shares": (
        "supplier_share and lost_share divide by the importer's imports of the product "
        "from all suppliers; coverage = covered / lost"
    ),
}


@dataclass(frozen=True)
class Scenario:
    """A disruption scenario's tables and the assumptions that produced them.

    Attributes
    ----------
    assumptions
        Every parameter (resolved codes included), the data read and the rules used.
    exposure
        Per exposed importer and product: imports, the supplier's share, lost imports.
    substitution
        Per alternative exporter, importer and product: third-country exports, capacity,
        offer and the part of the loss it covers (``stage`` partner or other).
    shortfall
        Per importer and product, ranked by shortfall (USD): lost, covered, shortfall.
    totals
        Per importer, ranked by shortfall (USD), over the exposed products.
    sensitivity
        Per redirect value of the sweep and importer: lost, covered, shortfall (USD).
    notes
        What the data cannot answer (e.g. spare capacity not observable) and other caveats.
    """

    assumptions: dict[str, Any]
    exposure: pd.DataFrame
    substitution: pd.DataFrame
    shortfall: pd.DataFrame
    totals: pd.DataFrame
    sensitivity: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS

    def section(self, name: str) -> pd.DataFrame:
        """One section's table by name (``exposure``, ``substitution``, …)."""
        if name not in SECTIONS:
            raise BadInput(f"section {name!r} is not known; allowed: {', '.join(SECTIONS)}")
        table: pd.DataFrame = getattr(self, name)
        return table

    def to_dict(self, sections: Sequence[str] = SECTIONS) -> dict[str, Any]:
        """JSON-ready: ``{"assumptions", "notes", <section>: [records], …}`` (NaN → null)."""
        out: dict[str, Any] = {"assumptions": self.assumptions, "notes": list(self.notes)}
        for name in sections:
            out[name] = records(self.section(name))
        return out


def _fraction(name: str, value: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number from 0 to 1; got {value!r}") from None
    if not 0.0 <= x <= 1.0:
        raise BadInput(f"{name} must be from 0 to 1 (a fraction, 0.5 = half); got {value!r}")
    return x


def _parts(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [p.strip() for p in items if p and p.strip()]


def _supplier(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise UnknownCountry("give the restricting supplier as one country code, e.g. CHN")
    parts = _parts(text)
    codes = refdata.resolve_countries(text)
    if len(parts) != 1 or len(codes) != 1:
        raise BadInput(
            f"supplier {text!r}: give one country (e.g. CHN), not a list or group; run one "
            "scenario per supplier"
        )
    return codes[0]


def _countries(
    what: str, value: str | Sequence[str], supplier: str, notes: list[str]
) -> tuple[str, ...]:
    """Codes of a list of countries and groups; the supplier named directly is an error,
    the supplier as a member of a named group is dropped with a note."""
    out: dict[str, None] = {}
    parts = _parts(value)
    if not parts:
        raise UnknownCountry(f"{what}: no country given; e.g. KOR,JPN or a group (MSP, G7)")
    for part in parts:
        codes = refdata.resolve_countries(part)
        if supplier in codes:
            if len(codes) == 1:
                raise BadInput(
                    f"{what} includes the supplier {supplier}; the supplier cannot be its own "
                    f"{'target' if what == 'targets' else 'partner'}: remove it"
                )
            notes.append(f"{what}: {supplier} (the supplier) left out of {part}")
            codes = tuple(c for c in codes if c != supplier)
        out.update(dict.fromkeys(codes))
    return tuple(out)


def _year(
    catalog: Catalog,
    codes: list[str] | None,
    supplier: str,
    targets: tuple[str, ...] | None,
    year: int | None,
) -> int:
    """The year asked for, checked; by default the latest year of broad coverage in
    which the supplier sells the products to the targets (or anyone), annual data
    preferred to months."""
    if year is not None and (
        isinstance(year, bool) or not isinstance(year, int | str) or not str(year).isdigit()
    ):
        raise BadInput(f"year must be a year such as 2024; got {year!r}")
    sql = sc.supplier_years_sql(
        supplier=supplier, targets=targets, hs=codes, simple=is_simple(catalog)
    )
    found = run(catalog, sql, engine="duckdb")
    years = [int(y) for y in found["year"]]
    what = "these products" if codes else "any product"
    whom = f" to {', '.join(targets)}" if targets else ""
    if not years:
        raise NoData(
            f"{supplier} sells none of {what}{whom} in the loaded data (complete years "
            "only); check the products (`ecosec baskets`), targets or data (`ecosec datasets`)"
        )
    if year is None:
        # The latest year of broad coverage of the products' trade (the cover comes from
        # every exporter), among those with the supplier's sales in annual flows.
        annual = [int(y) for y in found.loc[found["annual"] == 1, "year"]]
        return broad_year(catalog, codes, among=annual) or max(annual or years)
    if int(year) not in years:
        raise NoData(
            f"{supplier} sells none of {what}{whom} in {year} in the loaded data; "
            f"years with such sales: {', '.join(map(str, years))}"
        )
    return int(year)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    out: pd.Series = num / den.where(den > 0)
    return out


def _split(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The query's sections as tables (columns named, counts as integers, names added)."""
    out: dict[str, pd.DataFrame] = {}
    for name in ("pair", "substitution", "totals", "sensitivity"):
        part = df[df["section"] == name].drop(columns="section").reset_index(drop=True)
        part = add_names(part, ["importer", "exporter"])
        for col in ("n_products", "n_suppliers", "n_exporters"):
            part[col] = part[col].fillna(0).astype("int64")
        part["coverage"] = _ratio(part["covered_usd"], part["lost_usd"])
        out[name] = part
    return out


def _rank(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    df = df.sort_values(
        ["shortfall_usd", "lost_usd", *keys], ascending=[False, False] + [True] * len(keys)
    )
    df = df.reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def _tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    parts = _split(df)
    pair = parts["pair"]
    pair["supplier_share"] = _ratio(pair["supplier_usd"], pair["imports_usd"])
    pair["lost_share"] = _ratio(pair["lost_usd"], pair["imports_usd"])
    pair["shortfall_share"] = _ratio(pair["shortfall_usd"], pair["imports_usd"])
    pair["alt_third_usd"] = pair["alt_third_usd"].fillna(0.0)
    exposure = pair.sort_values(["lost_usd", "importer", "hs6"], ascending=[False, True, True])
    subs = parts["substitution"]
    # A stage's remaining exporters are summed in one row (exporter empty): name it so
    # a table shows what the row is.
    others = subs["exporter"].isna()
    subs.loc[others, "exporter_name"] = [
        f"{n} other exporter{'s' if n != 1 else ''}" for n in subs.loc[others, "n_exporters"]
    ]
    subs = subs.sort_values(
        ["importer", "hs6", "n_exporters", "covered_usd", "exporter"],
        ascending=[True, True, True, False, True],
    )
    totals = parts["totals"]
    totals["lost_share"] = _ratio(totals["lost_usd"], totals["imports_usd"])
    totals["shortfall_share"] = _ratio(totals["shortfall_usd"], totals["imports_usd"])
    sens = parts["sensitivity"].sort_values(["importer", "redirect"])
    return {
        "exposure": exposure.reset_index(drop=True)[EXPOSURE_COLUMNS],
        "substitution": subs.reset_index(drop=True)[SUBSTITUTION_COLUMNS],
        "shortfall": _rank(pair, ["importer", "hs6"])[SHORTFALL_COLUMNS],
        "totals": _rank(totals, ["importer"])[TOTALS_COLUMNS],
        "sensitivity": sens.reset_index(drop=True)[SENSITIVITY_COLUMNS],
    }


def _notes(tables: dict[str, pd.DataFrame], p: sc.Params, notes: list[str]) -> list[str]:
    exposure, short = tables["exposure"], tables["shortfall"]
    if p.targets:
        idle = [t for t in p.targets if t not in set(exposure["importer"])]
        if idle:
            notes.append(
                f"not exposed (buy none of these products from {p.supplier} in {p.year}): "
                + ", ".join(idle)
            )
    blind = sorted(set(short.loc[short["alt_third_usd"] <= 0, "hs6"]))
    for hs6 in blind:
        notes.append(
            f"{hs6}: no other exporter's sales to third countries are in the loaded data, "
            "so spare capacity is unobserved (counted as 0, not known to be 0); a national "
            "customs series, for one, holds only its own country's trade"
        )
    unknown_t = int(exposure["lost_t"].isna().sum())
    if unknown_t:
        notes.append(f"{unknown_t} exposed flow(s) report no quantity: their tonnes are left empty")
    return notes


def scenario(
    supplier: str,
    *,
    products: Sequence[str] | str | None = None,
    basket: str | None = None,
    cut: float = 1.0,
    targets: Sequence[str] | str | None = None,
    year: int | None = None,
    redirect: float = sc.REDIRECT_DEFAULT,
    partners: Sequence[str] | str | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
) -> Scenario:
    """What if ``supplier`` cuts its exports of some products by ``cut``?

    Partial-equilibrium model (formulas in :mod:`ecosec.engine.scenario`; DESIGN.md
    "Disruption scenario"): lost imports = cut × the supplier's exports to each exposed
    importer; other exporters can redirect ``redirect`` × their exports to third
    countries, allocated in proportion to the importers' losses, partners first;
    shortfall = lost − covered.

    Parameters
    ----------
    supplier
        The restricting country (ISO3 or name), e.g. ``"CHN"``.
    products, basket
        HS6 codes (list or comma-separated) and/or a strategic basket; neither: every
        product the supplier exports.
    cut
        Fraction of the supplier's exports withheld, 0 to 1 (1: an embargo).
    targets
        Importers the restriction aims at (countries and groups); None: a full cut,
        the supplier leaves the market for every importer.
    year
        The year whose trade structure is used (default: the latest year in which the
        supplier sells the products to the targets, or to anyone in a full cut; years
        with annual flows are preferred to years built from complete months).
    redirect
        Fraction of other exporters' sales to third countries they could redirect to
        the exposed importers within the year, 0 to 1 (default
        :data:`ecosec.engine.scenario.REDIRECT_DEFAULT`, a convention; see the
        ``sensitivity`` table for 0 to 1).
    partners
        Countries or groups whose capacity is allocated first (e.g. ``"MSP,JPN"``).
    store, sample, engine
        Where the data come from and which SQL engine runs the model.

    Returns
    -------
    Scenario
        Tables ``exposure``, ``substitution``, ``shortfall``, ``totals``,
        ``sensitivity``, the ``assumptions`` dict and ``notes``.

    Raises
    ------
    ecosec.errors.BadInput
        A fraction outside 0–1, the supplier among the targets or partners, a list as
        supplier; :class:`~ecosec.errors.UnknownCountry`, ``UnknownBasket``,
        ``UnknownProduct`` and ``NoData`` name what is allowed or available.
    """
    notes: list[str] = []
    cut = _fraction("cut", cut)
    redirect = _fraction("redirect", redirect)
    code = _supplier(supplier)
    target_codes = _countries("targets", targets, code, notes) if targets is not None else None
    partner_codes = _countries("partners", partners, code, notes) if partners is not None else ()
    settings.get("engine", engine)  # validates the name before any work
    catalog = open_catalog(store, sample=sample)
    codes = resolve_codes(catalog, basket=basket, hs=products)
    chosen_year = _year(catalog, codes, code, target_codes, year)
    params = sc.Params(
        supplier=code,
        hs=tuple(codes) if codes else None,
        year=chosen_year,
        cut=cut,
        targets=target_codes,
        redirect=redirect,
        partners=partner_codes,
    )
    df = run(catalog, sc.scenario_sql(params, simple=is_simple(catalog)), engine=engine)
    tables = _tables(df)
    check_scenario(tables["shortfall"], tables["substitution"])  # withheld if broken
    if tables["exposure"].empty:
        who = ", ".join(target_codes) if target_codes else "no importer"
        raise NoData(
            f"{who} buys none of these products from {code} in {chosen_year}: nothing is "
            "exposed; try other targets, products or a year (`ecosec dependencies`)"
        )
    assumptions = _assumptions(params, catalog, basket=basket, engine=engine)
    return Scenario(
        assumptions=assumptions,
        notes=tuple(_notes(tables, params, notes)),
        **tables,
    )


def _assumptions(
    p: sc.Params, catalog: Catalog, *, basket: str | None, engine: str | None
) -> dict[str, Any]:
    return {
        "supplier": p.supplier,
        "supplier_name": refdata.country_name(p.supplier),
        "products": list(p.hs) if p.hs else "all products the supplier exports",
        "basket": basket,
        "year": p.year,
        "cut": p.cut,
        "cut_kind": "targeted" if p.targets else "full",
        "targets": list(p.targets) if p.targets else None,
        "redirect": p.redirect,
        "redirect_default": sc.REDIRECT_DEFAULT,
        "redirect_sweep": list(p.redirect_values),
        "partners": list(p.partners) or None,
        "units": "values in USD of the year; quantities in tonnes (columns ending _t)",
        "data": {
            "datasets": [d.name for d in catalog.datasets],
            "embedded_sample": catalog.is_sample,
            "engine": settings.get("engine", engine),
            "reconciliation": "ecosec.engine.trade: annual before complete months; "
            "reconciled, then importer's, then exporter's report",
        },
        "rules": dict(RULES),
    }
