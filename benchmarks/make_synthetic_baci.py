"""Generate a synthetic, full-size BACI year in CEPII's own zip layout.

The zip ``BACI_HS17_V202601.zip`` holds what a real BACI download holds (see
DESIGN.md, "Formats users bring"):

- ``BACI_HS17_Y2022_V202601.csv`` with header ``t,i,j,k,v,q``: year; exporter and
  importer as numeric country codes; product as an integer HS6 with the leading zero
  dropped (``10121``); ``v`` in thousands of USD and ``q`` in tonnes, both with at most
  three decimals; missing ``q`` written ``NA``, part of them padded with spaces
  (``           NA``) as some BACI versions do. Rows are sorted by ``i, j, k`` and each
  (exporter, importer, product) triple occurs once, as in BACI.
- ``country_codes_V202601.csv`` (``country_code,country_name,country_iso2,country_iso3``).
- ``product_codes_HS17_V202601.csv`` (``code,description``).

Countries come from the package's ``ecosec/refdata/countries.csv`` (columns ``code``
(ISO3), ``numeric``, ``name``, ``iso2``) when that file exists, else from 230 made-up
codes. Products are ~5,000 made-up HS6 codes. Flows are heavy-tailed: a few large
traders carry most rows and value, values are log-normal around country size and
exporter specialisation, quantities follow a per-product unit value.

Nothing is held for the whole year: flows are drawn one exporter at a time, formatted
with Arrow compute kernels in chunks of about a million rows, and streamed into the
zip entry. A full 11-million-row year needs a few hundred MB of memory.

Usage::

    python benchmarks/make_synthetic_baci.py --out /tmp/baci          # 11M rows
    python benchmarks/make_synthetic_baci.py --rows 200000 --out /tmp/baci_small
"""

from __future__ import annotations

import argparse
import csv
import io
import string
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

REPO_ROOT = Path(__file__).resolve().parents[1]
COUNTRIES_CSV = REPO_ROOT / "ecosec" / "refdata" / "countries.csv"

DEFAULT_ROWS = 11_000_000
DEFAULT_PRODUCTS = 5_000
FALLBACK_COUNTRIES = 230
# An exporter may fill at most this share of its (importer x product) cells; beyond it
# sampling without replacement slows down and the data stops looking like trade.
MAX_FILL = 0.85
NA_PAD = " " * 11 + "NA"

# The largest traders get the largest sizes when they are in the country table, so
# the synthetic year ranks them roughly as real data does. The rest is shuffled.
LARGE_TRADERS = (
    "CHN", "USA", "DEU", "NLD", "JPN", "KOR", "FRA", "ITA", "HKG", "GBR",
    "MEX", "CAN", "BEL", "IND", "SGP", "ESP", "CHE", "POL", "ARE", "VNM",
)  # fmt: skip


@dataclass(frozen=True)
class Country:
    numeric: int
    name: str
    iso2: str
    iso3: str


@dataclass(frozen=True)
class Generated:
    path: Path
    rows: int
    seconds: float
    zip_bytes: int
    csv_bytes: int
    value_kusd: float  # sum of v, thousands of USD
    na_rows: int


