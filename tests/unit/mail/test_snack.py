"""The organizer's snack mail: its dashboard link works from the moment the snack is sent."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

from calsnack.config import Settings
from calsnack.links import Links
from calsnack.mail.snack import DASHBOARD_LINK_LIFETIME, snack_mail

from tests.contract.builders import make_event

SETTINGS = Settings(
    domain="calsnack.example",
    base_url="https://calsnack.example",
    authserv_id="mx.calsnack.example",
    link_key=b"test-key",
)


def dashboard_expiry(raw: bytes) -> int:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    [url] = re.findall(r"https://calsnack\.example/dashboard\S+", body.get_content())
    return int(parse_qs(urlsplit(url).query)["x"][0])


def test_a_snack_sent_again_for_an_old_event_carries_a_dashboard_link_that_works() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    # Last changed 60 days ago: a link dated from that change would have lapsed a month ago.
    event = make_event("ada@example.com", "e1", updated_at=now - timedelta(days=60))
    links = Links.of(SETTINGS)
    mail = snack_mail(SETTINGS, links, event, in_reply_to="<m@example.com>", now=now)
    assert dashboard_expiry(mail.raw) == int((now + DASHBOARD_LINK_LIFETIME).timestamp())
