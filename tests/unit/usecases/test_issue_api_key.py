"""issue_api_key: a random secret shown once, only its hash stored, for one normalised domain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from calsnack.ports import Services
from calsnack.usecases.authorize_api_key import KEY_PREFIX, hash_api_key, key_id
from calsnack.usecases.issue_api_key import MAX_LABEL, InvalidDomain, issue_api_key

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def test_the_store_keeps_the_hash_not_the_secret(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    assert issued.secret.startswith(KEY_PREFIX)
    assert issued.key.key_hash == hash_api_key(issued.secret) != issued.secret
    stored = services.store.get_api_key(issued.key.key_hash)
    assert stored == issued.key and stored.created_at == NOW
    assert services.store.get_api_key(issued.secret) is None
    assert issued.key_id == key_id(issued.key.key_hash)


def test_every_key_is_new(services: Services) -> None:
    first = issue_api_key(services.store, "corp.example", "a", NOW)
    second = issue_api_key(services.store, "corp.example", "a", NOW)
    assert first.secret != second.secret
    assert {k.key_hash for k in services.store.api_keys("corp.example")} == {
        first.key.key_hash,
        second.key.key_hash,
    }


def test_the_domain_is_normalised_and_the_label_trimmed(services: Services) -> None:
    issued = issue_api_key(services.store, "  Corp.Example. ", "  " + "x" * 300 + " ", NOW)
    assert issued.key.domain == "corp.example"
    assert issued.key.label == "x" * MAX_LABEL


@pytest.mark.parametrize(
    "domain", ["", "localhost", "corp..example", "-corp.example", "corp.example/x", "ops@corp.example"]
)
def test_no_key_for_what_is_not_a_domain(services: Services, domain: str) -> None:
    with pytest.raises(InvalidDomain):
        issue_api_key(services.store, domain, "ci", NOW)
    assert services.store.api_keys(domain.strip().lower()) == []
