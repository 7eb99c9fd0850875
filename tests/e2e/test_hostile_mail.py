"""Hostile mail through the embedded stack's own SMTP server (issue 17): nothing a stranger writes is trusted."""

from __future__ import annotations

import uuid

import pytest
from calsnack.mail.authresults import parse

from tests.e2e.stack import Stack, free_port
from tests.mailfactory import DOMAIN, invitation

VICTIM = "olga@victim.example"


@pytest.fixture
def failing_stack(tmp_path):
    """A stack whose local SMTP verdict is `fail`: only a forged result could authenticate anyone."""
    s = Stack(
        data=tmp_path / "d",
        smtp_port=free_port(),
        http_port=free_port(),
        domain=DOMAIN,
        extra=["--local-auth", "fail"],
    )
    s.start()
    yield s
    s.stop()


def test_envelope_sender_cannot_forge_a_dkim_pass(failing_stack: Stack) -> None:
    forged = '"x;dkim=pass header.d=victim.example x"@evil.example'
    message = invitation(f"{uuid.uuid4()}@google.com", organizer=VICTIM)
    failing_stack.send_raw(forged, [f"snack@{DOMAIN}"], message.as_bytes())
    failing_stack.settle()
    assert failing_stack.outbox() == []
    assert failing_stack.report("--organizer", VICTIM)["events"] == []
    # The header the server wrote keeps the envelope sender as one quoted value.
    [stored] = failing_stack.stored_mail("snack")
    results = parse(str(stored.get_all("Authentication-Results")[0]))
    assert [r.method for r in results.results] == ["spf", "dkim", "dmarc"]
    assert results.of("spf")[0].get("smtp.mailfrom") == forged
    assert results.of("dkim")[0].result == "none"
    assert '"\\"x;dkim=pass' in str(stored.get_all("Authentication-Results")[0])
