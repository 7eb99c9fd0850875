"""Telling a sender why their mail could not be used — only when that cannot feed a loop or backscatter."""

from __future__ import annotations

from calsnack.mail.compose import compose
from calsnack.mail.inbound import InboundMail
from calsnack.ports import Services
from calsnack.templating import render


def explain_refusal(services: Services, mail: InboundMail, reason: str) -> bool:
    """Reply once with `reason` to an authenticated human sender; True if a reply went out."""
    if not mail.authenticated or mail.automatic or mail.claims_domain(services.settings.domain):
        services.log.info("refused without reply", extra={"sender": mail.sender, "reason": reason})
        return False
    subject = mail.subject or "your mail"
    settings = services.settings
    text = render(
        "mail/refusal.txt", brand=settings.branding, settings=settings, subject=subject, reason=reason
    )
    services.mailer.send(
        compose(
            services.settings,
            to=mail.sender,
            subject=f"Re: {subject}",
            text=text,
            in_reply_to=mail.message_id,
            date=services.clock(),
        )
    )
    return True
