"""Reference data shipped in ecosec/refdata: countries, groups, baskets, HS codes.

Expected values are hand-checked against the sources named in
ecosec/refdata/README.md (BACI V202601 country table, the groups' own membership
pages, critical_codes.json, the HS nomenclature). Nothing here reads ../shared.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest

from ecosec import refdata
from ecosec.errors import BadInput, UnknownBasket, UnknownCountry, UnknownProduct

# --------------------------------------------------------------------------- countries


def test_countries_table_is_baci_v202601() -> None:
    df = refdata.countries()
    assert list(df.columns) == ["code", "numeric", "name", "iso2", "short_name"]
    assert len(df) == 238  # BACI's country_codes_V202601.csv has 238 rows
    assert df["numeric"].is_unique
    row = df.set_index("numeric").loc[490]
    assert (row["code"], row["name"], row["iso2"], row["short_name"]) == (
        "S19",
        "Other Asia, nes",
        "",
        "Taiwan",
    )


def test_namibia_iso2_is_the_string_na() -> None:
    df = refdata.countries()
    assert df.loc[df["code"] == "NAM", "iso2"].tolist() == ["NA"]


def test_names_are_decoded_utf8() -> None:
    # The shared copy of BACI's table holds double-encoded UTF-8 ("CÃ´te").
    names = refdata.countries().set_index("code")["name"]
    assert names["CIV"] == "Côte d'Ivoire"
    assert names["TUR"] == "Türkiye"
    assert names["CUW"] == "Curaçao"


def test_countries_returns_a_copy() -> None:
    df = refdata.countries()
    df.loc[:, "short_name"] = "x"
    assert refdata.country_name("JPN") == "Japan"
    assert refdata.countries()["short_name"].ne("x").all()


def test_numeric_to_code() -> None:
    m = refdata.numeric_to_code()
    assert (m[490], m[410], m[392], m[156], m[842]) == ("S19", "KOR", "JPN", "CHN", "USA")
    # BACI's own numerics where they differ from ISO 3166 (250, 756, 840, 356).
    assert (m[251], m[757], m[699]) == ("FRA", "CHE", "IND")
    # Former entities share their successor's code.
    assert (m[58], m[56], m[280]) == ("BEL", "BEL", "DEU")


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("S19", "Taiwan"),
        ("KOR", "Korea"),
        ("PRK", "North Korea"),
        ("USA", "USA"),
        ("CHN", "China"),
        ("JPN", "Japan"),
        ("BEL", "Belgium"),  # not 'Belgium-Luxembourg (...1998)', which is BEL too
        ("DEU", "Germany"),
        ("kor", "Korea"),
        ("XYZ", "XYZ"),
    ],
)
def test_country_name(code: str, name: str) -> None:
    assert refdata.country_name(code) == name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TWN", "S19"),
        ("Taiwan", "S19"),
        ("TAIWAN", "S19"),
        ("Chinese Taipei", "S19"),
        ("490", "S19"),
        ("s19", "S19"),
        ("kor", "KOR"),
        (" KOR ", "KOR"),
        ("410", "KOR"),
        ("0410", "KOR"),
        ("Rep. of Korea", "KOR"),
        ("South Korea", "KOR"),
        ("Korea", "KOR"),
        ("North Korea", "PRK"),
        ("Japan", "JPN"),
        ("United States", "USA"),
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("381", "ITA"),  # Comtrade's numeric code for Italy (BACI: 380)
        ("Namibia", "NAM"),
        ("Sudan", "SDN"),
    ],
)
def test_resolve_country(text: str, code: str) -> None:
    assert refdata.resolve_country(text) == code


def test_unknown_country_suggests_close_match_and_command() -> None:
    with pytest.raises(UnknownCountry) as info:
        refdata.resolve_country("KORR")
    message = str(info.value)
    assert "did you mean KOR" in message
    assert "ecosec countries" in message
    assert isinstance(info.value, ValueError)
    assert info.value.exit_code == 2


def test_unknown_country_suggests_by_name() -> None:
    with pytest.raises(UnknownCountry, match=r"Germany \(DEU\)"):
        refdata.resolve_country("Germny")


def test_empty_country() -> None:
    with pytest.raises(UnknownCountry, match="no country given"):
        refdata.resolve_country("  ")


# Partner names of the Korea Customs Service workbook (sheet1, column Country), as
# they appear there, with the code each must resolve to.
CUSTOMS_KR = {
    "Algeria": "DZA", "Argentina": "ARG", "Australia": "AUS", "Austria": "AUT",
    "Belarus": "BLR", "Belgium": "BEL", "Brazil": "BRA", "Bulgaria": "BGR",
    "Canada": "CAN", "China": "CHN", "Colombia": "COL", "Czech": "CZE",
    "Denmark": "DNK", "Egypt": "EGY", "Estonia": "EST", "Finland": "FIN",
    "France": "FRA", "Germany": "DEU", "HongKong": "HKG", "Hungary": "HUN",
    "India": "IND", "Indonesia": "IDN", "Ireland": "IRL", "Israel": "ISR",
    "Italy": "ITA", "Japan": "JPN", "Malaysia": "MYS", "Mexico": "MEX",
    "Netherland": "NLD", "Netherlands": "NLD", "Norway": "NOR", "Philippines": "PHL",
    "Poland": "POL", "Portugal": "PRT", "Rumania": "ROU", "Russia": "RUS",
    "Singapore": "SGP", "Slovakia": "SVK", "SouthAfrica": "ZAF", "Spain": "ESP",
    "Sweden": "SWE", "Swiss": "CHE", "Taiwan": "S19", "Thailand": "THA",
    "Tunisia": "TUN", "Turkey": "TUR", "UK": "GBR", "USA": "USA",
    "Ukraine": "UKR", "Vietnam": "VNM",
}  # fmt: skip


def test_every_customs_workbook_name_is_shipped_and_resolves() -> None:
    aliases = refdata.country_aliases()
    shipped = aliases[aliases["source"].str.split(";").map(lambda s: "customs-KR" in s)]
    assert dict(zip(shipped["alias"], shipped["code"], strict=True)) == CUSTOMS_KR
    for alias, code in CUSTOMS_KR.items():
        assert refdata.resolve_country(alias) == code


def test_every_alias_resolves_to_a_known_code() -> None:
    aliases = refdata.country_aliases()
    codes = set(refdata.countries()["code"])
    assert aliases["alias"].str.casefold().is_unique
    for alias, code in zip(aliases["alias"], aliases["code"], strict=True):
        assert code in codes
        assert refdata.resolve_country(alias) == code


# ------------------------------------------------------------------------------ groups

GROUP_SIZES = {
    "EU27": 27,
    "G7": 7,
    "IPEF": 14,
    "MSP": 14,
    "CHIP4": 4,
    "ASEAN": 11,
    "OECD": 38,
    "QUAD": 4,
}


def test_group_names_and_sizes() -> None:
    groups = refdata.groups()
    assert {name: len(g.members) for name, g in groups.items()} == GROUP_SIZES


@pytest.mark.parametrize("name", sorted(GROUP_SIZES))
def test_group_record(name: str) -> None:
    group = refdata.groups()[name]
    codes = set(refdata.countries()["code"])
    assert group.name == name
    assert set(group.members) <= codes
    assert len(set(group.members)) == len(group.members)
    assert group.checked == "2026-11-30"
    assert dt.date.fromisoformat(group.as_of) <= dt.date.fromisoformat(group.checked)
    assert group.title and group.source and group.note


def test_group_members_hand_checked() -> None:
    g = refdata.groups()
    assert g["CHIP4"].members == ("USA", "JPN", "KOR", "S19")
    assert set(g["QUAD"].members) == {"AUS", "IND", "JPN", "USA"}
    assert set(g["G7"].members) == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    assert "GBR" not in g["EU27"].members and "HRV" in g["EU27"].members
    assert "TLS" in g["ASEAN"].members and "Timor-Leste" in g["ASEAN"].note
    assert "CRI" in g["OECD"].members and "CHE" in g["OECD"].members
    assert {"FJI", "IND", "USA"} <= set(g["IPEF"].members) and "CHN" not in g["IPEF"].members
    assert {"EST", "IND", "ITA", "NOR", "KOR"} <= set(g["MSP"].members)
    assert "European Union" in g["MSP"].note  # a partner, but not a country


def test_group_is_frozen() -> None:
    group = refdata.groups()["G7"]
    with pytest.raises(AttributeError):
        group.members = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("KOR", ("KOR",)),
        ("chip4", ("USA", "JPN", "KOR", "S19")),
        ("Chip 4", ("USA", "JPN", "KOR", "S19")),
        ("CHIP4, CHN, Taiwan", ("USA", "JPN", "KOR", "S19", "CHN")),
        ("quad, g7", ("AUS", "IND", "JPN", "USA", "CAN", "FRA", "DEU", "ITA", "GBR")),
        ("JPN,KOR,JPN,", ("JPN", "KOR")),
    ],
)
def test_resolve_countries(text: str, codes: tuple[str, ...]) -> None:
    assert refdata.resolve_countries(text) == codes


def test_resolve_countries_eu_means_eu27() -> None:
    assert refdata.resolve_countries("EU") == refdata.groups()["EU27"].members


def test_resolve_countries_unknown_part_lists_groups() -> None:
    with pytest.raises(UnknownCountry, match=r"'Atlantis'.*a group \(EU27, G7"):
        refdata.resolve_countries("KOR, Atlantis")
    with pytest.raises(UnknownCountry, match="no country or group given"):
        refdata.resolve_countries(" , ")


# ----------------------------------------------------------------------------- baskets

# critical_codes.json (Varcolacus/critical-materials-atlas): 32 entries, 31 distinct
# HS6 codes (gallium and germanium share 811292).
ATLAS_HS6 = {
    "811010", "280480", "251110", "260600", "811212", "252800", "282200", "270112",
    "740311", "252910", "252922", "811292", "250490", "811231", "280429", "283691",
    "810411", "850511", "260200", "750210", "720293", "711021", "251010", "280470",
    "711011", "280469", "283692", "810320", "810820", "810194", "720292",
}  # fmt: skip


def test_basket_names() -> None:
    assert list(refdata.baskets()) == [
        "semiconductors",
        "batteries",
        "critical-minerals",
        "energy",
        "fertilizers",
    ]


@pytest.mark.parametrize(
    "name", ["semiconductors", "batteries", "critical-minerals", "energy", "fertilizers"]
)
def test_basket_codes_are_described_hs6(name: str) -> None:
    basket = refdata.baskets()[name]
    assert basket.title and basket.description and basket.source
    hs6 = [c.hs6 for c in basket.codes]
    assert len(hs6) == len(set(hs6))
    for code in basket.codes:
        assert len(code.hs6) == 6 and code.hs6.isdigit()
        assert refdata.normalize_hs(code.hs6) == code.hs6
        description = refdata.hs_description(code.hs6)
        # Its own description, not a fallback to the heading.
        assert description and not description.startswith("("), code.hs6
        assert code.label and code.source
        assert code.confidence in {"exact", "dominant", "proxy"}
        if code.confidence == "proxy":
            assert code.caveat, f"{name} {code.hs6}: a proxy needs its caveat"


def test_critical_minerals_hold_the_atlas_codes_and_additions() -> None:
    codes = set(refdata.basket_codes("critical-minerals"))
    assert codes >= ATLAS_HS6
    assert {"810520", "282520", "250410", "280461", "280530", "284690"} <= codes
    basket = refdata.baskets()["critical-minerals"]
    by_hs6 = {c.hs6: c for c in basket.codes}
    assert by_hs6["811292"].confidence == "proxy"  # gallium + germanium in one HS6
    assert "gallium" in by_hs6["811292"].label.lower()
    assert by_hs6["283691"].confidence == "proxy"  # as the atlas rates it for lithium


def test_design_starting_lists_are_in_the_baskets() -> None:
    semis = set(refdata.basket_codes("semiconductors"))
    assert {"848610", "848620", "848690", "854232", "381800", "370790", "281111"} <= semis
    assert {"280429", "280461", "811292", "854140"} <= semis
    batteries = {"850760", "850780", "850790", "282520", "283691", "282200", "810520"}
    assert batteries | {"750110", "750210", "250410", "380110", "282010"} <= set(
        refdata.basket_codes("batteries")
    )
    energy = {"270900", "271111", "271112", "271121", "270112", "270119", "261210", "284410"}
    assert energy <= set(refdata.basket_codes("energy"))
    assert {"310210", "281410"} <= set(refdata.basket_codes("fertilizers"))


@pytest.mark.parametrize("name", ["Critical_Minerals", "critical minerals", " ENERGY "])
def test_basket_names_are_forgiving(name: str) -> None:
    assert refdata.basket_codes(name) == tuple(c.hs6 for c in refdata.basket(name).codes)


def test_unknown_basket_lists_names() -> None:
    with pytest.raises(UnknownBasket) as info:
        refdata.basket_codes("chips")
    assert "semiconductors" in str(info.value) and "critical-minerals" in str(info.value)
    assert isinstance(info.value, BadInput)


# ---------------------------------------------------------------------------- HS codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (10121, "010121"),  # BACI's integer product code
        ("10121", "010121"),
        (854232, "854232"),
        ("8542.32", "854232"),
        (" 8542 32 ", "854232"),
        ("2811", "2811"),
        (101, "0101"),
        ("85", "85"),
        (1, "01"),
    ],
)
def test_normalize_hs(code: str | int, expected: str) -> None:
    assert refdata.normalize_hs(code) == expected


@pytest.mark.parametrize(
    ("code", "match"),
    [
        ("2811111000", "first six digits \\(281111\\)"),
        (28111110, "8 digits"),
        ("85x2", "not made of digits"),
        ("", "not made of digits"),
        (-5, "not made of digits"),
        (0, "no chapter"),
    ],
)
def test_normalize_hs_rejects(code: str | int, match: str) -> None:
    with pytest.raises(UnknownProduct, match=match):
        refdata.normalize_hs(code)


def test_hs_descriptions_table() -> None:
    df = refdata.hs_descriptions()
    assert list(df.columns) == ["hs", "level", "description", "section", "rev"]
    assert df["hs"].is_unique
    assert (df["hs"].str.len() == df["level"]).all()
    # HS 2022 (5,613 subheadings, 1,229 headings, 97 chapters) plus 125 HS 2017-only
    # subheadings and their 2 deleted headings (8107 cadmium, 8803 aircraft parts).
    assert df["level"].value_counts().to_dict() == {6: 5613 + 125, 4: 1229 + 2, 2: 97}
    assert set(df["rev"]) == {"HS22", "HS17"}
    assert df.set_index("hs").loc["8107", "rev"] == "HS17"
    headings = set(df.loc[df["level"] == 4, "hs"])
    assert set(df.loc[df["level"] == 6, "hs"].str[:4]) <= headings
    # Chapter 99 ('commodities not specified according to kind') has no section.
    in_99 = df["hs"].str.startswith("99")
    assert df.loc[~in_99, "section"].ne("").all()
    assert df.loc[in_99, "section"].eq("").all()
    assert df.set_index("hs").loc["854232", "section"] == "XVI"


def test_hs_description_values() -> None:
    assert refdata.hs_description("854232") == "Electronic integrated circuits; memories"
    assert (refdata.hs_description(281111) or "").startswith("Hydrogen fluoride")
    # HS 2017 subheadings deleted in 2022 come from Comtrade's HS 2017 text.
    hs17 = refdata.hs_description("854140") or ""
    assert hs17.startswith("Electrical apparatus; photosensitive")
    df = refdata.hs_descriptions().set_index("hs")
    assert df.loc["854140", "rev"] == "HS17" and df.loc["854140", "section"] == "XVI"
    assert refdata.hs_description("854299") == "(heading) Electronic integrated circuits"
    assert refdata.hs_description("2701") is not None
    assert refdata.hs_description("98") is None


def test_shipped_files_are_small_and_named() -> None:
    files = resources.files("ecosec.refdata")
    names = {
        "countries.csv",
        "country_aliases.csv",
        "groups.toml",
        "baskets.toml",
        "hs_descriptions.csv.gz",
        "README.md",
    }
    sizes = {n: len(files.joinpath(n).read_bytes()) for n in names}
    assert sum(sizes.values()) < 400_000
    readme = files.joinpath("README.md").read_text(encoding="utf-8")
    for name in names - {"README.md"}:
        assert name in readme
