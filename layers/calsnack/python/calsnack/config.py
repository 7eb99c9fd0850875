"""Settings every runtime passes into the use cases (bootstrap reads them; the domain never does)."""

from __future__ import annotations

from dataclasses import dataclass, field

from calsnack.branding import Branding


@dataclass(frozen=True, slots=True)
class Settings:
    #: The mail domain the service receives for.
    domain: str
    #: Prefix of every link put in a mail or a page.
    base_url: str
    #: Only the topmost `Authentication-Results` with this authserv-id is trusted.
    authserv_id: str
    #: HMAC key that signs links and tokens.
    link_key: bytes
    #: Sending domains allowed to submit CSV batches; empty allows any authenticated domain.
    batch_domains: frozenset[str] = field(default_factory=frozenset)
    #: Personal messages per second one sending worker may send (SES max rate / concurrency).
    send_rate: float = 0.0
    #: Product name, colours, logo and footer of every mail (calsnack.branding).
    branding: Branding = field(default_factory=Branding)

    @property
    def product_name(self) -> str:
        return self.branding.product_name

    @property
    def snack_address(self) -> str:
        return f"snack@{self.domain}"

    @property
    def batch_address(self) -> str:
        return f"batch@{self.domain}"

    @property
    def rsvp_address(self) -> str:
        """ORGANIZER of every invitation the service sends: attendees' replies come back here."""
        return f"rsvp@{self.domain}"

    @property
    def noreply_address(self) -> str:
        return f"no-reply@{self.domain}"
