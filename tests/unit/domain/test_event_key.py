"""The event key's layout: stores find a domain's events, and one event id's, by key prefix."""

from __future__ import annotations

from calsnack.domain.model import event_key, event_key_prefix, event_key_suffix


def test_a_key_is_32_hex_digits_and_stable() -> None:
    key = event_key("ada@corp.example", "policy-2031")
    assert len(key) == 32 and int(key, 16) >= 0
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
    assert len(prefix) == 24
    ada, bob = event_key("ada@corp.example", "webinar"), event_key("bob@corp.example", "webinar")
    assert ada.startswith(prefix) and bob.startswith(prefix)
    assert ada != bob
    # The event id is compared exactly: case and a shared beginning make different events.
    assert not event_key("ada@corp.example", "Webinar").startswith(prefix)
    assert not event_key("ada@corp.example", "webinar-2").startswith(prefix)


def test_keys_of_one_organizer_share_its_suffix() -> None:
    suffix = event_key_suffix("Ada@Corp.example")
    assert len(suffix) == 8
    assert event_key("ada@corp.example", "a").endswith(suffix)
    assert event_key("ada@corp.example", "b").endswith(suffix)
    assert not event_key("bob@corp.example", "a").endswith(suffix)
