"""Build the reference data shipped in ``ecosec/refdata`` from ``../shared/data``.

Run from the repository root::

    python scripts/build_refdata.py            # writes ecosec/refdata/*
    python scripts/build_refdata.py --check    # fails if the shipped files differ

It writes ``countries.csv``, ``country_aliases.csv``, ``baskets.toml`` and
``hs_descriptions.csv.gz``, and checks the hand-curated ``groups.toml`` against the
country table. Output is deterministic (sorted rows, gzip without a timestamp), so a
rebuild from the same inputs leaves the files byte-identical.

Inputs (see ../shared/data/README.md):

- ``baci_critical_minerals/country_codes_V202601.csv`` — CEPII BACI country table.
- ``baci_critical_minerals/critical_codes.json`` — material → HS6 with confidence
  and caveat, as curated in the public repository Varcolacus/critical-materials-atlas.
- ``korea_japan/korea_customs_monthly_hs10_2000_2021.xlsx`` — partner names used by
  the Korea Customs Service series (sheet1, column ``Country``).
- ``korea_japan/{KJimport2018,2019,2020,HF_trade_all,memorychip_trade}.csv`` — UN
  Comtrade legacy bulk CSV (country names; HS2017 commodity descriptions).
- ``hs2022/harmonized-system.csv`` — WCO HS 2022 via datasets/harmonized-system.

The curated basket entries below (everything except the critical-minerals codes
taken from ``critical_codes.json``) are the editable source of ``baskets.toml``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "ecosec" / "refdata"
CHECKED = "2026-11-30"

# --------------------------------------------------------------------------- countries

# Display names where BACI's own is abbreviated or awkward. Everything else keeps
# BACI's name, with "Isds" spelt out.
SHORT_NAMES = {
    "S19": "Taiwan",
    "KOR": "Korea",
    "PRK": "North Korea",
    "HKG": "Hong Kong",
    "MAC": "Macao",
    "RUS": "Russia",
    "VNM": "Vietnam",
    "LAO": "Laos",
    "MDA": "Moldova",
    "TZA": "Tanzania",
    "BOL": "Bolivia",
    "COD": "DR Congo",
    "CAF": "Central African Republic",
    "DOM": "Dominican Republic",
    "BIH": "Bosnia and Herzegovina",
    "FSM": "Micronesia",
    "IOT": "British Indian Ocean Territory",
    "VGB": "British Virgin Islands",
    "ATF": "French Southern Territories",
    "MNP": "Northern Mariana Islands",
    "CXR": "Christmas Island",
    "NFK": "Norfolk Island",
    "WLF": "Wallis and Futuna",
    "MYT": "Mayotte",
}

# Rows of BACI's table that stand for a former entity; they share a code with the
# current one (BEL, DEU, SDN) or keep a code of their own (CSK, SUN, ...).
HISTORICAL = re.compile(r"\(\.\.\.\d{4}\)")


def _fix_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Latin-1 and re-encoded ('CÃ´te' → 'Côte')."""
    if "Ã" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def build_countries() -> pd.DataFrame:
    src = SHARED / "baci_critical_minerals" / "country_codes_V202601.csv"
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    expected = ["country_code", "country_name", "country_iso2", "country_iso3"]
    if list(raw.columns) != expected:
        sys.exit(f"{src}: columns {list(raw.columns)}, expected {expected}")
    df = pd.DataFrame(
        {
            "code": raw["country_iso3"].str.strip(),
            "numeric": raw["country_code"].astype(int),
            "name": raw["country_name"].map(_fix_mojibake),
            "iso2": raw["country_iso2"].str.strip(),
        }
    )
    # The shared copy of BACI's table lost Namibia's ISO2 "NA" to a NaN round trip;
    # ISO 3166-1 gives NA.
    df.loc[df["code"] == "NAM", "iso2"] = "NA"
    short = df["name"].str.replace(r"\bIsds\b", "Islands", regex=True)
    df["short_name"] = [SHORT_NAMES.get(c, s) for c, s in zip(df["code"], short, strict=True)]
    df.loc[df["name"].str.contains(HISTORICAL), "short_name"] = df["name"]
    if df["numeric"].duplicated().any() or (df["code"] == "").any():
        sys.exit(f"{src}: duplicate numeric codes or empty ISO3")
    return df.sort_values("numeric").reset_index(drop=True)


