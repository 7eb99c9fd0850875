"""Every mail takes its name, look and footer from the one `Branding` in Settings, and escapes in HTML."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from calsnack.branding import Branding
from calsnack.domain.model import Method
from calsnack.links import Links
from calsnack.mail.answer_confirmation import answer_confirmation
from calsnack.mail.invitation import InvitationRenderer
from calsnack.mail.snack import snack_mail
from calsnack.ports import utc_now
from calsnack.templating import _environment

from .test_invitation import LANDING, SETTINGS, csv_event

BRAND = Branding(
    product_name="Acme <Invites>",
    logo_url="https://acme.example/logo.png?a=1&b=2",
    footer="Acme & Co, 1 Road, Springfield",
    muted="#444444",
    yes="#0b5d1e",
)
BRANDED = replace(SETTINGS, branding=BRAND)


def parts(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    # The invitation's quoted-printable parts keep their CRLF line ends.
    return plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


def invitation() -> bytes:
    renderer = InvitationRenderer(BRANDED, utc_now)
    return renderer.render(csv_event(), "bob@example.com", Method.REQUEST, landing_url=LANDING).raw


def snack() -> bytes:
    links = Links(SETTINGS.link_key, SETTINGS.base_url, SETTINGS.domain)
    now = datetime(2025, 5, 1, tzinfo=UTC)
    return snack_mail(BRANDED, links, csv_event(), in_reply_to="<m@example.com>", now=now).raw


def confirmation() -> bytes:
    return answer_confirmation(BRANDED, csv_event(), "Yes", "bob@example.com", LANDING, now=utc_now()).raw


@pytest.mark.parametrize("mail", [invitation, snack, confirmation])
def test_a_deployments_brand_is_in_every_mail_and_escaped_in_html(mail) -> None:
    plain, html = parts(mail())
    assert plain.rstrip("\n").endswith("\n\nAcme & Co, 1 Road, Springfield")
    assert '<img src="https://acme.example/logo.png?a=1&amp;b=2" alt="Acme &lt;Invites&gt;"' in html
    assert "Acme &amp; Co, 1 Road, Springfield" in html
    assert "color:#444444" in html and "Acme <Invites>" not in html


def test_the_product_name_and_button_colours_come_from_the_brand() -> None:
    plain, html = parts(snack())
    assert plain.startswith('Your Acme <Invites> for "Quarterly review" is ready.')
    assert "background:#0b5d1e" in html and "background:#137333" not in html
    invitation_plain, _ = parts(invitation())
    assert "Sent by Alice Smith with Acme <Invites>." in invitation_plain


def test_without_a_logo_or_footer_a_mail_carries_neither() -> None:
    renderer = InvitationRenderer(SETTINGS, utc_now)
    plain, html = parts(renderer.render(csv_event(), "bob@example.com", Method.REQUEST).raw)
    assert "<img" not in html
    assert plain.endswith("Sent by Alice Smith with calsnack.\n")


@pytest.mark.parametrize("name", _environment("en").list_templates())
def test_every_template_compiles(name: str) -> None:
    _environment("en").get_template(name)
