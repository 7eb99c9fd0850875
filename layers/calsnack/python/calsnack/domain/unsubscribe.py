"""What a one-click unsubscribe stops: one organization's mail, or one person's on a public provider.

An unsubscribe (RFC 8058) is kept as a suppression with a scope. For a company domain the
scope is the organizer's domain: colleagues run one another's mailings (CONTRACT §3), so
"no more from corp.example" is what the recipient asked. On a public mail provider the
domain is no organization: "no more from gmail.com" would block every stranger with a free
account, so the scope is the organizer's own address.
"""

from __future__ import annotations

from calsnack.domain.addresses import domain_of, normalize_address
from calsnack.domain.mail_providers import is_public_mail_domain


def unsubscribe_scope(sender: str) -> str:
    """The suppression scope an unsubscribe from `sender`'s mail writes.

    `sender` is an organizer's address, or a bare domain (then the domain is the scope).
    """
    if "@" not in sender:
        return sender.strip().lower()
    domain = domain_of(sender)
    return normalize_address(sender) if is_public_mail_domain(domain) else domain


def sender_scopes(sender: str) -> frozenset[str]:
    """The scopes whose suppressions stop mail from `sender`: the domain and, for an address, the address.

    The domain is read also on public providers: an unsubscribe recorded for a whole
    provider before scopes were per address still stops that mail (never mail someone who
    asked to stop), it is just no longer written.
    """
    if "@" not in sender:
        return frozenset({sender.strip().lower()})
    return frozenset({domain_of(sender), normalize_address(sender)})