# ----------------------------------------------------------------------------- aliases

# Korea Customs Service partner names that are not BACI names.
CUSTOMS_KR = {
    "Czech": "CZE",
    "HongKong": "HKG",
    "Netherland": "NLD",
    "Rumania": "ROU",
    "Russia": "RUS",
    "SouthAfrica": "ZAF",
    "Swiss": "CHE",
    "Taiwan": "S19",
    "Turkey": "TUR",
    "UK": "GBR",
    "Vietnam": "VNM",
}

# Common English names, abbreviations and other codes for the same countries.
COMMON = {
    "TWN": "S19",
    "Taiwan": "S19",
    "Chinese Taipei": "S19",
    "South Korea": "KOR",
    "Republic of Korea": "KOR",
    "Korea, Rep.": "KOR",
    "Korea, Republic of": "KOR",
    "ROK": "KOR",
    "DPRK": "PRK",
    "Korea, DPR": "PRK",
    "United States": "USA",
    "United States of America": "USA",
    "Britain": "GBR",
    "Great Britain": "GBR",
    "Czech Republic": "CZE",
    "Turkey": "TUR",
    "Ivory Coast": "CIV",
    "Swaziland": "SWZ",
    "Burma": "MMR",
    "UAE": "ARE",
    "DRC": "COD",
    "Congo, Dem. Rep.": "COD",
    "Macau": "MAC",
    "Macedonia": "MKD",
    "Cape Verde": "CPV",
    "East Timor": "TLS",
    "Palestine": "PSE",
    "Brunei": "BRN",
}

COMTRADE_FILES = (
    "KJimport2018.csv",
    "KJimport2019.csv",
    "KJimport2020.csv",
    "HF_trade_all.csv",
    "memorychip_trade.csv",
)

# Comtrade partner entries that are not countries.
NOT_COUNTRIES = {"World", "North America and Central America, nes"}


def _name_index(countries: pd.DataFrame) -> dict[str, str]:
    index: dict[str, str] = {}
    current = countries[~countries["name"].str.contains(HISTORICAL)]
    for col in ("name", "short_name"):
        for name, code in zip(current[col], current["code"], strict=True):
            index.setdefault(name.casefold(), code)
    return index


def build_aliases(countries: pd.DataFrame) -> pd.DataFrame:
    codes = set(countries["code"])
    names = _name_index(countries)
    rows: list[tuple[str, str, str]] = []

    for alias, code in COMMON.items():
        rows.append((alias, code, "common"))

    xlsx = SHARED / "korea_japan" / "korea_customs_monthly_hs10_2000_2021.xlsx"
    sheet = pd.read_excel(xlsx, sheet_name=0, usecols=["Country"], dtype=str)
    customs = sorted({c.strip() for c in sheet["Country"].dropna() if c.strip()})
    unresolved = []
    for name in customs:
        found = CUSTOMS_KR.get(name) or names.get(name.casefold())
        if found is None or found not in codes:
            unresolved.append(name)
        else:
            rows.append((name, found, "customs-KR"))
    if unresolved:
        sys.exit(f"{xlsx.name}: no country code for {unresolved}; add them to CUSTOMS_KR")
    print(f"customs-KR: {len(customs)} partner names, all resolved")

    numerics = set(countries["numeric"])
    for fname in COMTRADE_FILES:
        df = pd.read_csv(SHARED / "korea_japan" / fname, dtype=str, keep_default_na=False)
        for side in ("Reporter", "Partner"):
            trio = df[[f"{side} Code", side, f"{side} ISO"]].drop_duplicates()
            for num, raw_name, iso in trio.itertuples(index=False):
                name = _fix_mojibake(str(raw_name))
                if name in NOT_COUNTRIES:
                    continue
                mapped = iso if iso in codes else names.get(name.casefold())
                if mapped is None and num == "490":
                    mapped = "S19"
                if mapped is None:
                    sys.exit(f"{fname}: cannot map {side} {num} {name!r} {iso!r}")
                if name.casefold() not in names:
                    rows.append((name, str(mapped), "comtrade"))
                if int(num) not in numerics:
                    # Comtrade's own numeric codes (Italy is 381, BACI's 380).
                    rows.append((str(num), str(mapped), "comtrade"))

    bad = [alias for alias, code, _ in rows if code not in codes]
    if bad:
        sys.exit(f"aliases to codes not in countries.csv: {bad}")
    out = pd.DataFrame(rows, columns=["alias", "code", "source"])
    clash = out.groupby(out["alias"].str.casefold())["code"].nunique()
    if (clash > 1).any():
        sys.exit(f"aliases mapping to two codes: {list(clash[clash > 1].index)}")
    # One row per alias; `source` lists every place the alias was seen.
    merged = out.groupby(["alias", "code"], as_index=False).agg(
        source=("source", lambda s: ";".join(sorted(set(s))))
    )
    return merged.sort_values(["code", "alias"]).reset_index(drop=True)


