"""Public API of the partnership analysis: what two countries can do together.

``partnership("KOR", "JPN")`` answers the question of an economic-security dialogue
between two partners — where do they compete, where do they complement each other,
and what can each do for the other — in seven sections, each a table with its units,
years and data source, plain-language verdicts written from its numbers, and notes
on what the loaded data cannot answer (with the dataset that would):

1. ``complementarity`` (overview per scope) and ``products`` (per product): trade
   complementarity both ways, export similarity, Grubel–Lloyd, trade intensity, RCA;
2. ``derisking``: where one partner can replace the other's risky supplier;
3. ``shared``: where both depend on the same third supplier;
4. ``third-markets``: importers to serve together;
5. ``buyer-weight``: products where the two together are a large share of world imports;
6. ``challenges``: ageing and fossil-energy import dependence;
7. ``agenda``: the ranked list of candidate cooperative projects.

Formulas and their sources are in :mod:`ecosec.engine.complementarity`,
:mod:`ecosec.engine.partnership`, :mod:`ecosec.engine.challenges` and
:mod:`ecosec.engine.agenda`; the data pipeline (which query runs on which table and
year) is :func:`ecosec.engine.partnership_run.compute`.

>>> import ecosec.api_partnership as ap
>>> p = ap.partnership("KOR", "JPN", sample=True)
>>> p.year, [s.name for s in p.sections][:3]
(2024, ['complementarity', 'products', 'derisking'])
>>> d = p.table("derisking")
>>> d.loc[d["hs"] == "850511", ["dependent", "partner", "risky_supplier"]].values.tolist()
[['KOR', 'JPN', 'CHN']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from ecosec import refdata
from ecosec._records import records
from ecosec.engine.executor import open_catalog
from ecosec.engine.partnership import PartnershipParams
from ecosec.engine.partnership_run import Context, compute, sources_label
from ecosec.errors import BadInput, UnknownCountry, closest

SectionName = Literal[
    "complementarity",
    "products",
    "derisking",
    "shared",
    "third-markets",
    "buyer-weight",
    "challenges",
    "agenda",
]
SECTION_NAMES: tuple[str, ...] = get_args(SectionName)


@dataclass(frozen=True)
class SectionSpec:
    """A section of the partnership analysis (the registry behind CLI and docs)."""

    name: str
    number: int
    title: str
    units: str
    doc: str


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "complementarity",
        1,
        "Competition vs complementarity, overall and per basket",
        "indices TC and ES 0-100; GL 0-1; trade intensity (1 = neutral); counts of "
        "products; values USD",
        "Trade complementarity both ways (WITS), export similarity (Finger & Kreinin "
        "1979), Grubel-Lloyd on bilateral trade (Grubel & Lloyd 1975), trade intensity "
        "(WITS), and how many products the pair competes or complements in (Balassa RCA).",
    ),
    SectionSpec(
        "products",
        1,
        "Products: where the two compete and where one exports what the other imports",
        "values USD; RCA (Balassa, 1 = world average); GL 0-1; shares 0-1",
        "Per product (HS6 bilateral flows, or HS4 country totals where only those exist).",
    ),
    SectionSpec(
        "derisking",
        2,
        "Mutual de-risking: the partner's cover for each risky supplier",
        "values USD; shares 0-1; HHI 0-1; RCA (1 = world average)",
        "For each dependency of one country on a third supplier, what the partner "
        "exports and could redirect; ranked by the value it could cover.",
    ),
    SectionSpec(
        "shared",
        3,
        "Shared vulnerabilities: both dependent on the same third supplier",
        "values USD; shares 0-1; alternatives_cover = alternatives' spare exports / "
        "the pair's imports from the supplier",
        "Candidates for joint diversification, joint stockpiles and MSP-type projects.",
    ),
    SectionSpec(
        "third-markets",
        4,
        "Third markets for joint ventures",
        "values USD; pair_share 0-1; growth_pa per year (0.05 = +5%)",
        "Importers of the products where the pair together has comparative advantage, "
        "large and growing, with a low pair share; ranked by the opening.",
    ),
    SectionSpec(
        "buyer-weight",
        5,
        "Joint buyer weight: products where the pair is a large share of world imports",
        "values USD; shares 0-1; HHI 0-1; supplier_overlap 0-1",
        "Candidates for joint procurement, swaps and shared stockpiles.",
    ),
    SectionSpec(
        "challenges",
        6,
        "Common challenges: ageing and fossil-energy import dependence",
        "see the unit column (share 0-1, persons, TWh)",
        "Share of the population aged 65+ now and projected (UN WPP 2022); net import "
        "dependence for oil, gas and coal (BP Statistical Review 2021).",
    ),
    SectionSpec(
        "agenda",
        7,
        "Cooperation agenda: ranked candidate projects",
        "value_usd USD (see value_basis)",
        "Drawn from sections 2-5, each with the value at stake, its evidence and the "
        "counterpart forum (MSP, Chip 4 working group, IPEF).",
    ),
)
_SPECS = {s.name: s for s in SECTIONS}


@dataclass(frozen=True)
class Section:
    """One section of a partnership: a table and what it rests on.

    Attributes
    ----------
    name, title
        Registry name (``--section NAME``) and heading.
    table
        The section's DataFrame (``level`` says HS6 bilateral flows or HS4 totals).
    units
        Units of the table's columns.
    years
        The years the rows use.
    source
        The datasets the rows come from, with their attribution.
    verdicts
        Plain-language findings, each quoting its numbers.
    notes
        What the loaded data cannot answer here, and the dataset and command that would.
    """

    name: str
    title: str
    table: pd.DataFrame
    units: str
    years: tuple[int, ...]
    source: str
    verdicts: tuple[str, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: metadata, then ``columns`` and ``rows`` (records, NaN → None)."""
        return {
            "name": self.name,
            "number": _SPECS[self.name].number,
            "title": self.title,
            "units": self.units,
            "years": list(self.years),
            "source": self.source,
            "verdicts": list(self.verdicts),
            "notes": list(self.notes),
            "columns": [str(c) for c in self.table.columns],
            "rows": records(self.table),
        }


