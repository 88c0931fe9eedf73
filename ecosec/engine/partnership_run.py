"""The data pipeline of a partnership: which query runs on which table and year.

:class:`Context` settles the inputs once (the pair, the year, the previous year for
growth, the basket, which tables hold that year). :func:`compute` then runs the SQL of
:mod:`ecosec.engine.complementarity` and :mod:`ecosec.engine.partnership` — on the
bilateral ``flows`` (HS6) and, where the year has them, on the HS4 ``totals`` — and
assembles the small result tables, verdicts and data notes of every section.

Queries: one for the years, one profile and one overview (section 1 and joint buyer
weight), the dependency table of both countries in one query, de-risking, shared
vulnerabilities and third markets (each one scan of the year's flows); the HS4 ones
read the small totals table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ecosec import refdata
from ecosec.engine import agenda as ag
from ecosec.engine import verdicts as vd
from ecosec.engine.challenges import challenges
from ecosec.engine.complementarity import overview4_sql, overview_sql, profile4_sql, profile_sql
from ecosec.engine.dependency import Importer, Thresholds, dependency_sql
from ecosec.engine.executor import Catalog, is_simple, run
from ecosec.engine.partnership import (
    Dependency,
    PartnershipParams,
    coverage_sql,
    derisking_sql,
    shared_sql,
    third_markets_sql,
    world_years_sql,
)
from ecosec.engine.partnership_notes import INGEST_BACI, Notes
from ecosec.engine.partnership_totals import derisking4_sql, shared4_sql, third_markets4_sql
from ecosec.engine.trade import sql_list
from ecosec.errors import NoData

HS6 = "HS6 bilateral flows"
HS4 = "HS4 country totals"

COMPLEMENTARITY_COLUMNS = [
    "scope", "level", "year", "n_products", "n_world_covered", "tc_a_to_b", "tc_b_to_a", "es",
    "gl", "ti_a_to_b", "ti_b_to_a", "n_compete", "n_complement_a_to_b", "n_complement_b_to_a",
    "a_exports_usd", "b_exports_usd", "a_imports_usd", "b_imports_usd", "a_to_b_usd",
    "b_to_a_usd", "compete_exports_usd", "complement_imports_usd",
]  # fmt: skip
PRODUCT_COLUMNS = [
    "level", "hs", "product", "year", "relation", "rca_a", "rca_b", "rca_joint",
    "a_exports_usd", "b_exports_usd", "a_imports_usd", "b_imports_usd", "a_to_b_usd",
    "b_to_a_usd", "gl", "share_a_imports_from_b", "share_b_imports_from_a", "world_usd",
    "world_covered", "source",
]  # fmt: skip
DERISKING_COLUMNS = [
    "level", "screen", "dependent", "partner", "hs", "product", "year", "risky_supplier",
    "risky_share", "imports_usd", "imports_from_risky_usd", "hhi_imports", "hhi_world",
    "import_export_ratio", "partner_exports_usd", "partner_exports_to_dependent_usd",
    "partner_rca", "partner_spare_usd", "coverable_usd", "coverage_share",
]  # fmt: skip
SHARED_COLUMNS = [
    "level", "hs", "product", "year", "supplier", "supplier_share_of_world", "a_imports_usd",
    "b_imports_usd", "a_from_supplier_usd", "b_from_supplier_usd", "a_supplier_share",
    "b_supplier_share", "combined_from_supplier_usd", "n_alternatives",
    "alternatives_spare_usd", "alternatives_cover", "alt1", "alt1_spare_usd", "alt2",
    "alt2_spare_usd", "alt3", "alt3_spare_usd",
]  # fmt: skip
MARKET_COLUMNS = [
    "rank", "level", "importer", "importer_name", "year", "prev_year", "imports_usd",
    "pair_exports_usd", "pair_share", "opportunity_usd", "imports_prev_usd", "growth_pa",
    "n_products", "top_product", "top_product_opportunity_usd",
]  # fmt: skip
BUYER_COLUMNS = [
    "level", "hs", "product", "year", "joint_import_share", "a_imports_usd", "b_imports_usd",
    "world_imports_usd", "n_suppliers", "n_common_suppliers", "top_joint_supplier",
    "top_joint_share", "hhi_joint_suppliers", "supplier_overlap", "a_top_supplier",
    "a_top_share", "b_top_supplier", "b_top_share", "source",
]  # fmt: skip


@dataclass(frozen=True)
class Context:
    """Everything a partnership's queries need, settled once."""

    catalog: Catalog
    a: str
    b: str
    year: int
    prev_year: int | None
    prev_year4: int | None
    broad_years: tuple[int, ...]
    partners: dict[int, tuple[int, int]]
    flow_years: tuple[int, ...]
    totals_years: tuple[int, ...]
    basket: str | None
    engine: str | None
    simple: bool
    p: PartnershipParams

    @classmethod
    def build(
        cls,
        catalog: Catalog,
        a: str,
        b: str,
        *,
        year: int | None,
        basket: str | None,
        engine: str | None,
        p: PartnershipParams | None,
    ) -> Context:
        """Validate the year against the data and pick the default and previous years."""
        cov = run(catalog, coverage_sql(a, b), engine="duckdb")
        flow_years = tuple(
            sorted(
                int(y)
                for y in run(
                    catalog,
                    "SELECT DISTINCT CASE WHEN freq = 'A' THEN period "
                    "ELSE CAST(FLOOR(period / 100) AS INTEGER) END AS year FROM flows",
                    engine="duckdb",
                )["year"]
            )
        )
        totals = run(
            catalog,
            "SELECT period AS year, COUNT(DISTINCT hs) AS headings FROM totals "
            f"WHERE freq = 'A' AND LENGTH(hs) = 4 AND country IN {sql_list([a, b])} "
            "GROUP BY period",
            engine="duckdb",
        )
        totals_years = tuple(sorted(int(y) for y in totals["year"]))
        headings = dict(
            zip(totals["year"].astype(int), totals["headings"].astype(int), strict=True)
        )
        broad = _broad_years(cov)
        if year is None:
            if broad:
                chosen = broad[-1]
            elif totals_years:
                chosen = totals_years[-1]
            else:
                raise NoData(
                    f"neither {a} nor {b} trades in the loaded data (`ecosec datasets` lists "
                    f"it); load data that cover them, e.g. {INGEST_BACI}"
                )
        else:
            chosen = int(year)
            if chosen not in set(flow_years) | set(totals_years):
                listed = ", ".join(map(str, sorted(set(flow_years) | set(totals_years))))
                raise NoData(f"no data for year {chosen}; years in the loaded data: {listed}")
        prev = [y for y in broad if y < chosen]
        # The previous totals year must hold at least half as many headings (a year with
        # only another source's few headings cannot measure growth).
        prev4 = [
            y for y in totals_years if y < chosen and headings[y] >= headings.get(chosen, 0) / 2
        ]
        return cls(
            catalog=catalog,
            a=a,
            b=b,
            year=chosen,
            prev_year=prev[-1] if prev else None,
            prev_year4=prev4[-1] if prev4 else None,
            broad_years=tuple(broad),
            partners={
                int(r["year"]): (int(r["a_partners"]), int(r["b_partners"]))
                for r in cov.to_dict("records")
            },
            flow_years=flow_years,
            totals_years=totals_years,
            basket=basket,
            engine=engine,
            simple=is_simple(catalog),
            p=p or PartnershipParams(),
        )

    @property
    def codes(self) -> tuple[str, ...] | None:
        return refdata.basket_codes(self.basket) if self.basket else None

    @property
    def headings(self) -> tuple[str, ...] | None:
        return tuple(sorted({c[:4] for c in self.codes})) if self.codes else None

    def run(self, sql: str) -> pd.DataFrame:
        return run(self.catalog, sql, engine=self.engine)


