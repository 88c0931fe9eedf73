"""Data notes of a partnership: what the loaded data cannot answer, and what would.

Every section says where its table is partial or empty because of the data (a
product with no bilateral flows, a year with no earlier year to compare, a source
that holds only the pair's own trade) and names the dataset and the command that
would answer it — never an unexplained empty table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ecosec import refdata
from ecosec.engine.agenda import MIN_COVER, pct

if TYPE_CHECKING:
    from ecosec.engine.partnership import Dependency
    from ecosec.engine.partnership_run import Context

INGEST_BACI = (
    "bilateral HS6 flows of every product and country: download a BACI year from CEPII "
    "(https://www.cepii.fr, BACI HS17) and run `ecosec ingest baci BACI_HS17_V202601.zip`"
)
INGEST_COMTRADE = (
    "or a UN Comtrade extract with both countries as reporters: `ecosec ingest comtrade FILE.csv`"
)


def _codes(codes: Sequence[str], n: int = 8) -> str:
    head = ", ".join(codes[:n])
    return head + (f" … ({len(codes)} in all)" if len(codes) > n else "")


class Notes:
    """Builds the notes of each section from the tables and the context."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def on_partner(self, dep: pd.DataFrame) -> tuple[str, ...]:
        """Verdicts on dependencies of one partner on the other itself (the 2019 case)."""
        if dep.empty:
            return ()
        out = []
        a, b = self.ctx.a, self.ctx.b
        for who, other in ((a, b), (b, a)):
            rows = dep[
                dep["dependent"].astype(bool)
                & dep["world_covered"]
                & (dep["importer"] == who)
                & (dep["top_supplier"] == other)
            ].sort_values("imports_usd", ascending=False)
            if rows.empty:
                continue
            items = "; ".join(
                f"{r['hs6']} ({pct(r['top_share'])} of {who}'s imports)"
                for r in rows.head(5).to_dict("records")
            )
            out.append(
                f"{who} is dependent on {other} itself for {len(rows)} product(s): {items}. "
                "Not a de-risking case: a matter for supply assurance between the two."
            )
        return tuple(out)

    def build(
        self,
        *,
        tables: dict[str, pd.DataFrame],
        prof: pd.DataFrame,
        dep: pd.DataFrame,
        deps: list[Dependency],
        scopes: dict[str, list[str]],
        has_flows: bool,
        has_totals: bool,
    ) -> dict[str, tuple[str, ...]]:
        ctx = self.ctx
        y = ctx.year
        comp: list[str] = []
        if ctx.broad_years and y not in ctx.broad_years:
            na, nb = ctx.partners.get(y, (0, 0))
            best = max(ctx.broad_years, key=lambda x: min(ctx.partners[x]))
            ba, bb = ctx.partners[best]
            comp.append(
                f"{y} is thinly covered in the loaded data: {ctx.a} exports to {na} partners "
                f"and {ctx.b} to {nb}, against {ba} and {bb} in {best}; its figures rest on "
                f"partial sources. The default year is {ctx.broad_years[-1]}."
            )
        if not has_flows:
            comp.append(
                f"No bilateral flows for {y} in the loaded data: no HS6 indices, GL or trade "
                f"intensity. What would answer it: {INGEST_BACI}."
            )
        else:
            comp += self._coverage(prof, scopes, has_totals)
        if has_totals:
            comp.append(
                "HS4 rows (level 'HS4 country totals') use country totals: RCA is relative "
                "to the headings of the totals table, not to all goods; the pair's bilateral "
                "trade is known only where a top-10 partner list names the partner, so GL "
                f"and trade intensity are left empty there. What would answer it: {INGEST_BACI}."
            )
        world: list[str] = []
        if has_flows and not (len(prof) and prof["world_covered"].astype(bool).any()):
            world.append(
                f"No product of {y} has world data in the loaded flows (no trade between third "
                "countries: the sources of that year hold only the pair's own trade), so no "
                f"RCA, world shares or joint-advantage products. What would answer it: {INGEST_BACI}."
            )
        agenda = [
            f"Ranked by value at stake, at most {ctx.p.agenda_per_kind} projects of each "
            f"kind; a partner's supply counts when it covers at least {MIN_COVER:.0%} of "
            "the imports from the risky supplier."
        ]
        if tables["agenda"].empty:
            agenda.append(
                "No candidate project: sections 2-5 hold none for this pair, year and basket "
                "(see their notes)."
            )
        notes = {
            "complementarity": tuple(comp),
            "products": tuple(comp),
            "derisking": tuple(
                self._derisking(tables["derisking"], deps, has_flows, has_totals, dep)
            ),
            "shared": tuple(self._shared(tables["shared"], deps, has_flows)),
            "third-markets": tuple(
                world + self._markets(tables["third-markets"], has_flows, has_totals)
            ),
            "buyer-weight": tuple(world + self._buyer(tables["buyer-weight"])),
            "challenges": tuple(self._challenges(tables["challenges"])),
            "agenda": tuple(agenda),
        }
        return notes

    def _coverage(
        self, prof: pd.DataFrame, scopes: dict[str, list[str]], has_totals: bool
    ) -> list[str]:
        ctx = self.ctx
        a, b, y = ctx.a, ctx.b, ctx.year
        out = []
        covered = set(prof.loc[prof["world_covered"].astype(bool), "hs6"]) if len(prof) else set()
        for name, codes in scopes.items():
            missing = [c for c in codes if c not in covered]
            if not missing:
                continue
            line = (
                f"{name}: {len(codes) - len(missing)} of {len(codes)} HS6 codes have "
                f"bilateral flows with world coverage in {y}; missing: {_codes(missing)}"
            )
            if has_totals:
                line += (
                    " (their HS4 headings appear as country totals where the totals table has them)"
                )
            out.append(line + ".")
        if out:
            out.append(f"What would answer it: {INGEST_BACI}.")
        if len(prof):
            local = prof[~prof["world_covered"].astype(bool)]
            if len(local):
                srcs = ", ".join(sorted(set(local["source"].astype(str))))
                out.append(
                    f"{len(local)} product(s) of the pair's trade in {y} come only from sources "
                    f"holding the pair's own trade ({srcs}): no RCA or world shares for them "
                    "(relation 'no world data')."
                )
            n_ab = int((prof["a_to_b_usd"] > 0).sum())
            n_ba = int((prof["b_to_a_usd"] > 0).sum())
            lo, hi = sorted((n_ab, n_ba))
            if hi >= 10 * max(lo, 1):
                out.append(
                    f"The data record {a}->{b} flows for {n_ab} products and {b}->{a} for "
                    f"{n_ba}: one direction is recorded far more fully (a source with only one "
                    "country's imports), so GL and TC rest on a one-sided record; "
                    f"{INGEST_COMTRADE}."
                )
        return out

    def _derisking(
        self,
        df: pd.DataFrame,
        deps: list[Dependency],
        has_flows: bool,
        has_totals: bool,
        dep: pd.DataFrame,
    ) -> list[str]:
        ctx = self.ctx
        a, b, y = ctx.a, ctx.b, ctx.year
        out = []
        if len(dep):
            aside = dep[dep["dependent"].astype(bool) & ~dep["world_covered"]]
            if len(aside):
                out.append(
                    f"{len(aside)} product(s) flagged by the dependency engine in {y} are set "
                    "aside: their data hold only the pair's own trade (e.g. a source with one "
                    "country's imports from one partner), so the rule's world-concentration "
                    f"criterion has no world to measure. What would answer it: {INGEST_BACI}."
                )
        if has_flows and not deps:
            out.append(
                f"Neither {a} nor {b} has a product flagged dependent (GeoDep rule) among the "
                f"HS6 flows of {y} that have world data."
            )
        elif has_flows and not (df["level"] == "HS6 bilateral flows").any():
            out.append(
                f"Every HS6 dependency of {a} and {b} in {y} is on the partner itself (see the "
                "verdicts): none to de-risk with the partner's help."
            )
        if not has_flows:
            out.append(f"No bilateral flows for {y}: the GeoDep rule needs them; {INGEST_BACI}.")
        if has_totals:
            out.append(
                f"HS4 rows are a screen, not the GeoDep flag: only each country's top-10 import "
                f"origins are known there (for net importers), so the row appears when the top "
                f"origin holds at least {ctx.p.hs4_top_share:.0%} of imports; hhi_imports is "
                "over the listed origins (a lower bound). The GeoDep rule on chips, equipment, "
                f"wafers and photoresist needs {INGEST_BACI}."
            )
        return out

    def _shared(self, df: pd.DataFrame, deps: list[Dependency], has_flows: bool) -> list[str]:
        ctx = self.ctx
        a, b, y = ctx.a, ctx.b, ctx.year
        if len(df):
            return []
        n_a = sum(d.importer == a for d in deps)
        n_b = sum(d.importer == b for d in deps)
        line = (
            f"No product in {y} on which {a} and {b} both depend on the same third supplier "
            f"(HS6 dependencies found: {a} {n_a}, {b} {n_b}; at HS4 both would need import-origin "
            "lists, which exist only for net importers)."
        )
        if not has_flows:
            line += f" No bilateral flows for {y}: {INGEST_BACI}."
        return [line]

    def _markets(self, df: pd.DataFrame, has_flows: bool, has_totals: bool) -> list[str]:
        ctx = self.ctx
        out = []
        if has_flows and ctx.prev_year is None:
            out.append(
                f"No earlier year of comparable coverage before {ctx.year}: growth_pa is empty "
                "for HS6 markets, ranked by opening alone. A BACI zip holds every year: "
                "`ecosec ingest baci BACI_HS17_V202601.zip` loads them all."
            )
        if has_totals:
            out.append(
                "HS4 markets: the pair's exports to a market come from top-10 partner lists "
                "(a lower bound), so pair_share may be understated there."
            )
        if len(df) and "imports_prev_usd" in df:
            # Growth from a near-empty base is entry, not a trend worth ranking on.
            small = df[(df["imports_prev_usd"] < 0.1 * df["imports_usd"]) & df["growth_pa"].notna()]
            if len(small):
                out.append(
                    f"growth_pa of {', '.join(sorted(set(small['importer'])))} starts from "
                    "imports under a tenth of today's (imports_prev_usd): read it as a market "
                    "opening up, not as a growth rate."
                )
        if df.empty:
            out.append(
                f"No importer qualifies (joint RCA >= {ctx.p.rca:g}, pair share below "
                f"{ctx.p.max_pair_share:.0%}, imports not falling) in the loaded data."
            )
        return out

    def _buyer(self, df: pd.DataFrame) -> list[str]:
        ctx = self.ctx
        out = []
        old = df[df["year"] < ctx.year] if len(df) else df
        for year, rows in old.groupby("year"):
            out.append(
                f"{_codes(sorted(rows['hs']))} use {year}, the latest year with world data for "
                f"them in the loaded flows; current bilateral figures: {INGEST_BACI}."
            )
        if len(df) and (df["level"] == "HS4 country totals").any():
            out.append(
                "HS4 rows use country totals: the pair's share of world imports is exact; "
                "suppliers are known only from import-origin lists (top 10, net importers), "
                "and not at all for the energy headings."
            )
        if df.empty:
            out.append(
                f"No product where {ctx.a} and {ctx.b} together make "
                f"{ctx.p.joint_buyer_share:.0%} or more of world imports in the loaded data."
            )
        return out

    def _challenges(self, df: pd.DataFrame) -> list[str]:
        ctx = self.ctx
        out = [
            "From the context tables shipped with ecosec (UN World Population Prospects 2022; "
            "BP Statistical Review 2021, last year 2020), whatever data store is in use."
        ]
        for c in (ctx.a, ctx.b):
            have = set(df.loc[df["country"] == c, "indicator"]) if len(df) else set()
            if not any(i.startswith("share_65") for i in have):
                out.append(f"No population figures for {refdata.country_name(c)} ({c}).")
            if not any(i.startswith("net_import") for i in have):
                out.append(
                    f"No energy balance for {refdata.country_name(c)} ({c}): BP lists it only "
                    "within a region."
                )
        return out
