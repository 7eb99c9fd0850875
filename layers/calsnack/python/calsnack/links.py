"""Signed links and addresses: unforgeable without the key, valid across restarts.

Every link the service hands out carries an HMAC over what it grants (this event, this
answer), so an altered link records nothing and nobody can enumerate events.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import quote, quote_plus

from calsnack.config import Settings
from calsnack.domain.addresses import domain_of
from calsnack.domain.model import is_event_key
from calsnack.domain.unsubscribe import unsubscribe_scope

#: `vip-<event key in base32>-<signature>`: base32 keeps the local part at 60 characters, within
#: the 64 that RFC 5321 allows (the key in hex would not fit), and survives case folding.
_VIP = re.compile(r"^vip-(?P<key>[a-z2-7]{45})-(?P<sig>[a-z2-7]{10})$")


class Links:
    def __init__(self, key: bytes, base_url: str, domain: str) -> None:
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.domain = domain

    @classmethod
    def of(cls, settings: Settings) -> Links:
        """The links of one deployment: its key, its base URL and its mail domain."""
        return cls(settings.link_key, settings.base_url, settings.domain)

    def sign(self, *parts: str) -> str:
        # hmac.digest is OpenSSL's one-shot HMAC: no HMAC object per link (every invitation signs two).
        mac = hmac.digest(self._key, "\x1f".join(parts).encode(), "sha256")
        return base64.urlsafe_b64encode(mac[:18]).decode()

    def verify(self, token: str, *parts: str) -> bool:
        return hmac.compare_digest(token.encode(), self.sign(*parts).encode())

    def _url(self, path: str, token: str, **extra: str) -> str:
        # What urlencode writes, without quoting the token: urlsafe base64 needs none.
        query = "".join(f"&{name}={quote_plus(value)}" for name, value in extra.items())
        return f"{self.base_url}{path}?t={token}{query}"

    def landing(self, event_key: str) -> str:
        return self._url(f"/e/{event_key}", self.sign("event", event_key))

    def rsvp(self, event_key: str, answer: str, email: str = "") -> str:
        extra = {"email": email} if email else {}
        return self._url(f"/e/{event_key}/rsvp/{answer}", self.sign("rsvp", event_key, answer), **extra)

    def rsvp_form_token(self, event_key: str, window: int) -> str:
        """The token an RSVP form carries: this event's forms, served in time window `window`."""
        return f"{window}.{self.sign('rsvp-form', event_key, str(window))}"

    def rsvp_form_window(self, token: str, event_key: str) -> int | None:
        """The time window a genuine form token of this event was issued in; None for any other token."""
        window, _, signature = token.partition(".")
        if not window.isdigit() or len(window) > 12:
            return None
        return int(window) if self.verify(signature, "rsvp-form", event_key, window) else None

    def confirm_answer(self, event_key: str, answer: str, email: str, expires: int) -> str:
        """The link mailed to an address to confirm an answer given for it on the web."""
        token = self.sign("confirm", event_key, answer, email, str(expires))
        return self._url(f"/e/{event_key}/confirm/{answer}", token, email=email, x=str(expires))

    def ics(self, event_key: str) -> str:
        return self._url(f"/e/{event_key}/invite.ics", self.sign("event", event_key))

    def dashboard(self, organizer: str, expires: int) -> str:
        token = self.sign("dashboard", organizer, str(expires))
        return self._url("/dashboard", token, o=organizer, x=str(expires))

    def unsubscribe(self, email: str, sender: str) -> str:
        """The one-click link that stops `sender`'s mail to `email` (`sender`: an organizer or a domain).

        On a public mail provider the link also names (and signs) the organizer's address,
        which is then what it stops; a company domain's link is the same for all its organizers.
        """
        scope = unsubscribe_scope(sender)
        domain = domain_of(scope) if "@" in scope else scope
        path = f"/u/{quote(domain)}"
        if scope == domain:
            return self._url(path, self.sign("unsubscribe", email, domain), email=email)
        return self._url(path, self.sign("unsubscribe", email, domain, scope), email=email, o=scope)

    def vip_address(self, event_key: str) -> str:
        mac = hmac.new(self._key, f"vip\x1f{event_key}".encode(), hashlib.sha256).digest()
        return f"vip-{_base32(bytes.fromhex(event_key))}-{_base32(mac[:7])[:10]}@{self.domain}"

    def vip_event(self, address: str) -> str | None:
        """The event key a VIP address stands for, or None when it is not one of ours."""
        local, _, domain = address.lower().partition("@")
        match = _VIP.match(local)
        if match is None or domain != self.domain.lower():
            return None
        key = base64.b32decode(match["key"].upper() + "===").hex()
        if not is_event_key(key):
            return None
        return key if hmac.compare_digest(self.vip_address(key).lower(), address.lower()) else None


def _base32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()