def _broad_years(cov: pd.DataFrame) -> list[int]:
    """Years in which both countries export to at least half as many partners as in
    the best-covered year (the weaker of the two counting) and their flows, in or out,
    link at least half as many country pairs (a year holding a few sources of either's
    trade, such as the sample's 2025 for Korea–USA, has the partners but not the pairs)."""
    if cov.empty:
        return []
    score = cov[["a_partners", "b_partners"]].min(axis=1)
    if score.max() <= 0:
        score = cov["a_partners"] + cov["b_partners"]
    broad = (score >= score.max() / 2) & (cov["pairs"] >= cov["pairs"].max() / 2)
    return sorted(int(y) for y in cov.loc[broad, "year"])


def _product(code: object) -> str:
    try:
        return refdata.hs_description(str(code)) or ""
    except ValueError:
        return ""


def _describe(df: pd.DataFrame, columns: list[str], level: str) -> pd.DataFrame:
    out = df.copy()
    out["level"] = level
    if "hs6" in out:
        out = out.rename(columns={"hs6": "hs"})
    if "hs" in out and "product" in columns:
        names = {c: _product(c) for c in out["hs"].dropna().unique()}
        out["product"] = out["hs"].map(names)
    for col in columns:
        if col not in out:
            out[col] = None
    return out[columns]


