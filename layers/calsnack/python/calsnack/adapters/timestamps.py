"""Instants as stored text, for both adapter sets: both stores compare answer and send times as
strings (in SQL, in DynamoDB's conditions), which compares instants only if the text is fixed-width UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def instant(value: datetime) -> str:
    """Fixed-width UTC text; a naive value is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
