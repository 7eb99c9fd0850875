"""RFC 5545 content lines written byte for byte as icalendar writes them, without building components.

Used where a calendar is written per CSV row or per message (`calsnack.ical.write`,
`calsnack.mail.invitation_calendar`); tests/unit/ical/test_write.py proves the bytes equal icalendar's.
"""

from __future__ import annotations

from datetime import date, datetime

#: icalendar folds before a character that would make a line 75 octets or longer.
_LIMIT = 74


def escape_text(value: str) -> str:
    r"""A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks escaped.

    The same replacements in the same order as icalendar's `_escape_char`, so its quirk
    (a literal `\N` is read as a line break) is kept: the bytes stay identical.
    """
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded as icalendar folds it (RFC 5545 §3.1), without the final CRLF.

    Each physical line holds the most whole characters that stay under 75 octets (a UTF-8
    sequence is never split), plus the leading space on continuation lines; a backslash or
    caret that would end a line moves to the next one, so no escape is split in two.
    """
    if len(line) <= _LIMIT and (line.isascii() or len(line.encode()) <= _LIMIT):
        return line
    data = line.encode()
    pieces = []
    start, end = 0, len(data)
    while end - start > _LIMIT:
        cut = start + _LIMIT
        while data[cut] & 0xC0 == 0x80:  # inside a UTF-8 sequence: cut before its lead byte
            cut -= 1
        if data[cut - 1] in b"\\^" and cut - start > 1:
            cut -= 1
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode()


def text_line(name: str, value: str) -> str:
    """`NAME:value` for a TEXT property, escaped and folded, with its CRLF."""
    return fold(f"{name}:{escape_text(value)}") + "\r\n"


def raw_line(name: str, value: str) -> str:
    """`NAME:value` for a value icalendar writes as it is (URI, unknown X- properties), folded, with its CRLF."""
    return fold(f"{name}:{value}") + "\r\n"


def date_value(day: date) -> str:
    return f"{day.year:04}{day.month:02}{day.day:02}"


def datetime_value(moment: datetime, *, utc: bool) -> str:
    """Wall-clock DATE-TIME digits (seconds, never microseconds), with the `Z` of a UTC time."""
    digits = f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"
    return digits + "Z" if utc else digits
