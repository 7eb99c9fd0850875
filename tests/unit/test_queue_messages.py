"""Queue message bodies: every kind round-trips, large ones travel compressed, bad ones are refused."""

from __future__ import annotations

import base64
import zlib
from datetime import date, time

import pytest
from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.model import Delivery, Method
from calsnack.queue_messages import COMPRESS_OVER, ApplyRows, FanOut, SendDeliveries, decode, encode, readable


def row(n: int) -> CommandRow:
    return CommandRow(
        batch_id="b1",
        row=n,
        command=CommandName.CREATE,
        event_id=f"policy-{n}",
        organizer="agent@example.test",
        fields=EventFields(
            date=date(2031, 5, 17),
            start_time=time(9, 0),
            end_time=time(9, 30),
            timezone="America/Chicago",
            subject="Your policy renews — bring your ID",
            description="Dear customer,\nyour policy renews soon.",
            reminder=n % 3 * 60 if n % 3 else None,
        ),
        attendees=(f"c{n}@client.test",),
        cells=("CREATE", f"policy-{n}", "agent@example.test", "2031-05-17", "09:00", "09:30"),
    )


MESSAGES = [
    ApplyRows("b1", "ops@example.test", "b1:000001", (row(2),)),
    ApplyRows("b1", "ops@example.test", "b1:000002", tuple(row(n) for n in range(3, 103))),
    SendDeliveries("rows:b1:000001/0", (Delivery("0" * 32, "ann@client.test", 3, Method.REQUEST),), "b1"),
    SendDeliveries(
        "c/0", tuple(Delivery("f" * 32, f"p{n}@client.test", 0, Method.CANCEL) for n in range(200))
    ),
    FanOut("a" * 32, 4, Method.REQUEST, after="m@client.test"),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_every_kind_round_trips(message: object) -> None:
    assert decode(encode(message)) == message  # type: ignore[arg-type]


def test_small_bodies_are_plain_json_and_large_ones_compressed() -> None:
    small, large = encode(MESSAGES[0]), encode(MESSAGES[1])
    assert small.startswith("{") and len(small) <= COMPRESS_OVER
    assert large.startswith("z:")
    plain = readable(large)
    assert plain.startswith('{"type":"rows"') and "Your policy renews — bring your ID" in plain
    # A hundred similar rows: compressed and base64-encoded, still several times smaller.
    assert len(large) * 4 < len(plain.encode())


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"type": "nope"}',
        '{"type": "send"}',
        "z:!!!not base64!!!",
        "z:" + base64.b64encode(b"not zlib").decode(),
        "z:" + base64.b64encode(zlib.compress(b"[1, 2]")).decode(),
    ],
)
def test_an_unreadable_body_is_refused_with_a_value_error(body: str) -> None:
    with pytest.raises(ValueError, match="queue message"):
        decode(body)


def test_readable_leaves_a_body_that_is_not_ours_alone() -> None:
    assert readable("z:!!!") == "z:!!!"
    assert readable("hello") == "hello"


def test_a_refresh_resend_survives_the_queue_and_plain_rows_stay_short() -> None:
    from calsnack.domain.model import Delivery, Method
    from calsnack.queue_messages import SendDeliveries, decode, encode

    plain = Delivery("k" * 32, "ann@example.test", 3, Method.REQUEST)
    resend = Delivery("k" * 32, "bob@example.test", 3, Method.REQUEST, resend=True)
    text = encode(SendDeliveries(chunk="c", deliveries=(plain, resend)))
    assert decode(text) == SendDeliveries(chunk="c", deliveries=(plain, resend))
    assert '"ann@example.test",3,"REQUEST"]' in text.replace(" ", "")
