"""Playwright for Python driving Debian's Chromium against one `calsnack serve` per module.

Skipped, with the reason, where /usr/bin/chromium is missing (`apt-get install chromium`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import Page, Stack, free_port
from tests.mailfactory import DOMAIN, invitation

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Why the browser tests skip on this machine, or "" when they can run.
MISSING = (
    ""
    if CHROMIUM.exists()
    else "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
)


@dataclass
class Snack:
    """The links of one event's snack mail, as the organizer receives them."""

    organizer: str
    uid: str
    html: str

    def link(self, text: str) -> str:
        return Page(self.html).link(text)

    @property
    def landing(self) -> str:
        return self.link("Open the public landing page")

    @property
    def dashboard(self) -> str:
        return self.link("Your dashboard")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("browser-stack")
    s = Stack(data=root / "data", smtp_port=free_port(), http_port=free_port(), domain=DOMAIN)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if MISSING:
        pytest.skip(MISSING)
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright for Python")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone-sized page in Tokyo time; fails the test on any console error (a CSP violation is one)."""
    context = browser.new_context(
        viewport={"width": 412, "height": 915},
        timezone_id="Asia/Tokyo",
        locale="en-GB",
        accept_downloads=True,
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    # A failed request is named with its URL and answer, so a failure says what went wrong.
    opened.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.request.method} {r.url}: {r.text()[:300]}")
            if r.status >= 400
            else None
        ),
    )
    yield opened
    context.close()
    assert errors == [], errors


def new_event(stack: Stack, *, summary: str, start: datetime | None = None, organizer: str = "") -> Snack:
    organizer = organizer or f"org-{uuid.uuid4().hex[:8]}@example.test"
    uid = f"{uuid.uuid4()}@google.com"
    stack.send(organizer, [f"snack@{DOMAIN}"], invitation(uid, organizer, summary=summary, start=start))
    mail = stack.wait_for(organizer)[0]
    return Snack(organizer, uid, mail.get_body(("html",)).get_content())
