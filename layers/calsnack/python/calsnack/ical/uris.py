"""Which links may reach an attendee's calendar: web links only.

Calendar clients make URL, CONFERENCE and Google's X-GOOGLE-CONFERENCE clickable, and some
open ATTACH and IMAGE links on their own. A `javascript:`, `data:`, `file:` or custom-scheme
link there runs or opens something in the attendee's client under the organizer's name; the
service forwards the organizer's event to strangers, so it passes on http(s) links only
(OWASP: allow-list URL schemes) and drops any other.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = frozenset({"http", "https"})


def is_web_url(text: str) -> bool:
    """An absolute http(s) URL with a host, and no whitespace or control characters in it."""
    if not text or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
