"""RSVP pages are no dead ends: after an answer, the event with its time, add-to-calendar and a
way to change the answer; a refused address gets the form back with what was typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from calsnack.api.calendar_links import webcal_url

from tests.unit.api.conftest import BASE, form_token_of, make_event, path_of, script_tags

pytestmark = pytest.mark.usefixtures("services")

START = datetime(2031, 3, 4, 15, 30, tzinfo=UTC)


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_after_yes_the_page_shows_the_time_calendar_buttons_and_how_to_change(gateway, services, links):
    event = make_event(services, start=START, end=START.replace(hour=17), summary="Launch")
    reply = gateway.answer(path_of(links.rsvp(event.key, "yes")), "ann@example.org")
    assert reply.status == 200
    html = reply.text
    assert "A calendar invitation is on its way to ann@example.org" in html
    # The event's own zone without script; landing.js fills in the visitor's zone from the UTC instant.
    assert "Tue, Mar 4, 2031, 4:30 PM" in html and "(Europe/Berlin)" in html
    assert f'id="local-time" hidden data-start="{START.isoformat()}"' in html
    assert any("/static/landing.js" in tag for tag in script_tags(html))
    found = hrefs(html)
    assert webcal_url(links.ics(event.key)) in found
    assert any(h.startswith("https://calendar.google.com/") for h in found)
    assert any(h.startswith("https://calendar.yahoo.com/") for h in found)
    assert links.rsvp(event.key, "maybe", email="ann@example.org") in found
    assert links.rsvp(event.key, "no", email="ann@example.org") in found
    assert links.rsvp(event.key, "yes", email="ann@example.org") not in found
    assert "Change to Maybe" in html and "Change to No" in html


def test_after_no_there_is_nothing_to_add_but_a_way_back(gateway, services, links):
    event = make_event(services)
    html = gateway.answer(path_of(links.rsvp(event.key, "no")), "bob@example.org").text
    assert "will not attend" in html
    assert "Add to your calendar" not in html
    assert links.rsvp(event.key, "yes", email="bob@example.org") in hrefs(html)


def test_a_change_link_opens_the_form_pre_filled(gateway, services, links):
    event = make_event(services)
    html = gateway.answer(path_of(links.rsvp(event.key, "yes")), "cat@example.org").text
    (maybe,) = [h for h in hrefs(html) if "/rsvp/maybe" in h]
    form = gateway.get(maybe.removeprefix(BASE))
    assert form.status == 200 and 'value="cat@example.org"' in form.text


def test_a_refused_address_keeps_the_form_with_what_was_typed(gateway, services, links, queue):
    event = make_event(services)
    target = path_of(links.rsvp(event.key, "maybe"))
    reply = gateway.answer(target, "not an address")
    assert reply.status == 400
    html = reply.text
    assert '<p class="notice" id="form-error" role="alert">Please enter a valid e-mail address.</p>' in html
    assert 'value="not an address" aria-invalid="true" aria-describedby="form-error"' in html
    assert f'action="{links.rsvp(event.key, "maybe")}"' in html.replace("&amp;", "&")
    # The form can be sent again as it is: it carries a fresh token.
    again = gateway.post_form(target, {"email": "dan@example.org", "form_token": form_token_of(html)})
    assert again.status == 200 and "on its way to dan@example.org" in again.text
    assert services.store.counts(event.key).tentative == 1
