"""Where evidence files live: outside the database, addressed by the SHA-256 of their bytes.

The database keeps what a file is about (sheet, criterion, name, type, size, hash, who and
when: ``models.Evidence``); the bytes go to an ``EvidenceStore`` under ``storage_key``. Every
backend is content-addressed: the key is the SHA-256 hex digest, so identical uploads are
stored once and a key always names the same bytes.

``LocalDiskStore`` is the first backend: files under ``ScoringSettings.evidence_dir``
(``SCORING_EVIDENCE_DIR``, default ``var/evidence``) as ``ab/cd/<sha256>``, written to a
temporary file in ``<root>/tmp`` while hashed and renamed into place (atomic on one file
system), so a reader never sees half a file.
Several API replicas may share it only through one shared volume (a ReadWriteMany volume on
Kubernetes); otherwise use an object store.

An S3-like backend (not implemented) slots in behind the same four methods:

- ``put``: stream to a local temporary file while hashing and counting (refusing past
  ``max_bytes``, as here), then upload it as ``<prefix>/ab/cd/<sha256>`` with a conditional
  ``PutObject`` (``If-None-Match: *``; a 412 means the bytes are already there);
- ``open``: the ``GetObject`` body stream; ``delete``: ``DeleteObject``; ``exists``:
  ``HeadObject``;
- chosen in ``store_for`` by a setting such as ``SCORING_EVIDENCE_STORE=s3://bucket/prefix``
  (credentials from the usual AWS variables or the pod's role). Downloads could then be
  answered with a short-lived presigned URL instead of streaming through the service.

The callers (``domain.evidence``) keep the database and the store consistent: a key is
deleted only while no evidence record refers to it, under a lock on that key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from services.scoring.settings import ScoringSettings

CHUNK = 64 * 1024
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Stored:
    key: str
    sha256: str
    size: int


class TooLarge(Exception):
    """The stream is longer than ``max_bytes``; nothing was kept."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class EvidenceStore(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int) -> Stored:
        """Keep the stream's bytes (raising ``TooLarge``, keeping nothing, past max_bytes)."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The bytes under ``key`` (``FileNotFoundError`` when there are none)."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key``; nothing happens when it is not there."""
        ...

    def exists(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    """Keys are SHA-256 hex digests, never paths (a stored key cannot reach outside root)."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not an evidence key: {key!r}")
    return key


class LocalDiskStore:
    """Files on a local (or shared) file system, content-addressed, written atomically."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, stream: BinaryIO, max_bytes: int) -> Stored:
        staging = self.root / "tmp"
        staging.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temp_name = tempfile.mkstemp(dir=staging, prefix="upload-")
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            final = self.path(key)
            if final.exists():
                temp.unlink()  # the same bytes are already stored: keep one copy
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, final)  # atomic: readers see no file or the whole file
                _sync_directory(final.parent)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Stored(key=key, sha256=key, size=size)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); harmless to skip where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def store_for(settings: ScoringSettings) -> EvidenceStore:
    """The evidence store the settings name: today the local disk at ``evidence_dir``."""
    return LocalDiskStore(settings.evidence_dir)
