"""Checking a management API key: the presented secret's SHA-256 must name a live key of a domain.

The Lambda authorizer (AWS) and the embedded HTTP server both call this before any
management route runs; the route then trusts only the domain the check returned.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from calsnack.domain.model import ApiKey
from calsnack.ports import AccessStore

#: Every key the service issues starts with this, so a leaked one is easy to recognise in a scan.
KEY_PREFIX = "csk_"
#: Shown to people instead of the key: a prefix of the hash, which reveals nothing usable.
KEY_ID_LENGTH = 12


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id(key_hash: str) -> str:
    return key_hash[:KEY_ID_LENGTH]


def presented_key(headers: Mapping[str, str]) -> str:
    """The key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`; "" when neither is there.

    Header names are matched case-insensitively because HTTP/2 clients lower-case them.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    scheme, _, credentials = (lowered.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return (lowered.get("x-api-key") or "").strip()


@dataclass(frozen=True, slots=True)
class Verdict:
    """`key` is set when the request may go on; `reason` says why not (for logs, never for callers)."""

    key: ApiKey | None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.key is not None


def authorize_api_key(store: AccessStore, presented: str) -> Verdict:
    if not presented:
        return Verdict(None, "missing")
    if not presented.startswith(KEY_PREFIX) or len(presented) > 200:
        return Verdict(None, "malformed")
    digest = hash_api_key(presented)
    stored = store.get_api_key(digest)
    # The store looked the hash up by equality already; compare again in constant time so a
    # store that matches loosely (a prefix, a case fold) can never let a near-miss through.
    if stored is None or not hmac.compare_digest(stored.key_hash, digest):
        return Verdict(None, "unknown")
    if stored.revoked:
        return Verdict(None, "revoked")
    return Verdict(stored)