# ------------------------------------------------------------------------------ groups


def check_groups(countries: pd.DataFrame) -> None:
    path = OUT / "groups.toml"
    groups = tomllib.loads(path.read_text(encoding="utf-8"))
    codes = set(countries["code"])
    required = {"title", "members", "as_of", "checked", "source", "note"}
    for name, group in groups.items():
        missing = required - set(group)
        if missing:
            sys.exit(f"{path.name} [{name}]: missing {sorted(missing)}")
        if group["checked"] != CHECKED:
            sys.exit(f"{path.name} [{name}]: checked {group['checked']}, expected {CHECKED}")
        unknown = [m for m in group["members"] if m not in codes]
        if unknown or len(set(group["members"])) != len(group["members"]):
            sys.exit(f"{path.name} [{name}]: unknown or repeated members {unknown}")
    sizes = ", ".join(f"{k} {len(v['members'])}" for k, v in groups.items())
    print(f"groups.toml: {sizes}")


# ----------------------------------------------------------------------------- baskets

BASKETS: dict[str, dict[str, str]] = {
    "semiconductors": {
        "title": "Semiconductors: chips, equipment and materials",
        "description": (
            "Integrated circuits and discrete semiconductors (HS 8541, 8542), the "
            "machines that make them (8486) and the instruments that inspect them "
            "(903082, 903141), and the materials a fab cannot run without: doped "
            "wafers, photoresist, hydrogen fluoride, neon and other rare gases, "
            "high-purity silicon, gallium and germanium."
        ),
        "source": (
            "ecosec curation on the HS 2017 nomenclature (WCO), starting from the list "
            "in ecosec's DESIGN.md; materials follow Japan's 2019 export controls on "
            "Korea and China's 2023 controls on gallium and germanium"
        ),
    },
    "batteries": {
        "title": "Batteries: lithium-ion cells and their materials",
        "description": (
            "Lithium-ion and other accumulators and their parts, and the refined "
            "materials of cathodes and anodes: lithium carbonate and hydroxide, "
            "cobalt, nickel, manganese dioxide, natural and artificial graphite."
        ),
        "source": (
            "ecosec curation on the HS 2017 nomenclature (WCO), starting from the list "
            "in ecosec's DESIGN.md; Japan's 2022 designation of storage batteries as a "
            "specified critical product"
        ),
    },
    "critical-minerals": {
        "title": "Critical minerals: ores, concentrates and refined forms",
        "description": (
            "The 31 HS6 codes of the critical-materials atlas (one code per material, "
            "with its confidence: exact, dominant form, or proxy), plus ores and refined "
            "forms it leaves out: cobalt metal and ore, lithium hydroxide and "
            "spodumene, flake graphite, rare-earth metals and compounds, antimony ore "
            "and oxide, germanium oxide, high-purity silicon and other ores."
        ),
        "source": (
            "critical_codes.json of the public repository Varcolacus/critical-materials-"
            "atlas (codes used with CEPII BACI HS17 V202601), plus ecosec additions on "
            "the HS 2017 nomenclature (WCO), each with its reason"
        ),
    },
    "energy": {
        "title": "Energy: oil, gas, coal and nuclear fuel",
        "description": (
            "Crude oil and the main refined fuels, liquefied and pipeline natural gas, "
            "liquefied petroleum gases, coal, and uranium from ore to enriched fuel."
        ),
        "source": (
            "ecosec curation on the HS 2017 nomenclature (WCO), starting from the list "
            "in ecosec's DESIGN.md; Japan's 2022 designation of natural gas as a "
            "specified critical product"
        ),
    },
    "fertilizers": {
        "title": "Fertilizers: nitrogen, phosphate and potash",
        "description": (
            "Urea and ammonia (nitrogen), phosphate rock and ammonium phosphates, "
            "potassium chloride, and compound NPK fertilizers."
        ),
        "source": (
            "ecosec curation on the HS 2017 nomenclature (WCO); Japan's 2022 "
            "designation of fertilizers as a specified critical product; Korea's "
            "2021 urea shortage"
        ),
    },
}

