"""What a personal invitation says to a person: its Subject and its text and HTML bodies.

Written once per revision (the renderer keeps them in its template), so they may take
their time; the landing link in them is the only per-send value.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from calsnack.branding import Branding
from calsnack.config import Settings
from calsnack.domain.model import Event, Method
from calsnack.i18n import catalog_language, event_when, format_day, translations
from calsnack.ical.description import published_html
from calsnack.templating import HtmlSlot, Shape, Slot, shape


def invitation_subject(event: Event, method: Method, when: str) -> str:
    """What the invitation is (new, updated, cancelled, one occurrence) and for which event and
    time, in the event's language; a translator may put the summary and the time in any order."""
    _ = translations(event.language).gettext
    occurrence = event.changed_occurrence
    if method is Method.CANCEL:
        subject = _("Cancelled: %(summary)s @ %(when)s")
    elif occurrence:
        # The series goes out with one occurrence moved or excluded: name that one, by its day.
        day = {"day": format_day(date.fromisoformat(occurrence), event.language)}
        if event.occurrence_cancelled:
            subject, when = _("Cancelled: %(summary)s @ %(when)s"), _("%(day)s (this occurrence only)") % day
        else:
            subject, when = (
                _("Updated invitation: %(summary)s @ %(when)s"),
                _("%(day)s (this occurrence moved)") % day,
            )
    elif event.sequence:
        subject = _("Updated invitation: %(summary)s @ %(when)s")
    else:
        subject = _("Invitation: %(summary)s @ %(when)s")
    # A header is one line; a client's SUMMARY may hold line breaks.
    return subject % {"summary": " ".join(event.summary.split()), "when": when}


def invitation_texts(
    settings: Settings, event: Event, method: Method, landing_url: str, when: str
) -> tuple[str, str]:
    """Plain and HTML bodies (templates/mail/invitation.*), line ends normalized as the email
    package would store them.

    The templates are rendered once per brand, language and combination of empty fields (`_shapes`),
    and each event's values written into them: a batch of distinct events renders none.
    """
    values = invitation_values(event, method, landing_url, when)
    plain, html = _shapes(
        settings.branding,
        catalog_language(event.language),
        values["cancelled"],
        values["updated"],
        values["join_link"],
        *(bool(values[field]) for field in _FIELDS),
    )
    return _lines(plain.fill(values)), _lines(html.fill(values))


def invitation_values(event: Event, method: Method, landing_url: str, when: str) -> dict[str, Any]:
    """What the invitation templates are rendered with, but the brand."""
    description = _lines(event.description).strip("\n")
    return {
        "who": event.organizer_name or event.organizer,
        "summary": event.summary,
        "when": when,
        "location": event.location,
        "meeting_url": event.meeting_url,
        "description": description,
        # nh3-sanitized HTML, which the template writes as it is.
        "description_html": Markup(published_html(event.calendar, description)) if description else "",  # noqa: S704
        "landing_url": landing_url,
        "cancelled": method is Method.CANCEL,
        "updated": bool(event.sequence),
        # A mail links http(s) only, never javascript: or data:.
        "join_link": bool(event.meeting_url) and urlsplit(event.meeting_url).scheme in ("http", "https"),
    }


# The values the templates write: a Slot each in a shape, where they are not empty.
_FIELDS = (
    "who",
    "summary",
    "when",
    "location",
    "meeting_url",
    "description",
    "description_html",
    "landing_url",
)


@lru_cache(maxsize=512)
def _shapes(
    brand: Branding, language: str, cancelled: bool, updated: bool, join_link: bool, *present: bool
) -> tuple[Shape, Shape]:
    slots: dict[str, Any] = {
        field: (HtmlSlot if field == "description_html" else Slot)(field) if filled else ""
        for field, filled in zip(_FIELDS, present, strict=True)
    }
    values = {
        **slots,
        "brand": brand,
        "cancelled": cancelled,
        "updated": updated,
        "join_link": join_link,
        "lang": language,
    }
    return shape("mail/invitation.txt", language, **values), shape("mail/invitation.html", language, **values)


def invitation_when(event: Event) -> str:
    """When the event is, as the Subject and the texts say it (once per revision)."""
    return event_when(event, event.language)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
