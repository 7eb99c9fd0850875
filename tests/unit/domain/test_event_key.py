"""The event key's layout: stores find a domain's events, and one event id's, by key prefix;
the key's last 128 bits keep two organizers' events apart."""

from __future__ import annotations

import hashlib

from calsnack.domain.model import (
    EVENT_KEY_DIGITS,
    event_key,
    event_key_prefix,
    is_event_key,
    organizer_digits,
)

#: Two plus-addresses of one mailbox provider whose 8-digit organizer digests are equal: with
#: the meeting's UID they made the same 32-digit key under the old layout (issue 17.1).
VICTIM, ATTACKER = "ann+47885@freemail.example", "ann+107810@freemail.example"


def old_event_key(organizer: str, event_id: str) -> str:
    """The layout before issue 17.1: domain (8), event id (16), organizer (8) hex digits."""

    def digest(text: str, digits: int) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:digits]

    return digest(organizer.rpartition("@")[2], 8) + digest(event_id, 16) + digest(organizer, 8)


def test_a_key_is_56_hex_digits_and_stable() -> None:
    key = event_key("ada@corp.example", "policy-2031")
    assert len(key) == EVENT_KEY_DIGITS == 56 and int(key, 16) >= 0
    assert is_event_key(key) and not is_event_key(key[:-1]) and not is_event_key(key.upper())
    assert event_key("ada@corp.example", "policy-2031") == key


def test_the_organizer_is_normalised() -> None:
    assert event_key("mailto:Ada@CORP.example", "e") == event_key("ada@corp.example", "e")


def test_keys_of_one_domain_share_its_prefix() -> None:
    domain = event_key_prefix("corp.example")
    assert len(domain) == 8
    assert event_key("ada@corp.example", "a").startswith(domain)
    assert event_key("bob@Corp.Example", "b").startswith(domain)
    assert not event_key("ada@other.example", "a").startswith(domain)


def test_one_event_id_in_a_domain_shares_a_longer_prefix_whoever_organizes_it() -> None:
    prefix = event_key_prefix("corp.example", "webinar")
    assert len(prefix) == 16
    ada, bob = event_key("ada@corp.example", "webinar"), event_key("bob@corp.example", "webinar")
    assert ada.startswith(prefix) and bob.startswith(prefix)
    assert ada != bob
    # The event id is compared exactly: case and a shared beginning make different events.
    assert not event_key("ada@corp.example", "Webinar").startswith(prefix)
    assert not event_key("ada@corp.example", "webinar-2").startswith(prefix)


def test_keys_of_one_organizer_hold_its_digits_after_the_prefix() -> None:
    digits = organizer_digits("Ada@Corp.example")
    assert len(digits) == 8
    assert event_key("ada@corp.example", "a")[16:24] == digits
    assert event_key("ada@corp.example", "b")[16:24] == digits
    assert event_key("bob@corp.example", "a")[16:24] != digits


def test_organizers_whose_old_keys_collided_get_different_keys() -> None:
    uid = "7kukuqrfedlm2f9t0vvmpn4t8d@google.com"
    assert old_event_key(VICTIM, uid) == old_event_key(ATTACKER, uid)
    assert event_key(VICTIM, uid) != event_key(ATTACKER, uid)
    # Only the last 32 digits tell them apart: the short parts are for finding, not for identity.
    assert event_key(VICTIM, uid)[:24] == event_key(ATTACKER, uid)[:24]
