"""Header and address encoding of a personal invitation: what a header may carry, and how it is written.

The email package folds every header but the Subject, which is written directly here: it
differs per event, and email takes 0.1 to 0.2 ms for it (tests/unit/mail/test_distinct_events.py
proves it reads back exactly).
"""

from __future__ import annotations

import binascii
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from functools import lru_cache

from calsnack.config import Settings
from calsnack.domain.addresses import wire_address

# Printable ASCII but space, quote and angle brackets: safe in `<...>` headers and in href="...".
_URL = re.compile(r"[!#-;=?-~]{1,900}")
#: Headers stored with `set_raw` are written as they are; all others are folded as usual.
SMTP_POLICY: EmailPolicy[EmailMessage] = SMTP.clone(refold_source="none")
SMTPUTF8_POLICY: EmailPolicy[EmailMessage] = SMTPUTF8.clone(refold_source="none")
# The Subject written directly: lines of at most 78 characters; RFC 2047 encoded words of at
# most 42 UTF-8 octets (68 characters with their frame, so any one fits after "Subject: ");
# plain words longer than 60 characters are encoded too, so they can be cut.
_LINE = 78
_WORD_OCTETS = 42
_PLAIN_WORD = 60
# What it may not hold: something a reader could take for an encoded word, runs of spaces,
# control characters and what Python counts as line breaks (email refuses those).
_NOT_DIRECT = re.compile(r"=\?|  |[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def checked_url(url: str) -> str:
    """`url` unchanged, or ValueError if a header or an unquoted-safe href could not carry it."""
    if url and not _URL.fullmatch(url):
        raise ValueError(f"not a link a mail can carry: {url!r}")
    return url


def policy_for(*addresses: str) -> EmailPolicy[EmailMessage]:
    """SMTP unless an address needs RFC 6532 UTF-8 headers (its mail goes over SMTPUTF8 anyway)."""
    if all(address.partition("@")[0].isascii() for address in addresses):
        return SMTP_POLICY
    return SMTPUTF8_POLICY


def sender(settings: Settings, organizer_name: str, organizer: str) -> Address:
    """From: the service speaks for the organizer, so replies and bounces never reach a stranger."""
    return Address(
        f"{organizer_name or organizer} via {settings.product_name}", addr_spec=settings.rsvp_address
    )


def reply_to(organizer_name: str, organizer: str) -> Address:
    return Address(organizer_name, addr_spec=wire_address(organizer))


@lru_cache(maxsize=4096)
def address_headers(
    settings: Settings, organizer_name: str, organizer: str, *, utf8: bool
) -> tuple[bytes, bytes]:
    """The From and Reply-To lines as email folds them: up to a millisecond, once per organizer."""
    policy = SMTPUTF8_POLICY if utf8 else SMTP_POLICY
    return (
        header_line("From", sender(settings, organizer_name, organizer), policy),
        header_line("Reply-To", reply_to(organizer_name, organizer), policy),
    )


def header_line(name: str, value: str | Address, policy: EmailPolicy[EmailMessage]) -> bytes:
    """One header exactly as the email package writes it into a message."""
    stored = policy.header_store_parse(name, value)[1]
    line: bytes = policy.fold_binary(name, stored)
    return line


def subject_header(subject: str, *, utf8: bool) -> bytes:
    """The Subject line, folded and RFC 2047-encoded directly; email takes 0.1 to 0.2 ms for it.

    ASCII words stay as they are; a run of words with other characters (or too long for a
    line) becomes base64 encoded words holding the run's spaces, cut between characters.
    A parser reads back exactly `subject`: it keeps the space next to a plain word, drops
    only those between two encoded words, and folds fall on spaces. What the invitation's
    subject never holds (runs of spaces, control characters) and text a reader could take
    for an encoded word are left to email.
    """
    if _NOT_DIRECT.search(subject) or subject.strip(" ") != subject:
        return header_line("Subject", subject, SMTPUTF8_POLICY if utf8 else SMTP_POLICY)
    if len("Subject: ") + len(subject) > _LINE >= len(subject) + 1 and (utf8 or subject.isascii()):
        # email's own choice for a value that fits a line but not after the name: all of it on
        # the next one. Its parser then keeps the fold's space, so do the same to read the same.
        return f"Subject:\r\n {subject}\r\n".encode()
    tokens: list[str] = []
    run: list[str] = []
    for word in subject.split(" "):
        if word.isascii() and len(word) <= _PLAIN_WORD:
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    lines: list[str] = []
    line = "Subject:"
    for token in tokens:
        if len(line) + 1 + len(token) > _LINE and len(line) > len("Subject:"):
            lines.append(line)  # the fold takes the place of the space before the token
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode()


def _encoded_words(text: str) -> list[str]:
    """`text` as base64 encoded words of whole characters (a word must decode on its own)."""
    data = text.encode()
    words = []
    start = 0
    while start < len(data):
        cut = min(start + _WORD_OCTETS, len(data))
        while cut < len(data) and data[cut] & 0xC0 == 0x80:
            cut -= 1
        words.append(f"=?utf-8?b?{binascii.b2a_base64(data[start:cut], newline=False).decode()}?=")
        start = cut
    return words
