"""Reading the event back from a personal invitation's Message-ID.

`InvitationRenderer` makes them as `<{event key}.{unique}@{domain}>`, so SES feedback about a
message (which quotes its Message-ID header) names the event without any lookup. Kept apart
from the renderer so the feedback Lambda does not import the calendar machinery.
"""

from __future__ import annotations

from calsnack.domain.model import is_event_key


def event_key_of_message_id(message_id: str, domain: str) -> str | None:
    """The event key the Message-ID carries, or None if it is not one of our invitations'."""
    value = message_id.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    local, at, host = value.rpartition("@")
    if not at or host.lower() != domain.strip().lower():
        return None
    key, dot, rest = local.partition(".")
    if not dot or not rest or not is_event_key(key):
        return None
    return key
