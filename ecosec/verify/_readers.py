"""An independent reader of UN Comtrade CSV and of the Korea customs table (``kr-monthly``).

It applies the documented keep/drop rules of ingest (:mod:`ecosec.ingest.comtrade`,
:mod:`ecosec.ingest.customs`) with Python's ``csv`` module and ``openpyxl``, without
calling ingest's readers, so that ``verify --deep`` compares two independent readings.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ecosec import refdata

# One record per source row kept: (table, period, freq, a, b, hs, hs_rev, side, value_usd)
# with a, b = exporter, importer for table 'flows'; reporter, partner ('' for World) for
# table 'totals'. Column names are UN Comtrade's (legacy bulk, comtradeplus).
Record = tuple[str, int, str, str, str, str, str, str, float | None]

_CT_COLUMNS: dict[str, tuple[str | None, str]] = {
    "cls": ("Classification", "classificationCode"),
    "period": ("Period", "period"),
    "freq": (None, "freqCode"),
    "type": (None, "typeCode"),
    "flow": ("Trade Flow Code", "flowCode"),
    "reporter": ("Reporter Code", "reporterCode"),
    "reporter_iso": ("Reporter ISO", "reporterISO"),
    "partner": ("Partner Code", "partnerCode"),
    "partner_iso": ("Partner ISO", "partnerISO"),
    "partner2": ("2nd Partner Code", "partner2Code"),
    "customs": ("Customs Proc. Code", "customsCode"),
    "mot": ("Mode of Transport Code", "motCode"),
    "cmd": ("Commodity Code", "cmdCode"),
    "aggr": ("Aggregate Level", "aggrLevel"),
    "value": ("Trade Value (US$)", "primaryValue"),
}
# A row whose breakdown column holds anything else is a part of another row's total.
_TOTAL_OF_BREAKDOWN = {
    "partner2": {"", "0"}, "customs": {"", "C00"}, "mot": {"", "0"}, "type": {"", "C"},
}  # fmt: skip
_SIDE = {"1": "M", "M": "M", "IMPORT": "M", "2": "X", "X": "X", "EXPORT": "X"}
_HS_REV = {"H0": "HS92", "H1": "HS96", "H2": "HS02", "H3": "HS07", "H4": "HS12", "H5": "HS17",
           "H6": "HS22"}  # fmt: skip


def _number(text: Any, kind: type[int] | type[float] = float) -> Any:
    try:
        return None if text is None or str(text).strip() == "" else kind(text)
    except ValueError:
        return None


def _comtrade_records(path: Path, encoding: str, n: Counter[str]) -> Iterator[Record]:
    """The rows of a UN Comtrade CSV that ingest keeps, by the documented rules
    (:mod:`ecosec.ingest.comtrade`), counting every row dropped or sent to totals."""
    countries, aliases = refdata.countries(), refdata.country_aliases()
    by_number = dict(zip(countries["numeric"].astype(int), countries["code"], strict=True))
    by_code = {c.upper(): c for c in countries["code"]}
    for alias, code in zip(aliases["alias"], aliases["code"], strict=True):
        by_code.setdefault(alias.upper(), code)

    def country(number: str, iso: str) -> str | None:
        num = _number(number, int)
        return by_number[num] if num in by_number else by_code.get(iso.upper())

    with path.open(encoding=encoding, newline="") as f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows)]
        names = {k: v[1 if "primaryValue" in header else 0] for k, v in _CT_COLUMNS.items()}
        idx = {k: header.index(v) for k, v in names.items() if v and v in header}
        for raw in rows:
            if not any(raw):
                continue
            cell = {k: (raw[i].strip(" ") if i < len(raw) else "") for k, i in _all(idx)}
            n["read"] += 1
            if any(cell[k] not in ok for k, ok in _TOTAL_OF_BREAKDOWN.items()):
                n["dropped: breakdown (2nd partner, procedure, transport, type)"] += 1
                continue
            side = _SIDE.get(cell["flow"].upper())
            reporter = country(cell["reporter"], cell["reporter_iso"])
            world = cell["partner"] == "0" or cell["partner_iso"].upper() in ("WLD", "W00")
            partner = "" if world else country(cell["partner"], cell["partner_iso"])
            digits = re.sub(r"[^0-9]", "", cell["cmd"])
            level = _number(cell["aggr"], int)
            if level in (2, 4, 6):
                hs = digits.rjust(level, "0")
            else:
                hs = "0" + digits if len(digits) in (1, 3, 5) else digits
            period, value = _number(cell["period"], int), _number(cell["value"])
            monthly = len(cell["period"]) == 6
            freq = cell["freq"] if cell["freq"] in ("A", "M") else ("M" if monthly else "A")
            rev = _HS_REV.get(cell["cls"].upper(), "HS")
            if side is None:
                n["dropped: re-export/re-import"] += 1
            elif reporter is None:
                n["dropped: reporter not a country"] += 1
            elif partner is None:
                n["dropped: aggregate partner (areas n.e.s. …)"] += 1
            elif len(hs) not in (2, 4, 6):
                n["dropped: code not HS2/4/6"] += 1
            elif period is None or value is None or value < 0:
                n["dropped: period or value unreadable"] += 1
            elif world or len(hs) < 6:
                n["to totals (partner World)" if world else "to totals (HS2/HS4)"] += 1
                yield ("totals", period, freq, reporter, partner, hs, "", side, value)
            elif reporter == partner:
                n["dropped: reporter = partner"] += 1
            else:
                n["to flows"] += 1
                a, b = (partner, reporter) if side == "M" else (reporter, partner)
                yield ("flows", period, freq, a, b, hs, rev, side, value)


def _all(idx: dict[str, int]) -> list[tuple[str, int]]:
    """Every Comtrade field with its column (past the row's end, so read as empty, when
    the layout lacks it)."""
    return [(k, idx.get(k, 1 << 30)) for k in _CT_COLUMNS]


_KR = ("Item", "Country", "Year", "Month", "Export_dollar", "Export_weight", "Import_dollar",
       "Import_weight")  # fmt: skip


def _kr_customs_records(path: Path, encoding: str, n: Counter[str]) -> Iterator[Record]:
    """The Korea customs table (``kr-monthly``) as flows: imports partner → KOR, exports
    KOR → partner, one per side with a positive value or weight, HS10 items cut to HS6."""
    key = re.compile(r"[^a-z0-9]")
    names: dict[str, str] = {}
    aliases, countries = refdata.country_aliases(), refdata.countries()
    for name, code in [
        *zip(aliases["alias"], aliases["code"], strict=True),
        *zip(countries["name"], countries["code"], strict=True),
        *zip(countries["code"], countries["code"], strict=True),
    ]:
        names.setdefault(key.sub("", name.lower()), code)
    for row in _table_rows(path, encoding):
        item, name, year, month, xv, xq, mv, mq = row
        name = "" if name is None else str(name).strip()
        if item is None and not name:
            continue  # a blank line
        code = names.get(key.sub("", name.lower()))
        n["read"] += 1
        if not name or code == "KOR" or code is None:
            n["dropped: empty country" if not name else f"dropped: country {code or name}"] += 1
            continue
        y, m = _number(year), _number(month)
        if y is None or m is None:
            n["dropped: year or month unreadable"] += 1
            continue
        period, hs6 = int(y) * 100 + int(m), re.sub(r"[^0-9]", "", str(item))[:6]
        for side, value, kg in (("M", _number(mv), _number(mq)), ("X", _number(xv), _number(xq))):
            if (value or 0) > 0 or (kg or 0) > 0:
                n[f"to flows ({'imports' if side == 'M' else 'exports'})"] += 1
                a, b = (code, "KOR") if side == "M" else ("KOR", code)
                yield ("flows", period, "M", a, b, hs6, "HS", side, value)


def _table_rows(path: Path, encoding: str) -> Iterator[list[Any]]:
    """The ``_KR`` columns of every row of the first sheet of a workbook, or of a CSV."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            yield from _columns(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
    else:
        with path.open(encoding=encoding, newline="") as f:
            yield from _columns(csv.reader(f))


def _columns(rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
    it = iter(rows)
    header = [str(h).strip() if h is not None else "" for h in next(it)]
    idx = [header.index(c) for c in _KR]
    for raw in it:
        row = list(raw)
        yield [row[i] if i < len(row) else None for i in idx]
