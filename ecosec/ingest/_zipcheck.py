"""Checks made while a zip member is read: its size, its CRC-32 and its line lengths.

:func:`~ecosec.ingest._common.check_zip_member` refuses a member whose declared size or
ratio is absurd before anything is read; the declared size may lie, so every read
checks it again (docs/ingest-limits.md). :func:`extract` copies a member to disk with
a byte cap and zipfile's CRC check. A deflated member can instead be handed to DuckDB
as a gzip stream (its bytes start at :func:`data_offset`); DuckDB does not check that
stream's trailer, so :class:`Inflater` inflates the member once more alongside.
"""

from __future__ import annotations

import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from ecosec.errors import BadFile
from ecosec.ingest._common import LineCheck, Progress, size_text

CHUNK = 8 << 20
"""Bytes copied or inflated at once: memory stays bounded whatever a member holds."""


def data_offset(archive: Path, info: zipfile.ZipInfo, *, fix: str) -> int:
    """Where the compressed bytes of member ``info`` start in ``archive``."""
    with archive.open("rb") as f:
        size = f.seek(0, 2)
        if not 0 <= info.header_offset <= size - 30:  # a damaged directory entry
            raise BadFile(f"{archive}: member {info.filename} has a damaged header; {fix}")
        f.seek(info.header_offset)
        local = f.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise BadFile(f"{archive}: member {info.filename} has a damaged header; {fix}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return int(info.header_offset + 30 + name_len + extra_len)


def _overflow(archive: Path, info: zipfile.ZipInfo, *, fix: str) -> str:
    return (
        f"{archive}: member {info.filename} inflates to more than the "
        f"{size_text(info.file_size)} its header declares; the zip is damaged or "
        f"hostile (a zip bomb) — {fix}"
    )


def extract(
    archive: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    out: Path,
    *,
    kind: str,
    fix: str,
    progress: Progress,
    label: str,
) -> Path:
    """Copy member ``info`` of ``zf`` (opened from ``archive``) to ``out``, checked.

    Lines are checked on the way; the copy stops at the member's declared size
    (already checked against the limits) and zipfile then checks the CRC-32. On a
    problem ``out`` is removed and :class:`BadFile` raised.
    """
    lines = LineCheck(
        f"{archive}:{info.filename}", kind=kind, fix=fix, reopen=lambda: zf.open(info)
    )
    done = 0
    try:
        with zf.open(info) as src, out.open("wb") as dst:
            while chunk := src.read(CHUNK):
                done += len(chunk)
                if done > info.file_size:  # zipfile stops there too; never rely on it
                    raise BadFile(_overflow(archive, info, fix=fix))
                lines.feed(chunk)
                dst.write(chunk)
                progress(label, done / max(info.file_size, 1))
    except BadFile:
        out.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as exc:
        # zlib.error: a damaged deflate stream; NotImplementedError: a compression
        # method zipfile cannot read (both found by tests/ingest/test_fuzz.py).
        out.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, EOFError) and exc.errno:
            raise
        raise BadFile(f"{archive}: member {info.filename} is corrupt ({exc}); {fix}") from exc
    return out


class Inflater:
    """Inflate a deflated member once more, next to DuckDB reading it as a gzip stream.

    It checks what DuckDB does not: that the member inflates to its declared size
    (already checked against the limits) and CRC-32, and that no line is over 1 MiB.
    It runs on another core while DuckDB parses (the single gzip stream leaves one
    mostly idle) and, on the first problem, calls ``interrupt`` (DuckDB's), so a
    header that understates the size cannot make DuckDB parse more than it declares.
    """

    def __init__(
        self,
        archive: Path,
        zf: zipfile.ZipFile,
        member: str,
        *,
        interrupt: Callable[[], object],
        kind: str,
        fix: str,
    ) -> None:
        self.archive, self.zf, self.info = archive, zf, zf.getinfo(member)
        self.interrupt, self.kind, self.fix = interrupt, kind, fix
        self.offset = data_offset(archive, self.info, fix=fix)
        self.problem: BadFile | None = None
        self._checked = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"check {member}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        where = f"{self.archive}: member {self.info.filename}"
        try:
            self._inflate()
        except BadFile as exc:
            self.problem = exc
        except (OSError, zlib.error) as exc:
            self.problem = BadFile(f"{where} is corrupt ({exc}); {self.fix}")
        except Exception as exc:  # an unchecked member must not pass as a checked one
            self.problem = BadFile(
                f"{where} could not be checked ({type(exc).__name__}: {exc}); {self.fix}"
            )
        finally:
            self._checked.set()
        # A query started after one interrupt would run on, so repeat until stopped.
        while self.problem is not None and not self._stop.wait(0.05):
            self.interrupt()

    def _inflate(self) -> None:
        info, where, fix = self.info, f"{self.archive}: member {self.info.filename}", self.fix
        lines = LineCheck(
            f"{self.archive}:{info.filename}",
            kind=self.kind,
            fix=fix,
            reopen=lambda: self.zf.open(info),  # stops at the declared size
        )
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        size = crc = 0
        left = info.compress_size
        with self.archive.open("rb") as f:
            f.seek(self.offset)
            while left and not self._stop.is_set():
                data = f.read(min(left, 1 << 20))
                if not data:
                    raise BadFile(f"{where} is truncated; {fix}")
                left -= len(data)
                while True:  # at most CHUNK bytes of output at once, whatever the ratio
                    out = inflate.decompress(data, CHUNK)
                    data = inflate.unconsumed_tail
                    size += len(out)
                    if size > info.file_size:
                        raise BadFile(_overflow(self.archive, info, fix=fix))
                    crc = zlib.crc32(out, crc)
                    lines.feed(out)
                    if not data and len(out) < CHUNK:
                        break
        if self._stop.is_set():
            return
        if not inflate.eof or size != info.file_size:
            raise BadFile(f"{where} is truncated or corrupt; {fix}")
        if crc != info.CRC:
            raise BadFile(f"{where} fails its CRC-32 check (it is corrupt); {fix}")

    def verdict(self) -> BadFile | None:
        """Wait for the check to finish; the problem it found, if any."""
        self._checked.wait()
        return self.problem

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
