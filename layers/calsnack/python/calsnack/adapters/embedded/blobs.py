"""The blob-store port on the file system: raw mail and uploaded CSV files under one folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: Bytes copied at a time by `put_stream`.
COPY_BUFFER = 1024 * 1024


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") or "\\" in p for p in parts):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes) -> None:
        """Durable before it returns: the SMTP server answers 250 only after this."""
        self._write(key, lambda out: out.write(data))

    def put_stream(self, key: str, reader: BinaryIO) -> None:
        self._write(key, lambda out: shutil.copyfileobj(reader, out, COPY_BUFFER))

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> None:
        """Written whole under a temporary name, synced, then renamed: a reader sees all or nothing."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")
