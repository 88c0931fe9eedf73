"""Reference code tables as DuckDB tables, for joins inside ingest SQL."""

from __future__ import annotations

import duckdb

from ecosec import refdata


def load_country_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``country_codes(numeric, key, code)`` from the shipped BACI country table,
    and ``country_keys(key, code)``, one row per key, for joins on the code as written.

    ``numeric`` is the UN/BACI numeric code, ``key`` an upper-case code or alias as files
    write it (``KOR``, ``TWN``), ``code`` the canonical code (``KOR``, ``S19``). A key can
    have two numeric codes (BEL 56 and Belgium-Luxembourg 58, DEU 276 and 280, SDN 729
    and 736): a join on ``key`` must use ``country_keys``, or it doubles those rows.
    """
    countries = refdata.countries()[["code", "numeric"]]
    aliases = refdata.country_aliases()[["alias", "code"]]
    con.register("_countries_df", countries)
    con.register("_aliases_df", aliases)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE country_codes AS
           SELECT CAST(numeric AS INTEGER) AS numeric, upper(code) AS key, code
           FROM _countries_df
           UNION ALL
           SELECT DISTINCT NULL::INTEGER, upper(alias), code FROM _aliases_df
           WHERE upper(alias) NOT IN (SELECT upper(code) FROM _countries_df)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE country_keys AS
           SELECT DISTINCT key, code FROM country_codes"""
    )
    con.unregister("_countries_df")
    con.unregister("_aliases_df")


def country_names_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``country_names(name_key, code)``: aliases and names, lower-case without spaces."""
    countries = refdata.countries()[["code", "name"]]
    aliases = refdata.country_aliases()[["alias", "code"]]
    con.register("_countries_df", countries)
    con.register("_aliases_df", aliases)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE country_names AS
           SELECT DISTINCT name_key, first(code) AS code FROM (
             SELECT regexp_replace(lower(alias), '[^a-z0-9]', '', 'g') AS name_key, code
             FROM _aliases_df
             UNION ALL
             SELECT regexp_replace(lower(name), '[^a-z0-9]', '', 'g'), code FROM _countries_df
             UNION ALL
             SELECT lower(code), code FROM _countries_df)
           GROUP BY name_key"""
    )
    con.unregister("_countries_df")
    con.unregister("_aliases_df")
