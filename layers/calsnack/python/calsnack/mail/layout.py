"""The byte splice behind personal invitations: bytes rendered once with markers, then filled per attendee.

Not a templating language: the email package and icalendar render a message or calendar
once with marker values, `Layout` cuts the bytes where the markers are, and each
attendee's message is the static runs joined with their own values. That keeps a
message to a few microseconds (bench/render_invitations.py).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import escape

#: A moment no real message carries, so its rendering can be found and replaced.
PLACEHOLDER_DATE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Layout:
    """Rendered bytes cut at their markers: static runs, and which value goes where."""

    runs: tuple[bytes, ...]
    slots: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, rendered: bytes, markers: dict[bytes, int]) -> Layout:
        """Cut `rendered` at each marker; the marker's number is the index of its value in `fill`."""
        pattern = re.compile(b"|".join(re.escape(p) for p in sorted(markers, key=len, reverse=True)))
        runs: list[bytes] = []
        slots: list[tuple[int, int]] = []
        position = 0
        for match in pattern.finditer(rendered):
            runs.append(rendered[position : match.start()])
            slots.append((len(runs), markers[match.group()]))
            runs.append(b"")
            position = match.end()
        runs.append(rendered[position:])
        missing = set(markers.values()) - {index for _, index in slots}
        if missing:
            # A marker was folded or encoded: filling would silently drop personal data.
            raise RuntimeError(f"markers {sorted(missing)} not found in the rendered template")
        return cls(tuple(runs), tuple(slots))

    def bind(self, values: dict[int, bytes]) -> Layout:
        """The layout with some slots filled for good, their bytes merged into the static runs."""
        runs = list(self.runs)
        open_slots = []
        for position, index in self.slots:
            if index in values:
                runs[position] = values[index]
            else:
                open_slots.append((position, index))
        merged: list[bytes] = []
        slots: list[tuple[int, int]] = []
        start = 0
        for position, index in open_slots:
            merged.append(b"".join(runs[start:position]))
            slots.append((len(merged), index))
            merged.append(b"")
            start = position + 1
        merged.append(b"".join(runs[start:]))
        return Layout(tuple(merged), tuple(slots))

    def fill(self, values: Sequence[bytes]) -> bytes:
        runs = list(self.runs)
        for position, index in self.slots:
            runs[position] = values[index]
        return b"".join(runs)


@dataclass(slots=True)
class RevisionTemplate:
    """One revision's message and calendar layouts and its texts, as a renderer keeps them."""

    message: Layout
    calendar: Layout
    #: The unfolded ATTENDEE line up to the address, as icalendar renders it.
    attendee: bytes
    #: The text and HTML bodies (CRLF line ends) cut where the landing URL goes.
    plain: tuple[str, ...]
    html: tuple[str, ...]
    #: The last landing URL with its encoded bodies, replaced in one assignment.
    _last: tuple[str, bytes, bytes] | None = None

    def bodies(self, landing_url: str) -> tuple[bytes, bytes]:
        """Quoted-printable text and HTML; callers pass the same landing URL for a whole event, so keep the last.

        The HTML gets the URL escaped as its template (autoescape, calsnack.templating) escapes it.
        """
        last = self._last
        if last is None or last[0] != landing_url:
            last = (
                landing_url,
                quoted_printable(landing_url.join(self.plain)),
                quoted_printable(str(escape(landing_url)).join(self.html)),
            )
            self._last = last
        return last[1], last[2]


def crlf(text: str) -> str:
    """A body's line ends as they go on the wire, so its parts can be cut and encoded as bytes."""
    return text.replace("\n", "\r\n")


def quoted_printable(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), istext=True)


def base64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines, as the email package writes it, in one C call plus slicing."""
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join([encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76)])
