"""Every calendar the service sends, read the way receiving clients read it.

icalendar and vobject (the Python port of what Radicale and older CalDAV tools read with) always;
libical's RFC 5546 restriction check (what Evolution and other GNOME clients run) through
Debian's python3-gi and gir1.2-ical-3.0, and ical.js (what Thunderbird and Nextcloud's web
calendar run) through node and `tests/icaljs` (`npm ci` there), when the machine has them.
Without libical or ical.js the check warns (pytest shows it) and still holds every object to
icalendar and vobject. The readers must agree on each VEVENT's start instant, the occurrence it
overrides and the occurrences it excludes, and on each event's occurrences as they expand them
(tests/occurrences.py): every start instant, with overrides in their slots and EXDATEs removed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple

import vobject
from icalendar import Calendar

from tests.occurrences import (
    Instant,
    Occurrences,
    Slots,
    compared,
    icalendar_slots,
    instant,
    libical_slots,
    until,
    vobject_slots,
)

SYSTEM_PACKAGES = "/usr/lib/python3/dist-packages"
ICALJS = Path(__file__).parent / "icaljs"


def libical() -> Any | None:
    """ICalGLib, or None where it is not installed."""
    try:
        import gi
    except ImportError:
        # Only libical is taken from the system's packages; it is appended, so the venv wins.
        if SYSTEM_PACKAGES not in sys.path:
            sys.path.append(SYSTEM_PACKAGES)
        try:
            import gi
        except ImportError:
            return None
    try:
        gi.require_version("ICalGLib", "3.0")
        from gi.repository import ICalGLib
    except (ImportError, ValueError):
        return None
    return ICalGLib


def calendar_parts(message: EmailMessage) -> list[str]:
    """The text/calendar parts and invite.ics attachments of one sent message."""
    texts = []
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            texts.append(payload.decode("utf-8"))
    return texts


def libical_errors(text: str) -> list[str]:
    """The X-LIC-ERROR lines libical adds reading the object and checking RFC 5546's tables."""
    ical = libical()
    if ical is None:
        return []
    component = ical.Component.new_from_string(text)
    assert component is not None, text
    ical.restriction_check(component)
    return [line for line in component.as_ical_string().splitlines() if "X-LIC-ERROR" in line]


#: Per VEVENT, in order: (UID, overridden occurrence, start, excluded occurrences).
Starts = list[tuple[str, Instant | None, Instant, frozenset[Instant]]]


def icalendar_starts(calendar: Calendar) -> Starts:
    starts = []
    for vevent in calendar.walk("VEVENT"):
        rid = vevent.get("RECURRENCE-ID")
        exdates = vevent.get("EXDATE", [])
        excluded = frozenset(
            instant(value.dt)
            for prop in (exdates if isinstance(exdates, list) else [exdates])
            for value in prop.dts
        )
        starts.append(
            (
                str(vevent["UID"]),
                None if rid is None else instant(rid.dt),
                instant(vevent.decoded("DTSTART")),
                excluded,
            )
        )
    return starts


def vobject_read(text: str) -> Any:
    """What vobject reads; it raises on what it cannot parse, and that fails the test.

    vobject keeps the first VTIMEZONE it met per TZID for the whole process, so a later object's
    own definition would go unread: each object is read with only UTC registered, as a fresh
    client would read it.
    """
    zones = vars(vobject.icalendar)["__tzidMap"]
    zones.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)
    return vobject.readOne(text, validate=True)


def vobject_starts(calendar: Any) -> Starts:
    starts = []
    for vevent in calendar.contents.get("vevent", []):
        rid = vevent.contents.get("recurrence-id")
        excluded = frozenset(
            instant(value) for line in vevent.contents.get("exdate", []) for value in line.value
        )
        starts.append(
            (
                str(vevent.uid.value),
                None if not rid else instant(rid[0].value),
                instant(vevent.dtstart.value),
                excluded,
            )
        )
    return starts


