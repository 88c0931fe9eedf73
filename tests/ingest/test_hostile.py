"""Hostile files: zip bombs, lying zip headers and enormous lines are refused.

Every hostile file is built here without ever holding its expanded content: a deflate
block ended by a full flush is self-contained, so one compressed MiB repeated makes a
member that inflates to GiBs (2 GiB of zeros is ~2 MB on disk). Zips are written by
hand (``_write_zip``) so that their headers can declare any size and CRC-32.

Each refusal must raise an EcosecError naming the problem, leave the store's previous
datasets current and byte-for-byte intact, and, for the heavy cases, finish in a child
interpreter within a timeout and a peak-memory bound (``test_refusal_in_bounded_...``).
"""

from __future__ import annotations

import doctest
import hashlib
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecosec import api
from ecosec.cli import app
from ecosec.errors import BadFile
from ecosec.ingest import _common
from ecosec.ingest._common import MAX_MEMBER_BYTES, MAX_ZIP_ENTRIES, LineCheck, check_zip_member
from tests.conftest import DATA, flows_of, sample_baci_2024, write_baci_zip

YEAR_MEMBER = "BACI_HS17_Y2024_V202601.csv"
COMTRADE = DATA / "comtrade_legacy_hf_2014.csv"
MIB = 1 << 20
LONG_LINE = 50 * MIB


# --- building hostile files -----------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A zip member as stored: its raw deflate bytes and what its headers declare."""

    raw: bytes
    crc: int
    size: int


def _deflated(data: bytes) -> Member:
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Member(c.compress(data) + c.flush(), zlib.crc32(data), len(data))


