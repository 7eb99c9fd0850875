"""revoke_api_key: a domain's key found by its short id, never another domain's, revoked for good."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from calsnack.domain.model import ApiKey
from calsnack.ports import Services
from calsnack.usecases.authorize_api_key import KEY_ID_LENGTH, authorize_api_key
from calsnack.usecases.issue_api_key import issue_api_key
from calsnack.usecases.revoke_api_key import UnknownKey, find_api_key, revoke_api_key

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def test_a_key_is_revoked_by_its_id_and_stops_working(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    other = issue_api_key(services.store, "corp.example", "other", NOW)
    revoked = revoke_api_key(services.store, "corp.example", issued.key_id.upper() + " ")
    assert revoked.key_hash == issued.key.key_hash and revoked.revoked
    assert authorize_api_key(services.store, issued.secret).reason == "revoked"
    assert authorize_api_key(services.store, other.secret).allowed
    # Again: the same outcome, no error.
    assert revoke_api_key(services.store, "corp.example", issued.key_id).revoked


def test_another_domains_key_is_never_found(services: Services) -> None:
    theirs = issue_api_key(services.store, "other.example", "ci", NOW)
    with pytest.raises(UnknownKey):
        revoke_api_key(services.store, "corp.example", theirs.key_id)
    assert authorize_api_key(services.store, theirs.secret).allowed


def test_an_id_too_short_to_name_one_key_is_refused(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    with pytest.raises(UnknownKey, match=f"at least {KEY_ID_LENGTH}"):
        find_api_key(services.store, "corp.example", issued.key_id[:-1])


def test_an_id_two_keys_share_is_ambiguous(services: Services) -> None:
    shared = "ab" * (KEY_ID_LENGTH // 2)
    for tail in ("0", "1"):
        services.store.put_api_key(
            ApiKey(key_hash=shared + tail * (64 - KEY_ID_LENGTH), domain="corp.example", created_at=NOW)
        )
    with pytest.raises(UnknownKey):
        find_api_key(services.store, "corp.example", shared)
    assert find_api_key(services.store, "corp.example", shared + "1").key_hash.endswith("1")
