"""BlobStore: what is put comes back whole or as a stream that is read piece by piece."""

from __future__ import annotations

import io
import os

import pytest


def test_put_then_get(adapters):
    adapters.blobs.put("inbound/2031/05/abc", b"Subject: hi\r\n\r\nbody\r\n")
    assert adapters.blobs.get("inbound/2031/05/abc") == b"Subject: hi\r\n\r\nbody\r\n"
    adapters.blobs.put("inbound/2031/05/abc", b"replaced")
    assert adapters.blobs.get("inbound/2031/05/abc") == b"replaced"
    adapters.blobs.put("empty", b"")
    assert adapters.blobs.get("empty") == b""


def test_open_streams_in_pieces(adapters):
    data = os.urandom(3 * 1024 * 1024 + 17)
    adapters.blobs.put("batches/big.bin", data)
    with adapters.blobs.open("batches/big.bin") as stream:
        assert stream.read(10) == data[:10]
        pieces = list(iter(lambda: stream.read(256 * 1024), b""))
    assert b"".join(pieces) == data[10:]


def test_open_reads_as_text_lines(adapters):
    """How the CSV splitter reads an upload: a text wrapper over the binary stream."""
    adapters.blobs.put("batches/rows.csv", "\ufeffcommand,event_id\r\nCREATE,é1\r\n".encode())
    with io.TextIOWrapper(adapters.blobs.open("batches/rows.csv"), encoding="utf-8-sig", newline="") as text:
        assert list(text) == ["command,event_id\r\n", "CREATE,é1\r\n"]


def test_a_missing_blob_raises_file_not_found(adapters):
    with pytest.raises(FileNotFoundError):
        adapters.blobs.get("inbound/none")
    with pytest.raises(FileNotFoundError):
        adapters.blobs.open("inbound/none")


class Pieces(io.RawIOBase):
    """A file that can only be read a piece at a time: a store that slurped it whole would fail."""

    def __init__(self, data: bytes) -> None:
        self._rest = memoryview(data)
        self.largest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if (size is None or size < 0) and self._rest:
            raise AssertionError("read whole")
        piece, self._rest = bytes(self._rest[:size]), self._rest[size:]
        self.largest = max(self.largest, len(piece))
        return piece

    def readinto(self, buffer) -> int:
        piece = self.read(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)


def test_put_stream_stores_a_file_read_in_pieces_and_replaces_the_blob(adapters):
    data = os.urandom(9 * 1024 * 1024 + 5)  # past S3's multipart threshold (8 MiB)
    file = Pieces(data)
    adapters.blobs.put_stream("batches/streamed.csv", file)
    assert 0 < file.largest < len(data)
    assert adapters.blobs.get("batches/streamed.csv") == data
    adapters.blobs.put_stream("batches/streamed.csv", Pieces(b"command,event_id\r\n"))
    assert adapters.blobs.get("batches/streamed.csv") == b"command,event_id\r\n"
