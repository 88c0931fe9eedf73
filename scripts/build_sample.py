"""Build the embedded sample dataset (ecosec/sample/) from the real data in ../shared/data.

Run from the repository root::

    python scripts/build_sample.py [--shared ../shared/data]

Every figure carries over from the source files; the script only maps them to the
canonical tables (USD, tonnes, ISO3/BACI codes, zero-padded HS6). Parts that have a
format ecosec ingests (the Korea customs workbook, the Comtrade legacy CSVs) go
through the real ingest code, so the sample is also a check of it. Nothing at run
time or test time reads ../shared: the package ships the Parquet files this writes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecosec import refdata  # noqa: E402
from ecosec.errors import UnknownCountry  # noqa: E402
from ecosec.ingest._common import describe  # noqa: E402
from ecosec.ingest.comtrade import ingest_comtrade  # noqa: E402
from ecosec.ingest.customs import ingest_customs  # noqa: E402
from ecosec.ingest.schema import FLOWS_COLUMNS, TOTALS_COLUMNS  # noqa: E402
from ecosec.ingest.store import Staging, Store  # noqa: E402

OUT = ROOT / "ecosec" / "sample"
BACI_ATTR = (
    "CEPII BACI HS17 V202601 (built from UN Comtrade; Etalab Open Licence 2.0, credit CEPII)"
)


def _codes() -> set[str]:
    return set(refdata.countries()["code"])


def _fix_country(s: pd.Series) -> pd.Series:
    """ISO3 as sources write it → ecosec's codes (TWN → S19, BACI's code for Taiwan)."""
    aliases = refdata.country_aliases()
    amap = {a.upper(): c for a, c in zip(aliases["alias"], aliases["code"], strict=True)}
    return s.str.upper().map(lambda x: amap.get(x, x))


def _flows(df: pd.DataFrame, **const: Any) -> pd.DataFrame:
    for k, v in const.items():
        df[k] = v
    df = df[list(FLOWS_COLUMNS)].copy()
    df["period"] = df["period"].astype("int32")
    df["value_usd"] = df["value_usd"].astype("float64")
    df["qty_t"] = df["qty_t"].astype("float64")
    codes = _codes()
    df["exporter"] = _fix_country(df["exporter"])
    df["importer"] = _fix_country(df["importer"])
    bad = ~df["exporter"].isin(codes) | ~df["importer"].isin(codes)
    if bad.any():
        print(
            f"  dropping {int(bad.sum())} rows with codes outside the country table:",
            sorted((set(df.loc[bad, "exporter"]) | set(df.loc[bad, "importer"])) - codes)[:10],
        )
    return df[~bad].reset_index(drop=True)


def _totals(df: pd.DataFrame, **const: Any) -> pd.DataFrame:
    for k, v in const.items():
        df[k] = v
    df = df[list(TOTALS_COLUMNS)].copy()
    df["period"] = df["period"].astype("int32")
    df["country"] = _fix_country(df["country"])
    df["partner"] = _fix_country(df["partner"].astype("string")).astype(object)
    df.loc[df["partner"].isna(), "partner"] = None
    codes = _codes()
    bad = ~df["country"].isin(codes) | (df["partner"].notna() & ~df["partner"].isin(codes))
    if bad.any():
        print(f"  dropping {int(bad.sum())} totals rows with codes outside the country table")
    return df[~bad].reset_index(drop=True)


def baci_critical(
    shared: Path,
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    d = shared / "baci_critical_minerals"
    b24 = pd.read_parquet(d / "baci_hs17_2024_critical.parquet")
    f24 = _flows(
        pd.DataFrame(
            {
                "period": b24["year"],
                "exporter": b24["exporter"],
                "importer": b24["importer"],
                "hs6": b24["hs6"].astype(str).str.zfill(6),
                "value_usd": b24["value_kusd"] * 1000.0,  # thousand USD → USD
                "qty_t": b24["qty_t"],
            }
        ),
        freq="A",
        hs_rev="HS17",
        source="baci",
        reporter_side="R",
    )
    b22 = pd.read_csv(d / "baci_hs17_2022_critical.csv", dtype={"cmd": str}, keep_default_na=False)
    f22 = _flows(
        pd.DataFrame(
            {
                "period": 2022,
                "exporter": b22["i"],
                "importer": b22["j"],
                "hs6": b22["cmd"].str.zfill(6),
                "value_usd": b22["value"].astype(float),  # already USD in this extract
                "qty_t": float("nan"),
            }
        ),
        freq="A",
        hs_rev="HS17",
        source="baci",
        reporter_side="R",
    )
    caveat = (
        "30 HS6 codes chosen for critical minerals (see ecosec baskets critical-minerals); "
        "all exporters and importers. 2022 has no quantities. 811292 mixes Ga, Ge, In, Nb, V."
    )
    return [
        (
            "baci-critical-2024",
            f24,
            None,
            {
                "description": "BACI bilateral flows, 30 critical-mineral HS6 codes, 2024",
                "attribution": BACI_ATTR
                + ", extract published in Varcolacus/critical-materials-atlas",
                "caveat": caveat,
                "kind": "baci",
                "inputs": ["baci_critical_minerals/baci_hs17_2024_critical.parquet"],
            },
        ),
        (
            "baci-critical-2022",
            f22,
            None,
            {
                "description": "BACI bilateral flows, 30 critical-mineral HS6 codes, 2022",
                "attribution": BACI_ATTR
                + ", extract published in Varcolacus/critical-materials-atlas",
                "caveat": caveat,
                "kind": "baci",
                "inputs": ["baci_critical_minerals/baci_hs17_2022_critical.csv"],
            },
        ),
    ]


def baci_hs4(
    shared: Path,
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    d = shared / "baci_hs4_strategic"
    tr = pd.read_csv(d / "country_hs4_trade.csv", dtype={"hs4": str}, keep_default_na=False)
    t1 = pd.DataFrame(
        {
            "period": tr["year"],
            "country": tr["country_iso3"],
            "partner": None,
            "hs": tr["hs4"].str.zfill(4),
            "exports_usd": tr["export_usd"].astype(float),
            "imports_usd": tr["import_usd"].astype(float),
        }
    )
    tp = pd.read_csv(d / "country_hs4_top_partners.csv", dtype={"hs4": str}, keep_default_na=False)
    t2 = pd.DataFrame(
        {
            "period": tp["year"],
            "country": tp["country_iso3"],
            "partner": tp["partner_iso3"],
            "hs": tp["hs4"].str.zfill(4),
            "exports_usd": tp["value_usd"].where(tp["flow"] == "export").astype(float),
            "imports_usd": tp["value_usd"].where(tp["flow"] == "import").astype(float),
        }
    )
    totals = _totals(pd.concat([t1, t2], ignore_index=True), freq="A", source="baci-hs4")
    return [
        (
            "baci-hs4-strategic",
            None,
            totals,
            {
                "description": "BACI country totals for 12 strategic HS4 codes (chips, equipment, "
                "wafers, photoresist, HF, batteries, magnets, rare earths, energy) "
                "with each country's top-10 partners for its dominant flow",
                "attribution": BACI_ATTR + ", aggregated to HS4 in Lucas-Speciale/trade-atlas",
                "caveat": "country totals (partner empty) and partial top-10 partner lists at HS4, "
                "not bilateral HS6; partner values derived from shares",
                "kind": "totals",
                "inputs": [
                    "baci_hs4_strategic/country_hs4_trade.csv",
                    "baci_hs4_strategic/country_hs4_top_partners.csv",
                ],
            },
        ),
    ]


def via_ingest(
    shared: Path, tmp: Path
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    store = Store(tmp / "store")
    kj = shared / "korea_japan"
    r = ingest_customs(
        kj / "korea_customs_monthly_hs10_2000_2021.xlsx", store, preset="kr-monthly", name="customs"
    )
    customs = pd.concat([pd.read_parquet(f) for f in r.dataset.flows_files])
    parts: list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]] = [
        (
            "customs-kr-monthly",
            _flows(customs),
            None,
            {
                "description": "Korea Customs Service monthly imports and exports by partner, "
                "HS10 items summed to HS6 (hydrogen fluoride 281111, photoresist "
                "370790, memory chips 854232, doped wafers 381800, 700231), 2000–2021",
                "attribution": "Korea Customs Service monthly statistics, as published in "
                "HJK91/JapanKoreaTradeConflict",
                "caveat": "each HS6 holds only the HS10 items of the file: " + "; ".join(r.notes),
                "kind": "customs",
                "inputs": ["korea_japan/korea_customs_monthly_hs10_2000_2021.xlsx"],
            },
        ),
    ]
    kjs = []
    notes: list[str] = []
    for year in (2018, 2019, 2020):
        rr = ingest_comtrade(kj / f"KJimport{year}.csv", store, name=f"kj{year}")
        kjs.append(pd.concat([pd.read_parquet(f) for f in rr.dataset.flows_files]))
        notes += [f"{year}: {n}" for n in rr.notes]
    parts.append(
        (
            "comtrade-kor-imports-from-jpn",
            _flows(pd.concat(kjs)),
            None,
            {
                "description": "Korea's imports from Japan, all HS6 codes, 2018–2020 (as Korea reported)",
                "attribution": "UN Comtrade legacy bulk CSV (HS2017), as published in "
                "HJK91/JapanKoreaTradeConflict",
                "caveat": "only Japan as partner: shares of Korea's imports by supplier cannot be "
                "computed from this part alone",
                "kind": "comtrade",
                "inputs": [f"korea_japan/KJimport{y}.csv" for y in (2018, 2019, 2020)],
            },
        )
    )
    return parts


def energy(
    shared: Path,
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    d = shared / "energy_bilateral_2008_2017"
    raw = pd.read_csv(d / "comtrade_ff_trade.csv", comment="#")
    codes = refdata.numeric_to_code()
    raw = raw[raw["Trade_Flow_Code"].isin([1, 2])]  # imports, exports (no re-flows)
    raw = raw.assign(
        reporter=raw["Reporter_Code"].map(codes),
        partner=raw["Partner_Code"].map(lambda c: "WORLD" if c == 0 else codes.get(c)),
        side=raw["Trade_Flow_Code"].map({1: "M", 2: "X"}),
        hs=raw["Commodity_Code"].astype(str).map(lambda c: "270900" if c == "2709" else c),
        value_usd=raw["Value"].astype(float),
        qty_t=raw["Netweight_(kg)"].astype(float) / 1000.0,
    )
    dropped = raw["reporter"].isna() | raw["partner"].isna()
    print(f"  energy: dropping {int(dropped.sum())} rows with aggregate partners or reporters")
    raw = raw[~dropped]
    bil = raw[
        (raw["partner"] != "WORLD")
        & (raw["hs"].str.len() == 6)
        & (raw["reporter"] != raw["partner"])
    ]
    flows = _flows(
        pd.DataFrame(
            {
                "period": bil["Year"],
                "exporter": bil["partner"].where(bil["side"] == "M", bil["reporter"]),
                "importer": bil["reporter"].where(bil["side"] == "M", bil["partner"]),
                "hs6": bil["hs"],
                "value_usd": bil["value_usd"],
                "qty_t": bil["qty_t"],
                "reporter_side": bil["side"],
            }
        ),
        freq="A",
        hs_rev="HS",
        source="comtrade",
    )
    flows = flows.groupby(
        [c for c in FLOWS_COLUMNS if c not in ("value_usd", "qty_t")], as_index=False
    ).agg(value_usd=("value_usd", "sum"), qty_t=("qty_t", lambda s: s.sum(min_count=1)))[
        list(FLOWS_COLUMNS)
    ]
    rest = raw[(raw["partner"] == "WORLD") | (raw["hs"].str.len() != 6)]
    totals = _totals(
        pd.DataFrame(
            {
                "period": rest["Year"],
                "country": rest["reporter"],
                "partner": rest["partner"].where(rest["partner"] != "WORLD"),
                "hs": rest["hs"],
                "exports_usd": rest["value_usd"].where(rest["side"] == "X"),
                "imports_usd": rest["value_usd"].where(rest["side"] == "M"),
            }
        ),
        freq="A",
        source="comtrade",
    )
    totals = totals.groupby(
        ["period", "freq", "country", "partner", "hs", "source"], dropna=False, as_index=False
    ).agg(
        exports_usd=("exports_usd", lambda s: s.sum(min_count=1)),
        imports_usd=("imports_usd", lambda s: s.sum(min_count=1)),
    )[list(TOTALS_COLUMNS)]
    return [
        (
            "comtrade-energy-2008-2017",
            flows,
            totals,
            {
                "description": "Fossil-fuel trade by reporter and partner, both sides' reports: crude oil "
                "270900, LNG 271111, pipeline gas 271121, 271410; coal 2701 (HS4) as totals",
                "attribution": "UN Comtrade, as compiled in the GCAM data system (JGCRI/gcam-core)",
                "caveat": "each flow appears as reported by the importer (M) and by the exporter (X) "
                "where both report; exporters that do not report (e.g. Australia's LNG) appear "
                "only on the importer side; no energy flows after 2017",
                "kind": "comtrade",
                "inputs": ["energy_bilateral_2008_2017/comtrade_ff_trade.csv"],
            },
        )
    ]


LAYER_HS = {
    "lpg_propane": "271112",
    "lpg_butane": "271113",
    "urea": "310210",
    "ammonia": "281410",
    "wheat": "1001",
}


def lpg_fertilizer(
    shared: Path,
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    e = pd.read_csv(
        shared / "lpg_fertilizer_2020_2026" / "trade_yearly_edges.csv", keep_default_na=False
    )
    e = e.assign(hs=e["layer"].map(LAYER_HS))
    assert e["hs"].notna().all(), set(e["layer"])
    six = e[e["hs"].str.len() == 6]
    flows = _flows(
        pd.DataFrame(
            {
                "period": six["refYear"],
                "exporter": six["exporter"],
                "importer": six["importer"],
                "hs6": six["hs"],
                "value_usd": six["value_usd"].astype(float),
                "qty_t": float("nan"),
            }
        ),
        freq="A",
        hs_rev="HS",
        source="comtrade",
        reporter_side="M",
    )
    flows = flows[flows["exporter"] != flows["importer"]]
    four = e[e["hs"].str.len() != 6]
    totals = _totals(
        pd.DataFrame(
            {
                "period": four["refYear"],
                "country": four["importer"],
                "partner": four["exporter"],
                "hs": four["hs"],
                "exports_usd": float("nan"),
                "imports_usd": four["value_usd"].astype(float),
            }
        ),
        freq="A",
        source="comtrade",
    )
    return [
        (
            "comtrade-lpg-fertilizer-2020-2026",
            flows,
            totals,
            {
                "description": "Importer-reported flows of LPG (propane 271112, butane 271113), urea 310210 "
                "and anhydrous ammonia 281410, 2020–2026; wheat (HS4 1001) as partner totals",
                "attribution": "UN Comtrade, as published in laluprasad7/Network-Science-Hormuz-Trade-Network-Analysis",
                "caveat": "importer reports only; 2025 and 2026 are partial years; the source's 'ammonia' "
                "layer is taken as HS 281410 (its world total matches anhydrous ammonia)",
                "kind": "comtrade",
                "inputs": ["lpg_fertilizer_2020_2026/trade_yearly_edges.csv"],
            },
        )
    ]


def monthly_minerals(
    shared: Path,
) -> list[tuple[str, pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]]:
    m = pd.read_parquet(shared / "monthly_critical_minerals" / "flows_2024_2026.parquet")
    m = m[(m["freq"] == "M") & ~m["is_mirror"] & ~m["partner_group"]]
    side = m["flow"].map({"import": "M", "export": "X"})
    flows = _flows(
        pd.DataFrame(
            {
                "period": m["period"],
                "exporter": m["partner"].where(side == "M", m["reporter"]),
                "importer": m["reporter"].where(side == "M", m["partner"]),
                "hs6": m["hs6"],
                "value_usd": m["value_usd"],
                "qty_t": m["qty_kg"] / 1000.0,
                "reporter_side": side,
                "source": m["source"],
            }
        ),
        freq="M",
        hs_rev="HS",
    )
    flows = flows[flows["exporter"] != flows["importer"]]
    flows = flows.groupby(
        [c for c in FLOWS_COLUMNS if c not in ("value_usd", "qty_t")], as_index=False
    ).agg(value_usd=("value_usd", "sum"), qty_t=("qty_t", lambda s: s.sum(min_count=1)))[
        list(FLOWS_COLUMNS)
    ]
    return [
        (
            "monthly-critical-2024-2026",
            flows,
            None,
            {
                "description": "Monthly flows of the critical-mineral HS6 codes, 2024-06 to 2026-07, from "
                "national sources (UN Comtrade, Eurostat, HMRC, US Census, Comex Stat)",
                "attribution": "national statistics offices and UN Comtrade, as published in "
                "Varcolacus/critical-materials-atlas",
                "caveat": "partial reporter coverage; as each reporter declared (importer M / exporter X); "
                "mirror and partner-group rows left out; national 8-digit lines summed to their HS6 "
                "(an HS6 then holds only the lines the source reported)",
                "kind": "monthly",
                "inputs": ["monthly_critical_minerals/flows_2024_2026.parquet"],
            },
        )
    ]


def write_part(
    name: str,
    flows: pd.DataFrame | None,
    totals: pd.DataFrame | None,
    meta: dict[str, Any],
    tmp: Path,
) -> dict[str, Any]:
    staging = Staging(name=name, path=tmp / name)
    staging.path.mkdir(parents=True)
    con = duckdb.connect()
    files: dict[str, list[str]] = {}
    for kind, df, fname in (
        ("flows", flows, f"{name}.flows.parquet"),
        ("totals", totals, f"{name}.totals.parquet"),
    ):
        if df is None or df.empty:
            continue
        con.register("df", df)
        order = "period, importer, exporter, hs6" if kind == "flows" else "period, country, hs"
        target = OUT / fname
        con.execute(
            f"COPY (SELECT * FROM df ORDER BY {order}) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19)"
        )
        con.unregister("df")
        shutil.copy(
            target, staging.path / ("flows.parquet" if kind == "flows" else "totals.parquet")
        )
        files[kind] = [fname]
    stats = describe(staging)
    manifest = {
        "name": name,
        "version": "sample",
        **meta,
        **stats,
        "flows_files": files.get("flows", []),
        "totals_files": files.get("totals", []),
    }
    print(
        f"  {name}: {stats['rows']} flows, {stats['totals_rows']} totals, years {stats.get('years')}"
    )
    return manifest


# Context tables (not trade flows): population ageing and fossil-energy balances, read
# by the partnership analysis (its "common challenges" section). They are listed in
# context.json, which `ecosec sources` reads, and never in manifest.json, whose
# datasets become the `flows` and `totals` views.

WPP_FILES = {
    "estimates": "WPP2022_POP_F02_1_POPULATION_BY_AGE_BOTH_SEXES_ESTIMATES.csv",
    "medium": "WPP2022_POP_F02_1_POPULATION_BY_AGE_BOTH_SEXES_MEDIUM_VARIANT.csv",
}
WPP_ATTR = (
    "UN DESA Population Division, World Population Prospects 2022, file POP/02-1 "
    "(population by five-year age group, both sexes; CC BY 3.0 IGO)"
)
BP_ATTR = (
    "BP Statistical Review of World Energy 2021, as compiled by Our World in Data "
    "(owid/energy-data)"
)
# Years kept: every fifth year 1950-2100, and every year 2015-2030 (now and the
# near projections an analysis quotes), which keeps the table small.
POP_YEARS = sorted(set(range(1950, 2101, 5)) | set(range(2015, 2031)))
OLD_AGE_GROUPS = ["65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95-99", "100+"]
# BP entity names that the country table does not resolve (aggregates are dropped).
BP_NAMES = {"Curacao": "CUW", "Democratic Republic of Congo": "COD"}
BP_FUELS = {
    "oil": ("Oil Production - TWh", "Oil Consumption - TWh"),
    "gas": ("Gas Production - TWh", "Gas Consumption - TWh"),
    "coal": ("Coal Production - TWh", "Coal Consumption - TWh"),
}


def _wpp(path: Path, variant: str) -> pd.DataFrame:
    """One WPP 2022 POP/02-1 CSV: banner rows on top, then a header row starting 'Index'."""
    raw = pd.read_csv(path, header=None, dtype=str, encoding="latin-1", keep_default_na=False)
    header = int(raw.index[raw[0] == "Index"][0])
    df = raw.iloc[header + 1 :].copy()
    df.columns = list(raw.iloc[header])
    df = df[df["Type"] == "Country/Area"]
    ages = [c for c in df.columns if c[:1].isdigit()]
    assert ages[0] == "0-4" and ages[-1] == "100+", ages
    # Thousands, written with spaces as thousands separators ("  341 877").
    values = df[ages].apply(lambda s: pd.to_numeric(s.str.replace(" ", ""), errors="raise"))
    out = pd.DataFrame(
        {
            "iso3": df["ISO3 Alpha-code"].to_numpy(),
            "year": df["Year"].astype(int).to_numpy(),
            "pop_total": values.sum(axis=1).to_numpy() * 1000.0,
            "pop_65plus": values[OLD_AGE_GROUPS].sum(axis=1).to_numpy() * 1000.0,
        }
    )
    out["variant"] = variant
    return out


def population(shared: Path) -> pd.DataFrame:
    d = shared / "population_wpp2022"
    df = pd.concat([_wpp(d / f, v) for v, f in WPP_FILES.items()], ignore_index=True)
    df = df[df["year"].isin(POP_YEARS)]
    df["country"] = _fix_country(df["iso3"])
    codes = _codes()
    bad = ~df["country"].isin(codes)
    print(
        f"  population: dropping {df.loc[bad, 'iso3'].nunique()} areas outside the country "
        f"table: {sorted(df.loc[bad, 'iso3'].unique())[:12]}"
    )
    df = df[~bad]
    df["share_65plus"] = df["pop_65plus"] / df["pop_total"]
    df["year"] = df["year"].astype("int32")
    cols = ["country", "year", "pop_total", "pop_65plus", "share_65plus", "variant"]
    return df[cols].sort_values(["country", "year"]).reset_index(drop=True)


def energy_balance(shared: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared / "energy_bp2021" / "statistical_review_of_world_energy_bp_2021.csv")
    index = dict(BP_NAMES)
    names = raw["Entity"].drop_duplicates()
    for name in names:
        if name not in index:
            # regions, price series, "Other ..." and former states do not resolve
            with contextlib.suppress(UnknownCountry):
                index[name] = refdata.resolve_country(name)
    raw = raw[raw["Entity"].isin(index)]
    frames = []
    for fuel, (prod, cons) in BP_FUELS.items():
        frames.append(
            pd.DataFrame(
                {
                    "country": raw["Entity"].map(index).to_numpy(),
                    "year": raw["Year"].astype(int).to_numpy(),
                    "fuel": fuel,
                    "production_twh": raw[prod].to_numpy(),
                    "consumption_twh": raw[cons].to_numpy(),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df = df[df["consumption_twh"].notna()]
    # BP lists production only for producing countries: an unlisted production is taken
    # as zero, and production_listed says so.
    df["production_listed"] = df["production_twh"].notna()
    df["production_twh"] = df["production_twh"].fillna(0.0)
    fossil = df.groupby(["country", "year"], as_index=False).agg(
        production_twh=("production_twh", "sum"),
        consumption_twh=("consumption_twh", "sum"),
        production_listed=("production_listed", "any"),
        fuels=("fuel", "count"),
    )
    fossil = fossil[fossil["fuels"] == len(BP_FUELS)].drop(columns="fuels")
    fossil["fuel"] = "fossil"
    df = pd.concat([df, fossil], ignore_index=True)
    df["net_import_dependence"] = (df["consumption_twh"] - df["production_twh"]) / df[
        "consumption_twh"
    ].where(df["consumption_twh"] > 0)
    df["year"] = df["year"].astype("int32")
    cols = [
        "country", "year", "fuel", "production_twh", "consumption_twh",
        "net_import_dependence", "production_listed",
    ]  # fmt: skip
    return df[cols].sort_values(["country", "year", "fuel"]).reset_index(drop=True)


def context_tables(shared: Path) -> list[dict[str, Any]]:
    """Write population.parquet and energy_balance.parquet; their context.json entries."""
    con = duckdb.connect()
    entries: list[dict[str, Any]] = []
    for name, df, meta in (
        (
            "population",
            population(shared),
            {
                "description": "Population and share aged 65 and over by country: WPP 2022 "
                "estimates to 2021, medium variant from 2022; every fifth year 1950-2100 and "
                "every year 2015-2030 (columns country, year, pop_total, pop_65plus, "
                "share_65plus, variant; persons)",
                "attribution": WPP_ATTR,
                "caveat": "projections (variant 'medium') are the UN's medium-fertility "
                "variant, not forecasts; areas outside BACI's country table are left out",
                "inputs": [f"population_wpp2022/{f}" for f in WPP_FILES.values()],
            },
        ),
        (
            "energy_balance",
            energy_balance(shared),
            {
                "description": "Production and consumption of oil, gas and coal by country "
                "and year, 1965-2020, in TWh (primary energy), and net import dependence "
                "(consumption - production) / consumption per fuel and for the three "
                "together ('fossil')",
                "attribution": BP_ATTR,
                "caveat": "production not listed by BP (small or no producers) is taken as "
                "zero (production_listed false); negative dependence means a net exporter; "
                "oil production includes NGLs; no data after 2020",
                "inputs": ["energy_bp2021/statistical_review_of_world_energy_bp_2021.csv"],
            },
        ),
    ):
        target = OUT / f"{name}.parquet"
        con.register("df", df)
        con.execute(
            f"COPY (SELECT * FROM df) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19)"
        )
        con.unregister("df")
        print(f"  {name}: {len(df)} rows, {df['country'].nunique()} countries")
        entries.append({"name": name, **meta, "file": target.name})
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    shared: Path = args.shared
    if not (shared / "README.md").exists():
        raise SystemExit(f"{shared} is not the shared data folder (no README.md)")
    for old in OUT.glob("*.parquet"):
        old.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        parts = [
            *baci_critical(shared),
            *baci_hs4(shared),
            *via_ingest(shared, tmp),
            *energy(shared),
            *lpg_fertilizer(shared),
            *monthly_minerals(shared),
        ]
        manifests = [write_part(n, f, tt, m, tmp / "parts") for n, f, tt, m in parts]
    (OUT / "manifest.json").write_text(
        json.dumps(
            {"built_by": "scripts/build_sample.py", "datasets": manifests}, indent=1, sort_keys=True
        )
        + "\n",
        "utf-8",
    )
    context = context_tables(shared)
    (OUT / "context.json").write_text(
        json.dumps({"built_by": "scripts/build_sample.py", "tables": context}, indent=1) + "\n",
        "utf-8",
    )
    size = sum(p.stat().st_size for p in OUT.glob("*.parquet"))
    print(f"sample: {len(manifests)} parts, {size / 1e6:.2f} MB of Parquet in {OUT}")


if __name__ == "__main__":
    main()