def _repeated(block: bytes, times: int, *, head: bytes = b"", crc: bool = True) -> Member:
    """``head + block * times``, deflated by compressing ``block`` once and repeating it."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH) if head else b""
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    value = zlib.crc32(head)
    for _ in range(times if crc else 0):
        value = zlib.crc32(block, value)
    return Member(first + one * times + c.flush(), value, len(head) + len(block) * times)


@cache
def _zeros_2gib() -> Member:
    return _repeated(bytes(MIB), 2048)


def _write_zip(path: Path, members: dict[str, Member], *, listed: int = 0) -> Path:
    """A deflate zip whose headers declare each member's ``crc`` and ``size``.

    ``listed`` more entries are written in the central directory alone (each naming the
    first member's bytes), with zip64 end records when they pass 65,535: what zipfile
    reads, and holds in memory, when it opens the file.
    """
    central = b""
    with path.open("wb") as f:
        for name, m in members.items():
            offset = f.tell()
            # version 2.0, no flags, deflate, 1980-01-01 00:00, CRC-32, sizes
            fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, m.crc, len(m.raw), m.size)
            f.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name.encode())
            f.write(m.raw)
            central += (
                b"PK\x01\x02"
                + struct.pack("<H", 20)
                + fields
                + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
                + name.encode()
            )
        start = f.tell()
        f.write(central)
        size = len(central)
        first = next(iter(members.values()))
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, first.crc, len(first.raw), first.size)
        for block in range(0, listed, 100_000):
            f.write(
                b"".join(
                    b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHHHII", 12, 0, 0, 0, 0, 0, 0) + b"x/%010d" % i
                    for i in range(block, min(block + 100_000, listed))
                )
            )  # fmt: skip
        size += listed * (46 + 12)
        n = len(members) + listed
        if n > 0xFFFF:  # zip64 end record and its locator, then the classic record
            end64 = f.tell()
            f.write(b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, n, n, size, start))
            f.write(b"PK\x06\x07" + struct.pack("<IQI", 0, end64, 1))
            n = 0xFFFF
        f.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, size, start, 0))
    return path


def _baci_tables(tmp_path: Path) -> dict[str, bytes]:
    """The real fixture zip's members: its year CSV and country and product tables."""
    real = write_baci_zip(tmp_path / "fixture.zip", sample_baci_2024())
    with zipfile.ZipFile(real) as z:
        return {n: z.read(n) for n in z.namelist()}


def _hostile_baci(tmp_path: Path, year: Member) -> Path:
    """A BACI zip, named like the good one, whose year member is ``year``."""
    members = {n: _deflated(b) for n, b in _baci_tables(tmp_path).items() if n != YEAR_MEMBER}
    out = tmp_path / "hostile" / "BACI_HS17_V202601.zip"
    out.parent.mkdir(exist_ok=True)
    return _write_zip(out, {YEAR_MEMBER: year, **members})


def _with_long_line(text: bytes, *, at: int) -> bytes:
    """``text`` with a 50 MiB line inserted as line ``at`` (1 = before the header)."""
    lines = text.splitlines(keepends=True)
    long = lines[max(at - 1, 1) - 1].rstrip(b"\r\n") + b"," + b"9" * LONG_LINE + b"\n"
    return b"".join([*lines[: at - 1], long, *lines[at - 1 :]])


def zip_bomb(tmp_path: Path) -> Path:
    return _hostile_baci(tmp_path, _zeros_2gib())


def lying_size(tmp_path: Path) -> Path:
    """Declares 4 MiB; inflates to 1 GiB of valid BACI rows (DuckDB checks neither)."""
    csv = _baci_tables(tmp_path)[YEAR_MEMBER]
    header, row = csv.splitlines(keepends=True)[:2]
    block = row * (MIB // len(row))
    m = _repeated(block, 1024 * MIB // len(block), head=header, crc=False)
    return _hostile_baci(tmp_path, Member(m.raw, 0, 4 * MIB))


def _listing(tmp_path: Path, listed: int) -> Path:
    """The real BACI zip's members, its directory listing ``listed`` entries more."""
    out = tmp_path / "hostile" / "BACI_HS17_V202601.zip"
    out.parent.mkdir(exist_ok=True)
    tables = {n: _deflated(b) for n, b in _baci_tables(tmp_path).items()}
    return _write_zip(out, tables, listed=listed)


def many_entries(tmp_path: Path) -> Path:
    """A 90 MB zip listing 1.6 million entries: zipfile would hold ~0.8 GB opening it."""
    return _listing(tmp_path, 1_600_000)


def long_line_baci_zip(tmp_path: Path) -> Path:
    csv = _with_long_line(_baci_tables(tmp_path)[YEAR_MEMBER], at=3)
    out = tmp_path / "hostile" / "BACI_HS17_V202601.zip"
    out.parent.mkdir(exist_ok=True)
    return write_baci_zip(out, sample_baci_2024(), csv_text=csv.decode())


def long_line_baci_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hostile" / "baci"
    folder.mkdir(parents=True)
    for name, data in _baci_tables(tmp_path).items():
        (folder / name).write_bytes(_with_long_line(data, at=3) if name == YEAR_MEMBER else data)
    return folder


def long_line_comtrade(tmp_path: Path) -> Path:
    out = tmp_path / "hostile" / COMTRADE.name
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(_with_long_line(COMTRADE.read_bytes(), at=3))
    return out


def _gzip_bomb(path: Path) -> Path:
    m = _zeros_2gib()
    trailer = struct.pack("<II", m.crc, m.size & 0xFFFFFFFF)
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + m.raw + trailer)
    return path


# --- the store that must survive every refusal ------------------------------------------


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the real BACI fixture and a real UN Comtrade file."""
    root = tmp_path_factory.mktemp("hostile")
    baci = write_baci_zip(root / "BACI_HS17_V202601.zip", sample_baci_2024())
    store = root / "store"
    api.ingest_baci(baci, store=store)
    api.ingest_comtrade(COMTRADE, store=store)
    return store


def _snapshot(store: Path) -> dict[str, str]:
    """SHA-256 of every file of the published datasets (CURRENT pointers included)."""
    base = store / "datasets"
    return {
        str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def intact(good_store: Path) -> Callable[[], None]:
    """Call after a refusal: the store is as before it and its flows still read."""
    before = _snapshot(good_store)
    rows = len(flows_of(good_store))

    def check() -> None:
        assert _snapshot(good_store) == before
        assert not any((good_store / ".staging").glob("*/*"))  # nothing half-written
        assert {d["name"] for d in api.datasets(store=good_store).to_dict("records")} == {
            "baci-hs17-v202601",
            "comtrade-comtrade_legacy_hf_2014",
        }
        assert len(flows_of(good_store)) == rows

    return check


# --- refusals in a child: message, store, memory and time --------------------------------

CHILD = r"""
import json, sys, time
from ecosec import api
from ecosec.errors import EcosecError

kind, path, store = sys.argv[1:]
ingest = {"baci": api.ingest_baci, "comtrade": api.ingest_comtrade}[kind]
start = time.monotonic()
try:
    ingest(path, store=store)
    out = {"error": None}
except EcosecError as exc:
    out = {"error": type(exc).__name__, "message": str(exc)}
out["seconds"] = time.monotonic() - start
# VmHWM, not getrusage: ru_maxrss survives execve, so a child of a large pytest
# process would report the parent's peak. VmHWM is the peak of this image alone.
with open("/proc/self/status") as f:
    out["peak_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
print(json.dumps(out))
"""

# The child's own peak RSS (its DuckDB threads included). Importing ecosec, DuckDB and
# pandas takes ~130 MB and ingesting the real fixture peaks at ~260 MB. Measured peaks
# of the refusals: bomb ~125 MB, lying size ~240 MB, 50 MiB line in a zip ~345 MB
# (DuckDB's sniffer buffers 32 MB of the line before the interrupt lands). The payloads
# inflate to 1-2 GiB, so holding one would be far above 600 MB; before these checks
# the lying member was parsed to its end (45M rows published, 640 MB, 40 s), and the
# zip listing 1.6M entries was read by zipfile in full (1.0 GB, 10 s). Refusals take a
# few seconds: the timeout only catches a hang or a file parsed to its end.
PEAK_RSS_MB = 600
TIMEOUT_S = 120

HEAVY = {
    "zip-bomb": ("baci", zip_bomb, ["expand", "-fold", "zip bomb", YEAR_MEMBER]),
    "lying-size": ("baci", lying_size, ["more than the 4.0 MiB its header declares"]),
    "long-line-baci-zip": ("baci", long_line_baci_zip, [f"{YEAR_MEMBER} (line 3)", "1.0 MiB"]),
    "long-line-baci-folder": (
        "baci",
        long_line_baci_folder,
        [f"{YEAR_MEMBER} (line 3)", "longer than 1.0 MiB"],
    ),
    "long-line-comtrade": ("comtrade", long_line_comtrade, ["(line 3)", "longer than 1.0 MiB"]),
    "many-entries": ("baci", many_entries, ["lists 1,600,00", "entries", "limits 10,000"]),
}


@pytest.mark.parametrize("case", HEAVY)
def test_refusal_in_bounded_memory_and_time(
    case: str, tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    kind, build, expected = HEAVY[case]
    path = build(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path), str(good_store)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["error"] == "BadFile", out  # an EcosecError; any other exception fails above
    message = out["message"]
    assert "\n" not in message and len(message) < 600, message
    assert str(path) in message or path.name in message
    for fragment in expected:
        assert fragment in message, message
    assert out["peak_mb"] < PEAK_RSS_MB, out
    intact()


# --- refusals in process -----------------------------------------------------------------


def test_member_failing_its_crc_is_refused(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    """Right size, wrong CRC-32: DuckDB reads such a gzip stream without complaint."""
    real = _deflated(_baci_tables(tmp_path)[YEAR_MEMBER])
    path = _hostile_baci(tmp_path, Member(real.raw, real.crc ^ 1, real.size))
    with pytest.raises(BadFile, match="fails its CRC-32 check"):
        api.ingest_baci(path, store=good_store)
    intact()


def test_member_inflating_past_its_declared_size_via_extraction(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    """The country table is extracted (materialize), not streamed: zipfile stops at the
    declared size and the CRC check then fails."""
    tables = _baci_tables(tmp_path)
    countries = next(n for n in tables if n.startswith("country_codes"))
    m = _repeated(tables[countries], 400, crc=False)  # MBs inflated, 2 KiB declared
    members = {n: _deflated(b) for n, b in tables.items() if n != countries}
    path = _write_zip(
        tmp_path / "BACI_HS17_V202601.zip", {**members, countries: Member(m.raw, 0, 2048)}
    )
    with pytest.raises(BadFile, match=f"member {countries} is corrupt"):
        api.ingest_baci(path, store=good_store)
    intact()


def test_zip_listing_too_many_entries_is_refused_before_zipfile_reads_it(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    # The classic end record (the zip64 one is the "many-entries" case above).
    path = _listing(tmp_path, 12_000)
    with pytest.raises(
        BadFile, match=r"lists 12,003 entries in a directory of 680 KiB \(limits 10,000"
    ):
        api.ingest_baci(path, store=good_store)
    intact()
    (tmp_path / "ok").mkdir()
    at_limit = _listing(tmp_path / "ok", MAX_ZIP_ENTRIES - 3)
    with zipfile.ZipFile(at_limit) as z:  # zipfile's own reading of the same records
        expected = (len(z.infolist()), at_limit.stat().st_size - 22 - z.start_dir)
    assert _common.zip_directory(at_limit) == expected == (MAX_ZIP_ENTRIES, expected[1])
    _common.check_zip_directory(at_limit, fix="-")  # at the limit: accepted


def test_workbook_listing_too_many_entries_is_refused(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    path = _write_zip(
        tmp_path / "korea.xlsx", {"[Content_Types].xml": _deflated(b"<Types/>")}, listed=70_000
    )  # zip64 end records: 70,001 entries
    with pytest.raises(BadFile, match=r"korea\.xlsx: the zip lists 70,001 entries"):
        api.ingest_customs(path, preset="kr-monthly", store=good_store)
    intact()


def test_declared_size_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    info = zipfile.ZipInfo(YEAR_MEMBER)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size = 20 << 30, 5 << 30  # an ordinary ratio of 4
    with pytest.raises(BadFile, match=r"declares 20 GiB uncompressed, over the 16 GiB limit"):
        check_zip_member(tmp_path / "x.zip", info, fix="fix it")
    info.file_size = MAX_MEMBER_BYTES  # at the limit: accepted
    check_zip_member(tmp_path / "x.zip", info, fix="fix it")


def test_real_ratios_pass_and_a_bomb_ratio_fails(tmp_path: Path) -> None:
    info = zipfile.ZipInfo(YEAR_MEMBER)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size = 450 << 20, 75 << 20  # a full BACI year, 6-fold
    check_zip_member(tmp_path / "x.zip", info, fix="fix it")
    info.compress_size = 2 << 20  # 225-fold
    with pytest.raises(BadFile, match="225-fold"):
        check_zip_member(tmp_path / "x.zip", info, fix="fix it")


def test_comtrade_header_line_of_50_mib_is_not_read(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    path = tmp_path / COMTRADE.name
    path.write_bytes(_with_long_line(COMTRADE.read_bytes(), at=1))
    with pytest.raises(BadFile, match=r"\(line 1\): the header is longer than 64 KiB"):
        api.ingest_comtrade(path, store=good_store)
    intact()


@pytest.mark.parametrize("kind", ["comtrade", "customs"])
def test_gzip_bomb_is_refused_unread(
    kind: str, tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    path = _gzip_bomb(tmp_path / "bomb.csv.gz")
    with pytest.raises(BadFile, match="is gzip-compressed; decompress it"):
        if kind == "comtrade":
            api.ingest_comtrade(path, store=good_store)
        else:
            api.ingest_customs(path, preset="kr-monthly", store=good_store)
    intact()


def test_workbook_bomb_is_refused_before_openpyxl(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    path = _write_zip(
        tmp_path / "korea.xlsx",
        {"[Content_Types].xml": _deflated(b"<Types/>"), "xl/worksheets/sheet1.xml": _zeros_2gib()},
    )
    with pytest.raises(
        BadFile, match=r"sheet1\.xml declares 2\.0 GiB uncompressed, over the 1\.0 GiB"
    ):
        api.ingest_customs(path, preset="kr-monthly", store=good_store)
    intact()


def test_cli_prints_one_error_and_exits_2(
    tmp_path: Path, good_store: Path, intact: Callable[[], None]
) -> None:
    path = zip_bomb(tmp_path)
    r = CliRunner().invoke(app, ["ingest", "baci", str(path), "--store", str(good_store)])
    assert r.exit_code == 2, r.output
    assert r.output.count("error:") == 1
    text = " ".join(r.output.split())  # Rich wraps long lines at the terminal width
    assert "zip bomb" in text and "download the file again from CEPII" in text, r.output
    assert "Traceback" not in r.output
    intact()


def test_doctests() -> None:
    result = doctest.testmod(_common)
    assert result.attempted >= 2 and result.failed == 0


@given(
    lines=st.lists(st.integers(0, 12), min_size=1, max_size=30),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=10),
    terminated=st.booleans(),
)
def test_line_check_finds_the_first_long_line_whatever_the_chunks(
    lines: list[int], cuts: list[int], terminated: bool
) -> None:
    """Against the obvious definition, for any chunking of the bytes (limit 8 bytes)."""
    data = b"\n".join(b"x" * n for n in lines) + (b"\n" if terminated else b"")
    expected = next((i + 1 for i, n in enumerate(lines) if n > 8), None)
    check = LineCheck("f", kind="BACI", fix="-", limit=8, reopen=lambda: io.BytesIO(data))
    found = None
    try:
        start = 0
        for cut in [*cuts, len(data)]:
            check.feed(data[start : start + cut])
            start += cut
        check.feed(data[start:])
    except BadFile as exc:
        found = int(str(exc).split("(line ")[1].split(")")[0])
    assert found == expected


def _patched(path: Path, offset: int, data: bytes) -> Path:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(data)] = data
    path.write_bytes(bytes(raw))
    return path


def test_zip_needing_an_unknown_version_is_a_bad_file(tmp_path: Path) -> None:
    # Found by test_fuzz.py: a damaged central directory claiming "version needed to
    # extract 8.4" made zipfile raise NotImplementedError, not our BadFile.
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024())
    central = path.read_bytes().index(b"PK\x01\x02")  # first central directory entry
    _patched(path, central + 6, struct.pack("<H", 84))  # version needed: 8.4
    with pytest.raises(BadFile, match="not a readable zip"):
        api.ingest_baci(path, store=tmp_path / "store")


def test_damaged_deflate_stream_in_a_table_is_a_bad_file(tmp_path: Path) -> None:
    # Found by test_fuzz.py: a damaged deflate stream in the country table (extracted,
    # not streamed) raised zlib.error from zipfile, not our BadFile.
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024())
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if i.filename.startswith("country_codes"))
        assert info.compress_type == zipfile.ZIP_DEFLATED
    local = path.read_bytes()[info.header_offset :]
    start = info.header_offset + 30 + struct.unpack("<HH", local[26:30])[0]
    start += struct.unpack("<HH", local[26:30])[1]
    _patched(path, start, b"\xff\xff\xff\xff")  # an invalid block type at the start
    with pytest.raises(BadFile, match="corrupt"):
        api.ingest_baci(path, store=tmp_path / "store")


def test_zip_with_bytes_missing_before_its_directory_is_a_bad_file(tmp_path: Path) -> None:
    # Found by test_fuzz.py: with bytes cut out before the central directory, zipfile
    # shifts every member's offset below zero and seeking there raised OSError, which
    # was reported as a failure to write the store ("check free space").
    path = write_baci_zip(tmp_path / "BACI_HS17_V202601.zip", sample_baci_2024())
    raw = path.read_bytes()
    path.write_bytes(raw[:100] + raw[164:])  # 64 bytes of the first member gone
    with pytest.raises(BadFile, match=r"has a damaged header; download the file again"):
        api.ingest_baci(path, store=tmp_path / "store")