def _concat(frames: Sequence[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Stack section parts; counts, ranks and years as (nullable) integers."""
    parts = [f for f in frames if len(f)]
    out = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    for col in out.columns:
        if col.startswith("n_") or col in ("rank", "year", "prev_year"):
            out[col] = pd.to_numeric(out[col]).astype("Int64")
        elif out[col].dtype == object and out[col].map(_is_number).all():
            # a column that one part lacks (None) stays numeric
            out[col] = pd.to_numeric(out[col]).astype("float64")
    return out


def _is_number(v: object) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool))


def _in(df: pd.DataFrame, col: str, codes: Sequence[str] | None) -> pd.DataFrame:
    return df if codes is None or df.empty else df[df[col].isin(list(codes))]


def _dependencies(ctx: Context, prof: pd.DataFrame) -> tuple[pd.DataFrame, list[Dependency]]:
    sql = dependency_sql(
        Importer(None, (ctx.a, ctx.b)),
        hs=list(ctx.codes) if ctx.codes else None,
        years=[ctx.year],
        method="geodep",
        t=Thresholds(),
        simple=ctx.simple,
    )
    dep = ctx.run(sql)
    now = prof[prof["year"] == ctx.year].set_index("hs6") if len(prof) else prof
    # The GeoDep rule's world-concentration criterion needs world data: a flag on a
    # product whose year holds only the pair's own trade is set aside (and noted).
    world = set(now.index[now["world_covered"].astype(bool)]) if len(now) else set()
    if len(dep):
        dep = dep.assign(world_covered=dep["hs6"].isin(world))
    flagged = dep[dep["dependent"].astype(bool) & dep["world_covered"]] if len(dep) else dep
    rca = {(ctx.a, h): v for h, v in (now["rca_b"].items() if len(now) else [])} | {
        (ctx.b, h): v for h, v in (now["rca_a"].items() if len(now) else [])
    }
    deps = [
        Dependency(
            r["importer"],
            r["hs6"],
            r["top_supplier"],
            r["hhi_imports"],
            r["hhi_world"],
            r["import_export_ratio"],
            float(rca.get((r["importer"], r["hs6"]), float("nan"))),
        )
        for r in flagged.to_dict("records")
    ]
    return dep, deps


Result = tuple[
    dict[str, pd.DataFrame],
    dict[str, tuple[str, ...]],
    dict[str, tuple[str, ...]],
    dict[str, tuple[int, ...]],
    dict[str, set[tuple[str, str, int]]],
]


def compute(ctx: Context) -> Result:
    """Run every query of the partnership and assemble its sections.

    Returns five dicts keyed by section name: tables, verdicts, notes, years, and the
    sources used as ``(table, source name, year)``.
    """
    a, b, y, p = ctx.a, ctx.b, ctx.year, ctx.p
    notes = Notes(ctx)
    scopes = {
        n: list(refdata.basket_codes(n))
        for n in ([ctx.basket] if ctx.basket else refdata.baskets())
    }
    empty = pd.DataFrame()
    prof = ov = derisk = shared = third = dep = empty
    deps: list[Dependency] = []
    if y in ctx.flow_years:
        fallback: list[tuple[int, str]] = []
        if any(fy < y for fy in ctx.flow_years):
            wy = ctx.run(world_years_sql(a, b, before=y, min_third_flows=p.min_third_flows))
            fallback = [
                (int(r["year"]), str(r["hs6"]))
                for r in wy.to_dict("records")
                if int(r["year"]) < y and (ctx.codes is None or r["hs6"] in ctx.codes)
            ]
        prof = ctx.run(
            profile_sql(a, b, year=y, fallback=fallback, simple=ctx.simple,
                        min_third_flows=p.min_third_flows, rca=p.rca)
        )  # fmt: skip
        ov = ctx.run(
            overview_sql(a, b, year=y, scopes=scopes, include_all=ctx.basket is None,
                         simple=ctx.simple, min_third_flows=p.min_third_flows, rca=p.rca)
        )  # fmt: skip
        dep, deps = _dependencies(ctx, prof)
        if deps:
            derisk = ctx.run(derisking_sql(a, b, year=y, deps=deps, simple=ctx.simple))
            if {d.hs6 for d in deps if d.importer == a} & {d.hs6 for d in deps if d.importer == b}:
                shared = ctx.run(shared_sql(a, b, year=y, deps=deps, simple=ctx.simple))
        now = prof[(prof["year"] == y) & (prof["rca_joint"] >= p.rca)] if len(prof) else prof
        joint = sorted(_in(now, "hs6", ctx.codes)["hs6"]) if len(now) else []
        if joint:
            third = ctx.run(
                third_markets_sql(a, b, year=y, prev_year=ctx.prev_year, joint=joint,
                                  simple=ctx.simple, p=p)
            )  # fmt: skip
    prof4 = ov4 = derisk4 = shared4 = third4 = empty
    if y in ctx.totals_years:
        scopes4 = {n: sorted({c[:4] for c in codes}) for n, codes in scopes.items()}
        prof4 = _in(ctx.run(profile4_sql(a, b, year=y, rca=p.rca)), "hs", ctx.headings)
        ov4 = ctx.run(
            overview4_sql(a, b, year=y, scopes=scopes4, include_all=ctx.basket is None, rca=p.rca)
        )
        derisk4 = _in(ctx.run(derisking4_sql(a, b, year=y, p=p)), "hs", ctx.headings)
        shared4 = _in(ctx.run(shared4_sql(a, b, year=y, p=p)), "hs", ctx.headings)
        third4 = ctx.run(
            third_markets4_sql(a, b, year=y, prev_year=ctx.prev_year4, p=p, only=ctx.headings)
        )

    prof_y = prof[prof["year"] == y] if len(prof) else prof
    products = _concat(
        [
            _describe(_in(prof_y, "hs6", ctx.codes), PRODUCT_COLUMNS, HS6),
            _describe(prof4, PRODUCT_COLUMNS, HS4),
        ],
        PRODUCT_COLUMNS,
    )
    overview = _concat(
        [_describe(ov, COMPLEMENTARITY_COLUMNS, HS6), _describe(ov4, COMPLEMENTARITY_COLUMNS, HS4)],
        COMPLEMENTARITY_COLUMNS,
    )
    if len(derisk):
        derisk = derisk.assign(screen="GeoDep dependency (CEPII)")
    if len(derisk4):
        derisk4 = derisk4.rename(columns={"hhi_listed": "hhi_imports"}).assign(
            screen=f"top listed origin >= {p.hs4_top_share:.0%} of imports (HS4 top-10 lists)"
        )
    derisking = _concat(
        [_describe(derisk, DERISKING_COLUMNS, HS6), _describe(derisk4, DERISKING_COLUMNS, HS4)],
        DERISKING_COLUMNS,
    ).sort_values(["coverable_usd", "hs"], ascending=[False, True], ignore_index=True)
    shared_t = _concat(
        [_describe(shared, SHARED_COLUMNS, HS6), _describe(shared4, SHARED_COLUMNS, HS4)],
        SHARED_COLUMNS,
    )
    markets = _markets(third, third4)
    buyer = _buyer(prof, prof4, p, ctx.codes)
    chal = challenges([a, b], year=y)
    agenda = ag.agenda(
        a, b, derisking=derisking, shared=shared_t, buyer_weight=buyer, third_markets=markets,
        per_kind=p.agenda_per_kind,
    )  # fmt: skip

    tables = {
        "complementarity": overview,
        "products": products,
        "derisking": derisking,
        "shared": shared_t,
        "third-markets": markets,
        "buyer-weight": buyer,
        "challenges": chal,
        "agenda": agenda,
    }
    verdicts = {
        "complementarity": vd.complementarity(overview, a, b),
        "products": vd.products(products, a, b),
        "derisking": vd.derisking(derisking) + notes.on_partner(dep),
        "shared": vd.shared(shared_t, a, b),
        "third-markets": vd.third_markets(markets),
        "buyer-weight": vd.buyer_weight(buyer, a, b),
        "challenges": vd.challenges(chal, a, b),
        "agenda": vd.agenda(agenda),
    }
    flows_src = _sources(prof_y, "flows")
    totals_src = {("totals", str(s), y) for s in (prof4["source"] if len(prof4) else [])}
    prev = {("flows", s, ctx.prev_year) for _, s, _ in flows_src} if ctx.prev_year else set()
    sources_markets = (flows_src | prev if len(third) else set()) | (
        totals_src if len(third4) else set()
    )
    sources_buyer = _sources(buyer[buyer["level"] == HS6], "flows") | (
        totals_src if (buyer["level"] == HS4).any() else set()
    )

    def rows_src(t: pd.DataFrame) -> set[tuple[str, str, int]]:
        """Sources of a section's HS6 rows (from the profile) and of its HS4 rows."""
        hs6 = set(t.loc[t["level"] == HS6, "hs"]) if len(t) else set()
        out = _sources(prof_y[prof_y["hs6"].isin(hs6)], "flows") if hs6 else set()
        return out | (totals_src if len(t) and (t["level"] == HS4).any() else set())

    sources = {
        "complementarity": flows_src | totals_src,
        "products": flows_src | totals_src,
        "derisking": rows_src(derisking),
        "shared": rows_src(shared_t),
        "third-markets": sources_markets,
        "buyer-weight": sources_buyer,
        "challenges": {("context", "population", y), ("context", "energy_balance", y)},
        "agenda": rows_src(derisking) | rows_src(shared_t) | sources_buyer | sources_markets,
    }
    years = {name: _years(t, y) for name, t in tables.items()}
    all_notes = notes.build(
        tables=tables, prof=prof_y, dep=dep, deps=deps, scopes=scopes, has_flows=y in ctx.flow_years,
        has_totals=y in ctx.totals_years,
    )  # fmt: skip
    return tables, verdicts, all_notes, years, sources


def _years(df: pd.DataFrame, default: int) -> tuple[int, ...]:
    if "year" not in df or df.empty:
        return (default,)
    return tuple(sorted({int(v) for v in df["year"].dropna()}))


def _sources(df: pd.DataFrame, table: str) -> set[tuple[str, str, int]]:
    if df.empty or "source" not in df:
        return set()
    out = set()
    for src, year in df[["source", "year"]].drop_duplicates().itertuples(index=False):
        for part in str(src).split("+"):
            out.add((table, part, int(year)))
    return out


def _markets(third: pd.DataFrame, third4: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for df, level in ((third, HS6), (third4, HS4)):
        if df.empty:
            continue
        d = df.copy()
        d["level"] = level
        d["rank"] = range(1, len(d) + 1)
        names = {c: refdata.country_name(c) for c in d["importer"].unique()}
        d["importer_name"] = d["importer"].map(names)
        parts.append(d)
    return _concat(parts, MARKET_COLUMNS)


def _buyer(
    prof: pd.DataFrame, prof4: pd.DataFrame, p: PartnershipParams, codes: Sequence[str] | None
) -> pd.DataFrame:
    parts = []
    if len(prof):
        d = _in(prof[prof["world_covered"].astype(bool)], "hs6", codes)
        # a product's latest year with world data (the profile holds its fallback year)
        d = d.sort_values("year").drop_duplicates("hs6", keep="last")
        d = d[d["joint_import_share"] >= p.joint_buyer_share]
        parts.append(_describe(d.assign(world_imports_usd=d["world_usd"]), BUYER_COLUMNS, HS6))
    if len(prof4):
        d = prof4[prof4["joint_import_share"] >= p.joint_buyer_share]
        parts.append(
            _describe(d.assign(world_imports_usd=d["world_imports_usd"]), BUYER_COLUMNS, HS4)
        )
    out = _concat(parts, BUYER_COLUMNS)
    return out.sort_values(["joint_import_share", "hs"], ascending=[False, True], ignore_index=True)


def sources_label(catalog: Catalog, used: set[tuple[str, str, int]]) -> str:
    """The datasets behind ``(table, source, year)`` triples, with their attribution."""
    from ecosec.engine.challenges import ENERGY_SOURCE, POPULATION_SOURCE

    labels: dict[str, str] = {}
    for table, source, year in sorted(used):
        if table == "context":
            labels[source] = POPULATION_SOURCE if source == "population" else ENERGY_SOURCE
            continue
        matches = []
        for d in catalog.datasets:
            m = d.manifest
            files = d.flows_files if table == "flows" else d.totals_files
            parts = str(m.get("source", "")).split(",")
            if files and source in parts and year in (m.get("years") or [year]):
                matches.append(d)
        # An annual dataset wins over a monthly one of the same source and year (whose
        # months count only when the year is complete).
        annual = [d for d in matches if d.manifest.get("freq", "A") == "A"]
        for d in annual or matches:
            m = d.manifest
            labels[d.name] = str(m.get("attribution") or m.get("description") or source)
    return "; ".join(f"{k}: {v}" for k, v in sorted(labels.items())) or "no data for this section"