def icaljs_missing() -> str:
    """Why ical.js cannot read here, "" when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ICALJS / "node_modules" / "ical.js" / "package.json").is_file():
        return f"ical.js is not installed (npm ci in {ICALJS})"
    return ""


def as_json(moment: Instant | None) -> list[Any] | None:
    """An instant as tests/icaljs/read.mjs writes it."""
    if moment is None:
        return None
    kind, value = moment
    if kind == "utc":
        assert isinstance(value, datetime)
        return [kind, int(value.timestamp())]
    return [kind, value.isoformat()]


def from_json(moment: list[Any]) -> Instant:
    kind, value = moment
    if kind == "utc":
        return instant(datetime.fromtimestamp(value, UTC))
    return instant(datetime.fromisoformat(value) if kind == "floating" else date.fromisoformat(value))


class IcaljsReading(NamedTuple):
    """What ical.js reads of one text: each VEVENT as `icaljs_expected` writes it, and the occurrences."""

    vevents: list[list[Any]]
    slots: Slots


def icaljs_read(texts: list[str], bounds: list[dict[str, float]]) -> list[IcaljsReading]:
    """What ical.js reads of each text, one node process for them all; a parse error fails."""
    done = subprocess.run(
        ["node", str(ICALJS / "read.mjs")],
        input=json.dumps([{"text": text, "until": bound} for text, bound in zip(texts, bounds, strict=True)]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"ical.js could not read a sent calendar:\n{done.stderr}"
    return [
        IcaljsReading(
            [[uid, rid, start, sorted(excluded)] for uid, rid, start, excluded in read["vevents"]],
            {
                uid: [(from_json(slot), from_json(start)) for slot, start in pairs]
                for uid, pairs in read["slots"].items()
            },
        )
        for read in json.loads(done.stdout)
    ]


def icaljs_starts(texts: list[str]) -> list[list[list[Any]]]:
    """Each text's VEVENTs as ical.js reads them."""
    return [read.vevents for read in icaljs_read(texts, [{} for _ in texts])]


def icaljs_expected(calendar: Calendar) -> list[list[Any]]:
    return [
        [uid, as_json(rid), as_json(start), sorted(as_json(e) for e in excluded)]  # type: ignore[type-var]
        for uid, rid, start, excluded in icalendar_starts(calendar)
    ]


def bounds_of(starts: Starts) -> dict[str, float]:
    """Per UID, how far occurrences are expanded: from its first slot (RECURRENCE-ID or DTSTART)."""
    return until((uid, start if rid is None else rid) for uid, rid, start, _ in starts)


def disagreement(text: str, reader: str, theirs: Occurrences, ours: Occurrences) -> str:
    lines = [f"{reader} expands other occurrences than icalendar (recurring-ical-events) in\n{text}"]
    for uid in sorted({*theirs, *ours}):
        mine, other = set(ours.get(uid, [])), set(theirs.get(uid, []))
        lines += [
            f"{uid}: only icalendar {sorted(mine - other)}",
            f"{uid}: only {reader} {sorted(other - mine)}",
        ]
    return "\n".join(lines)


def sent_calendars_are_clean(messages: Iterable[EmailMessage]) -> list[Calendar]:
    """Assert every calendar in `messages` reads without error and every reader sees the same
    VEVENTs and the same occurrences; returns them parsed by icalendar."""
    parsed = []
    texts = [text for message in messages for text in calendar_parts(message)]
    assert texts, "no calendar was sent"
    bounds, expected = [], []
    ical = libical()
    for text in texts:
        calendar = Calendar.from_ical(text)
        assert calendar.get("METHOD"), text
        for vevent in calendar.walk("VEVENT"):
            assert vevent.get("UID") and vevent.get("DTSTAMP"), text
            for name, value in vevent.property_items(recursive=False):
                if name not in ("BEGIN", "END"):
                    assert value.to_ical() != b"", f"empty {name} in\n{text}"
        parsed.append(calendar)
        starts = icalendar_starts(calendar)
        vcalendar = vobject_read(text)
        assert vobject_starts(vcalendar) == starts, f"vobject reads another start in\n{text}"
        bound = bounds_of(starts)
        occurrences = compared(icalendar_slots(calendar, bound), bound)
        bounds.append(bound)
        expected.append(occurrences)
        vobject_occurrences = compared(vobject_slots(vcalendar, bound), bound)
        assert vobject_occurrences == occurrences, disagreement(
            text, "vobject", vobject_occurrences, occurrences
        )
        errors = libical_errors(text)
        assert errors == [], "\n".join([*errors, text])
        if ical is not None:
            read = compared(libical_slots(ical, ical.Component.new_from_string(text), bound), bound)
            assert read == occurrences, disagreement(text, "libical", read, occurrences)
    missing = icaljs_missing()
    if missing:
        warnings.warn(f"ical.js reading skipped: {missing}", stacklevel=2)
    else:
        readings = icaljs_read(texts, bounds)
        for text, calendar, read, bound, occurrences in zip(
            texts, parsed, readings, bounds, expected, strict=True
        ):
            assert read.vevents == icaljs_expected(calendar), f"ical.js reads another start in\n{text}"
            icaljs_occurrences = compared(read.slots, bound)
            assert icaljs_occurrences == occurrences, disagreement(
                text, "ical.js", icaljs_occurrences, occurrences
            )
    if ical is None:
        warnings.warn("libical's RFC 5546 check skipped: needs python3-gi and gir1.2-ical-3.0", stacklevel=2)
    return parsed