@dataclass(frozen=True)
class Partnership:
    """The partnership analysis of countries ``a`` and ``b`` (see the module docstring)."""

    a: str
    b: str
    year: int
    basket: str | None
    sections: tuple[Section, ...]
    params: PartnershipParams = field(default_factory=PartnershipParams)

    def section(self, name: str) -> Section:
        """The section called ``name`` (one of :data:`SECTION_NAMES`)."""
        for s in self.sections:
            if s.name == name:
                return s
        raise BadInput(f"unknown section {name!r}: {closest(name, list(SECTION_NAMES))}")

    def table(self, name: str) -> pd.DataFrame:
        """The DataFrame of the section called ``name``."""
        return self.section(name).table

    @property
    def verdicts(self) -> tuple[str, ...]:
        """Every section's verdicts, in section order."""
        return tuple(v for s in self.sections for v in s.verdicts)

    def to_dict(self, sections: Sequence[str] | None = None) -> dict[str, Any]:
        """One JSON-ready document: the pair, the year, and every (or the named) section."""
        chosen = [self.section(n) for n in sections] if sections else list(self.sections)
        return {
            "a": self.a,
            "a_name": refdata.country_name(self.a),
            "b": self.b,
            "b_name": refdata.country_name(self.b),
            "year": self.year,
            "basket": self.basket,
            "params": {k: getattr(self.params, k) for k in self.params.__dataclass_fields__},
            "sections": [s.to_dict() for s in chosen],
        }


def resolve_pair(a: str, b: str) -> tuple[str, str]:
    """Two distinct countries (groups are not accepted: a partnership is bilateral)."""
    out = []
    for text in (a, b):
        codes = refdata.resolve_countries(text)
        if len(codes) != 1:
            raise UnknownCountry(
                f"{text!r} names {len(codes)} countries; a partnership is between two "
                "countries: give one ISO3 code each, e.g. KOR JPN"
            )
        out.append(codes[0])
    if out[0] == out[1]:
        raise BadInput(f"give two different countries (both are {out[0]})")
    return out[0], out[1]


def partnership(
    a: str,
    b: str,
    *,
    year: int | None = None,
    basket: str | None = None,
    store: str | Path | None = None,
    sample: bool | None = None,
    engine: str | None = None,
    params: PartnershipParams | None = None,
) -> Partnership:
    """Partnership analysis of countries ``a`` and ``b`` (ISO3 codes or names).

    Parameters
    ----------
    a, b
        The two countries.
    year
        The year analysed; default: the latest year in which the data show both
        countries exporting to at least half as many partners as in their best-covered
        year, and the flows of either linking at least half as many country pairs (so a
        year holding only a partial source is not taken for a full one).
    basket
        Restrict every section to one strategic basket (``ecosec baskets``); default:
        all products, with an overview row per basket.
    store, sample, engine
        As for every API function (the store, else the embedded sample; DuckDB or Spark).
    params
        Thresholds (:class:`ecosec.engine.partnership.PartnershipParams`).

    Returns
    -------
    Partnership
        Seven sections (eight tables: section 1 has an overview and a product table).

    Raises
    ------
    ecosec.errors.UnknownCountry, ecosec.errors.UnknownBasket
        For names that are not known; the message lists close ones.
    ecosec.errors.NoData
        When the data hold nothing for the pair or the year; the message lists the years.
    """
    ca, cb = resolve_pair(a, b)
    bname = refdata.basket(basket).name if basket else None
    catalog = open_catalog(store, sample=sample)
    ctx = Context.build(catalog, ca, cb, year=year, basket=bname, engine=engine, p=params)
    tables, verdicts, notes, years, sources = compute(ctx)
    sections = tuple(
        Section(
            name=spec.name,
            title=spec.title,
            table=tables[spec.name],
            units=spec.units,
            years=years[spec.name],
            source=sources_label(catalog, sources[spec.name]),
            verdicts=verdicts[spec.name],
            notes=notes[spec.name],
        )
        for spec in SECTIONS
    )
    return Partnership(ca, cb, ctx.year, bname, sections, ctx.p)


__all__ = [
    "SECTIONS",
    "SECTION_NAMES",
    "Partnership",
    "PartnershipParams",
    "Section",
    "SectionName",
    "SectionSpec",
    "partnership",
    "resolve_pair",
]
