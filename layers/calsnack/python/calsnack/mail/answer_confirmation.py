"""The mail that asks an address's owner to confirm an answer somebody gave for it on the web form."""

from __future__ import annotations

from datetime import datetime
from html import escape

from calsnack.config import Settings
from calsnack.domain.model import Event
from calsnack.mail.compose import compose
from calsnack.mail.snack import when_text
from calsnack.ports import OutgoingMail


def answer_confirmation(
    settings: Settings, event: Event, label: str, email: str, url: str, *, now: datetime
) -> OutgoingMail:
    """Says what was asked and that ignoring the mail changes nothing: it goes to a stranger's address."""
    title = " ".join(event.summary.split())
    text = f"""Somebody answered "{label}" for "{title}" ({when_text(event)}) with the address {email}.

This address already has an invitation or an answer for this event, so nothing changes
until you confirm. To confirm the answer "{label}", open:

{url}

If it was not you, ignore this mail: nothing changes.
"""
    html = (
        f"<p>Somebody answered <strong>{escape(label)}</strong> for <strong>{escape(title)}</strong>"
        f" ({escape(when_text(event))}) with the address {escape(email)}.</p>"
        "<p>This address already has an invitation or an answer for this event, so nothing changes"
        " until you confirm.</p>"
        f'<p><a href="{escape(url)}">Confirm the answer {escape(label)}</a></p>'
        "<p>If it was not you, ignore this mail: nothing changes.</p>"
    )
    return compose(
        settings, to=email, subject=f"Confirm your answer: {title}", text=text, html=html, date=now
    )
