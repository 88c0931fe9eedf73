"""Country groups (EU27, G7, IPEF, MSP, CHIP4, ASEAN, OECD, QUAD) and list parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ecosec.errors import UnknownCountry
from ecosec.refdata._countries import resolve_country, unknown_country_message
from ecosec.refdata._files import read_toml

# Spellings of group names people type that are not the key itself.
_GROUP_ALIASES = {"EU": "EU27"}


@dataclass(frozen=True)
class Group:
    """A named group of countries, with the date and source of its membership list.

    Attributes
    ----------
    name
        Upper-case key, e.g. ``"EU27"``.
    title
        Full name of the group.
    members
        Country codes as in :func:`ecosec.refdata.countries` (Taiwan is ``S19``).
    as_of
        ISO date of the last membership change the list reflects.
    checked
        ISO date the list was compiled.
    source
        The body's own membership page or announcement.
    note
        What the list includes or leaves out (e.g. the EU as a non-country partner).
    """

    name: str
    title: str
    members: tuple[str, ...]
    as_of: str
    checked: str
    source: str
    note: str


@lru_cache(maxsize=1)
def _groups() -> dict[str, Group]:
    raw = read_toml("groups.toml")
    return {
        name.upper(): Group(
            name=name.upper(),
            title=g["title"],
            members=tuple(g["members"]),
            as_of=g["as_of"],
            checked=g["checked"],
            source=g["source"],
            note=g["note"],
        )
        for name, g in raw.items()
    }


def groups() -> dict[str, Group]:
    """All country groups, keyed by upper-case name.

    Examples
    --------
    >>> g = groups()
    >>> sorted(g)
    ['ASEAN', 'CHIP4', 'EU27', 'G7', 'IPEF', 'MSP', 'OECD', 'QUAD']
    >>> g["CHIP4"].members
    ('USA', 'JPN', 'KOR', 'S19')
    """
    return dict(_groups())


def _group_key(text: str) -> str:
    key = re.sub(r"[\s_-]+", "", text).upper()
    return _GROUP_ALIASES.get(key, key)


def find_group(text: str) -> Group | None:
    """The group ``text`` names, as :func:`resolve_countries` reads group names
    (case, spaces and hyphens ignored; ``EU`` means EU27), or None.

    Examples
    --------
    >>> find_group("eu").name, find_group("Chip-4").name, find_group("KOR")
    ('EU27', 'CHIP4', None)
    """
    return _groups().get(_group_key(text.strip()))


def resolve_countries(text: str) -> tuple[str, ...]:
    """Country codes from one country, a group, or a comma-separated list of both.

    Parameters
    ----------
    text
        For example ``"KOR"``, ``"g7"``, ``"CHIP4, CHN, Taiwan"``. Group names are
        case-insensitive (``chip-4`` and ``Chip 4`` work too; ``EU`` means EU27);
        countries are resolved by :func:`resolve_country`.

    Returns
    -------
    tuple of str
        Codes in the order given, group members in the group's order, each code once.

    Raises
    ------
    ecosec.errors.UnknownCountry
        When a part is neither a country nor a group, or nothing is given.

    Examples
    --------
    >>> resolve_countries("CHIP4, CHN, Taiwan")
    ('USA', 'JPN', 'KOR', 'S19', 'CHN')
    >>> resolve_countries("quad,g7")
    ('AUS', 'IND', 'JPN', 'USA', 'CAN', 'FRA', 'DEU', 'ITA', 'GBR')
    """
    table = _groups()
    out: dict[str, None] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        group = table.get(_group_key(part))
        if group is not None:
            out.update(dict.fromkeys(group.members))
            continue
        try:
            out[resolve_country(part)] = None
        except UnknownCountry:
            extra = f", or a group ({', '.join(table)})"
            raise UnknownCountry(unknown_country_message(part, extra)) from None
    if not out:
        raise UnknownCountry(
            f"no country or group given in {text!r}; give codes or groups separated by "
            f"commas, e.g. 'KOR, JPN' or 'CHIP4' (groups: {', '.join(table)})"
        )
    return tuple(out)
