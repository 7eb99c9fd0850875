"""An uploaded file's bytes, of whatever encoding a spreadsheet saved, as a stream of text.

The CSV reader (`read.py`) parses what this yields; it never holds the file in memory, so the
encoding is decided and the bytes decoded chunk by chunk as they arrive.
"""

from __future__ import annotations

import codecs
import io
from typing import TYPE_CHECKING, BinaryIO, Final

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

#: Bytes read from the sender's stream at a time.
CHUNK: Final = 64 * 1024


class NotText(Exception):
    """The bytes stopped being text in the file's encoding; the reader knows at which row.

    str() is the rest of a sentence whose subject is that row ("Row 7 " + str()).
    """


class _Transcoder(io.RawIOBase):
    """The sender's bytes as UTF-8, whatever encoding the spreadsheet saved them in.

    A BOM decides (UTF-8 or UTF-16). Without one the file is read as UTF-8; if a byte turns
    out not to be UTF-8 while everything before it was ASCII, the rest is read as
    Windows-1252 (what Excel writes as "CSV"): the switch is lossless because ASCII reads the
    same in both, so detection covers the whole stream, not just a sniffed head. Once non-ASCII
    UTF-8 has been seen, a later bad byte ends the text instead of garbling it: the valid
    prefix is still delivered, then `NotText` is raised.
    """

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self._encoding = "utf-8"
        self._decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")()
        # True once a BOM or a non-ASCII character proves the encoding: no fallback after that.
        self._committed = False
        self._started = False
        self._eof = False
        self._error: NotText | None = None
        self._out = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while self._pos >= len(self._out):
            if self._error is not None:
                raise self._error
            if self._eof:
                return 0
            self._out = self._next_text().encode("utf-8")
            self._pos = 0
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._out) - self._pos)
        view[:size] = self._out[self._pos : self._pos + size]
        self._pos += size
        return size

    def _next_text(self) -> str:
        data = self._stream.read(CHUNK)
        if not self._started:
            self._started = True
            # A BOM needs four bytes to be recognised, however short the stream's first read.
            while data and len(data) < 4:
                more = self._stream.read(CHUNK)
                if not more:
                    break
                data += more
            data = self._sniff(data)
        final = not data
        self._eof = final
        return self._decode(data, final)

    def _sniff(self, head: bytes) -> bytes:
        if head.startswith(codecs.BOM_UTF8):
            self._committed = True
            return head[len(codecs.BOM_UTF8) :]
        for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
            if head.startswith(bom):
                self._use(encoding)
                return head[len(bom) :]
        # UTF-16 without a BOM: ASCII header letters with a zero byte beside each.
        if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
            self._use("utf-16-be" if head[0] == 0 else "utf-16-le")
        return head

    def _use(self, encoding: str) -> None:
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._committed = True

    def _decode(self, data: bytes, final: bool) -> str:
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            valid = exc.object[: exc.start].decode(self._encoding)
            if not self._committed and valid.isascii():
                self._use("cp1252")
                return valid + self._decode(exc.object[exc.start :], final)
            self._error = NotText(self._broken())
            self._eof = True
            return valid
        if not self._committed and not text.isascii():
            self._committed = True
        return text

    def _broken(self) -> str:
        if self._encoding == "utf-8":
            return (
                'stops being UTF-8 text (the rows before it were read); save the whole file as "CSV UTF-8"'
                " and send it again"
            )
        if self._encoding == "cp1252":
            return 'is neither UTF-8 nor Windows-1252 text; save the file as "CSV UTF-8" and send it again'
        return "is not valid UTF-16 text"


def transcoded_text(stream: BinaryIO) -> io.TextIOWrapper:
    """The stream's text, line by line with line ends as written (csv reads its own newlines).

    Reading raises `NotText` where the bytes stop being text, after the text before that point.
    """
    return io.TextIOWrapper(io.BufferedReader(_Transcoder(stream), CHUNK), encoding="utf-8", newline="")
