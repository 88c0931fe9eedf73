"""Hostile files: mutated real inputs either ingest or fail with an EcosecError.

Hypothesis flips, deletes and inserts bytes in real files (a BACI zip built from the
sample's 2024 figures, a UN Comtrade legacy CSV, a comtradeplus CSV); whatever the
outcome, no other exception may escape and the store stays readable, and a file that
does ingest must be stored as an independent reading of it says (verify's checks).
"""

from __future__ import annotations

import os
import zipfile
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecosec import api
from ecosec.errors import EcosecError
from ecosec.ingest.store import Store
from ecosec.verify import _store as verify_store
from tests.conftest import DATA, sample_baci_2024, write_baci_zip

mutation = st.lists(
    st.tuples(st.sampled_from(["flip", "delete", "insert", "truncate"]), st.floats(0, 1),
              st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=4,
)  # fmt: skip


def _mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    b = bytearray(data)
    for op, where, payload in ops:
        i = min(int(where * len(b)), max(len(b) - 1, 0))
        if op == "flip" and b:
            b[i] ^= payload[0] or 1
        elif op == "delete":
            del b[i : i + len(payload)]
        elif op == "insert":
            b[i:i] = payload
        elif op == "truncate":
            del b[i:]
    return bytes(b)


def _check(ingest, path: Path, store: Path) -> None:  # type: ignore[no-untyped-def]
    store.mkdir(parents=True, exist_ok=True)  # a store folder, maybe empty, that must stay valid
    try:
        ingest(path, store=store)
    except EcosecError as exc:
        assert str(exc)  # one message, never empty
        event(f"refused: {type(exc).__name__}")
    else:
        _stored_as_read(store)
        event("ingested, stored as read")
    api.datasets(store=store)  # the store still opens


def _stored_as_read(store: Path) -> None:
    """A mutated file that ingests must be stored as an independent reading of it says:
    ``ecosec verify``'s manifest checks and ``--deep`` source checks (BACI: every row
    whole; Comtrade: Python's csv module and the documented rules, key by key)."""
    con = duckdb.connect(":memory:")
    try:
        for d in Store(store).datasets():
            checks = verify_store._manifest_checks(con, d) + verify_store._source_checks(con, d)
            skipped = [c for c in checks if "skipped" in c.detail]
            assert not skipped, skipped
            bad = [c for c in checks if not c.ok]
            assert not bad, bad
    finally:
        con.close()


# 25 examples per test in the suite; ECOSEC_FUZZ_EXAMPLES=2000 for a longer hunt
# (`pytest tests/ingest/test_fuzz.py --hypothesis-show-statistics` shows the outcomes).
# No hang: an example past 30 s fails (none takes a second), and each test has a
# timeout, so a parser stuck for good fails the run instead of blocking it.
_FUZZ = settings(
    max_examples=int(os.environ.get("ECOSEC_FUZZ_EXAMPLES", "25")),
    deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def baci_csv() -> bytes:
    flows = sample_baci_2024().head(300)
    import tempfile

    with tempfile.TemporaryDirectory() as t:
        z = write_baci_zip(Path(t) / "BACI_HS17_V202601.zip", flows)
        with zipfile.ZipFile(z) as zf:
            return zf.read("BACI_HS17_Y2024_V202601.csv")


@pytest.mark.timeout(int(os.environ.get("ECOSEC_FUZZ_TIMEOUT", "900")))
@_FUZZ
@given(ops=mutation)
def test_mutated_baci_csv(
    tmp_path_factory: pytest.TempPathFactory, baci_csv: bytes, ops: list[tuple[str, float, bytes]]
) -> None:
    d = tmp_path_factory.mktemp("b")
    text = _mutate(baci_csv, ops).decode("utf-8", "replace")
    z = write_baci_zip(d / "BACI_HS17_V202601.zip", sample_baci_2024().head(300), csv_text=text)
    _check(api.ingest_baci, z, d / "store")


@pytest.mark.timeout(int(os.environ.get("ECOSEC_FUZZ_TIMEOUT", "900")))
@_FUZZ
@given(ops=mutation)
def test_mutated_baci_zip_bytes(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, float, bytes]]
) -> None:
    d = tmp_path_factory.mktemp("z")
    z = write_baci_zip(d / "BACI_HS17_V202601.zip", sample_baci_2024().head(300))
    z.write_bytes(_mutate(z.read_bytes(), ops))
    _check(api.ingest_baci, z, d / "store")


@pytest.mark.timeout(int(os.environ.get("ECOSEC_FUZZ_TIMEOUT", "900")))
@_FUZZ
@given(
    ops=mutation,
    name=st.sampled_from(["comtrade_legacy_hf_2014.csv", "comtradeplus_monthly_8542_2025.csv"]),
)
def test_mutated_comtrade(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, float, bytes]], name: str
) -> None:
    d = tmp_path_factory.mktemp("c")
    p = d / name
    p.write_bytes(_mutate((DATA / name).read_bytes(), ops))
    _check(api.ingest_comtrade, p, d / "store")
