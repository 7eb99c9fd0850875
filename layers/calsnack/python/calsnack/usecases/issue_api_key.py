"""Issuing a management API key for one sending domain: the secret is shown once, its hash is kept."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from calsnack.domain.model import ApiKey
from calsnack.ports import AccessStore
from calsnack.usecases.authorize_api_key import KEY_PREFIX, hash_api_key, key_id

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
MAX_LABEL = 100


class InvalidDomain(ValueError):
    """Not a domain name a sender could use; str() says why."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    #: The secret itself: returned to the caller once and never stored.
    secret: str
    key: ApiKey

    @property
    def key_id(self) -> str:
        return key_id(self.key.key_hash)


def normalize_domain(domain: str) -> str:
    value = domain.strip().rstrip(".").lower()
    if not _DOMAIN.match(value):
        raise InvalidDomain(f"{domain!r} is not a domain name")
    return value


def issue_api_key(store: AccessStore, domain: str, label: str, now: datetime) -> IssuedKey:
    """A new random key (256 bits) for `domain`; the store keeps its SHA-256 only."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        key_hash=hash_api_key(secret),
        domain=normalize_domain(domain),
        created_at=now,
        label=label.strip()[:MAX_LABEL],
    )
    store.put_api_key(key)
    return IssuedKey(secret, key)
