"""The versioned, crash-safe store of canonical datasets.

Layout under the store directory::

    .lock                         held (flock) by the one ingest that may write
    .staging/<uuid>/              a version being written; never read
    datasets/<name>/<version>/    flows.parquet, totals.parquet, manifest.json
    datasets/<name>/CURRENT       the published version's id (one line)

An ingest writes its new version into ``.staging``, fsyncs it, renames the directory
into ``datasets/<name>/`` and only then replaces ``CURRENT`` with ``os.replace``.
Both renames are atomic on POSIX file systems, so a reader sees the old version or the
new one, never a mix, and a crash at any point leaves the previous version published.
The version before the current one is kept so that a reader that started just before a
publish can finish.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecosec.errors import BadInput, StoreError

FLOWS_FILE = "flows.parquet"
FLOWS_GLOB = "flows*.parquet"
TOTALS_FILE = "totals.parquet"
MANIFEST_FILE = "manifest.json"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def part_name(tag: str) -> str:
    """File name of one part of a version's flows (a BACI year: ``flows-2022.parquet``)."""
    return f"flows-{tag}.parquet"


def dataset_name(text: str) -> str:
    """A store-safe dataset name from free text (file stem, user's ``--name``).

    >>> dataset_name("BACI_HS17_V202601")
    'baci_hs17_v202601'
    """
    name = re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-.")
    if not _NAME_RE.match(name):
        raise BadInput(
            f"dataset name {text!r} is not usable; use letters, digits, '.', '_' or '-' "
            "(at most 80 characters), for example --name baci-hs17"
        )
    return name


@dataclass(frozen=True)
class Dataset:
    """One published dataset version and what its manifest says about it."""

    name: str
    version: str
    path: Path
    manifest: dict[str, Any] = field(hash=False, compare=False)

    @property
    def flows_files(self) -> list[Path]:
        """The version's flows Parquet files (one, or one per year for large sources)."""
        if self.manifest.get("rows", 0) == 0:
            return []
        if "flows_files" in self.manifest:  # the embedded sample names its files
            return [self.path / f for f in self.manifest["flows_files"]]
        return sorted(self.path.glob(FLOWS_GLOB))

    @property
    def totals_files(self) -> list[Path]:
        if self.manifest.get("totals_rows", 0) == 0:
            return []
        if "totals_files" in self.manifest:
            return [self.path / f for f in self.manifest["totals_files"]]
        p = self.path / TOTALS_FILE
        return [p] if p.exists() else []


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((path / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"dataset version {path} has no readable {MANIFEST_FILE} ({exc}); "
            f"re-run the ingest that made it or delete {path.parent}"
        ) from exc
    return data


class Store:
    """A store directory: list published datasets, stage and publish new versions."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def _datasets_dir(self) -> Path:
        return self.root / "datasets"

    def datasets(self) -> list[Dataset]:
        """Published datasets, by name. Unpublished or half-written versions are invisible."""
        base = self._datasets_dir
        if not base.is_dir():
            return []
        out = []
        for entry in sorted(base.iterdir()):
            version = _pointer(entry)
            if version is None:
                continue  # first ingest of this name never published
            path = entry / version
            out.append(Dataset(entry.name, version, path, read_manifest(path)))
        return out

    def get(self, name: str) -> Dataset | None:
        return next((d for d in self.datasets() if d.name == name), None)

    def remove(self, name: str) -> None:
        """Unpublish a dataset (``ecosec datasets --remove NAME``)."""
        with self._lock():
            target = self._datasets_dir / name
            if not (target / "CURRENT").exists():
                names = ", ".join(d.name for d in self.datasets()) or "none"
                raise BadInput(f"no dataset named {name!r} in {self.root}; loaded: {names}")
            # Unpublish first (atomic), then delete the files.
            (target / "CURRENT").unlink()
            shutil.rmtree(target, ignore_errors=True)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store at {self.root}: {exc.strerror}; "
                "pass a writable directory with --store DIR or set ECOSEC_HOME"
            ) from exc
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"another ingest holds {self.root / '.lock'}; wait for it "
                            "to finish and run this command again"
                        ) from None
                    time.sleep(0.2)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[Staging]:
        """Write a new version of dataset ``name``; publish it if the block succeeds.

        On any exception (or a kill) the staged files are discarded and the
        previously published version stays current.
        """
        with self._lock():
            staging_root = self.root / ".staging"
            # Holding the lock, nothing else is staging: leftovers are from a crash.
            shutil.rmtree(staging_root, ignore_errors=True)
            tmp = staging_root / uuid.uuid4().hex
            tmp.mkdir(parents=True)
            staging = Staging(name=name, path=tmp)
            try:
                yield staging
                if staging.skip:
                    return
                self._publish(staging)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, staging: Staging) -> None:
        now = datetime.now(UTC)
        version = now.strftime("v%Y%m%dT%H%M%S%fZ")
        staging.manifest.update(name=staging.name, version=version, ingested_at=now.isoformat())
        (staging.path / MANIFEST_FILE).write_text(
            json.dumps(staging.manifest, indent=2, sort_keys=True), "utf-8"
        )
        for f in staging.path.iterdir():
            _fsync_file(f)
        target_dir = self._datasets_dir / staging.name
        target_dir.mkdir(parents=True, exist_ok=True)
        final = target_dir / version
        os.rename(staging.path, final)
        _fsync_dir(target_dir)
        previous = _pointer(target_dir)
        pointer_tmp = target_dir / f".CURRENT.{uuid.uuid4().hex}"
        pointer_tmp.write_text(version + "\n", "utf-8")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, target_dir / "CURRENT")  # the publish
        _fsync_dir(target_dir)
        self._prune(target_dir, {version, previous or version})

    @staticmethod
    def _prune(target_dir: Path, keep: set[str]) -> None:
        """Keep the current version and the one it replaced (a reader may still be on
        it); drop older versions and those never published (an ingest killed between
        its rename and the pointer swap), which are not always the oldest."""
        for p in target_dir.iterdir():
            if p.is_dir() and p.name.startswith("v") and p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)
        for p in target_dir.glob(".CURRENT.*"):
            p.unlink(missing_ok=True)


@dataclass
class Staging:
    """A version being written: put ``flows.parquet``/``totals.parquet`` in ``path``."""

    name: str
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    skip: bool = False  # set when the input is already loaded unchanged

    @property
    def flows_path(self) -> Path:
        return self.path / FLOWS_FILE

    def flows_part(self, tag: str) -> Path:
        """Path for one part of the flows (for example one BACI year)."""
        return self.path / part_name(tag)

    @property
    def flows_files(self) -> list[Path]:
        return sorted(self.path.glob(FLOWS_GLOB))

    @property
    def totals_path(self) -> Path:
        return self.path / TOTALS_FILE


_VERSION_RE = re.compile(r"^v\d{8}T\d{12}Z$")


def _pointer(dataset_dir: Path) -> str | None:
    """The version a dataset's ``CURRENT`` names, checked; None before its first publish."""
    current = dataset_dir / "CURRENT"
    try:
        version = current.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"cannot read {current}: {exc}") from exc
    if not _VERSION_RE.match(version):
        raise StoreError(
            f"{current} names {version[:40]!r}, not a version of the dataset; the store was "
            f"altered by hand — restore that file, or remove the dataset with `ecosec "
            f"datasets --remove {dataset_dir.name}` and ingest its file again"
        )
    return version


def _fsync_file(path: Path) -> None:
    if path.is_dir():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
