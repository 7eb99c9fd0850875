"""A personal invitation and the snack speak their event's language (issue 14): Subject, text
and HTML, with the iCalendar untouched; the renderer keeps one template per revision and language."""

from __future__ import annotations

import pytest
from calsnack.domain.model import Method
from calsnack.links import Links
from calsnack.mail.invitation import InvitationRenderer
from calsnack.mail.snack import snack_mail, when_text
from calsnack.ports import utc_now

from tests.unit.mail.test_invitation import SETTINGS, csv_event, leaves, parse

#: language → (the Subject's start for a REQUEST, for a CANCEL, the text's lead, the first row's label)
WORDS = {
    "": ("Invitation: ", "Cancelled: ", "Alice Smith invites you to this event.", "When"),
    "de": ("Einladung: ", "Abgesagt: ", "Alice Smith lädt Sie zu diesem Termin ein.", "Wann"),
    "fr": ("Invitation : ", "Annulé : ", "Alice Smith vous invite à cet événement.", "Quand"),
    "es": ("Invitación: ", "Cancelado: ", "Alice Smith te invita a este evento.", "Cuándo"),
}


@pytest.mark.parametrize("language", list(WORDS))
@pytest.mark.parametrize("method", [Method.REQUEST, Method.CANCEL])
def test_an_invitation_and_a_cancellation_speak_the_events_language(language: str, method: Method) -> None:
    request, cancel, lead, label = WORDS[language]
    event = csv_event().revised(language=language)
    message = parse(InvitationRenderer(SETTINGS, utc_now).render(event, "bob@example.com", method).raw)
    assert str(message["Subject"]).strip().startswith(cancel if method is Method.CANCEL else request)
    parts = {part.get_content_type(): part.get_content() for part in leaves(message)}
    plain, html, calendar = parts["text/plain"], parts["text/html"], parts["text/calendar"]
    cancelled = {"": "cancelled this event", "de": "abgesagt", "fr": "annulé", "es": "cancelado"}
    assert (cancelled[language] in plain) if method is Method.CANCEL else (lead in plain)
    assert f">{label}</td>" in html
    assert f'<html lang="{language or "en"}">' in html
    # Protocol, not text: the same iCalendar in every language.
    assert f"METHOD:{method.value}" in calendar


def test_the_renderer_keeps_a_template_per_language() -> None:
    renderer = InvitationRenderer(SETTINGS, utc_now)
    german, french = csv_event().revised(language="de"), csv_event().revised(language="fr")
    first = parse(renderer.render(german, "bob@example.com", Method.REQUEST).raw)
    second = parse(renderer.render(french, "bob@example.com", Method.REQUEST).raw)
    assert str(first["Subject"]).strip().startswith("Einladung: ")
    assert str(second["Subject"]).strip().startswith("Invitation : ")


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("", "Your calsnack: Quarterly review", "Share these RSVP links."),
        ("de", "Ihr calsnack: Quarterly review", "Teilen Sie diese Antwort-Links."),
        ("fr", "Votre calsnack : Quarterly review", "Partagez ces liens de réponse."),
        ("es", "Tu calsnack: Quarterly review", "Comparte estos enlaces de respuesta."),
    ],
)
def test_the_snack_speaks_the_events_language(language: str, subject: str, words: str) -> None:
    event = csv_event().revised(language=language)
    mail = snack_mail(SETTINGS, Links.of(SETTINGS), event, in_reply_to="<m@example.com>", now=utc_now())
    message = parse(mail.raw)
    assert str(message["Subject"]).strip() == subject
    parts = {part.get_content_type(): part.get_content() for part in leaves(message)}
    assert words in parts["text/plain"]
    assert when_text(event) in parts["text/plain"]
    assert f'<html lang="{language or "en"}">' in parts["text/html"]
