"""What a public form's POST must show before it is read: that a browser sent it from our own page
(Sec-Fetch-Site, else Origin or Referer, against --base-url), and that it carries a token from a
form we served for this event recently (signed and stateless: `Links.rsvp_form_token`).

Programs (a mail-merge tool, a test) send none of the browser's headers; they still need the
token, so every post begins with fetching the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from calsnack.api.responses import origin_of
from calsnack.links import Links

#: A form token's time window, in seconds.
FORM_WINDOW = 3600
#: Windows a token stays good for: the current one and the two before (a form left open over lunch).
FORM_WINDOWS = 3


def _window(at: datetime) -> int:
    return int(at.timestamp()) // FORM_WINDOW


def form_token(links: Links, event_key: str, at: datetime) -> str:
    return links.rsvp_form_token(event_key, _window(at))


def form_token_valid(links: Links, token: str, event_key: str, at: datetime) -> bool:
    window = links.rsvp_form_window(token, event_key) if token else None
    return window is not None and 0 <= _window(at) - window < FORM_WINDOWS


def cross_origin(headers: Mapping[str, str], base_url: str) -> bool:
    """True when the request says it comes from another site's page.

    Browsers send Sec-Fetch-Site on every request; older ones send Origin (which our
    no-referrer pages turn into "null") or Referer. A request with none of them is not a
    browser's, and a cross-site page cannot make a browser send it.
    """
    site = (headers.get("sec-fetch-site") or "").strip().lower()
    if site:
        return site not in ("same-origin", "none")
    own = origin_of(base_url)
    host = (headers.get("host") or "").strip().lower()
    for name in ("origin", "referer"):
        value = (headers.get(name) or "").strip()
        if value and value != "null":
            parts = urlsplit(value)
            return f"{parts.scheme}://{parts.netloc}".lower() != own.lower() and parts.netloc.lower() != host
    return False
