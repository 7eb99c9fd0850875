"""The transcoder alone: each encoding a spreadsheet saves, read back as the text it holds."""

from __future__ import annotations

import codecs
import io

import pytest
from calsnack.csvcommands.transcode import CHUNK, NotText, transcoded_text

from .sample import TrickleStream

TEXT = "command,subject\r\nCREATE,Café – Zürich\r\n"
ASCII = "command,subject\r\nCREATE,Planning\r\n"

#: (case, bytes as saved, the text they hold)
SAVED = [
    ("utf-8", TEXT.encode(), TEXT),
    ("utf-8 with a BOM", codecs.BOM_UTF8 + TEXT.encode(), TEXT),
    ("utf-16-le with a BOM", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), TEXT),
    ("utf-16-be with a BOM", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), TEXT),
    ("utf-16-le without a BOM", TEXT.encode("utf-16-le"), TEXT),
    ("utf-16-be without a BOM", TEXT.encode("utf-16-be"), TEXT),
    ("windows-1252", TEXT.encode("cp1252"), TEXT),
    ("ascii", ASCII.encode(), ASCII),
    ("empty", b"", ""),
    ("only a BOM", codecs.BOM_UTF8, ""),
    # ASCII reads the same in both, so the switch on the first non-UTF-8 byte loses nothing.
    (
        "windows-1252 after 64 KiB of ascii",
        ASCII.encode() * 3000 + "é\r\n".encode("cp1252"),
        ASCII * 3000 + "é\r\n",
    ),
]


def _text(stream: io.BytesIO) -> str:
    return transcoded_text(stream).read()


@pytest.mark.parametrize(("data", "text"), [case[1:] for case in SAVED], ids=[case[0] for case in SAVED])
def test_saved_bytes_read_as_their_text(data: bytes, text: str) -> None:
    assert _text(io.BytesIO(data)) == text


@pytest.mark.parametrize(("data", "text"), [case[1:] for case in SAVED], ids=[case[0] for case in SAVED])
def test_a_stream_of_one_byte_reads_find_the_same_text(data: bytes, text: str) -> None:
    # A BOM is four bytes at most: it must be recognised however short the first reads are.
    assert _text(TrickleStream(data, most=1)) == text


def test_line_ends_stay_as_written_for_csv_to_read() -> None:
    assert transcoded_text(io.BytesIO(b"a\rb\nc\r\n")).readlines() == ["a\r", "b\n", "c\r\n"]


def test_a_utf8_character_across_the_chunk_boundary_stays_whole() -> None:
    data = b"x" * (CHUNK - 1) + "é\r\n".encode()
    assert data.index("é".encode()) == CHUNK - 1
    assert _text(io.BytesIO(data)) == "x" * (CHUNK - 1) + "é\r\n"


def test_a_bad_byte_after_proven_utf8_ends_the_text_after_the_valid_part() -> None:
    text = transcoded_text(io.BytesIO("Café\r\nok\r\n".encode() + b"caf\xe9\r\n"))

    assert text.readline() == "Café\r\n"
    assert text.readline() == "ok\r\n"
    with pytest.raises(NotText, match="stops being UTF-8 text"):
        text.readline()


def test_a_byte_windows_1252_lacks_ends_its_text() -> None:
    text = transcoded_text(io.BytesIO("Café\r\n".encode("cp1252") + b"\x81\r\n"))

    assert text.readline() == "Café\r\n"
    with pytest.raises(NotText, match="neither UTF-8 nor Windows-1252"):
        text.readline()


def test_a_lone_utf16_surrogate_ends_its_text() -> None:
    data = codecs.BOM_UTF16_LE + "ok\r\n".encode("utf-16-le") + b"\x00\xd8a\x00"

    with pytest.raises(NotText, match="not valid UTF-16"):
        _text(io.BytesIO(data))
