"""The mail that asks an address's owner to confirm an answer somebody gave for it on the web form."""

from __future__ import annotations

from datetime import datetime

from calsnack.config import Settings
from calsnack.domain.model import Event
from calsnack.mail.compose import compose
from calsnack.mail.snack import when_text
from calsnack.ports import OutgoingMail
from calsnack.templating import render


def answer_confirmation(
    settings: Settings, event: Event, label: str, email: str, url: str, *, now: datetime
) -> OutgoingMail:
    """Says what was asked and that ignoring the mail changes nothing: it goes to a stranger's address."""
    title = " ".join(event.summary.split())
    values = {
        "brand": settings.branding,
        "title": title,
        "when": when_text(event),
        "label": label,
        "email": email,
        "url": url,
    }
    return compose(
        settings,
        to=email,
        subject=f"Confirm your answer: {title}",
        text=render("mail/answer_confirmation.txt", **values),
        html=render("mail/answer_confirmation.html", **values),
        date=now,
    )
