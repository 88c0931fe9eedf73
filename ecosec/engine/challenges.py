"""Common challenges of two partners: population ageing and fossil-energy import dependence.

Section 6 of a partnership. The figures are not trade flows: they come from two
context tables shipped with the embedded sample (``ecosec/sample/context.json``
names them), built by ``scripts/build_sample.py``:

- ``population.parquet``: UN DESA, World Population Prospects 2022 — population and
  the number aged 65 and over per country; estimates to 2021, medium variant from 2022
  (every fifth year 1950–2100 and every year 2015–2030). ``share_65plus`` is
  ``pop_65plus / pop_total``.
- ``energy_balance.parquet``: BP Statistical Review of World Energy 2021 (via Our World
  in Data) — production and consumption of oil, gas and coal in TWh, 1965–2020, and
  net import dependence ``(consumption − production) / consumption`` per fuel and for
  the three together (``fossil``); 1 means everything is imported, below 0 a net
  exporter (IEA's usual definition of import dependency, on BP's primary-energy data).

These tables are read from the package whatever store is in use: they describe the
countries, not the trade data loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from ecosec.engine.executor import sample_dir

CHALLENGE_COLUMNS = ["country", "indicator", "year", "value", "unit", "basis", "source"]
FUELS = ("fossil", "oil", "gas", "coal")
HORIZONS = (2030, 2050)
ENERGY_COLUMNS = (
    "country", "year", "fuel", "production_twh", "consumption_twh", "net_import_dependence",
    "production_listed",
)  # fmt: skip

POPULATION_SOURCE = "UN DESA, World Population Prospects 2022 (CC BY 3.0 IGO)"
ENERGY_SOURCE = "BP Statistical Review of World Energy 2021, via Our World in Data"


@lru_cache(maxsize=1)
def population_table() -> pd.DataFrame:
    """The sample's population table (empty with the right columns when it is absent)."""
    path = sample_dir() / "population.parquet"
    if not path.exists():
        return pd.DataFrame(
            columns=["country", "year", "pop_total", "pop_65plus", "share_65plus", "variant"]
        )
    return pd.read_parquet(path)


@lru_cache(maxsize=1)
def energy_table() -> pd.DataFrame:
    """The sample's energy-balance table (empty with the right columns when absent)."""
    path = sample_dir() / "energy_balance.parquet"
    if not path.exists():
        return pd.DataFrame(columns=[*ENERGY_COLUMNS])
    return pd.read_parquet(path)


def _nearest(years: pd.Series, year: int) -> int:
    """The year of ``years`` closest to ``year`` (the earlier one on a tie)."""
    values = sorted(int(y) for y in years.unique())
    return min(values, key=lambda y: (abs(y - year), y))


def challenges(
    countries: Sequence[str], *, year: int, horizons: Sequence[int] = HORIZONS
) -> pd.DataFrame:
    """Ageing and fossil-energy dependence of each country, now and projected.

    One row per (country, indicator, year): ``share_65plus`` at ``year`` (or the nearest
    year in the table) and at each horizon after it, ``pop_total`` at ``year``,
    ``net_import_dependence`` per fuel and ``consumption_twh`` (fossil) at the latest
    year of the energy table up to ``year``. Columns :data:`CHALLENGE_COLUMNS`;
    ``unit`` says ``share`` (0–1), ``persons`` or ``TWh``; ``basis`` says estimate,
    medium-variant projection, or which production figure BP lists.

    >>> c = challenges(["KOR"], year=2024)
    >>> row = c[(c["indicator"] == "share_65plus") & (c["year"] == 2050)].iloc[0]
    >>> round(float(row["value"]), 3), row["basis"]
    (0.394, 'UN medium-variant projection')
    """
    pop = population_table()
    energy = energy_table()
    rows: list[dict[str, object]] = []
    for country in countries:
        p = pop[pop["country"] == country]
        if len(p):
            now = _nearest(p["year"], year)
            for y in [now, *(h for h in horizons if h > now)]:
                r = p[p["year"] == y]
                if r.empty:
                    continue
                first = r.iloc[0]
                basis = (
                    "UN estimate"
                    if first["variant"] == "estimates"
                    else "UN medium-variant projection"
                )
                rows.append(_row(country, "share_65plus", y, first["share_65plus"], "share", basis))
                if y == now:
                    rows.append(_row(country, "pop_total", y, first["pop_total"], "persons", basis))
        e = energy[(energy["country"] == country) & (energy["year"] <= year)]
        if e.empty:
            e = energy[energy["country"] == country]
        if len(e):
            latest = int(e["year"].max())
            for fuel in FUELS:
                r = e[(e["year"] == latest) & (e["fuel"] == fuel)]
                if r.empty:
                    continue
                first = r.iloc[0]
                basis = (
                    "BP production and consumption"
                    if bool(first["production_listed"])
                    else "production not listed by BP, taken as zero"
                )
                rows.append(
                    _row(
                        country,
                        f"net_import_dependence_{fuel}",
                        latest,
                        first["net_import_dependence"],
                        "share",
                        basis,
                        source=ENERGY_SOURCE,
                    )
                )
                if fuel == "fossil":
                    rows.append(
                        _row(
                            country,
                            "fossil_consumption_twh",
                            latest,
                            first["consumption_twh"],
                            "TWh",
                            "BP primary energy consumption (oil, gas, coal)",
                            source=ENERGY_SOURCE,
                        )
                    )
    df = pd.DataFrame(rows, columns=CHALLENGE_COLUMNS)
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df


def _row(
    country: str,
    indicator: str,
    year: int,
    value: object,
    unit: str,
    basis: str,
    *,
    source: str = POPULATION_SOURCE,
) -> dict[str, object]:
    return {
        "country": country,
        "indicator": indicator,
        "year": int(year),
        "value": float(value),  # type: ignore[arg-type]
        "unit": unit,
        "basis": basis,
        "source": source,
    }
