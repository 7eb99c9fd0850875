"""The CSS and JavaScript the pages load from /static/ (no CDN, no inline script, so a strict CSP holds).

Each URL carries a digest of the file, so browsers may keep a file for a year and still
fetch the new one the moment a deployment changes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    content_type: str
    body: str
    digest: str


@cache
def assets() -> dict[str, Asset]:
    folder = resources.files("calsnack.api") / "static"
    found: dict[str, Asset] = {}
    for entry in folder.iterdir():
        suffix = entry.name[entry.name.rfind(".") :]
        if entry.is_file() and suffix in _TYPES:
            body = entry.read_text(encoding="utf-8")
            digest = hashlib.sha256(body.encode()).hexdigest()[:16]
            found[entry.name] = Asset(entry.name, _TYPES[suffix], body, digest)
    return found


def asset_url(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/static/{name}?v={assets()[name].digest}"