WCO = "HS 2017 nomenclature (WCO)"
JP2019 = "Japan's export controls on Korea from 2019-07-04"
CN_GAGE = "China's export controls on gallium and germanium from 2023-08-01"
CN_GRAPHITE = "China's export controls on graphite from 2023-12-01"
CN_SB = "China's export controls on antimony from 2024-09-15"
CN_REE = "China's export controls on seven medium and heavy rare earths from 2025-04-04"
DESIGN = f"ecosec DESIGN.md starting list; {WCO}"

# (hs6, label, confidence, caveat, source); confidence: exact | dominant | proxy.
CODES: dict[str, list[tuple[str, str, str, str, str]]] = {
    "semiconductors": [
        ("848610", "Machines for making boules or wafers", "exact", "", DESIGN),
        (
            "848620",
            "Machines for making semiconductor devices or integrated circuits",
            "exact",
            "Lithography, etching, deposition and other front-end tools.",
            DESIGN,
        ),
        (
            "848630",
            "Machines for making flat panel displays",
            "proxy",
            "Display-making equipment, not chips; kept as part of heading 8486.",
            DESIGN,
        ),
        (
            "848640",
            "Machines of Note 9(C) to chapter 84 (mask making, handling of wafers)",
            "exact",
            "",
            DESIGN,
        ),
        ("848690", "Parts and accessories of heading 8486 machines", "exact", "", DESIGN),
        ("854110", "Diodes (not photosensitive or LED)", "exact", "", DESIGN),
        ("854121", "Transistors, dissipation < 1 W", "exact", "", DESIGN),
        (
            "854129",
            "Transistors, dissipation >= 1 W (power transistors, IGBTs)",
            "exact",
            "",
            DESIGN,
        ),
        ("854130", "Thyristors, diacs and triacs", "exact", "", DESIGN),
        (
            "854140",
            "Photosensitive devices incl. photovoltaic cells and panels; LEDs",
            "proxy",
            "Dominated by solar cells and modules. HS 2022 split it into 854141-854149; "
            "HS22 data do not have 854140.",
            DESIGN,
        ),
        (
            "854150",
            "Other semiconductor devices",
            "exact",
            "Not in HS 2022 (split into 854151 and 854159).",
            DESIGN,
        ),
        (
            "854160",
            "Mounted piezo-electric crystals",
            "proxy",
            "Frequency-control components, not semiconductors strictly; part of heading 8541.",
            DESIGN,
        ),
        ("854190", "Parts of heading 8541 devices", "exact", "", DESIGN),
        ("854231", "Integrated circuits: processors and controllers", "exact", "", DESIGN),
        (
            "854232",
            "Integrated circuits: memories",
            "exact",
            "DRAM and NAND; Korea customs HS10 8542321010 and 8542321030 roll up here.",
            DESIGN,
        ),
        ("854233", "Integrated circuits: amplifiers", "exact", "", DESIGN),
        ("854239", "Integrated circuits: other", "exact", "", DESIGN),
        ("854290", "Parts of integrated circuits", "exact", "", DESIGN),
        (
            "903082",
            "Instruments for measuring or checking semiconductor wafers or devices",
            "exact",
            "",
            f"ecosec addition: wafer test and metrology equipment; {WCO}",
        ),
        (
            "903141",
            "Optical instruments for inspecting semiconductor wafers, devices, photomasks",
            "exact",
            "",
            f"ecosec addition: wafer and mask inspection equipment; {WCO}",
        ),
        (
            "381800",
            "Doped chemical elements and compounds for electronics (wafers)",
            "exact",
            "Silicon and compound-semiconductor wafers; Korea customs HS10 3818001000.",
            DESIGN,
        ),
        (
            "370790",
            "Chemical preparations for photographic uses (includes photoresist)",
            "proxy",
            "Photoresist is only part of this subheading (Korea customs HS10 3707901010 "
            "isolates it); covered by " + JP2019 + ".",
            DESIGN,
        ),
        (
            "281111",
            "Hydrogen fluoride (hydrofluoric acid)",
            "exact",
            "All grades; the high-purity etching grade of " + JP2019 + " is not separable at "
            "HS6 (Korea customs HS10 2811111000).",
            DESIGN,
        ),
        (
            "280429",
            "Rare gases other than argon (neon, krypton, xenon, helium)",
            "proxy",
            "Mixes neon (lithography lasers) with helium, krypton and xenon.",
            DESIGN,
        ),
        (
            "280461",
            "Silicon, at least 99.99% pure (polysilicon)",
            "exact",
            "Feeds both semiconductor wafers and solar cells.",
            DESIGN,
        ),
        (
            "811292",
            "Gallium, germanium, indium, niobium, vanadium: unwrought, powders, waste",
            "proxy",
            "Bundles five metals; only 8-digit national codes isolate gallium or germanium.",
            f"{DESIGN}; {CN_GAGE}",
        ),
    ],
    "batteries": [
        ("850760", "Lithium-ion accumulators", "exact", "Cells, modules and packs alike.", DESIGN),
        (
            "850780",
            "Other accumulators",
            "proxy",
            "Nickel-metal hydride and other chemistries (not lead-acid, NiCd or Li-ion).",
            DESIGN,
        ),
        (
            "850790",
            "Parts of accumulators",
            "proxy",
            "Includes separators and parts for lead-acid batteries.",
            DESIGN,
        ),
        ("282520", "Lithium oxide and hydroxide", "exact", "", DESIGN),
        ("283691", "Lithium carbonate", "exact", "", DESIGN),
        ("282200", "Cobalt oxides and hydroxides", "exact", "", DESIGN),
        (
            "810520",
            "Cobalt mattes and intermediates; unwrought cobalt; powders",
            "exact",
            "Includes cobalt hydroxide intermediate from the DR Congo.",
            DESIGN,
        ),
        ("750110", "Nickel mattes", "exact", "", DESIGN),
        ("750210", "Nickel, not alloyed, unwrought", "exact", "Class 1 nickel.", DESIGN),
        (
            "283324",
            "Nickel sulphates",
            "exact",
            "",
            f"ecosec addition: the nickel salt of NMC cathodes; {WCO}",
        ),
        (
            "250410",
            "Natural graphite in powder or flakes",
            "exact",
            "The battery-anode form of natural graphite.",
            f"{DESIGN}; {CN_GRAPHITE}",
        ),
        (
            "380110",
            "Artificial graphite",
            "dominant",
            "Includes electrode-grade graphite for steel furnaces as well as anode material.",
            f"{DESIGN}; {CN_GRAPHITE}",
        ),
        (
            "282010",
            "Manganese dioxide",
            "proxy",
            "Mostly for primary (alkaline) cells; high-purity manganese sulphate for "
            "cathodes is not separable at HS6.",
            DESIGN,
        ),
    ],
    "energy": [
        ("270900", "Crude petroleum oils", "exact", "", DESIGN),
        (
            "271012",
            "Light petroleum oils (gasoline, naphtha)",
            "exact",
            "Includes naphtha, the main petrochemical feedstock of Korea and Japan.",
            f"ecosec addition: refined fuels and feedstock; {WCO}",
        ),
        (
            "271019",
            "Medium and heavy petroleum oils (kerosene, jet fuel, diesel, fuel oil)",
            "exact",
            "Also lubricating oils.",
            f"ecosec addition: refined fuels; {WCO}",
        ),
        ("271111", "Natural gas, liquefied (LNG)", "exact", "", DESIGN),
        ("271121", "Natural gas in gaseous state (pipeline gas)", "exact", "", DESIGN),
        ("271112", "Propane, liquefied (LPG)", "exact", "", DESIGN),
        (
            "271113",
            "Butanes, liquefied (LPG)",
            "exact",
            "",
            f"ecosec addition: the other half of LPG next to propane; {WCO}",
        ),
        ("270112", "Bituminous coal", "exact", "Thermal and coking coal together.", DESIGN),
        (
            "270119",
            "Other coal (not anthracite or bituminous)",
            "exact",
            "Sub-bituminous coal in some reporters' practice.",
            DESIGN,
        ),
        ("261210", "Uranium ores and concentrates", "exact", "", DESIGN),
        (
            "284410",
            "Natural uranium and its compounds",
            "exact",
            "Includes uranium oxide (U3O8).",
            DESIGN,
        ),
        (
            "284420",
            "Uranium enriched in U-235, plutonium, and their compounds",
            "exact",
            "",
            f"ecosec addition: enrichment is the concentrated step of nuclear fuel; {WCO}",
        ),
    ],
    "fertilizers": [
        (
            "310210",
            "Urea",
            "exact",
            "Fertilizer and technical grade (diesel exhaust fluid) alike; Korea's 2021 "
            "shortage was of the latter.",
            WCO,
        ),
        ("281410", "Anhydrous ammonia", "exact", "Also an industrial chemical.", WCO),
        ("310420", "Potassium chloride (potash)", "exact", "", WCO),
        ("310530", "Diammonium hydrogenorthophosphate (DAP)", "exact", "", WCO),
        ("310540", "Ammonium dihydrogenorthophosphate (MAP)", "exact", "", WCO),
        (
            "310520",
            "Fertilizers containing nitrogen, phosphorus and potassium (NPK)",
            "exact",
            "",
            WCO,
        ),
        (
            "251010",
            "Natural calcium phosphates, unground (phosphate rock)",
            "dominant",
            "Feedstock of phosphate fertilizers; also in the critical-minerals basket.",
            WCO,
        ),
    ],
}

