"""What reaches attendees, and what counts after the end (issue 17.11), on both adapter sets."""

from __future__ import annotations

import uuid

from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from tests.integration.conftest import World
from tests.mailfactory import calendar_mail, calendar_text, invitation, reply

ORGANIZER = "olga@example.test"
GUEST = "gil@guests.example"


def _calendar_part(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()


def test_a_javascript_link_in_the_organizers_event_never_reaches_an_attendee(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    ics = calendar_text(
        "REQUEST", uid, organizer=ORGANIZER, attendees=((f"snack@{world.domain}", "NEEDS-ACTION"),)
    )
    ics = ics.replace(
        "SUMMARY:Webinar\r\n",
        "SUMMARY:Webinar\r\nURL:javascript:alert(document.cookie)\r\n"
        "X-GOOGLE-CONFERENCE:javascript:alert(2)\r\nCONFERENCE;VALUE=URI:https://meet.google.com/abc-defg-hij\r\n",
    )
    world.deliver(
        "snack", calendar_mail(ORGANIZER, f"snack@{world.domain}", ics, "REQUEST"), sender=ORGANIZER
    )
    key = event_key(ORGANIZER, uid)
    assert "javascript" not in world.services.store.get_event(key).calendar.lower()
    answer_rsvp(world.services, key, ButtonAnswer.YES, GUEST)
    world.pump()
    [sent] = world.mails_to(GUEST)
    calendar = _calendar_part(sent)
    assert "javascript" not in calendar.lower()
    assert "https://meet.google.com/abc-defg-hij" in calendar


def test_a_calendar_reply_after_the_cancellation_is_not_counted(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, ORGANIZER, domain=world.domain), sender=ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, GUEST)
    world.pump()
    our_uid = world.services.store.get_event(key).uid
    world.deliver(
        "snack",
        invitation(uid, ORGANIZER, domain=world.domain, method="CANCEL", sequence=1),
        sender=ORGANIZER,
    )
    world.pump()
    assert world.services.store.get_event(key).cancelled
    world.deliver("other", reply(our_uid, GUEST, "DECLINED", domain=world.domain), sender=GUEST)
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["accepted"], counts["declined"]) == (1, 0)
