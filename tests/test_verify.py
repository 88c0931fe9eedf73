"""``ecosec verify``: passes on intact data, fails loudly on altered files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ecosec import api
from ecosec.cli import app
from ecosec.verify import verify

runner = CliRunner()


def test_sample_and_fresh_ingest_pass(baci_zip: Path, store: Path) -> None:
    assert verify(sample=True)["ok"].all()
    api.ingest_baci(baci_zip, store=store)
    df = verify(store=store, deep=True)
    assert df["ok"].all()
    src = df[df["check"] == "source"]
    # The source-file figures were recomputed (not skipped): rows of the real sample.
    assert len(src) == 2 and src["expected"].iloc[0] == 21723


def test_altered_parquet_is_reported(baci_zip: Path, store: Path) -> None:
    api.ingest_baci(baci_zip, store=store)
    ds = api.catalog(store=store).datasets[0]
    part = ds.flows_files[0]
    df = pd.read_parquet(part)
    df.iloc[:-10].to_parquet(part, index=False)  # ten rows lost behind the store's back
    out = verify(store=store)
    bad = out[~out["ok"]]
    assert set(bad["check"]) == {"manifest"} and len(bad) == 2
    r = runner.invoke(app, ["verify", "--store", str(store)])
    assert r.exit_code == 1 and "2 check(s) failed" in r.output