ATLAS_SOURCE = "critical_codes.json, Varcolacus/critical-materials-atlas"
MATERIAL_NAMES = {"cokingcoal": "coking coal"}

# Critical-minerals additions to the atlas codes, with the reason in the source.
CRITICAL_EXTRA: list[tuple[str, str, str, str, str]] = [
    ("260500", "Cobalt ores and concentrates", "exact", "", f"ecosec addition; {WCO}"),
    (
        "810520",
        "Cobalt mattes and intermediates; unwrought cobalt; powders",
        "exact",
        "The atlas's 282200 misses cobalt metal and intermediates.",
        f"ecosec addition; {WCO}",
    ),
    (
        "282520",
        "Lithium oxide and hydroxide",
        "exact",
        "The atlas's 283691 misses hydroxide.",
        f"ecosec addition; {WCO}",
    ),
    (
        "253090",
        "Mineral substances n.e.c. (includes spodumene, lithium ore)",
        "proxy",
        "A broad residual subheading; spodumene concentrate (Australia to China) "
        "dominates it in recent years but other minerals are in it too.",
        f"ecosec addition; {WCO}",
    ),
    (
        "250410",
        "Natural graphite in powder or flakes",
        "exact",
        "The battery form that the atlas's 250490 misses.",
        f"ecosec addition; {CN_GRAPHITE}",
    ),
    (
        "280461",
        "Silicon, at least 99.99% pure (polysilicon)",
        "exact",
        "Electronic- and solar-grade silicon; 280469 is metallurgical.",
        f"ecosec addition; {WCO}",
    ),
    (
        "280530",
        "Rare-earth metals, scandium and yttrium",
        "exact",
        "Intermixed or interalloyed or not; includes NdPr metal.",
        f"ecosec addition; {CN_REE}",
    ),
    (
        "284610",
        "Cerium compounds",
        "exact",
        "Light rare earth; polishing powders and catalysts.",
        f"ecosec addition; {WCO}",
    ),
    (
        "284690",
        "Rare-earth compounds other than cerium (oxides, chlorides, ...)",
        "exact",
        "Mixes light and heavy rare earths (NdPr, Dy, Tb oxides).",
        f"ecosec addition; {CN_REE}",
    ),
    ("261710", "Antimony ores and concentrates", "exact", "", f"ecosec addition; {CN_SB}"),
    ("282580", "Antimony oxides", "exact", "", f"ecosec addition; {CN_SB}"),
    (
        "282560",
        "Germanium oxides and zirconium dioxide",
        "proxy",
        "Zirconium dioxide is likely the larger part by value.",
        f"ecosec addition; {CN_GAGE}",
    ),
    ("261100", "Tungsten ores and concentrates", "exact", "", f"ecosec addition; {WCO}"),
    ("260400", "Nickel ores and concentrates", "exact", "", f"ecosec addition; {WCO}"),
    ("750110", "Nickel mattes", "exact", "", f"ecosec addition; {WCO}"),
    ("260300", "Copper ores and concentrates", "exact", "", f"ecosec addition; {WCO}"),
    ("261000", "Chromium ores and concentrates", "exact", "", f"ecosec addition; {WCO}"),
    (
        "261590",
        "Niobium, tantalum and vanadium ores and concentrates",
        "proxy",
        "Three metals in one subheading; coltan (tantalum) and pyrochlore (niobium).",
        f"ecosec addition; {WCO}",
    ),
    (
        "261400",
        "Titanium ores and concentrates",
        "exact",
        "Ilmenite and rutile.",
        f"ecosec addition; {WCO}",
    ),
]


