"""The done-ledger cannot be pre-empted: a Message-ID counts only with its sender proven (issue 17.6).

Run on both adapter sets: the ledger lives in the store.
"""

from __future__ import annotations

import uuid

from tests.integration.conftest import World
from tests.mailfactory import invitation

ORGANIZER = "olga@example.test"


def _invitation_with_id(uid: str, message_id: str, organizer: str, domain: str):
    message = invitation(uid, organizer=organizer, domain=domain)
    del message["Message-ID"]
    message["Message-ID"] = message_id
    return message


def test_a_strangers_mail_with_a_future_message_id_does_not_make_the_real_one_a_duplicate(
    world: World,
) -> None:
    future = f"<{uuid.uuid4().hex}@mail.example.test>"
    uid = f"{uuid.uuid4()}@google.com"
    # The stranger guesses (or has seen) the Message-ID the organizer's client will use next,
    # unauthenticated as the organizer, then authenticated as himself.
    forged = _invitation_with_id(uid, future, ORGANIZER, world.domain)
    assert world.deliver("snack", forged, sender=ORGANIZER, verdict="fail")["outcomes"] == ["unauthenticated"]
    own = _invitation_with_id(f"{uuid.uuid4()}@evil.example", future, "mallory@evil.example", world.domain)
    assert world.deliver("snack", own, sender="mallory@evil.example")["outcomes"] == ["invitation"]
    real = _invitation_with_id(uid, future, ORGANIZER, world.domain)
    assert world.deliver("snack", real, sender=ORGANIZER)["outcomes"] == ["invitation"]
    assert len(world.mails_to(ORGANIZER)) == 1
    # The organizer's own mail delivered again is still a duplicate.
    assert world.deliver("snack", real, sender=ORGANIZER)["outcomes"] == ["duplicate"]
    assert len(world.mails_to(ORGANIZER)) == 1


def test_dropped_mail_leaves_no_mark(world: World) -> None:
    message_id = f"<{uuid.uuid4().hex}@mail.example.test>"
    uid = f"{uuid.uuid4()}@google.com"
    dropped = _invitation_with_id(uid, message_id, ORGANIZER, world.domain)
    for _ in range(2):
        assert world.deliver("snack", dropped, sender=ORGANIZER, verdict="fail")["outcomes"] == [
            "unauthenticated"
        ]
    assert world.deliver("rsvp", dropped, sender=ORGANIZER, verdict="fail")["outcomes"] == ["unauthenticated"]
