"""The embedded SMTP server's connection limits (issue 17.10, SMTP side), against a running server."""

from __future__ import annotations

import smtplib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.serve import smtp
from calsnack.serve.smtp import COMMAND_LINE_LIMIT, MAX_MESSAGE_SIZE, InboundController, InboundHandler

from tests.e2e.stack import free_port

DOMAIN = "snack.test"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InboundController]:
    handler = InboundHandler(
        domain=DOMAIN,
        authserv_id="calsnack.local",
        local_auth="pass",
        blobs=FileBlobStore(tmp_path / "blobs"),
        queue=SqliteQueue(tmp_path / "queue.db"),
    )
    controller = InboundController(handler, hostname="127.0.0.1", port=free_port(), idle_timeout=2)
    controller.start()
    yield controller
    controller.stop()


def _connect(server: InboundController) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", server.port, timeout=30)
    client.ehlo("client.example")
    return client


def test_size_is_advertised_and_a_larger_message_refused(server: InboundController) -> None:
    with _connect(server) as client:
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == MAX_MESSAGE_SIZE
        code, _ = client.mail("a@example.test", [f"SIZE={MAX_MESSAGE_SIZE + 1}"])
        assert code == 552


def test_a_long_command_line_is_refused_and_never_held_whole(server: InboundController) -> None:
    # The server's read buffer for commands stays at the command limit, not the message size.
    assert server.factory().line_length_limit == COMMAND_LINE_LIMIT
    with _connect(server) as client:
        client.send(b"NOOP " + b"x" * (1024 * 1024) + b"\r\n")
        code, reply = client.getreply()
        assert code == 500 and b"too long" in reply.lower()
        assert client.noop()[0] == 250  # the session goes on


def test_a_bare_lf_message_is_still_accepted(server: InboundController, tmp_path: Path) -> None:
    body = b"From: a@example.test\nTo: snack@snack.test\nSubject: x\n\n" + b"line\n" * 200_000
    with _connect(server) as client:
        assert client.sendmail("a@example.test", [f"snack@{DOMAIN}"], body) == {}
    assert len(list((tmp_path / "blobs" / "mail" / "snack").iterdir())) == 1
    # And the next command is read under the command limit again.
    assert server.factory().line_length_limit == COMMAND_LINE_LIMIT


def test_an_idle_connection_is_closed(server: InboundController) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        assert raw.recv(1024).startswith(b"220")
        deadline = time.monotonic() + 20
        received = b""
        while time.monotonic() < deadline:
            chunk = raw.recv(1024)
            if not chunk:
                break
            received += chunk
        else:
            pytest.fail("the server kept an idle connection open")
        assert b"421" in received or received == b""


def test_defaults_are_the_documented_ones() -> None:
    assert smtp.IDLE_TIMEOUT >= 300  # RFC 5321 §4.5.3.2.7
    assert 512 <= COMMAND_LINE_LIMIT <= 4096
    assert MAX_MESSAGE_SIZE == 40 * 1024 * 1024
