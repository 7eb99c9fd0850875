"""authorize_api_key: only a presented secret whose hash names a live key passes, with its domain.

Which header carries the key, and the IAM policy the authorizer makes of the verdict, are
tests/unit/api/test_authorizer.py's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from calsnack.domain.model import ApiKey
from calsnack.ports import Services
from calsnack.usecases.authorize_api_key import KEY_PREFIX, authorize_api_key, hash_api_key
from calsnack.usecases.issue_api_key import issue_api_key

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def test_a_live_key_passes_with_its_domain(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    verdict = authorize_api_key(services.store, issued.secret)
    assert verdict.allowed and verdict.key == issued.key and verdict.key.domain == "corp.example"


@pytest.mark.parametrize(
    ("presented", "reason"),
    [
        ("", "missing"),
        ("sk_live_abc", "malformed"),
        (KEY_PREFIX + "x" * 300, "malformed"),
        (KEY_PREFIX + "never-issued", "unknown"),
    ],
)
def test_anything_else_is_refused_with_its_reason(services: Services, presented: str, reason: str) -> None:
    issue_api_key(services.store, "corp.example", "ci", NOW)
    verdict = authorize_api_key(services.store, presented)
    assert (verdict.allowed, verdict.key, verdict.reason) == (False, None, reason)


def test_a_revoked_key_no_longer_passes(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    services.store.revoke_api_key(issued.key.key_hash)
    assert authorize_api_key(services.store, issued.secret).reason == "revoked"


def test_a_key_whose_hash_is_presented_as_the_secret_is_unknown(services: Services) -> None:
    issued = issue_api_key(services.store, "corp.example", "ci", NOW)
    assert authorize_api_key(services.store, KEY_PREFIX + issued.key.key_hash).reason == "unknown"


class LooseStore:
    """A store that matches loosely (a prefix, a case fold): it returns its key for any lookup."""

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        return self.key


def test_a_near_miss_a_loose_store_returns_is_still_unknown() -> None:
    stored = ApiKey(key_hash=hash_api_key(KEY_PREFIX + "the-real-one"), domain="corp.example", created_at=NOW)
    verdict = authorize_api_key(LooseStore(stored), KEY_PREFIX + "a-guess")  # type: ignore[arg-type]
    assert (verdict.allowed, verdict.reason) == (False, "unknown")
