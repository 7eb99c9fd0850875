"""A big junk upload against a running `calsnack serve` (issue 17.7): the request is answered at
once, `/healthz` keeps answering while the file is split, and the reply mail stays small."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.stack import Stack

ROWS = 60_000


def api_key(stack: Stack) -> str:
    cli = Path(sys.executable).with_name("calsnack")
    done = subprocess.run(
        [str(cli), "apikey", "create", "--domain", "example.com", "--data-dir", str(stack.data)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.split()[0]


def test_healthz_answers_while_a_big_upload_is_split(stack: Stack) -> None:
    body = ("command,event_id\r\n" + "".join(f"JUNK{i},e{i}\r\n" for i in range(ROWS))).encode()
    request = urllib.request.Request(
        f"{stack.base}/batches?sender=ops@example.com",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {api_key(stack)}", "Content-Type": "text/csv"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 202
        accepted = json.loads(r.read())
    checks_while_splitting = 0
    deadline = time.monotonic() + 300
    while not stack.mails_to("ops@example.com"):
        assert time.monotonic() < deadline, "no result mail"
        with urllib.request.urlopen(f"{stack.base}/healthz", timeout=2) as r:
            assert r.status == 200
        checks_while_splitting += 1
        time.sleep(0.05)
    # How many checks fit depends on the machine's speed; that /healthz answered (each within
    # its 2 s timeout) while the split was still running is what matters.
    assert checks_while_splitting >= 1, "the file was split before /healthz could be asked"
    [reply] = stack.mails_to("ops@example.com")
    assert accepted["batch_id"] in reply["Subject"]
    assert f"{ROWS} refused" in reply["Subject"]
    assert len(reply.as_bytes()) < 300_000
