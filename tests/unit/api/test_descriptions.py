"""Descriptions on the pages: clean sanitized HTML, never literal tags, Google's block or private
links; a cancelled event's page has no clickable meeting link."""

from __future__ import annotations

import re

import pytest

from tests.unit.api.conftest import cancel, make_event, path_of

pytestmark = pytest.mark.usefixtures("services")

GOOGLE = (
    "Agenda below.\n\n"
    "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-\n"
    "Join with Google Meet: https://meet.google.com/abc-defg-hij\n"
    "View your event at https://calendar.google.com/calendar/event?action=VIEW&eid=x&tok=secret\n"
    "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-"
)


def description_of(html: str) -> str:
    found = re.search(r'<div class="description">(.*?)</div>', html, re.DOTALL)
    assert found is not None, html
    return found.group(1)


def landing(gateway, links, event) -> str:
    return gateway.get(path_of(links.landing(event.key))).text


def test_html_in_a_description_is_rendered_sanitized_not_as_literal_tags(gateway, services, links):
    event = make_event(
        services,
        description='<b>Agenda</b><br>1. Welcome<p onclick="steal()">2. <a href="javascript:x()">Demo</a></p>',
    )
    shown = description_of(landing(gateway, links, event))
    assert "<b>Agenda</b><br>1. Welcome" in shown
    assert "&lt;b&gt;" not in shown
    assert "onclick" not in shown and "javascript:" not in shown


def test_plain_text_keeps_its_line_breaks_and_links(gateway, services, links):
    event = make_event(services, description="Bring the car key.\nDetails: https://example.com/info")
    shown = description_of(landing(gateway, links, event))
    assert "Bring the car key.<br>" in shown
    assert '<a href="https://example.com/info" rel="noopener noreferrer nofollow">' in shown


def test_google_boilerplate_and_the_organizers_private_link_never_show(gateway, services, links):
    event = make_event(services, description=GOOGLE)
    html = landing(gateway, links, event)
    assert "Agenda below." in description_of(html)
    assert "tok=secret" not in html and "-::~" not in html


def test_a_cancelled_event_has_no_clickable_meeting_link(gateway, services, links):
    meet = "https://meet.google.com/abc-defg-hij"
    event = cancel(
        services,
        make_event(services, meeting_url=meet, description=f'<b>Join</b> at <a href="{meet}">{meet}</a>'),
    )
    html = landing(gateway, links, event)
    assert "This event has been cancelled." in html
    assert "No meeting link: this event has been cancelled." in html
    assert f'href="{meet}' not in html
    assert "Join the meeting" not in html
    assert "Join" in description_of(html)  # the words stay, without the link


def test_the_meeting_link_stays_a_link_while_the_event_is_on(gateway, services, links):
    event = make_event(services, meeting_url="https://meet.google.com/abc-defg-hij")
    html = landing(gateway, links, event)
    assert (
        '<a href="https://meet.google.com/abc-defg-hij" rel="noopener noreferrer">Join the meeting</a>'
        in html
    )
