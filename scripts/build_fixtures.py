"""Copy small real-data fixtures for the tests from ../shared/data into tests/data/.

Run from the repository root: ``python scripts/build_fixtures.py``. Figures are not
changed; files are cut to a few hundred rows where noted in tests/data/README.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "tests" / "data"


def head(src: Path, dst: Path, lines: int, encoding: str = "utf-8") -> None:
    with (
        src.open(encoding=encoding, newline="") as f,
        dst.open("w", encoding=encoding, newline="") as g,
    ):
        for i, line in enumerate(f):
            if i >= lines:
                break
            g.write(line)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    kj = SHARED / "korea_japan"
    shutil.copy(kj / "HF_trade_all.csv", OUT / "comtrade_legacy_hf_2014.csv")
    shutil.copy(kj / "memorychip_trade.csv", OUT / "comtrade_legacy_memory_2014.csv")
    head(kj / "KJimport2018.csv", OUT / "comtrade_legacy_kor_from_jpn_2018_head.csv", 401)
    ct = SHARED / "comtrade_samples"
    shutil.copy(
        ct / "ic_exports_world_HS8542_202501_202508_uncomtrade.csv",
        OUT / "comtradeplus_monthly_8542_2025.csv",
    )
    head(
        ct / "ic_exports_world_HS8542_raw.csv",
        OUT / "comtradeplus_annual_8542_head.csv",
        301,
        encoding="latin-1",
    )
    book = pd.read_excel(kj / "korea_customs_monthly_hs10_2000_2021.xlsx", dtype=str)
    hf = book[book["Item"] == "2811111000"]
    hf.to_excel(OUT / "korea_customs_hf_2811111000.xlsx", index=False, sheet_name="sheet1")
    print("fixtures written to", OUT, sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