def _critical_codes() -> list[tuple[str, str, str, str, str]]:
    path = SHARED / "baci_critical_minerals" / "critical_codes.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    by_hs6: dict[str, list[dict[str, str]]] = {}
    for entry in data["codes"]:
        by_hs6.setdefault(entry["hs6"], []).append(entry)
    out = []
    for hs6, entries in by_hs6.items():
        materials = [MATERIAL_NAMES.get(e["material"], e["material"]) for e in entries]
        label = ", ".join(materials).capitalize() + f": {entries[0]['form']}"
        confs = {e["confidence"] for e in entries}
        # A shared HS6 (811292: gallium and germanium) is exact only at 8 digits.
        confidence = confs.pop() if len(entries) == 1 and len(confs) == 1 else "proxy"
        caveat = " / ".join(dict.fromkeys(e["caveat"] for e in entries))
        out.append((hs6, label, confidence, caveat, ATLAS_SOURCE))
    if len(out) != data["n_hs6"]:
        sys.exit(f"{path.name}: {len(out)} distinct hs6, file says {data['n_hs6']}")
    seen = set(by_hs6)
    extra = [c for c in CRITICAL_EXTRA if c[0] not in seen]
    dup = [c[0] for c in CRITICAL_EXTRA if c[0] in seen]
    if dup:
        sys.exit(f"CRITICAL_EXTRA repeats atlas codes {dup}")
    return out + extra