def load_countries(path: Path = COUNTRIES_CSV) -> list[Country]:
    """Countries from the package table, or 230 made-up ones when it is absent."""
    countries: list[Country] = []
    if path.is_file():
        seen: set[int] = set()
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(line for line in fh if not line.startswith("#")):
                numeric = (row.get("numeric") or "").strip()
                if not numeric.isdigit() or int(numeric) in seen:
                    continue  # aggregates or entries without a numeric code
                seen.add(int(numeric))
                countries.append(
                    Country(
                        numeric=int(numeric),
                        name=(row.get("name") or "").strip(),
                        iso2=(row.get("iso2") or "").strip(),
                        iso3=(row.get("code") or "").strip(),
                    )
                )
    if len(countries) >= 2:
        return sorted(countries, key=lambda c: c.numeric)
    letters = string.ascii_uppercase
    made_up = []
    for n in range(FALLBACK_COUNTRIES):
        pair = letters[n // 26] + letters[n % 26]
        made_up.append(Country(4 * (n + 1), f"Synthetic country {pair}", pair, "X" + pair))
    return made_up


def make_products(rng: np.random.Generator, n_products: int) -> np.ndarray:
    """``n_products`` distinct HS6 codes as sorted int64 (``10121`` for 010121)."""
    chapters = np.array([c for c in range(1, 98) if c != 77])  # chapter 77 is reserved
    headings = np.arange(1, 31)
    subheadings = np.array([10, 11, 12, 19, 20, 21, 22, 29, 30, 31, 39, 40, 50, 60, 90, 91, 99])
    grid = (
        chapters[:, None, None] * 10_000
        + headings[None, :, None] * 100
        + subheadings[None, None, :]
    ).ravel()
    if n_products > grid.size:
        raise SystemExit(f"--products must be at most {grid.size}; got {n_products}")
    return np.sort(rng.choice(grid, size=n_products, replace=False)).astype(np.int64)


def country_sizes(rng: np.random.Generator, countries: Sequence[Country]) -> np.ndarray:
    """A Zipf-like size per country (sums to 1), large traders first when known."""
    n = len(countries)
    by_rank = np.arange(1, n + 1, dtype=np.float64) ** -0.7
    order = [k for code in LARGE_TRADERS for k, c in enumerate(countries) if c.iso3 == code]
    ranked = set(order)
    rest = [k for k in range(n) if k not in ranked]
    order += [int(k) for k in rng.permutation(rest)]
    sizes = np.empty(n)
    sizes[order] = by_rank
    shares: np.ndarray = sizes / sizes.sum()
    return shares


def rows_per_exporter(rows: int, sizes: np.ndarray, capacity: int) -> np.ndarray:
    """Split ``rows`` over exporters in proportion to size, none above MAX_FILL."""
    cap = MAX_FILL * capacity
    share = np.zeros_like(sizes)
    free = np.ones(sizes.size, dtype=bool)
    left = float(rows)
    while True:  # water-filling: cap the largest, spread what they cannot take
        share[free] = left * sizes[free] / sizes[free].sum()
        over = free & (share > cap)
        if not over.any():
            break
        share[over] = cap
        free &= ~over
        left = rows - share[~free].sum()
    counts: np.ndarray = np.floor(share).astype(np.int64)
    short = rows - int(counts.sum())
    counts[np.argsort(share - counts)[::-1][:short]] += 1  # largest remainders
    return counts


def _draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)


def sample_cells(
    rng: np.random.Generator,
    n: int,
    *,
    importer_cdf: np.ndarray,
    product_cdf: np.ndarray,
    exporter: int,
) -> np.ndarray:
    """``n`` distinct cells ``importer * n_products + product`` for one exporter, sorted.

    Draws with replacement from the weighted importer and product distributions and
    drops duplicates until enough remain. Popular cells fill up first; after a few
    rounds the rest is drawn uniformly, so large exporters (up to MAX_FILL of their
    cells) still finish in a handful of rounds. Memory is O(n), never O(cells).
    """
    n_countries, n_products = importer_cdf.size, product_cdf.size
    cells = np.empty(0, dtype=np.int64)
    for round_ in range(1000):
        need = n - cells.size
        if need <= 0:
            break
        draw = int(need * 1.3) + 64
        if round_ < 3:
            j = _draw(importer_cdf, rng.random(draw))
            k = _draw(product_cdf, rng.random(draw))
        else:
            j = rng.integers(0, n_countries - 1, draw)
            j += j >= exporter  # no flows from a country to itself
            k = rng.integers(0, n_products, draw)
        cells = np.union1d(cells, j.astype(np.int64) * n_products + k)
    else:  # pragma: no cover - MAX_FILL keeps acceptance above 15 %
        raise RuntimeError(f"could not draw {n} distinct cells for exporter {exporter}")
    if cells.size > n:
        cells = cells[np.sort(rng.choice(cells.size, size=n, replace=False))]
    return cells


