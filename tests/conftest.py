"""Shared fixtures: an empty store per test, real-data fixture files, a BACI-layout zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ecosec import refdata
from ecosec.engine.executor import sample_dir

DATA = Path(__file__).parent / "data"

# Names and descriptions that must reach a page escaped (tests/report, tests/web).
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(1)</script>",
    "<!--<script>",
    'Tom & Jerry\'s "ltd"',
]


def flows_of(store: Path) -> pd.DataFrame:
    """The canonical flows of a store as every reader sees them (the executor's view)."""
    from ecosec.engine.executor import connect, open_catalog

    return connect(open_catalog(store, sample=False)).execute("SELECT * FROM flows").df()


def totals_of(store: Path) -> pd.DataFrame:
    from ecosec.engine.executor import connect, open_catalog

    return connect(open_catalog(store, sample=False)).execute("SELECT * FROM totals").df()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real store."""
    monkeypatch.setenv("ECOSEC_HOME", str(tmp_path / "home-store"))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty store folder (analyses on it read the sample until something is ingested)."""
    path = tmp_path / "store"
    path.mkdir()
    return path


def sample_baci_2024() -> pd.DataFrame:
    """The sample's real BACI 2024 critical-mineral flows (USD, tonnes, ISO3)."""
    return pd.read_parquet(sample_dir() / "baci-critical-2024.flows.parquet")


def write_baci_zip(
    path: Path,
    flows: pd.DataFrame,
    *,
    year: int = 2024,
    rev: str = "17",
    pad_na: bool = True,
    csv_text: str | None = None,
    release: str = "202601",
) -> Path:
    """Write ``flows`` (canonical columns) as a BACI zip: numeric codes, thousand USD, NA q.

    Quantities that are missing are written ``NA``; every other one padded with spaces
    as some BACI versions do, when ``pad_na``.
    """
    countries = refdata.countries()
    num = dict(zip(countries["code"], countries["numeric"], strict=True))
    if csv_text is None:
        out = pd.DataFrame(
            {
                "t": year,
                "i": flows["exporter"].map(num),
                "j": flows["importer"].map(num),
                "k": flows["hs6"].astype(int),
                "v": (flows["value_usd"] / 1000.0).map(lambda v: f"{v:.3f}"),
                "q": flows["qty_t"].map(lambda q: f"{q:.3f}" if pd.notna(q) else "NA"),
            }
        )
        if pad_na:
            na = out["q"] == "NA"
            out.loc[na[na].index[::2], "q"] = "           NA"
        csv_text = out.to_csv(index=False)
    table = countries.rename(
        columns={
            "numeric": "country_code",
            "name": "country_name",
            "iso2": "country_iso2",
            "code": "country_iso3",
        }
    )[["country_code", "country_name", "country_iso2", "country_iso3"]]
    products = sorted(set(flows["hs6"])) if len(flows) else []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"BACI_HS{rev}_Y{year}_V{release}.csv", csv_text)
        z.writestr(f"country_codes_V{release}.csv", table.to_csv(index=False))
        z.writestr(
            f"product_codes_HS{rev}_V{release}.csv",
            "code,description\n" + "".join(f'{int(k)},"product {k}"\n' for k in products),
        )
    return path


@pytest.fixture
def baci_zip(tmp_path: Path) -> Path:
    return write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024())


def make_store(root: Path, table: pd.DataFrame, *, side: str = "R", freq: str = "A") -> Path:
    """A store holding ``table`` (period, exporter, importer, hs6, value_usd) as one dataset."""
    from ecosec.ingest._common import describe
    from ecosec.ingest.schema import FLOWS_COLUMNS
    from ecosec.ingest.store import Store

    df = table.copy()
    defaults = {
        "freq": freq,
        "hs_rev": "HS17",
        "qty_t": float("nan"),
        "source": "test",
        "reporter_side": side,
    }
    for k, v in defaults.items():
        if k not in df:
            df[k] = v
    df["period"] = df["period"].astype("int32")
    with Store(root).stage("constructed") as st:
        df[list(FLOWS_COLUMNS)].to_parquet(st.flows_path, index=False)
        st.manifest.update(describe(st))
    return root


def assert_same_tables(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    keys: list[str] | None = None,
    label: str = "",
    nonempty: bool = True,
) -> None:
    """Two engines' results are the same table: same columns and rows (in ``keys`` order
    when given), codes, counts and flags equal, floats within a relative 1e-9 (sums may
    differ in the last bits with summation order)."""
    if keys:
        a = a.sort_values(keys).reset_index(drop=True)
        b = b.sort_values(keys).reset_index(drop=True)
    assert list(a.columns) == list(b.columns) and len(a) == len(b), label
    assert len(a) > 0 or not nonempty, label
    for col in a.columns:
        if pd.api.types.is_float_dtype(a[col]):
            assert a[col].to_numpy() == pytest.approx(
                b[col].astype(float).to_numpy(), rel=1e-9, nan_ok=True
            ), (label, col)
        else:
            assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (label, col)