def _toml_str(text: str) -> str:
    # A JSON string (ensure_ascii=False) is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def build_baskets(hs6_known: set[str]) -> str:
    codes = dict(CODES)
    codes["critical-minerals"] = _critical_codes()
    lines = [
        "# Strategic baskets of HS 2017 six-digit codes, used by `--basket NAME`.",
        "# Generated by scripts/build_refdata.py (edit the lists there, then rebuild).",
        "# Sources: ecosec curation on the HS 2017 nomenclature (WCO); the critical-",
        "# minerals codes of critical_codes.json (Varcolacus/critical-materials-atlas,",
        "# used with CEPII BACI HS17 V202601). Each code names its own source.",
        "# confidence: how well the code stands for the product the entry is there for:",
        "# exact = the code is that product; dominant = the product is most of the",
        "# code's trade; proxy = the code is broader or narrower than the product.",
        "",
    ]
    for name in ("semiconductors", "batteries", "critical-minerals", "energy", "fertilizers"):
        meta = BASKETS[name]
        entries = codes[name]
        hs = [e[0] for e in entries]
        if len(set(hs)) != len(hs):
            sys.exit(f"basket {name}: repeated codes")
        for code in hs:
            if not re.fullmatch(r"\d{6}", code) or code not in hs6_known:
                sys.exit(f"basket {name}: {code} is not an HS 2017/2022 six-digit code")
        lines.append(f'["{name}"]')
        for key in ("title", "description", "source"):
            lines.append(f"{key} = {_toml_str(meta[key])}")
        lines.append("")
        for hs6, label, confidence, caveat, source in entries:
            if confidence not in {"exact", "dominant", "proxy"}:
                sys.exit(f"basket {name} {hs6}: confidence {confidence!r}")
            lines.append(f'[["{name}".codes]]')
            lines.append(f"hs6 = {_toml_str(hs6)}")
            lines.append(f"label = {_toml_str(label)}")
            lines.append(f"confidence = {_toml_str(confidence)}")
            lines.append(f"caveat = {_toml_str(caveat)}")
            lines.append(f"source = {_toml_str(source)}")
            lines.append("")
        print(f"basket {name}: {len(entries)} codes")
    text = "\n".join(lines)
    tomllib.loads(text)  # fail here, not at import time, if the writer went wrong
    return text


