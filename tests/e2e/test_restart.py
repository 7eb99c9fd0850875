"""A killed `calsnack serve` loses nothing it accepted: mail answered 250 is acted on after a restart."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

from tests.e2e.stack import Stack
from tests.mailfactory import DOMAIN, batch_mail, invitation

ORGANIZER = "olga@example.test"


def test_sigkill_right_after_acceptance_loses_nothing(stack: Stack) -> None:
    uids = [f"{uuid.uuid4()}@google.com" for _ in range(5)]
    day = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    rows = "\n".join(
        f"CREATE,k{i},{ORGANIZER},{day},10:00,11:00,UTC,Kill test,k{i}@client.test" for i in range(300)
    )
    stack.send(ORGANIZER, [f"batch@{DOMAIN}"], batch_mail(ORGANIZER, "command,event_id,organizer,date,"
               "start_time,end_time,timezone,subject,attendees\n" + rows + "\n"))  # fmt: skip
    for uid in uids:
        stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid))
    stack.stop(signal.SIGKILL)
    stack.start()
    stack.wait_for(ORGANIZER, count=len(uids) + 1, seconds=60)
    for i in range(300):
        stack.wait_for(f"k{i}@client.test", seconds=60)
    report = stack.report("--organizer", ORGANIZER)["events"]
    assert {e["event_id"] for e in report} >= set(uids)
    # A kill between a send and its record re-sends at most RECORD_EVERY per worker process.
    mailed = len(stack.outbox())
    assert mailed - (300 + len(uids) + 1) <= 2 * 5
    # A clean restart changes nothing already done.
    stack.stop()
    stack.start()
    time.sleep(2)
    assert len(stack.outbox()) == mailed
