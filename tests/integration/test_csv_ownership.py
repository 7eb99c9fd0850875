"""CSV rows on shared mail domains (issue 17.3), through the Lambda handlers on both adapter sets.

A CSV row finds its event among the events of the sender's domain (CONTRACT §3): colleagues
run one another's mailings. That trust stops at events made in a calendar client (only their
organizer changes them) and at public mail providers (nobody there is a colleague).
"""

from __future__ import annotations

import uuid

from calsnack.domain.model import event_key

from tests.integration.conftest import World
from tests.integration.test_csv_flow import HEADER, future, refused_rows
from tests.mailfactory import batch_mail, invitation

ALICE, MALLORY = "alice@gmail.com", "mallory@gmail.com"
OLGA, OPS = "olga@example.test", "ops@example.test"
GUEST = "gil@guests.example"
PHISH = "https://evil.example/login"


def _batch(world: World, sender: str, *rows: str) -> dict[int, tuple[str, str]]:
    """Send the rows as `sender`'s batch; the refused ones by row number (column, reason)."""
    world.deliver("batch", batch_mail(sender, "\n".join((HEADER, *rows)) + "\n"), sender=sender)
    world.pump()
    result = world.mails_to(sender)[-1]
    if not any((p.get_filename() or "").startswith("refused-") for p in result.iter_attachments()):
        return {}
    return {int(r[0]): (r[1], r[2]) for r in refused_rows(result)[1:]}


def _create(world: World, organizer: str, eid: str) -> None:
    row = f"CREATE,{eid},{organizer},{future()},09:00,10:00,UTC,Webinar,,https://meet.example/ok,,{GUEST}"
    assert _batch(world, organizer, row) == {}


def test_a_stranger_on_a_public_provider_cannot_touch_anothers_csv_event(world: World) -> None:
    eid = f"launch-{uuid.uuid4().hex[:8]}"
    _create(world, ALICE, eid)
    assert len(world.mails_to(GUEST)) == 1
    refused = _batch(
        world,
        MALLORY,
        f"UPDATE,{eid},,,,,,Moved,,{PHISH},,",
        f"INVITE,{eid},,,,,,,,,,victim@guests.example",
        f"CANCEL,{eid},,,,,,,,,,",
        f"CREATE,other-{eid},{ALICE},{future()},09:00,10:00,UTC,In Alice's name,,{PHISH},,victim@guests.example",
    )
    nothing = ("event_id", "you have no event with this event_id")
    assert refused == {
        2: nothing,
        3: nothing,
        4: nothing,
        5: ("organizer", f"gmail.com is a public mail provider: the organizer must be you ({MALLORY})"),
    }
    event = world.services.store.get_event(event_key(ALICE, eid))
    assert event is not None and (event.summary, event.meeting_url, event.cancelled) == (
        "Webinar",
        "https://meet.example/ok",
        False,
    )
    assert world.mails_to("victim@guests.example") == []
    assert len(world.mails_to(GUEST)) == 1


def test_on_a_public_provider_the_organizer_still_runs_their_own_event(world: World) -> None:
    eid = f"launch-{uuid.uuid4().hex[:8]}"
    _create(world, ALICE, eid)
    _create(world, MALLORY, eid)  # the same event_id is Mallory's own key for her own event
    assert (
        _batch(world, ALICE, f"UPDATE,{eid},,,,,,Moved,,,,", f"INVITE,{eid},,,,,,,,,,ivy@guests.example")
        == {}
    )
    assert world.services.store.get_event(event_key(ALICE, eid)).summary == "Moved"
    assert world.services.store.get_event(event_key(MALLORY, eid)).summary == "Webinar"
    assert len(world.mails_to("ivy@guests.example")) == 1


def test_a_colleague_runs_a_csv_event_of_the_domain_but_not_a_calendar_event(world: World) -> None:
    eid = f"policy-{uuid.uuid4().hex[:8]}"
    _create(world, OLGA, eid)
    assert _batch(world, OPS, f"UPDATE,{eid},,,,,,Policy (moved),,,,") == {}
    assert world.services.store.get_event(event_key(OLGA, eid)).summary == "Policy (moved)"

    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, OLGA, domain=world.domain), sender=OLGA)
    refused = _batch(
        world,
        OPS,
        f"UPDATE,{uid},,,,,,Moved,,{PHISH},,",
        f"INVITE,{uid},,,,,,,,,,victim@guests.example",
        f"CANCEL,{uid},,,,,,,,,,",
    )
    made = (
        "event_id",
        "the event with this event_id was made in a calendar; only its organizer can change it",
    )
    assert refused == {2: made, 3: made, 4: made}
    event = world.services.store.get_event(event_key(OLGA, uid))
    assert event is not None and (event.summary, event.cancelled) == ("Webinar", False)
    assert world.mails_to("victim@guests.example") == []
    # Its organizer may still drive it by CSV.
    assert _batch(world, OLGA, f"INVITE,{uid},,,,,,,,,,vera@guests.example") == {}
    assert len(world.mails_to("vera@guests.example")) == 1
