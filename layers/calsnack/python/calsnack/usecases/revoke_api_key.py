"""Revoking a management API key of a domain by its short id (a prefix of its hash)."""

from __future__ import annotations

from calsnack.domain.model import ApiKey
from calsnack.ports import AccessStore
from calsnack.usecases.authorize_api_key import KEY_ID_LENGTH


class UnknownKey(LookupError):
    """No key of the domain has that id (or the id is ambiguous)."""


def find_api_key(store: AccessStore, domain: str, key_id: str) -> ApiKey:
    """The domain's key whose hash starts with `key_id`; a key of another domain is never found."""
    wanted = key_id.strip().lower()
    if len(wanted) < KEY_ID_LENGTH:
        raise UnknownKey(f"a key id has at least {KEY_ID_LENGTH} characters")
    matches = [k for k in store.api_keys(domain) if k.key_hash.startswith(wanted)]
    if len(matches) != 1:
        raise UnknownKey(f"no key {key_id!r} for {domain}")
    return matches[0]


def revoke_api_key(store: AccessStore, domain: str, key_id: str) -> ApiKey:
    """Revoke the key; revoking a revoked key again is not an error (the outcome is the same)."""
    key = find_api_key(store, domain, key_id)
    store.revoke_api_key(key.key_hash)
    revoked = store.get_api_key(key.key_hash)
    return revoked or key
