"""What every ingest shares: DuckDB connections, error translation, manifests, publishing,
and the limits that refuse hostile or damaged files (docs/ingest-limits.md)."""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb

from ecosec import settings
from ecosec.errors import BadFile, EcosecError, StoreError
from ecosec.ingest.schema import FLOWS_SCHEMA, parquet_select
from ecosec.ingest.store import Dataset, Staging, Store

# Limits on what an input may make ecosec read. Real files pass them by far; a file
# that fails one is damaged or hostile (a zip bomb, a file of another kind).
MAX_LINE_BYTES = 1 << 20
"""Longest line accepted: 1 MiB. BACI lines are ~40 bytes, UN Comtrade's under 1 KB."""
MAX_MEMBER_BYTES = 16 << 30
"""Largest declared size of a zip member: 16 GiB (a full BACI year is ~0.45 GB)."""
MAX_RATIO = 100
"""Largest compression ratio of a member over RATIO_FREE_BYTES. Trade CSVs deflate
3–15-fold (BACI 4–6, UN Comtrade 7–14) and sheet XML ~10–30-fold; zip bombs ~1000."""
RATIO_FREE_BYTES = 64 << 20
"""Below this declared size, any ratio is allowed: such a member is harmless."""
MAX_ZIP_ENTRIES = 10_000
"""Most entries a zip may list: a BACI release has ~35, a workbook ~20. Python's
zipfile holds every entry of the central directory in memory (~0.5 KB each)."""
MAX_ZIP_DIRECTORY_BYTES = 4 << 20
"""Largest central directory a zip may declare (a BACI release's is ~3 KB): it bounds
what zipfile reads and holds at open, whatever the entry count claims."""
MAX_AMOUNT = 1e15
"""Largest value (USD) or quantity (tonnes or kg) one row may hold. A year's world trade
is ~2.5e13 USD and its largest flows ~1e12 kg; a larger figure is a corrupt one."""
AMOUNT_RANGE = "a number between 0 and 1e15"
"""What a figure must be to pass :func:`amount_ok`, as error messages say it."""


def amount_ok(expr: str) -> str:
    """SQL: ``expr`` is a number from 0 to :data:`MAX_AMOUNT`. NaN and infinities fail
    (in DuckDB NaN sorts above every number, so ``NaN >= 0`` alone would pass it); a
    NULL gives NULL.

    >>> amount_ok("v")
    '(v BETWEEN 0 AND 1e+15)'
    """
    return f"({expr} BETWEEN 0 AND {MAX_AMOUNT:.0e})"


COMPRESSED_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}

Progress = Callable[[str, float | None], None]
"""Callback ``progress(step_label, fraction_done_or_None)`` used to drive a progress bar."""


def no_progress(label: str, fraction: float | None) -> None:
    return None


