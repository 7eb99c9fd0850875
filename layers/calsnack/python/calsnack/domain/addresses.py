"""E-mail addresses: the one grammar every channel accepts (CSV rows, VIP lists, the RSVP form, the API), and their wire form.

Each channel reads its own framing first (a VIP list finds addresses among names and commas, a
CSV cell holds one bare address per `;`), then asks this module. What it accepts, and why:

- **Normalised first.** Surrounding whitespace and a `mailto:` prefix are no part of the
  address, and case is ignored: RFC 5321 lets a local part be case-sensitive, but no mailbox
  provider makes it so, and a person must meet their own answers again whatever they typed.
- **A bare address.** No display name (`Ann <ann@x.example>`), comment, space or line break: an
  address is one token, so nothing typed into a form or a cell can add a header.
- **The local part is a dot-atom** (RFC 5322 §3.2.3) of at most 64 octets (RFC 5321
  §4.5.3.1.1), with non-ASCII letters allowed (RFC 6531): the renderer writes such mail with
  SMTPUTF8 headers and the embedded relay delivers it. Amazon SES supports no SMTPUTF8, so on
  AWS such an invitation fails when it is sent; refusing the address here would make the
  grammar depend on the mailer. Quoted local parts (`"ann smith"@x.example`) are refused:
  RFC 5321 §4.1.2 tells senders not to make them, providers do not hand them out, and they
  need quoting in every header and `mailto:` URI.
- **The domain is a host name** of two or more labels, each at most 63 octets: ASCII letters,
  digits and inner hyphens (RFC 1123 §2.1), or internationalised labels that IDNA encodes
  (Python's codec, IDNA 2003). No address literals (`[192.0.2.1]`): nobody is invited at one.
- **At most 254 octets in all** (RFC 5321's 256-octet path less its angle brackets), counted in
  the wire form, as mail servers count them.

The stored form is the normalised one (an internationalised domain as typed, lower-cased);
`wire_address` gives what headers, envelopes and SES carry: the domain in IDNA A-labels.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = rf"{_ATEXT}++(?:\.{_ATEXT}++)*+"
_LABEL = r"[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+"
_HOST = rf"(?:{_LABEL}\.)++{_LABEL}"
#: An address as it stands in ASCII, lengths aside: matchers that check many addresses in one
#: call (a CSV cell of attendees) build on it, then ask `is_address` about long ones. Possessive
#: quantifiers keep it free of backtracking, whatever a hostile cell holds.
ASCII_ADDRESS_PATTERN: Final = rf"{_LOCAL}@{_HOST}"
_ASCII_ADDRESS = re.compile(ASCII_ADDRESS_PATTERN)
_UTF8_ATEXT = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])"
_UTF8_LOCAL = re.compile(rf"{_UTF8_ATEXT}++(?:\.{_UTF8_ATEXT}++)*+")
_ASCII_HOST = re.compile(_HOST)

MAX_LOCAL: Final = 64
MAX_LABEL: Final = 63
MAX_ADDRESS: Final = 254


def normalize_address(address: str) -> str:
    """The address as stored and compared: trimmed, without a `mailto:` prefix, lower-case."""
    value = address.strip()
    if value[:7].lower() == "mailto:":
        value = value[7:]
    return value.strip().lower()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def address_problem(address: str) -> str | None:
    """Why a normalised address is not acceptable, as a phrase for a person; None when it is."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "it has no @"
    if not local:
        return "nothing comes before the @"
    if any(c.isspace() or c in '<>"(),;[]' for c in address):
        return "it holds spaces, quotes or brackets: give the bare address, without a name"
    if not local.isprintable() or not _UTF8_LOCAL.fullmatch(local):
        return "the part before the @ is not a mailbox name (a dot at its start or end, two dots, or an @)"
    octets = len(local.encode())
    if octets > MAX_LOCAL:
        return f"the part before the @ is too long ({MAX_LOCAL} characters at most, fewer with accents)"
    host = _idna(domain)  # None also for a label longer than 63 octets
    if host is None or not _ASCII_HOST.fullmatch(host):
        return f'"{domain}" is not a domain name'
    if octets + 1 + len(host) > MAX_ADDRESS:
        return f"the address is longer than {MAX_ADDRESS} characters"
    return None


def _wire(address: str) -> str | None:
    if _ASCII_ADDRESS.fullmatch(address):  # nearly every address: one regex call and a length
        return address if len(address) <= MAX_LOCAL or _fits(address) else None
    if address_problem(address) is not None:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}@{_idna(domain)}"


def _fits(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    return (
        len(address) <= MAX_ADDRESS
        and len(local) <= MAX_LOCAL
        and max(map(len, domain.split("."))) <= MAX_LABEL
    )


def is_address(address: str) -> bool:
    """Whether a normalised address is acceptable (`address_problem` says why not)."""
    return _wire(address) is not None


def parse_address(text: str) -> str | None:
    """The acceptable address `text` spells, normalised; None if it spells none."""
    address = normalize_address(text)
    return address if is_address(address) else None


def wire_address(address: str) -> str:
    """The address as headers and the envelope carry it: IDNA for the domain (SES takes no other).

    Raises ValueError for an address this module does not accept.
    """
    wire = _wire(address)
    if wire is None:
        raise ValueError(f"not a deliverable address: {address!r}")
    return wire


@lru_cache(maxsize=4096)
def _idna(domain: str) -> str | None:
    """Cached: nameprep costs more than rendering a whole message, and attendees share domains."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
