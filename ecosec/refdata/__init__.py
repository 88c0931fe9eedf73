"""Reference data shipped with ecosec: countries, groups, baskets, HS descriptions.

Every table is read from files inside this package (``importlib.resources``), once
per process, so ecosec resolves names offline. Sources and caveats of each file are
in ``README.md`` beside them; ``scripts/build_refdata.py`` rebuilds the generated ones.

Countries
    :func:`countries`, :func:`country_aliases`, :func:`numeric_to_code`,
    :func:`country_name`, :func:`resolve_country`
Groups
    :class:`Group`, :func:`groups`, :func:`find_group`, :func:`resolve_countries`
Baskets
    :class:`Basket`, :class:`BasketCode`, :func:`baskets`, :func:`basket`,
    :func:`basket_codes`
HS codes
    :func:`normalize_hs`, :func:`hs_descriptions`, :func:`hs_description`

>>> resolve_countries("CHIP4")
('USA', 'JPN', 'KOR', 'S19')
>>> [country_name(c) for c in resolve_countries("CHIP4")]
['USA', 'Japan', 'Korea', 'Taiwan']
"""

from __future__ import annotations

from ecosec.refdata._baskets import Basket, BasketCode, basket, basket_codes, baskets
from ecosec.refdata._countries import (
    countries,
    country_aliases,
    country_name,
    numeric_to_code,
    resolve_country,
)
from ecosec.refdata._groups import Group, find_group, groups, resolve_countries
from ecosec.refdata._hs import hs_description, hs_descriptions, normalize_hs

__all__ = [
    "Basket",
    "BasketCode",
    "Group",
    "basket",
    "basket_codes",
    "baskets",
    "countries",
    "country_aliases",
    "country_name",
    "find_group",
    "groups",
    "hs_description",
    "hs_descriptions",
    "normalize_hs",
    "numeric_to_code",
    "resolve_countries",
    "resolve_country",
]
