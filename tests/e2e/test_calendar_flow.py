"""The calendar-client flow end to end in the embedded stack: invite → snack → clicks → replies → update → cancel."""

from __future__ import annotations

import time
import uuid

from tests.e2e.stack import Page, Stack
from tests.mailfactory import DOMAIN, invitation, reply

ORGANIZER = "olga@example.test"


def counts(stack: Stack, uid: str) -> dict:
    events = stack.report("--event", ORGANIZER, uid)["events"]
    assert len(events) == 1, events
    return events[0]


def click(stack: Stack, snack_html: str, answer: str, address: str) -> None:
    _, url, html = stack.get(Page(snack_html).link(answer))
    status, _ = stack.submit(url, html, address)
    assert status == 200


def calendar_part(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part.get_content()


def test_whole_flow(stack: Stack) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid))
    snack = stack.wait_for(ORGANIZER)[0]
    html = snack.get_body(("html",)).get_content()
    landing = Page(html).link("Open the public landing page")
    assert stack.get(landing)[0] == 200

    click(stack, html, "Yes", "yann@example.test")
    click(stack, html, "Maybe", "mia@example.test")
    click(stack, html, "No", "nora@example.test")
    yann = stack.wait_for("yann@example.test")[0]
    stack.wait_for("mia@example.test")
    assert yann.get_all("Delivered-To") == ["yann@example.test"]
    ics = calendar_part(yann)
    assert "METHOD:REQUEST" in ics and "yann@example.test" in ics and "mia@example.test" not in ics
    report = counts(stack, uid)
    assert report["counts"] == {"invited": 2, "accepted": 1, "tentative": 1, "declined": 1, "needs_action": 0}
    our_uid = report["uid"]

    # Yann declines from his calendar; a stranger's reply and a forged one change nothing.
    stack.send("yann@example.test", [f"rsvp@{DOMAIN}"], reply(our_uid, "yann@example.test", "DECLINED"))
    stack.send("eve@example.test", [f"rsvp@{DOMAIN}"], reply(our_uid, "eve@example.test", "ACCEPTED"))
    stack.send(
        "eve@example.test",
        [f"rsvp@{DOMAIN}"],
        reply(our_uid, "mia@example.test", "DECLINED", sender="eve@example.test"),
    )
    deadline = time.monotonic() + 20
    while counts(stack, uid)["counts"]["declined"] != 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counts(stack, uid)["counts"] == {
        "invited": 2,
        "accepted": 0,
        "tentative": 1,
        "declined": 2,
        "needs_action": 0,
    }

    # The organizer moves the event: only Mia (Maybe) gets the new version.
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid, sequence=1, summary="Webinar (moved)"))
    update = stack.wait_for("mia@example.test", count=2)[-1]
    assert "Webinar (moved)" in calendar_part(update)
    assert len(stack.mails_to("yann@example.test")) == 1
    assert counts(stack, uid)["sequence"] == 1

    # A CANCEL from another organizer for the same UID changes nothing; the organizer's does.
    stack.send(
        "mallory@example.test",
        [f"snack@{DOMAIN}"],
        invitation(uid, organizer="mallory@example.test", method="CANCEL", sequence=2),
    )
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid, method="CANCEL", sequence=2))
    cancel = stack.wait_for("mia@example.test", count=3)[-1]
    assert "METHOD:CANCEL" in calendar_part(cancel)
    final = counts(stack, uid)
    assert final["status"] == "cancelled"
    assert stack.report("--organizer", "mallory@example.test")["events"] == []


def test_unauthenticated_sender_gets_nothing(tmp_path) -> None:
    from tests.e2e.stack import free_port

    s = Stack(
        data=tmp_path / "d",
        smtp_port=free_port(),
        http_port=free_port(),
        domain=DOMAIN,
        extra=["--local-auth", "fail"],
    )
    s.start()
    try:
        uid = f"{uuid.uuid4()}@google.com"
        s.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid))
        time.sleep(2)
        assert s.outbox() == []
        assert s.report("--organizer", ORGANIZER)["events"] == []
    finally:
        s.stop()


def test_redelivery_acts_once_and_restart_keeps_links(stack: Stack) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    message = invitation(uid)
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], message)
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], message)
    snack = stack.wait_for(ORGANIZER)[0]
    time.sleep(1.5)
    assert len(stack.mails_to(ORGANIZER)) == 1
    html = snack.get_body(("html",)).get_content()
    stack.stop()
    stack.start()
    click(stack, html, "Yes", "yann@example.test")
    stack.wait_for("yann@example.test")
    # An altered link records nothing.
    yes = Page(html).link("Yes")
    assert stack.get(yes.replace("/yes?", "/no?"))[0] == 404
    assert counts(stack, uid)["counts"]["accepted"] == 1
