"""Which events' calendar text follows from their own fields, and what that text is.

A CSV row's calendar is written from the row's fields (`usecases.apply_command_rows`), so a
store may keep the fields alone and rebuild the text on reading; the composition root hands
this rule to the stores that do (the DynamoDB store, to keep an event item in one write unit).
"""

from __future__ import annotations

from calsnack.domain.model import Event, Source
from calsnack.ical.write import fields_calendar


def derived_calendar(event: Event) -> str | None:
    """The calendar text `event`'s fields give, or None where they give none.

    None for an event from a calendar client (its text is the organizer's own, with whatever
    the client wrote) and for fields no calendar can be written from. A CSV event whose text
    differs from this one (it holds a reminder, which is no field) keeps its own text.
    """
    if event.source is not Source.CSV:
        return None
    try:
        return fields_calendar(event)
    except ValueError:
        return None
