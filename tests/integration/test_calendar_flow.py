"""The calendar-client flow through the Lambda handlers, on SQLite/files and on DynamoDB/SQS/S3/SES (moto)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from calsnack.domain.model import event_key
from calsnack.usecases import handle_invitation
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from tests.e2e.stack import Page
from tests.integration.conftest import World
from tests.mailfactory import SHAPES, invitation, reply

ORGANIZER = "olga@example.test"


def counts(world: World, uid: str) -> dict[str, int]:
    return report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]


def click(world: World, snack_html: str, label: str, address: str) -> None:
    """What the RSVP page does with a link from the snack: the signed link names event and answer."""
    url = urlsplit(Page(snack_html).link(label))
    key, answer = url.path.split("/")[2], url.path.split("/")[4]
    assert world.services.settings.base_url in Page(snack_html).link(label)
    assert parse_qs(url.query)["t"]
    answer_rsvp(world.services, key, ButtonAnswer(answer), address)


def calendar_of(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()


def test_invite_snack_clicks_replies_update_cancel(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER)
    [snack] = world.mails_to(ORGANIZER)
    html = snack.get_body(("html",)).get_content()
    for label, address in (
        ("Yes", "yann@example.test"),
        ("Maybe", "mia@example.test"),
        ("No", "nora@example.test"),
    ):
        click(world, html, label, address)
    world.pump()
    assert len(world.mails_to("yann@example.test")) == 1
    assert len(world.mails_to("mia@example.test")) == 1
    assert world.mails_to("nora@example.test") == []
    assert counts(world, uid) == {
        "invited": 2,
        "accepted": 1,
        "tentative": 1,
        "declined": 1,
        "needs_action": 0,
    }

    our_uid = report_event(world.services.store, ORGANIZER, uid)["events"][0]["uid"]
    world.deliver(
        "other",
        reply(our_uid, "yann@example.test", "TENTATIVE", domain=world.domain),
        sender="yann@example.test",
    )
    world.deliver(
        "other",
        reply(our_uid, "eve@example.test", "ACCEPTED", domain=world.domain),
        sender="eve@example.test",
    )
    assert counts(world, uid) == {
        "invited": 2,
        "accepted": 0,
        "tentative": 2,
        "declined": 1,
        "needs_action": 0,
    }

    world.deliver(
        "snack", invitation(uid, domain=world.domain, sequence=1, summary="Moved"), sender=ORGANIZER
    )
    world.pump()
    assert "Moved" in calendar_of(world.mails_to("yann@example.test")[-1])
    assert len(world.mails_to("mia@example.test")) == 2

    world.deliver(
        "snack", invitation(uid, domain=world.domain, method="CANCEL", sequence=2), sender=ORGANIZER
    )
    world.pump()
    assert "METHOD:CANCEL" in calendar_of(world.mails_to("mia@example.test")[-1])
    assert world.services.store.get_event(event_key(ORGANIZER, uid)).cancelled


@pytest.mark.parametrize("shape", SHAPES)
def test_each_clients_reply_is_counted(world: World, shape: str) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "Ann@Example.test")
    world.pump()
    our_uid = world.services.store.get_event(key).uid
    world.deliver(
        "other",
        reply(our_uid, "ann@example.test", "DECLINED", domain=world.domain, shape=shape),
        sender="ann@example.test",
    )
    assert counts(world, uid) == {
        "invited": 1,
        "accepted": 0,
        "tentative": 0,
        "declined": 1,
        "needs_action": 0,
    }


def test_spoofed_and_stale_mail_change_nothing(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER, verdict="fail")
    assert world.outbox() == []
    world.deliver("snack", invitation(uid, domain=world.domain, sequence=3), sender=ORGANIZER)
    world.deliver(
        "snack", invitation(uid, domain=world.domain, sequence=1, summary="Stale"), sender=ORGANIZER
    )
    event = world.services.store.get_event(event_key(ORGANIZER, uid))
    assert event.summary == "Webinar" and event.sequence == 0
    world.deliver(
        "snack",
        invitation(uid, "mallory@example.test", domain=world.domain, method="CANCEL", sequence=9),
        sender="mallory@example.test",
    )
    assert not world.services.store.get_event(event_key(ORGANIZER, uid)).cancelled
    assert len(world.mails_to(ORGANIZER)) == 1


def test_suppressed_addresses_are_never_mailed(world: World) -> None:
    from datetime import UTC, datetime

    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER)
    key = event_key(ORGANIZER, uid)
    world.services.store.suppress("bounced@example.test", "*", "bounce", datetime.now(UTC))
    world.services.store.suppress("left@example.test", "example.test", "unsubscribe", datetime.now(UTC))
    world.services.store.suppress("other@example.test", "elsewhere.test", "unsubscribe", datetime.now(UTC))
    for address in ("bounced@example.test", "left@example.test", "other@example.test"):
        answer_rsvp(world.services, key, ButtonAnswer.YES, address)
    world.pump()
    assert world.mails_to("bounced@example.test") == []
    assert world.mails_to("left@example.test") == []
    assert len(world.mails_to("other@example.test")) == 1


def test_an_unsubscribe_from_a_public_provider_organizer_stops_only_that_organizer(world: World) -> None:
    """The List-Unsubscribe of alice@gmail.com's invitation leaves bob@gmail.com's alone (issue 14)."""
    from calsnack.serve.lambda_events import LambdaContext, api_gateway_event

    from lambdas.api.handler import make_handler

    api = make_handler(world.services)

    uids = {organizer: f"{uuid.uuid4()}@google.com" for organizer in ("alice@gmail.com", "bob@gmail.com")}
    for organizer, uid in uids.items():
        world.deliver("snack", invitation(uid, organizer, domain=world.domain), sender=organizer)
        answer_rsvp(world.services, event_key(organizer, uid), ButtonAnswer.YES, "una@example.test")
    world.pump()
    mails = world.mails_to("una@example.test")
    from_alice = next(
        m for m in mails if event_key("alice@gmail.com", uids["alice@gmail.com"]) in calendar_of(m)
    )
    url = urlsplit(from_alice["List-Unsubscribe"].strip("<>"))
    assert parse_qs(url.query)["o"] == ["alice@gmail.com"]
    post = api_gateway_event("POST", f"{url.path}?{url.query}", {}, b"List-Unsubscribe=One-Click")
    assert api(post, LambdaContext("api"))["statusCode"] == 200
    sent_before = len(world.mails_to("una@example.test"))
    for organizer, uid in uids.items():
        moved = invitation(uid, organizer, domain=world.domain, sequence=1, summary="Moved")
        world.deliver("snack", moved, sender=organizer)
    world.pump()
    updates = world.mails_to("una@example.test")[sent_before:]
    assert [calendar_of(m).count("Moved") > 0 for m in updates] == [True]
    assert event_key("bob@gmail.com", uids["bob@gmail.com"]) in calendar_of(updates[0])


def test_an_update_whose_handling_died_before_the_fan_out_reaches_everyone(world: World, monkeypatch) -> None:
    """The revision is stored, then the worker dies: the same mail delivered again sends it."""
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER)
    answer_rsvp(world.services, event_key(ORGANIZER, uid), ButtonAnswer.YES, "yann@example.test")
    world.pump()
    update = invitation(uid, domain=world.domain, sequence=1, summary="Webinar (moved)")

    def die(*_: object, **__: object) -> None:
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(handle_invitation, "enqueue_fan_out", die)
        with pytest.raises(RuntimeError, match="worker killed"):
            world.deliver("snack", update, sender=ORGANIZER)
    assert world.services.store.get_event(event_key(ORGANIZER, uid)).summary == "Webinar (moved)"
    world.deliver("snack", update, sender=ORGANIZER)
    world.pump()
    _invitation, moved = world.mails_to("yann@example.test")
    assert "Webinar (moved)" in calendar_of(moved)
