"""The store: atomic publish, failed and killed ingests leave the previous version."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ecosec import api
from ecosec.cli import app
from ecosec.errors import BadFile, BadInput, StoreError
from ecosec.ingest.store import Store, dataset_name
from tests.conftest import DATA, flows_of, sample_baci_2024, write_baci_zip


def test_publish_is_versioned_and_old_versions_are_pruned(tmp_path: Path, store: Path) -> None:
    flows = sample_baci_2024()
    versions = []
    for n in (10, 20, 30):
        (tmp_path / f"{n}").mkdir()
        z = write_baci_zip(tmp_path / f"{n}" / "BACI_HS17_V202601.zip", flows.head(n))
        versions.append(api.ingest_baci(z, store=store).dataset.version)
    assert len(set(versions)) == 3
    ds = Store(store).datasets()
    assert [d.version for d in ds] == [versions[-1]]
    assert ds[0].manifest["rows"] == 30
    kept = sorted(p.name for p in (store / "datasets" / ds[0].name).iterdir() if p.is_dir())
    assert kept == versions[-2:]  # the previous version stays for readers already on it


def test_failure_inside_staging_leaves_previous_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    with store.stage("x") as st:
        pd.DataFrame({"a": [1]}).to_parquet(st.flows_path)
        st.manifest["rows"] = 1
    before = store.get("x")
    assert before is not None
    with pytest.raises(RuntimeError), store.stage("x") as st:
        pd.DataFrame({"a": [2, 3]}).to_parquet(st.flows_path)
        raise RuntimeError("disk full")
    after = store.get("x")
    assert after is not None and after.version == before.version
    assert pd.read_parquet(after.flows_files[0])["a"].tolist() == [1]
    assert not any((tmp_path / "s" / ".staging").iterdir())


def test_dataset_names_are_sanitised() -> None:
    assert dataset_name("BACI HS17/V202601") == "baci-hs17-v202601"
    with pytest.raises(BadInput, match="--name"):
        dataset_name("../..")


def _big_zip(path: Path, rows: int) -> Path:
    """A BACI-layout zip of ``rows`` synthetic rows (codes from the real sample)."""
    rng = np.random.default_rng(1)
    base = sample_baci_2024()
    pick = rng.integers(0, len(base), rows)
    flows = base.iloc[pick].reset_index(drop=True)
    flows["value_usd"] = rng.lognormal(10, 2, rows)
    return write_baci_zip(path, flows)


@pytest.mark.slow
def test_sigkill_midway_keeps_previous_version_and_rerun_succeeds(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "a").mkdir()
    small = write_baci_zip(tmp_path / "a" / "BACI_HS17_V202601.zip", sample_baci_2024().head(100))
    api.ingest_baci(small, store=store)
    before = api.datasets(store=store)
    (tmp_path / "b").mkdir()
    big = _big_zip(tmp_path / "b" / "BACI_HS17_V202601.zip", 1_500_000)
    env = {**os.environ, "ECOSEC_HOME": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecosec", "ingest", "baci", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill while the year's data sits in staging: its copy (``*.csv.gz``, or ``*.csv``
    # when extracted) lives for the whole conversion. The country table's CSV is also
    # staged but removed within milliseconds, so it is not a reliable moment.
    staging = store / ".staging"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if staging.exists() and any(staging.rglob("BACI_HS17_Y*.csv*")):
            break
        time.sleep(0.005)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert alive, f"the ingest ended (exit {proc.returncode}) before it could be killed midway"
    # The store opens, lists the old version only, and its data read in full.
    pd.testing.assert_frame_equal(api.datasets(store=store), before)
    assert len(flows_of(store)) == 100
    # A re-run cleans the leftovers and publishes.
    result = api.ingest_baci(big, store=store)
    assert result.changed and result.dataset.manifest["rows"] == 1_500_000
    assert not any(staging.iterdir())


@pytest.mark.parametrize("pointer", ["../../..", "v1", "", "v20261130T044928327388Z/../x"])
def test_a_pointer_altered_by_hand_is_refused_with_one_message(
    tmp_path: Path, store: Path, pointer: str
) -> None:
    # A CURRENT naming a path outside the dataset was followed (and the error then
    # advised deleting ".../datasets/<name>/../../..").
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024().head(20))
    api.ingest_baci(path, store=store)
    current = store / "datasets" / "baci-hs17-v202601" / "CURRENT"
    current.write_text(pointer + "\n")
    with pytest.raises(StoreError, match=r"CURRENT names .*not a version of the dataset"):
        api.datasets(store=store)
    r = CliRunner().invoke(app, ["datasets", "--store", str(store)])
    assert r.exit_code != 0 and r.output.count("error:") == 1 and "Traceback" not in r.output
    # The remedy the message gives works: remove, then ingest again.
    assert "datasets --remove baci-hs17-v202601" in " ".join(r.output.split())
    r = CliRunner().invoke(
        app, ["datasets", "--remove", "baci-hs17-v202601", "--store", str(store)]
    )
    assert r.exit_code == 0, r.output
    api.ingest_baci(path, store=store)
    assert len(flows_of(store)) == 20


def test_a_file_rewritten_while_it_is_read_is_not_published(tmp_path: Path, store: Path) -> None:
    # Another process rewrote the CSV while ecosec read it: the altered figures were
    # published under the original file's digest, so re-ingesting the original then
    # said "already loaded with identical content; unchanged".
    src = tmp_path / "comtrade.csv"
    shutil.copy(DATA / "comtrade_legacy_kor_from_jpn_2018_head.csv", src)
    original = src.read_bytes()
    assert b",3676851," in original

    def rewrite(label: str, _: float | None) -> None:
        if label == "read" and src.read_bytes() == original:
            src.write_bytes(original.replace(b",3676851,", b",9999999999,"))

    with pytest.raises(BadFile, match=r"comtrade\.csv: changed while it was being read"):
        api.ingest_comtrade(src, store=store, progress=rewrite)
    assert api.catalog(store=store, sample=False).datasets == ()
    src.write_bytes(original)
    result = api.ingest_comtrade(src, store=store)
    assert result.changed and 3676851.0 in flows_of(store)["value_usd"].tolist()