def connect(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the memory limit and threads of the settings."""
    con = duckdb.connect(":memory:")
    limit = settings.get("memory-limit")
    if limit:
        con.execute(f"SET memory_limit = '{_safe_setting(limit)}'")
    n = threads or settings.get("threads")
    if n:
        con.execute(f"SET threads = {int(n)}")
    # Order of rows within a COPY is irrelevant to us; dropping it saves memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # ecosec draws its own
    return con


def _safe_setting(value: str) -> str:
    if not re.fullmatch(r"[0-9.]+\s*[KMGT]?i?B", value.strip(), flags=re.IGNORECASE):
        raise BadFile(
            f"ECOSEC_MEMORY_LIMIT={value!r} is not a size; use a value such as 3GB or 512MB"
        )
    return value.strip()


def sha256_of(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        with p.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def not_a_file(path: Path, hint: str) -> BadFile:
    """The error for an input path that is not a regular file: missing, or a pipe, a
    device or a socket (which a reader could block on or read without end)."""
    if path.exists():
        return BadFile(f"{path}: is not a regular file (a pipe, device or socket); {hint}")
    return BadFile(f"{path}: no such file; {hint}")


def no_rows(paths: list[Path]) -> BadFile:
    """The error for inputs that hold no trade row (an empty file, or its header only)."""
    return BadFile(
        f"{', '.join(str(p) for p in paths)}: no trade rows found; check that this is the "
        "right file (an empty file or only headers?)"
    )


def size_text(n: int) -> str:
    """A byte count for a message.

    >>> size_text(2 << 30), size_text(450 << 20), size_text(5 << 20), size_text(300)
    ('2.0 GiB', '450 MiB', '5.0 MiB', '300 bytes')
    """
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            value = n / (1 << shift)
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} bytes"


def compression_of(head: bytes) -> str | None:
    """The compression format whose magic bytes start ``head`` (``'gzip'``, …), if any."""
    return next((name for magic, name in COMPRESSED_MAGIC.items() if head.startswith(magic)), None)


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def zip_directory(archive: Path) -> tuple[int, int] | None:
    """(entries, bytes) of the central directory a zip's end record declares, read from
    the file's tail (zip64 records included); None when no end record is found.

    >>> import io, tempfile, zipfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "t.zip"
    ...     with zipfile.ZipFile(path, "w") as z:
    ...         for name in ("a.csv", "b.csv"):
    ...             z.writestr(name, "x")
    ...     zip_directory(path)
    (2, 102)
    """
    with archive.open("rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - (22 + 0xFFFF)))  # the record, then a comment of < 64 KiB
        tail = f.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            return None
        entries, dir_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
        if entries != 0xFFFF and dir_bytes != 0xFFFFFFFF:
            return entries, dir_bytes
        locator = tail[at - 20 : at] if at >= 20 else b""
        if not locator.startswith(_ZIP64_LOCATOR):
            return entries, dir_bytes
        f.seek(struct.unpack("<Q", locator[8:16])[0])
        record = f.read(56)
        if not record.startswith(_ZIP64_EOCD) or len(record) < 56:
            return entries, dir_bytes
        big_entries, big_bytes = struct.unpack("<QQ", record[32:48])
        return int(big_entries), int(big_bytes)


def check_zip_directory(archive: Path, *, fix: str) -> None:
    """Refuse, before zipfile reads it, a zip whose central directory lists more than
    :data:`MAX_ZIP_ENTRIES` entries or declares more than :data:`MAX_ZIP_DIRECTORY_BYTES`.

    zipfile reads the directory in full and keeps an object per entry: a small file
    listing millions of entries would cost gigabytes before any member is checked.
    """
    try:
        found = zip_directory(archive)
    except OSError as exc:
        raise BadFile(f"{archive}: cannot be read ({exc.strerror or exc}); {fix}") from exc
    if found is None:
        return  # not a zip: the reader's own error names the problem
    entries, dir_bytes = found
    if entries > MAX_ZIP_ENTRIES or dir_bytes > MAX_ZIP_DIRECTORY_BYTES:
        raise BadFile(
            f"{archive}: the zip lists {entries:,} entries in a directory of "
            f"{size_text(dir_bytes)} (limits {MAX_ZIP_ENTRIES:,} entries, "
            f"{size_text(MAX_ZIP_DIRECTORY_BYTES)}; see docs/ingest-limits.md); a trade "
            f"download holds a few dozen files, so this zip is damaged or hostile — {fix}"
        )


_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def check_zip_member(
    archive: Path, info: zipfile.ZipInfo, *, fix: str, max_bytes: int = MAX_MEMBER_BYTES
) -> None:
    """Refuse, before reading it, a zip member whose declared expansion is absurd.

    The declared size may lie; readers then stop at it (``materialize``, zipfile)
    or check it while they inflate (the BACI ingest's background check).
    """
    size, packed = info.file_size, max(info.compress_size, 1)
    where = f"{archive}: member {info.filename}"
    if info.flag_bits & 0x1:
        raise BadFile(f"{where} is encrypted; ecosec reads unencrypted zips only — {fix}")
    if info.compress_type not in _READABLE:
        raise BadFile(
            f"{where} is compressed with method {info.compress_type}, which ecosec cannot "
            f"read (deflate, bzip2 and lzma are read); {fix}"
        )
    if size > max_bytes:
        raise BadFile(
            f"{where} declares {size_text(size)} uncompressed, over the {size_text(max_bytes)} "
            f"limit (see docs/ingest-limits.md); it is damaged or not a real download — {fix}"
        )
    if size > RATIO_FREE_BYTES and size > MAX_RATIO * packed:
        raise BadFile(
            f"{where} would expand {size // packed:,}-fold ({size_text(packed)} to "
            f"{size_text(size)}); trade tables compress at most ~30-fold, so this is a zip "
            f"bomb or a damaged zip and is refused — {fix}"
        )


class LineCheck:
    r"""Fed a file's bytes in order, refuses the first line longer than ``limit`` bytes.

    Memory is one chunk; the work is O(bytes / limit) Python steps, since it jumps
    from a newline to the last newline of the next ``limit + 1`` bytes instead of
    visiting short lines one by one. Lines are counted only for the error message, by
    reading the file again (``reopen``) up to the long line: counting them on the way
    would cost more than the check.

    >>> import io
    >>> data = b"t,i\n1,2\n12345\n"
    >>> check = LineCheck("f.csv", kind="BACI", fix="get it again", limit=4,
    ...                   reopen=lambda: io.BytesIO(data))
    >>> check.feed(data)
    Traceback (most recent call last):
    ...
    ecosec.errors.BadFile: f.csv (line 3): a line longer than 4 bytes (a BACI line is under 1 KiB); the file is damaged or not a BACI file — get it again
    """

    def __init__(
        self,
        where: str,
        *,
        kind: str,
        fix: str,
        reopen: Callable[[], IO[bytes]],
        limit: int = MAX_LINE_BYTES,
    ) -> None:
        self.where, self.kind, self.fix, self.reopen, self.limit = where, kind, fix, reopen, limit
        self.offset = 0  # bytes fed so far
        self.line_start = 0  # offset where the current (unterminated) line starts

    def feed(self, chunk: bytes) -> None:
        limit, end, base = self.limit, len(chunk), self.offset
        self.offset += end
        pos = chunk.find(b"\n")
        if base + (end if pos < 0 else pos) - self.line_start > limit:
            raise self._error(self.line_start)
        if pos < 0:
            return
        while end - pos - 1 > limit:  # more than a line's worth of bytes follows pos
            nxt = chunk.rfind(b"\n", pos + 1, pos + limit + 2)
            if nxt < 0:
                raise self._error(base + pos + 1)
            pos = nxt
        self.line_start = base + chunk.rfind(b"\n", pos) + 1

    def _error(self, start: int) -> BadFile:
        line = self._line_at(start)
        at = f" (line {line})" if line else ""
        return BadFile(
            f"{self.where}{at}: a line longer than {size_text(self.limit)} (a {self.kind} "
            f"line is under 1 KiB); the file is damaged or not a {self.kind} file — {self.fix}"
        )

    def _line_at(self, start: int) -> int | None:
        newlines, left = 0, start
        try:
            with self.reopen() as f:
                while left > 0 and (data := f.read(min(left, 8 << 20))):
                    newlines += data.count(b"\n")
                    left -= len(data)
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error):
            return None
        return newlines + 1


def check_lines(path: Path, *, kind: str, fix: str) -> None:
    """Refuse ``path`` if one of its lines is longer than :data:`MAX_LINE_BYTES`.

    Run before DuckDB reads a file: DuckDB's parallel CSV reader fails on such a line
    with an unrelated message, and its serial reader buffers the whole line.
    """
    check = LineCheck(str(path), kind=kind, fix=fix, reopen=lambda: path.open("rb"))
    try:
        with path.open("rb") as f:
            while chunk := f.read(8 << 20):
                check.feed(chunk)
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror}); check the path") from exc


_LINE_RE = re.compile(r"CSV Error on Line: (\d+)")
_COUNT_RE = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_COL_RE = re.compile(r'converting column "([^"]+)"')
_ORIG_RE = re.compile(r"Original Line: (.*)")
_CONV_RE = re.compile(r"Could not convert string \"([^\"]*)\"")


def translate_duckdb_error(exc: Exception, file: str, *, fix: str) -> BadFile:
    """Turn a DuckDB parsing error into one line naming the file, line and column."""
    text = str(exc)
    line = _LINE_RE.search(text)
    col = _COL_RE.search(text)
    conv = _CONV_RE.search(text)
    if "ecosec:" in text:  # raised by our own error() checks inside the SQL
        msg = text[text.index("ecosec:") + len("ecosec:") :].strip().splitlines()[0]
        return BadFile(f"{file}: {msg}; {fix}")
    if "Error when sniffing file" in text or "state machine reached an invalid state" in text:
        # DuckDB names its staged copy, not the user's file, and no line.
        return BadFile(
            f"{file}: its rows do not parse as CSV (a row with more or fewer columns than "
            f"the header, or an unbalanced quote?); the file is damaged — {fix}"
        )
    if "Maximum line size" in text or "does not support a full read" in text:
        # Physical lines were checked before; this is a quoted field running over many
        # lines. DuckDB's line number is unreliable here (often 1), so it is left out.
        return BadFile(
            f"{file}: a quoted field runs over more than the CSV reader's line limit (an "
            f"unbalanced quote?); the file is damaged — {fix}"
        )
    where = []
    if line:
        where.append(f"line {line.group(1)}")
    if col:
        where.append(f"column {col.group(1)!r}")
    what = f"value {conv.group(1)!r} is not a number" if conv else _first_line(text)
    if count := _COUNT_RE.search(text):
        what = (
            f"a row of {count.group(2)} fields where the file's rows have {count.group(1)} (a "
            "field lost or added, or an unbalanced quote); the row is damaged"
        )
    elif "unterminated quote" in text:
        what = "a quoted value is never closed (an unbalanced quote); the row is damaged"
    loc = f" ({', '.join(where)})" if where else ""
    return BadFile(f"{file}{loc}: {what}; {fix}")


_STAGED = re.compile(r'"?[^"\s]*/\.staging/[^"\s]*"?')


def _first_line(text: str) -> str:
    """The first line of an engine's message, without ecosec's staging paths in it."""
    first = text.strip().splitlines()[0] if text.strip() else "unreadable"
    return _STAGED.sub("the staged copy", first)[:300]


def printable(text: str) -> str:
    r"""``text`` for a one-line message: control characters (NUL of a UTF-16 file read
    as bytes, escape sequences) shown as ``?``.

    >>> printable("C\x00l\x1b[31m")
    'C?l?[31m'
    """
    return "".join(c if c.isprintable() else "?" for c in text)


@dataclass
class IngestResult:
    """What an ingest did: the dataset now current and whether anything changed."""

    dataset: Dataset
    changed: bool
    notes: list[str]


def _stat_of(paths: list[Path]) -> list[tuple[int, int, int]]:
    """(size, modification time, inode) of each input: any write or replacement moves it."""
    out = []
    for p in paths:
        st = p.stat()
        out.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return out


def publish(
    store: Store,
    name: str,
    inputs: list[Path],
    meta: dict[str, Any],
    write: Callable[[Staging], list[str]],
) -> IngestResult:
    """Stage a dataset version with ``write`` and publish it atomically.

    ``write`` fills ``staging.flows_path`` (and optionally ``staging.totals_path``)
    and returns notes for the user. If the same inputs (by SHA-256) are already the
    current version of ``name``, nothing is written: ingest is idempotent.
    """
    before = _stat_of(inputs)
    digest = sha256_of(inputs)
    existing = store.get(name)
    if existing is not None and existing.manifest.get("sha256") == digest:
        return IngestResult(existing, False, ["already loaded with identical content; unchanged"])
    notes: list[str] = []
    try:
        with store.stage(name) as staging:
            notes = write(staging)
            staging.manifest.update(meta)
            stats = describe(staging)
            if stats["rows"] == 0 and stats["totals_rows"] == 0:
                raise no_rows(inputs)
            if _stat_of(inputs) != before:  # the digest would not be of what was read
                raise BadFile(
                    f"{', '.join(str(p) for p in inputs)}: changed while it was being read "
                    "(a download or copy still in progress?); ingest it again once it is "
                    "complete — nothing was published"
                )
            staging.manifest.update(stats)
            staging.manifest["sha256"] = digest
            # Absolute: `ecosec verify --deep` re-reads them from wherever it is run.
            staging.manifest["inputs"] = [str(Path(p).resolve()) for p in inputs]
            staging.manifest["notes"] = notes
    except EcosecError:
        raise
    except duckdb.Error as exc:
        raise BadFile(f"{inputs[0]}: {_first_line(str(exc))}; check the file's layout") from exc
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else None
        if where is None or store.root.resolve() not in where.resolve().parents:
            # Not a store file (a read of the input, or no file named): say both.
            raise StoreError(
                f"reading {', '.join(str(p) for p in inputs)} or writing to the store "
                f"{store.root} failed: {exc}; check the file, free space and permissions "
                "(the previous version is untouched)"
            ) from exc
        raise StoreError(
            f"writing to the store {store.root} failed: {exc}; check free space and "
            "permissions (the previous version is untouched)"
        ) from exc
    published = store.get(name)
    assert published is not None  # we just published it
    return IngestResult(published, True, notes)


def describe(staging: Staging) -> dict[str, Any]:
    """Summary figures of a staged version, for its manifest and ``ecosec datasets``."""
    out: dict[str, Any] = {"rows": 0, "totals_rows": 0}
    con = duckdb.connect(":memory:")
    try:
        files = [str(f) for f in staging.flows_files]
        if files:
            flows_sql = parquet_select(files, FLOWS_SCHEMA, staging.manifest.get("constants"))
            # Separate small queries: each is one cheap columnar scan, where a single
            # query with many DISTINCT aggregates costs several times more.
            con.execute(f"CREATE TEMP VIEW f AS {flows_sql}")

            def one(sql: str) -> Any:
                r = con.execute(sql).fetchone()
                return None if r is None else r[0]

            years = one(
                "SELECT list(DISTINCT CASE WHEN freq = 'M' THEN period // 100 ELSE period END)"
                " FROM f"
            )
            out.update(
                rows=one("SELECT count(*) FROM f"),
                period_min=one("SELECT min(period) FROM f"),
                period_max=one("SELECT max(period) FROM f"),
                freq=",".join(sorted(one("SELECT list(DISTINCT freq) FROM f") or [])),
                exporters=one("SELECT count(DISTINCT exporter) FROM f"),
                importers=one("SELECT count(DISTINCT importer) FROM f"),
                countries=one(
                    "SELECT count(*) FROM (SELECT DISTINCT exporter FROM f"
                    " UNION SELECT DISTINCT importer FROM f)"
                ),
                products=one("SELECT count(DISTINCT hs6) FROM f"),
                value_usd=one("SELECT sum(value_usd) FROM f"),
                source=",".join(sorted(one("SELECT list(DISTINCT source) FROM f") or [])),
                hs_rev=",".join(sorted(one("SELECT list(DISTINCT hs_rev) FROM f") or [])),
                sides=",".join(sorted(one("SELECT list(DISTINCT reporter_side) FROM f") or [])),
                years=sorted(int(y) for y in (years or [])),
            )
        if staging.totals_path.exists():
            trow = con.execute(
                "SELECT count(*), string_agg(DISTINCT source, ','), list(DISTINCT period),"
                " string_agg(DISTINCT freq, ','), count(DISTINCT country)"
                " FROM read_parquet(?)",
                [str(staging.totals_path)],
            ).fetchone()
            assert trow is not None
            out["totals_rows"] = trow[0]
            if not out.get("source"):
                out["source"] = trow[1]
            if not out.get("years"):
                out["years"] = sorted(
                    {int(p) // 100 if p > 9999 else int(p) for p in (trow[2] or [])}
                )
            # A source of totals only (no bilateral flow) is still described: its
            # frequency and the countries it reports.
            if not out.get("rows"):
                out["freq"] = ",".join(sorted((trow[3] or "").split(","))).strip(",")
                out["countries"] = trow[4]
    finally:
        con.close()
    return out