def _decimals(milli: np.ndarray) -> pa.Array:
    """Integers in thousandths → shortest decimal text with ≤ 3 decimals (``12.345``)."""
    whole = pa.array(milli // 1000).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(milli % 1000).cast(pa.string()), width=3, padding="0")
    frac = pc.utf8_rtrim(frac, characters="0")
    return pc.if_else(pc.equal(frac, ""), whole, pc.binary_join_element_wise(whole, frac, "."))


def format_lines(
    *,
    year: int,
    exporter: np.ndarray,
    importer: np.ndarray,
    product: np.ndarray,
    v_milli: np.ndarray,
    q_milli: np.ndarray,
    q_na: np.ndarray,
    q_pad: np.ndarray,
) -> memoryview:
    """CSV lines ``t,i,j,k,v,q\\n`` for a chunk, as one contiguous buffer."""
    na_text = pc.if_else(pa.array(q_pad), pa.scalar(NA_PAD), pa.scalar("NA"))
    q_text = pc.if_else(pa.array(q_na), na_text, _decimals(q_milli))
    q_text = pc.binary_join_element_wise(q_text, pa.scalar(""), "\n")
    lines = pc.binary_join_element_wise(
        pa.scalar(str(year)),
        pa.array(exporter).cast(pa.string()),
        pa.array(importer).cast(pa.string()),
        pa.array(product).cast(pa.string()),
        _decimals(v_milli),
        q_text,
        ",",
    )
    # A string array stores its characters back to back: slice them out, no copy.
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


@dataclass(frozen=True)
class _Model:
    """Random structure shared by all chunks of one generated year."""

    sizes: np.ndarray  # per country, sums to 1
    product_cdf: np.ndarray  # cumulative product popularity
    specialisation: np.ndarray  # (countries, products) log multiplier of exporter values
    log_unit_value: np.ndarray  # per product, log USD per tonne


def _model(rng: np.random.Generator, countries: Sequence[Country], n_products: int) -> _Model:
    popularity = rng.lognormal(0.0, 1.0, n_products)
    cdf = np.cumsum(popularity)
    return _Model(
        sizes=country_sizes(rng, countries),
        product_cdf=cdf / cdf[-1],
        specialisation=rng.normal(0.0, 1.0, (len(countries), n_products)).astype(np.float32),
        # from bulk ores (~100 USD/t) to chips (~1e6 USD/t and more)
        log_unit_value=rng.normal(np.log(5_000.0), 2.0, n_products),
    )


def _exporter_cells(
    rng: np.random.Generator, counts: np.ndarray, model: _Model
) -> Iterator[tuple[int, np.ndarray]]:
    weights = model.sizes**0.8
    for e, n in enumerate(counts):
        if n == 0:
            continue
        w = weights.copy()
        w[e] = 0.0
        cdf = np.cumsum(w)
        yield (
            e,
            sample_cells(
                rng,
                int(n),
                importer_cdf=cdf / cdf[-1],
                product_cdf=model.product_cdf,
                exporter=e,
            ),
        )


def generate(
    *,
    rows: int = DEFAULT_ROWS,
    year: int = 2022,
    out_dir: Path,
    seed: int = 0,
    n_products: int = DEFAULT_PRODUCTS,
    version: str = "202601",
    hs_rev: str = "HS17",
    na_share: float = 0.05,
    chunk_rows: int = 1_000_000,
    countries_csv: Path = COUNTRIES_CSV,
    compresslevel: int = 6,
) -> Generated:
    """Write ``BACI_{hs_rev}_V{version}.zip`` into ``out_dir`` and describe it."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    countries = load_countries(countries_csv)
    products = make_products(rng, n_products)
    capacity = (len(countries) - 1) * n_products
    if rows > MAX_FILL * capacity * len(countries):
        raise SystemExit(
            f"--rows {rows} is too many for {len(countries)} countries x {n_products} "
            f"products; use at most {int(MAX_FILL * capacity * len(countries))} or raise "
            "--products."
        )
    model = _model(rng, countries, n_products)
    counts = rows_per_exporter(rows, model.sizes, capacity)
    numeric = np.array([c.numeric for c in countries], dtype=np.int64)
    log_size = np.log(model.sizes)
    log_size = (log_size - log_size.mean()) / log_size.std()

    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"BACI_{hs_rev}_V{version}.zip"
    csv_name = f"BACI_{hs_rev}_Y{year}_V{version}.csv"
    written = csv_bytes = na_rows = 0
    value_kusd = 0.0

    def flush(parts: list[tuple[int, np.ndarray]], fh: IO[bytes]) -> None:
        nonlocal written, csv_bytes, na_rows, value_kusd
        e = np.concatenate([np.full(c.size, x, dtype=np.int64) for x, c in parts])
        cells = np.concatenate([c for _, c in parts])
        j, k = np.divmod(cells, n_products)
        m = e.size
        log_v = (
            # Tuned so that 11M rows give a median flow of ~30 thousand USD, a largest
            # flow of ~100 billion and ~20 trillion USD in all, near a real BACI year.
            np.log(12.0)
            + 0.5 * log_size[e]
            + 0.5 * log_size[j]
            + 0.6 * model.specialisation[e, k]
            + rng.normal(0.0, 2.6, m)
        )
        v_milli = np.maximum(np.rint(np.exp(log_v) * 1000.0), 1).astype(np.int64)
        q_t = np.exp(log_v + np.log(1000.0) - model.log_unit_value[k] + rng.normal(0.0, 0.7, m))
        q_milli = np.maximum(np.rint(np.minimum(q_t, 1e14) * 1000.0), 1).astype(np.int64)
        q_na = rng.random(m) < na_share
        q_pad = rng.random(m) < 0.5
        buf = format_lines(
            year=year,
            exporter=numeric[e],
            importer=numeric[j],
            product=products[k],
            v_milli=v_milli,
            q_milli=q_milli,
            q_na=q_na,
            q_pad=q_pad,
        )
        fh.write(buf)
        written += m
        csv_bytes += len(buf)
        na_rows += int(q_na.sum())
        value_kusd += float(v_milli.sum()) / 1000.0
        parts.clear()

    # Deflate takes over half the run time; level 6 (zlib's default) gives a zip of
    # about the size of a real BACI year. Decompression speed barely depends on it.
    with zipfile.ZipFile(
        zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as zf:
        entry = zipfile.ZipInfo(csv_name, date_time=time.localtime()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        # ZipFile.open(name) would apply compresslevel but date the entry 1980; a ZipInfo
        # carries its own level (``compress_level`` from Python 3.13, private before).
        level_attr = "compress_level" if hasattr(entry, "compress_level") else "_compresslevel"
        setattr(entry, level_attr, compresslevel)
        with zf.open(entry, "w", force_zip64=True) as fh:
            header = b"t,i,j,k,v,q\n"
            fh.write(header)
            csv_bytes += len(header)
            parts: list[tuple[int, np.ndarray]] = []
            pending = 0
            for e, cells in _exporter_cells(rng, counts, model):
                parts.append((e, cells))
                pending += cells.size
                if pending >= chunk_rows:
                    flush(parts, fh)
                    pending = 0
            if parts:
                flush(parts, fh)
        zf.writestr(f"country_codes_V{version}.csv", _country_codes_csv(countries))
        zf.writestr(f"product_codes_{hs_rev}_V{version}.csv", _product_codes_csv(products))
    return Generated(
        path=zip_path,
        rows=written,
        seconds=time.perf_counter() - start,
        zip_bytes=zip_path.stat().st_size,
        csv_bytes=csv_bytes,
        value_kusd=value_kusd,
        na_rows=na_rows,
    )


def _country_codes_csv(countries: Sequence[Country]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
    writer.writerows([c.numeric, c.name, c.iso2, c.iso3] for c in countries)
    return out.getvalue()


def _product_codes_csv(products: np.ndarray) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "description"])
    for code in (f"{p:06d}" for p in products):
        # Commas as in real descriptions, so readers must honour the quoting.
        tail = ", n.e.s." if code.endswith("9") else ""
        writer.writerow([code, f"Synthetic goods of heading {code[:4]}, subheading {code}{tail}"])
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="flow rows (default 11M)")
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the zip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="distinct HS6")
    parser.add_argument("--version", default="202601", help="BACI release in file names")
    parser.add_argument(
        "--compresslevel", type=int, default=6, choices=range(1, 10), help="deflate level"
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be positive")
    result = generate(
        rows=args.rows,
        year=args.year,
        out_dir=args.out,
        seed=args.seed,
        n_products=args.products,
        version=args.version,
        compresslevel=args.compresslevel,
    )
    print(
        f"{result.path}  rows={result.rows:,}  seconds={result.seconds:.1f}  "
        f"zip={result.zip_bytes / 1e6:.1f} MB  csv={result.csv_bytes / 1e6:.1f} MB  "
        f"q NA={result.na_rows:,}  sum v={result.value_kusd / 1e9:.1f} trillion USD"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
