"""The invitation's texts, written into shapes rendered once, equal the templates rendered for each event."""

from __future__ import annotations

from dataclasses import replace

import pytest
from calsnack.branding import Branding
from calsnack.domain.model import Event, Method
from calsnack.mail.invitation_text import invitation_texts, invitation_values, invitation_when
from calsnack.templating import render

from .test_distinct_events import nth_event
from .test_invitation import CASES, LANDING, SETTINGS, csv_event

BRANDED = replace(
    SETTINGS, branding=Branding(product_name="Acme", footer="Acme & Co", logo_url="https://a.example/l.png")
)
EVENTS = {
    **{case: event for case, (event, _) in CASES.items()},
    **{f"row-{n}": nth_event(n) for n in range(40)},
    "no-summary": csv_event(summary=""),
    "script-link": csv_event(meeting_url="javascript:alert(1)", location='"><b>\r\nline'),
    "braces-and-nul-free": csv_event(summary="{who} {0} %s", organizer_name="{summary}"),
}


@pytest.mark.parametrize("settings", [SETTINGS, BRANDED], ids=["default", "branded"])
@pytest.mark.parametrize("landing", ["", LANDING], ids=["no-landing", "landing"])
@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("case", EVENTS)
def test_the_shapes_write_what_the_templates_render(
    case: str, method: Method, landing: str, settings
) -> None:
    event: Event = EVENTS[case]
    when = invitation_when(event)
    values = {**invitation_values(event, method, landing, when), "brand": settings.branding}
    plain, html = (
        render(name, **values).replace("\r\n", "\n").replace("\r", "\n")
        for name in ("mail/invitation.txt", "mail/invitation.html")
    )
    assert invitation_texts(settings, event, method, landing, when) == (plain, html)
