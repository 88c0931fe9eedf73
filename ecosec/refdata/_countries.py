"""Countries: BACI's country table, display names and aliases for user input."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

import pandas as pd

from ecosec.errors import UnknownCountry, closest
from ecosec.refdata._files import read_csv

# BACI marks former entities "(...1998)"; some share a code with the current one
# (58 Belgium-Luxembourg and 56 Belgium are both BEL), which must win for names.
_HISTORICAL = re.compile(r"\(\.\.\.\d{4}\)")

LIST_HINT = "run `ecosec countries` to list every code and name"


@lru_cache(maxsize=1)
def _countries() -> pd.DataFrame:
    return read_csv(
        "countries.csv",
        dtype={"code": str, "numeric": int, "name": str, "iso2": str, "short_name": str},
    )


@lru_cache(maxsize=1)
def _aliases() -> pd.DataFrame:
    return read_csv("country_aliases.csv", dtype={"alias": str, "code": str, "source": str})


def countries() -> pd.DataFrame:
    """BACI's country table with a display name.

    Returns
    -------
    pandas.DataFrame
        One row per BACI numeric code (238 rows, former entities included), columns
        ``code`` (ISO3, or BACI's own code such as ``S19`` for Taiwan), ``numeric``
        (int), ``name`` (BACI's name), ``iso2`` (empty where BACI has none) and
        ``short_name`` (display name). ``code`` repeats for former entities that
        BACI codes like their successor (BEL, DEU, SDN). Source: CEPII BACI V202601.

    Examples
    --------
    >>> df = countries()
    >>> df.loc[df["numeric"] == 490, ["code", "name", "short_name"]].values.tolist()
    [['S19', 'Other Asia, nes', 'Taiwan']]
    """
    return _countries().copy()


def country_aliases() -> pd.DataFrame:
    """Other names and codes accepted for countries, with where each was seen.

    Returns
    -------
    pandas.DataFrame
        Columns ``alias``, ``code`` and ``source`` (``;``-separated: ``customs-KR`` for
        the Korea Customs Service partner names, ``comtrade`` for UN Comtrade legacy
        names and numeric codes, ``common`` for everyday English names and codes).

    Examples
    --------
    >>> a = country_aliases()
    >>> a.loc[a["alias"] == "Rumania", "code"].item()
    'ROU'
    """
    return _aliases().copy()


@lru_cache(maxsize=1)
def _numeric() -> dict[int, str]:
    df = _countries()
    return dict(zip(df["numeric"].astype(int), df["code"], strict=True))


def numeric_to_code() -> dict[int, str]:
    """Map BACI numeric country codes to ecosec codes.

    Former entities map to their successor's code where BACI does so (58 → BEL).

    Examples
    --------
    >>> m = numeric_to_code()
    >>> m[490], m[842], m[251], m[757]
    ('S19', 'USA', 'FRA', 'CHE')
    """
    return dict(_numeric())


@lru_cache(maxsize=1)
def _current() -> dict[str, str]:
    """code → short_name, the current entity winning over a former one."""
    out: dict[str, str] = {}
    df = _countries()
    for code, name, short in zip(df["code"], df["name"], df["short_name"], strict=True):
        if code not in out or not _HISTORICAL.search(name):
            out[code] = short
    return out


def country_name(code: str) -> str:
    """Display name of a country code, or the code itself when it is unknown.

    Examples
    --------
    >>> country_name("S19"), country_name("KOR"), country_name("XYZ")
    ('Taiwan', 'Korea', 'XYZ')
    """
    names = _current()
    return names.get(code, names.get(code.strip().upper(), code))


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Case-folded code, numeric code, alias or name → code (codes win over names)."""
    df = _countries()
    index: dict[str, str] = {}
    for code in df["code"]:
        index.setdefault(code.casefold(), code)
    for num, code in _numeric().items():
        index.setdefault(str(num), code)
    aliases = _aliases()
    for alias, code in zip(aliases["alias"], aliases["code"], strict=True):
        index.setdefault(alias.casefold(), code)
    current = ~df["name"].str.contains(_HISTORICAL)
    for col in ("short_name", "name"):
        for name, code in zip(df.loc[current, col], df.loc[current, "code"], strict=True):
            index.setdefault(name.casefold(), code)
    for name, code in zip(df["name"], df["code"], strict=True):
        index.setdefault(name.casefold(), code)
    return index


def unknown_country_message(text: str, extra: str = "") -> str:
    """The message of :class:`UnknownCountry`: near codes, near names, what to run."""
    codes = sorted(_current())
    near_names: list[str] = []
    index = _index()
    words = [k for k in index if not k.isdigit() and len(k) > 3]
    for key in difflib.get_close_matches(text.strip().casefold(), words, n=3, cutoff=0.75):
        label = f"{country_name(index[key])} ({index[key]})"
        if label not in near_names:
            near_names.append(label)
    by_name = f"; by name: {', '.join(near_names)}" if near_names else ""
    return (
        f"unknown country {text!r} ({closest(text.strip().upper(), codes)}{by_name}). "
        f"Give an ISO3 code, BACI code, numeric code or name{extra}; {LIST_HINT}."
    )


def resolve_country(text: str) -> str:
    """The ecosec code of one country given by code, number, alias or name.

    Parameters
    ----------
    text
        An ISO3 code in any case (``kor``), a BACI code (``S19``), a numeric code
        (``"410"``), an alias (``TWN``, ``Taiwan``, ``SouthAfrica``) or an exact name
        (``Rep. of Korea``, ``Korea``), case-insensitive.

    Returns
    -------
    str
        The code used in the data: ISO3, or BACI's own code for non-ISO entries.

    Raises
    ------
    ecosec.errors.UnknownCountry
        When nothing matches; the message lists close matches.

    Examples
    --------
    >>> resolve_country("twn"), resolve_country("410"), resolve_country("HongKong")
    ('S19', 'KOR', 'HKG')
    """
    key = text.strip()
    if not key:
        raise UnknownCountry(f"no country given; give an ISO3 code such as KOR; {LIST_HINT}")
    if key.isascii() and key.isdigit():
        key = str(int(key))
    code = _index().get(key.casefold())
    if code is None:
        raise UnknownCountry(unknown_country_message(text))
    return code
