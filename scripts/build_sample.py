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
    size = sum(p.stat().st_size for p in OUT.glob("*.parquet"))
    print(f"sample: {len(manifests)} parts, {size / 1e6:.2f} MB of Parquet in {OUT}")


if __name__ == "__main__":
    main()
