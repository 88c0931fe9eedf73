"""HS codes: normalisation of user and source input, and descriptions."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from ecosec.errors import UnknownProduct
from ecosec.refdata._files import read_csv

_EXAMPLES = "such as 85, 8542, 854232 or 010121"


def normalize_hs(code: str | int) -> str:
    """An HS chapter, heading or subheading as a 2-, 4- or 6-character string.

    Strips spaces and dots (``"8542.32"``) and restores a leading zero that an
    integer column dropped: BACI writes product 010121 as ``10121``.

    Parameters
    ----------
    code
        The code as text or as an integer.

    Returns
    -------
    str
        2, 4 or 6 digits.

    Raises
    ------
    ecosec.errors.UnknownProduct
        When the code is not numeric or not 2, 4 or 6 digits long (national tariff
        lines of 8 or 10 digits included: use their first six digits).

    Examples
    --------
    >>> normalize_hs(10121), normalize_hs("8542.32"), normalize_hs(" 2811 11 ")
    ('010121', '854232', '281111')
    """
    if isinstance(code, bool) or not isinstance(code, str | int):
        raise UnknownProduct(
            f"HS code {code!r} is not a string or integer; give digits {_EXAMPLES}"
        )
    text = str(code) if isinstance(code, int) else re.sub(r"[\s.]", "", code)
    if not re.fullmatch(r"[0-9]+", text):
        raise UnknownProduct(f"HS code {code!r} is not made of digits; give a code {_EXAMPLES}")
    if len(text) % 2 == 1 and len(text) < 6:
        text = "0" + text
    if len(text) not in (2, 4, 6):
        hint = (
            f"; national tariff lines are not used, take the first six digits ({text[:6]})"
            if len(text) > 6
            else ""
        )
        raise UnknownProduct(
            f"HS code {code!r} has {len(text)} digits; give a 2-digit chapter, 4-digit "
            f"heading or 6-digit subheading {_EXAMPLES}{hint}"
        )
    if text.startswith("00"):
        raise UnknownProduct(f"HS code {code!r} has no chapter (00); give a code {_EXAMPLES}")
    return text


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    return read_csv(
        "hs_descriptions.csv.gz",
        dtype={"hs": str, "level": int, "description": str, "section": str, "rev": str},
    )


@lru_cache(maxsize=1)
def _by_code() -> dict[str, str]:
    df = _table()
    return dict(zip(df["hs"], df["description"], strict=True))


def hs_descriptions() -> pd.DataFrame:
    """Descriptions of HS chapters, headings and subheadings.

    Returns
    -------
    pandas.DataFrame
        Columns ``hs`` (2, 4 or 6 digits), ``level`` (2, 4 or 6), ``description``,
        ``section`` (Roman numeral, empty for 99 'not specified') and ``rev``:
        ``HS22`` for the HS 2022 nomenclature (WCO, via datasets/harmonized-system),
        ``HS17`` for HS 2017 subheadings that HS 2022 deleted (UN Comtrade text;
        only those seen in Korea's imports from Japan 2018-2020).

    Examples
    --------
    >>> df = hs_descriptions()
    >>> df.loc[df["hs"] == "854140", ["level", "section", "rev"]].values.tolist()
    [[6, 'XVI', 'HS17']]
    """
    return _table().copy()


def hs_description(code: str | int) -> str | None:
    """Description of an HS code, falling back to its heading, then its chapter.

    Parameters
    ----------
    code
        Anything :func:`normalize_hs` accepts.

    Returns
    -------
    str or None
        The code's own description; else its heading's prefixed ``(heading) ``; else
        its chapter's prefixed ``(chapter) ``; None when none is known.

    Examples
    --------
    >>> hs_description(854232)
    'Electronic integrated circuits; memories'
    >>> hs_description("854299")  # no such subheading: its heading
    '(heading) Electronic integrated circuits'
    """
    hs = normalize_hs(code)
    table = _by_code()
    if hs in table:
        return table[hs]
    for size, prefix in ((4, "(heading) "), (2, "(chapter) ")):
        if len(hs) > size and hs[:size] in table:
            return prefix + table[hs[:size]]
    return None
