"""AccessStore: API keys are created once, looked up by hash, revoked once, listed per domain."""

from __future__ import annotations

import hashlib
from datetime import timedelta, timezone

import pytest
from calsnack.domain.model import ApiKey
from calsnack.ports import Conflict

from tests.contract.builders import T0, unique


def key_hash() -> str:
    return hashlib.sha256(unique("secret-").encode()).hexdigest()


def test_a_key_round_trips_by_its_hash(store):
    key = ApiKey(key_hash(), f"{unique()}.example", T0, label="deploy bot")
    store.put_api_key(key)
    assert store.get_api_key(key.key_hash) == key
    assert store.get_api_key(key_hash()) is None


def test_a_second_put_of_the_same_hash_conflicts_and_keeps_the_first(store):
    first = ApiKey(key_hash(), f"{unique()}.example", T0, label="first")
    store.put_api_key(first)
    with pytest.raises(Conflict):
        store.put_api_key(ApiKey(first.key_hash, f"{unique()}.example", T0 + timedelta(days=1), "second"))
    assert store.get_api_key(first.key_hash) == first


def test_revoking_counts_once(store):
    key = ApiKey(key_hash(), f"{unique()}.example", T0)
    store.put_api_key(key)
    assert store.revoke_api_key(key.key_hash)
    assert not store.revoke_api_key(key.key_hash)
    assert not store.revoke_api_key(key_hash())  # never existed
    assert store.get_api_key(key.key_hash) == ApiKey(key.key_hash, key.domain, T0, revoked=True)


def test_a_domains_keys_are_listed_oldest_first(store):
    domain = f"{unique()}.example"
    tokyo = timezone(timedelta(hours=9))
    newest = ApiKey(key_hash(), domain, T0 + timedelta(days=2), "newest")
    # Earlier as an instant though later as text in its own offset.
    oldest = ApiKey(key_hash(), domain, (T0 + timedelta(hours=1)).astimezone(tokyo), "oldest")
    middle = ApiKey(key_hash(), domain.upper(), T0 + timedelta(days=1), "middle")
    for key in (newest, oldest, middle):
        store.put_api_key(key)
    store.put_api_key(ApiKey(key_hash(), f"{unique()}.example", T0, "another domain"))
    store.revoke_api_key(middle.key_hash)
    listed = store.api_keys(domain.upper())
    assert [k.label for k in listed] == ["oldest", "middle", "newest"]
    assert [k.revoked for k in listed] == [False, True, False]
    assert {k.domain for k in listed} == {domain}
    assert listed[0].created_at == oldest.created_at
    assert store.api_keys(f"{unique()}.example") == []
