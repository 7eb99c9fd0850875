"""Watching a Maildir's `new/` through inotify, so a 200k-file outbox is not listed every few ms.

Listing 200,000 names costs tens of milliseconds of CPU, taken from the two cores the
server under test runs on; inotify reports each new file once, for microseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

_IN_CREATE = 0x100
_IN_MOVED_TO = 0x80
_IN_Q_OVERFLOW = 0x4000
_IN_NONBLOCK = os.O_NONBLOCK
_EVENT = struct.Struct("iIII")


class OutboxWatch(threading.Thread):
    """Counts files arriving in `new/`; `expect` finds the next file whose first line matches."""

    def __init__(self, new: Path) -> None:
        super().__init__(name="outbox-watch", daemon=True)
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._fd = libc.inotify_init1(_IN_NONBLOCK)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if libc.inotify_add_watch(self._fd, str(new).encode(), _IN_CREATE | _IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {new}")
        self.new = new
        self.count = len(os.listdir(new))
        self._lock = threading.Lock()
        self._halt = threading.Event()
        #: First line wanted -> callback with the arrival time (perf_counter).
        self._wanted: dict[bytes, Callable[[float], None]] = {}

    def expect(self, first_line: bytes) -> threading.Event:
        """An event set once a file starting with `first_line` arrives; `.arrived` holds when."""
        done = threading.Event()

        def found(at: float) -> None:
            done.arrived = at  # type: ignore[attr-defined]
            done.set()

        with self._lock:
            self._wanted[first_line] = found
        return done

    def run(self) -> None:
        while not self._halt.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                continue
            at = time.perf_counter()
            offset = 0
            names = []
            while offset < len(data):
                _, mask, _, size = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size : offset + _EVENT.size + size].rstrip(b"\0")
                offset += _EVENT.size + size
                if mask & _IN_Q_OVERFLOW:
                    # Events were dropped: count from the directory itself.
                    self.count = len(os.listdir(self.new))
                    continue
                names.append(name)
            self.count += len(names)
            if self._wanted:
                self._match(names, at)

    def _match(self, names: list[bytes], at: float) -> None:
        for name in names:
            try:
                with open(self.new / os.fsdecode(name), "rb") as f:
                    first = f.readline().rstrip(b"\r\n")
            except FileNotFoundError:
                continue
            with self._lock:
                found = self._wanted.pop(first, None)
            if found is not None:
                found(at)

    def close(self) -> None:
        self._halt.set()
        self.join(timeout=2)
        os.close(self._fd)
