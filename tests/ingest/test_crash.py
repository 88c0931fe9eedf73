"""Crash safety: an ingest killed (SIGKILL) at several points leaves the store valid.

Each case runs the ingest in a child interpreter that kills itself at one point of the
publish protocol (by wrapping the call made there, test-side only), then checks that
the store opens, lists only the previous version with its data intact, holds no
visible partial version, and that a re-run publishes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from ecosec import api
from ecosec.web.app import create_app
from tests.conftest import flows_of, sample_baci_2024, write_baci_zip

CHILD = r"""
import os, signal, sys
point, zip_path, store = sys.argv[1:]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "convert":
    import ecosec.ingest.baci as b
    real_convert = b._convert_year
    def convert(*args, **kw):
        real_convert(*args, **kw)  # one year's Parquet written into staging
        die()
    b._convert_year = convert
elif point == "rename":
    real_rename = os.rename
    def rename(a, b):
        real_rename(a, b)  # the version directory is in place, CURRENT not yet updated
        die()
    os.rename = rename
elif point == "pointer":
    real_replace = os.replace
    def replace(a, b):
        if str(b).endswith("CURRENT"):
            die()  # the new pointer file is written but not moved into place
        return real_replace(a, b)
    os.replace = replace
elif point == "prune":
    import ecosec.ingest.store as st
    def prune(*a, **k):
        die()  # published, before old versions are cleaned
    st.Store._prune = staticmethod(prune)

from pathlib import Path
from ecosec import api
api.ingest_baci(Path(zip_path), store=store)
"""


@pytest.mark.parametrize("point", ["convert", "rename", "pointer", "prune"])
def test_kill_at_each_point(tmp_path: Path, point: str) -> None:
    store = tmp_path / "store"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = write_baci_zip(tmp_path / "a" / "BACI_HS17_V202601.zip", sample_baci_2024().head(100))
    new = write_baci_zip(tmp_path / "b" / "BACI_HS17_V202601.zip", sample_baci_2024().head(250))
    first = api.ingest_baci(old, store=store).dataset.version
    before = api.datasets(store=store)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(new), str(store)],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == -9, proc.stderr[-2000:]
    after = api.datasets(store=store)
    rows = len(flows_of(store))
    if point == "prune":
        # Killed after the publish: the new version is complete and current.
        assert after["rows"].tolist() == [250] and rows == 250
    else:
        pd.testing.assert_frame_equal(after, before)
        assert rows == 100
    result = api.ingest_baci(new, store=store)
    assert result.dataset.manifest["rows"] == 250 and len(flows_of(store)) == 250
    assert not any((store / ".staging").iterdir())
    # On disk: the current version and the one it replaced (a reader may still be on
    # it), whatever the kill left — not the never-published version of a kill after
    # the rename, which is newer than the previous one.
    versions = {p.name for p in result.dataset.path.parent.iterdir() if p.is_dir()}
    if point == "prune":
        assert result.changed is False and len(versions) == 2 and first in versions
    else:
        assert versions == {first, result.dataset.version}


WRITER = r"""
import sys
from pathlib import Path
from ecosec import api
store, a, b, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    api.ingest_baci(a if i % 2 else b, store=store, name="alternating")
"""


WEB_TABLE = "/api/dependencies/all?year=2024&page_size=1"


def _web_total(app: Any) -> int:
    """The row count the web app answers for WEB_TABLE (in process, over ASGI)."""

    async def get() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.get(WEB_TABLE)
        assert r.status_code == 200, r.text
        return int(r.json()["total"])

    return asyncio.run(get())


def test_readers_during_ingests_see_old_or_new_never_a_mix(tmp_path: Path) -> None:
    """Readers during repeated publishes see 100 or 250 rows: the library, and the web
    app answering its dependency table (of one version or the other, never a mix)."""
    import time

    store = tmp_path / "store"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_baci_zip(tmp_path / "a" / "BACI_HS17_V202601.zip", sample_baci_2024().head(100))
    b = write_baci_zip(tmp_path / "b" / "BACI_HS17_V202601.zip", sample_baci_2024().head(250))
    # What the web app answers for each version: its table of every importer x product.
    expected = {}
    for rows, z in ((100, a), (250, b)):
        one = tmp_path / f"only-{rows}"
        api.ingest_baci(z, store=one)
        expected[rows] = _web_total(create_app(one))
    assert expected[100] != expected[250]
    api.ingest_baci(a, store=store, name="alternating")
    web = create_app(store)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store), str(a), str(b), "12"])
    seen: set[int] = set()
    answered: set[int] = set()
    reads = 0
    deadline = time.monotonic() + 120
    while writer.poll() is None and time.monotonic() < deadline:
        seen.add(len(flows_of(store)))
        answered.add(_web_total(web))
        reads += 1
    writer.wait(timeout=60)
    assert writer.returncode == 0
    assert reads > 5 and seen <= {100, 250} and seen == {100, 250}
    # The web app, reading as it serves, never answered from a mix of the two versions.
    assert answered == set(expected.values()), (answered, expected)
