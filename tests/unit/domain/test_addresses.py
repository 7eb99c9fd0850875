"""One address grammar: the same input gets the same verdict from every channel that takes addresses.

Each channel first reads its own framing (a VIP list finds addresses among names and commas, a
CSV cell splits on `;`); the inputs here are single tokens, which no framing changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from html import unescape
from urllib.parse import quote

import pytest
from calsnack.domain.addresses import (
    address_problem,
    domain_of,
    is_address,
    normalize_address,
    parse_address,
    wire_address,
)
from calsnack.domain.commands import CommandRow
from calsnack.links import Links
from calsnack.ports import Services
from calsnack.usecases.invite_vips import addresses_in, rows_without_address
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.api.conftest import Gateway, api_key, make_event, path_of
from tests.unit.csvcommands.sample import batch, read, row_of

LONGEST = "l" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "e" * 61

#: (input, the address it is accepted as, or None where it is refused)
CASES: list[tuple[str, str | None]] = [
    ("ann@example.com", "ann@example.com"),
    ("  Ann.Lee@Example.COM ", "ann.lee@example.com"),
    ("mailto:ann@example.com", "ann@example.com"),
    ("o'brien+vip@sub.example.co.uk", "o'brien+vip@sub.example.co.uk"),
    ("françois.dupré@exämple.fr", "françois.dupré@exämple.fr"),
    ("jose@xn--bcher-kva.example", "jose@xn--bcher-kva.example"),
    ("l" * 64 + "@example.com", "l" * 64 + "@example.com"),
    (LONGEST, LONGEST),
    ("ann", None),
    ("ann@", None),
    ("@example.com", None),
    ("ann..lee@example.com", None),
    (".ann@example.com", None),
    ("ann.@example.com", None),
    ("ann@example", None),
    ("ann@-example.com", None),
    ("ann@example-.com", None),
    ("ann@exa_mple.com", None),
    ("ann@exämple..fr", None),
    ("ann@[192.0.2.1]", None),
    ('"ann lee"@example.com', None),
    ("ann\u200b@example.com", None),
    ("l" * 65 + "@example.com", None),
    ("é" * 33 + "@example.com", None),  # 33 characters, but 66 octets
    ("ann@" + "d" * 64 + ".com", None),
    (LONGEST + "e", None),
]


def _csv_row(_: Services, text: str) -> str | None:
    (result,) = read(batch([row_of({"command": "INVITE", "event_id": "ev-1", "attendees": text})]))
    return result.attendees[0] if isinstance(result, CommandRow) else None


def _vip_list(_: Services, text: str) -> str | None:
    # A list is CSV (a spreadsheet's column, or one address a line): the input is one cell of it.
    cell = io.StringIO()
    csv.writer(cell).writerow([text])
    found = addresses_in(cell.getvalue())
    # A refused line is listed back to the organizer, never dropped silently.
    assert rows_without_address(cell.getvalue()) == ([] if found else [text.strip()])
    return found[0] if found else None


def _rsvp_form(services: Services, text: str) -> str | None:
    event = make_event(services)
    s = services.settings
    form = Links(s.link_key, s.base_url, s.domain).rsvp(event.key, "yes")
    reply = Gateway(services).answer(path_of(form), text)
    if reply.status != 200:
        assert reply.status == 400, reply.text
        return None
    page = unescape(reply.text)
    (address,) = [a for a in {normalize_address(text), text.strip()} if f"on its way to {a}" in page]
    return address


def _api_sender(services: Services, text: str) -> str | None:
    key = api_key(
        services, domain_of(normalize_address(text)) if is_address(normalize_address(text)) else "example.com"
    )
    reply = Gateway(services).post(
        f"/batches?sender={quote(text)}",
        body="command,event_id\r\nCANCEL,ev-1\r\n",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
    )
    if reply.status != 202:
        assert reply.status in (400, 403, 422), reply.text
        return None
    sender: str = reply.json()["sender"]
    return sender


ENTRY_POINTS: dict[str, Callable[[Services, str], str | None]] = {
    "csv row": _csv_row,
    "vip list": _vip_list,
    "rsvp form": _rsvp_form,
    "api sender": _api_sender,
}


def _reachable(entry: str, text: str, expected: str | None) -> bool:
    # An API key names an ASCII domain (issue_api_key): no key acts for an internationalised one.
    return not (entry == "api sender" and expected is not None and not domain_of(expected).isascii())


@pytest.mark.parametrize(
    ("entry", "text", "expected"),
    [
        pytest.param(entry, text, expected, id=f"{entry}: {text[:40]!r}")
        for entry in ENTRY_POINTS
        for text, expected in CASES
        if _reachable(entry, text, expected)
    ],
)
def test_every_channel_gives_the_same_verdict(
    services: Services, entry: str, text: str, expected: str | None
) -> None:
    assert ENTRY_POINTS[entry](services, text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_the_grammar_gives_that_verdict(text: str, expected: str | None) -> None:
    assert parse_address(text) == expected
    address = normalize_address(text)
    assert (address_problem(address) is None) == (expected is not None)


@pytest.mark.parametrize(
    "text",
    [
        "Ann Lee <ann@example.com>",
        "ann@example.com\r\nBcc: eve@example.com",
        "ann@example.com eve@example.com",
    ],
)
def test_a_name_or_a_line_break_is_no_part_of_an_address(text: str) -> None:
    assert parse_address(text) is None
    problem = address_problem(normalize_address(text))
    assert problem is not None and "bare address" in problem


@pytest.mark.parametrize(
    ("address", "wire"),
    [
        ("ann@example.com", "ann@example.com"),
        ("jose@bücher.example", "jose@xn--bcher-kva.example"),
        ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
    ],
)
def test_the_wire_form_carries_the_domain_in_a_labels(address: str, wire: str) -> None:
    assert wire_address(address) == wire


@pytest.mark.parametrize("address", [text for text, expected in CASES if expected is None and "@" in text])
def test_no_wire_form_for_a_refused_address(address: str) -> None:
    with pytest.raises(ValueError, match="not a deliverable address"):
        wire_address(normalize_address(address))


_PIECES = st.sampled_from(
    ["a", "Z", "9", ".", "-", "_", "+", "'", "@", "é", "例", " ", '"', "<", "xn--", "\u200b"]
)


@given(st.lists(_PIECES, max_size=12).map("".join), st.lists(_PIECES, max_size=12).map("".join))
def test_the_quick_check_and_the_reasons_agree(local: str, domain: str) -> None:
    address = f"{local}@{domain}.example"
    assert is_address(address) == (address_problem(address) is None)