# ---------------------------------------------------------------------- HS descriptions

# Comtrade's HS2017 text for 854150 describes photosensitive devices (that is
# 854140); the HS 2017 subheading is "Other semiconductor devices".
HS17_FIXES = {
    "854150": "Semiconductor devices; n.e.c. in heading no. 8541 (other semiconductor devices)"
}
# HS 2017 headings that HS 2022 deleted (cadmium moved to 8112, aircraft parts to
# 8807), so the HS17-only subheadings under them keep a parent. WCO HS 2017 text.
HS17_HEADINGS = {
    "8107": "Cadmium and articles thereof, including waste and scrap",
    "8803": "Parts of goods of heading 88.01 or 88.02",
}


def build_hs() -> pd.DataFrame:
    src = SHARED / "hs2022" / "harmonized-system.csv"
    hs = pd.read_csv(src, dtype=str, keep_default_na=False)
    hs = hs[hs["level"].isin(["2", "4", "6"])]
    hs = hs[hs["hscode"].str.len() == hs["level"].astype(int)]
    out = pd.DataFrame(
        {
            "hs": hs["hscode"],
            "level": hs["level"].astype(int),
            "description": hs["description"].str.strip(),
            "section": hs["section"].replace("TOTAL", ""),
            "rev": "HS22",
        }
    )
    section_of = dict(
        zip(out.loc[out["level"] == 2, "hs"], out.loc[out["level"] == 2, "section"], strict=True)
    )

    hs17: dict[str, str] = {}
    for year in (2018, 2019, 2020):  # later years win where Comtrade reworded
        df = pd.read_csv(
            SHARED / "korea_japan" / f"KJimport{year}.csv", dtype=str, keep_default_na=False
        )
        if set(df["Classification"]) != {"H5"}:
            sys.exit(f"KJimport{year}.csv: expected HS2017 (H5) only")
        for code, text in zip(df["Commodity Code"].str.zfill(6), df["Commodity"], strict=True):
            hs17[code] = text.strip()
    known = set(out["hs"])
    extra = sorted(c for c in hs17 if c not in known)
    headings = sorted({c[:4] for c in extra} - known)
    if set(headings) != set(HS17_HEADINGS):
        sys.exit(f"HS17-only headings {headings}: add their text to HS17_HEADINGS")
    codes = headings + extra
    text = {**hs17, **HS17_FIXES, **HS17_HEADINGS}
    add = pd.DataFrame(
        {
            "hs": codes,
            "level": [len(c) for c in codes],
            "description": [text[c] for c in codes],
            "section": [section_of[c[:2]] for c in codes],
            "rev": "HS17",
        }
    )
    print(f"hs_descriptions: {len(out)} HS22 rows + {len(add)} HS17-only codes")
    return pd.concat([out, add]).sort_values(["hs", "rev"]).reset_index(drop=True)


# -------------------------------------------------------------------------------- main


def _csv_bytes(df: pd.DataFrame, header: str) -> bytes:
    buf = io.StringIO()
    buf.write(f"# {header}\n")
    df.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue().encode("utf-8")


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        sys.exit(f"input folder {SHARED} not found (expected ../shared/data beside the repo)")

    countries = build_countries()
    aliases = build_aliases(countries)
    check_groups(countries)
    hs = build_hs()
    files: dict[str, bytes] = {
        "countries.csv": _csv_bytes(
            countries,
            "source: CEPII BACI V202601 country table (country_codes_V202601.csv); "
            "short_name by ecosec; see README.md",
        ),
        "country_aliases.csv": _csv_bytes(
            aliases,
            "source: Korea Customs Service partner names, UN Comtrade legacy CSV names, "
            "common English names; codes as in countries.csv; see README.md",
        ),
        "baskets.toml": build_baskets(set(hs.loc[hs["level"] == 6, "hs"])).encode("utf-8"),
        "hs_descriptions.csv.gz": _gzip(
            _csv_bytes(
                hs,
                "source: WCO HS 2022 via datasets/harmonized-system (ODC-PDDL); HS 2017 "
                "codes absent from HS 2022 from UN Comtrade; see README.md",
            )
        ),
    }
    stale = []
    for name, data in files.items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/build_refdata.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
