"""Strategic baskets of HS 2017 six-digit codes, each code with a caveat and source."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ecosec.errors import UnknownBasket, closest
from ecosec.refdata._files import read_toml


@dataclass(frozen=True)
class BasketCode:
    """One HS6 code of a basket.

    Attributes
    ----------
    hs6
        Six-digit HS 2017 code, zero-padded.
    label
        What the code stands for in this basket.
    caveat
        What the code misses or mixes in (empty when nothing worth saying).
    source
        Why the code is in the basket, and where that comes from.
    confidence
        How well the code stands for the product: ``exact``, ``dominant`` (the
        product is most of the code's trade) or ``proxy`` (broader or narrower).
    """

    hs6: str
    label: str
    caveat: str
    source: str
    confidence: str


@dataclass(frozen=True)
class Basket:
    """A strategic basket: its name, description, source and codes."""

    name: str
    title: str
    description: str
    source: str
    codes: tuple[BasketCode, ...]


@lru_cache(maxsize=1)
def _baskets() -> dict[str, Basket]:
    raw = read_toml("baskets.toml")
    return {
        name: Basket(
            name=name,
            title=b["title"],
            description=b["description"],
            source=b["source"],
            codes=tuple(
                BasketCode(
                    hs6=c["hs6"],
                    label=c["label"],
                    caveat=c["caveat"],
                    source=c["source"],
                    confidence=c["confidence"],
                )
                for c in b["codes"]
            ),
        )
        for name, b in raw.items()
    }


def baskets() -> dict[str, Basket]:
    """All strategic baskets, keyed by name.

    Examples
    --------
    >>> list(baskets())
    ['semiconductors', 'batteries', 'critical-minerals', 'energy', 'fertilizers']
    >>> first = baskets()["semiconductors"].codes[0]
    >>> first.hs6, first.label, first.confidence
    ('848610', 'Machines for making boules or wafers', 'exact')
    """
    return dict(_baskets())


def basket(name: str) -> Basket:
    """One basket by name (case-insensitive; ``critical_minerals`` works too).

    Raises
    ------
    ecosec.errors.UnknownBasket
        When no basket has that name; the message lists the names.

    Examples
    --------
    >>> basket("Critical_Minerals").title
    'Critical minerals: ores, concentrates and refined forms'
    """
    table = _baskets()
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key not in table:
        raise UnknownBasket(f"unknown basket {name!r}: {closest(key, list(table))}")
    return table[key]


def basket_codes(name: str) -> tuple[str, ...]:
    """The HS6 codes of a basket, in the basket's order.

    Examples
    --------
    >>> basket_codes("fertilizers")[:3]
    ('310210', '281410', '310420')
    """
    return tuple(c.hs6 for c in basket(name).codes)
