"""The shape of each add-to-calendar URL, timed and all-day, and the page that offers them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from calsnack.api.calendar_links import calendar_links, webcal_url

from tests.unit.api.conftest import make_event, path_of

pytestmark = pytest.mark.usefixtures("services")

LANDING = "https://calsnack.test/e/abc?t=sig"
ICS = "https://calsnack.test/e/abc/invite.ics?t=sig"
START = datetime(2031, 3, 4, 15, 30, tzinfo=UTC)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def timed(services):
    return make_event(
        services,
        start=START,
        end=START.replace(hour=17, minute=0),
        summary="Launch",
        location="Hall 2",
        description="Bring a laptop.",
    )


@pytest.fixture
def all_day(services):
    # Two days in Berlin: 5 and 6 March, stored as midnight-to-midnight in the event's zone.
    return make_event(
        services,
        start=datetime(2031, 3, 4, 23, 0, tzinfo=UTC),
        end=datetime(2031, 3, 6, 23, 0, tzinfo=UTC),
        all_day=True,
        summary="Offsite",
    )


def test_yahoo_takes_utc_times_title_description_and_place(timed):
    url = calendar_links(timed, LANDING, ICS).yahoo
    assert url.startswith("https://calendar.yahoo.com/?")
    q = query(url)
    assert q["v"] == ["60"]
    assert q["title"] == ["Launch"]
    assert q["st"] == ["20310304T153000Z"] and q["et"] == ["20310304T170000Z"]
    assert q["in_loc"] == ["Hall 2"]
    assert q["desc"][0].startswith("Bring a laptop.") and LANDING in q["desc"][0]
    assert "dur" not in q


def test_yahoo_all_day_gives_the_days_as_the_event_zone_sees_them(all_day):
    q = query(calendar_links(all_day, LANDING, ICS).yahoo)
    assert q["st"] == ["20310305"] and q["et"] == ["20310306"] and q["dur"] == ["allday"]


def test_apple_subscribes_to_the_signed_ics_over_webcal(timed):
    apple = calendar_links(timed, LANDING, ICS).apple
    assert apple == "webcal://calsnack.test/e/abc/invite.ics?t=sig"
    assert (
        webcal_url("http://127.0.0.1:8080/e/k/invite.ics?t=x") == "webcal://127.0.0.1:8080/e/k/invite.ics?t=x"
    )


def test_webcal_refuses_what_is_not_a_web_url():
    with pytest.raises(ValueError, match="not a web URL"):
        webcal_url("javascript:alert(1)")


def test_google_outlook_and_office365_keep_their_shapes(timed):
    links = calendar_links(timed, LANDING, ICS)
    assert links.ics == ICS
    assert query(links.google)["dates"] == ["20310304T153000Z/20310304T170000Z"]
    for url, host in ((links.outlook, "outlook.live.com"), (links.office365, "outlook.office.com")):
        parts = urlsplit(url)
        assert (parts.netloc, parts.path) == (host, "/calendar/0/deeplink/compose")
        q = query(url)
        assert q["startdt"] == ["2031-03-04T15:30:00Z"] and q["enddt"] == ["2031-03-04T17:00:00Z"]
        assert q["subject"] == ["Launch"] and q["allday"] == ["false"]


def test_the_landing_page_offers_all_six(gateway, timed, links):
    html = gateway.get(path_of(links.landing(timed.key))).text
    chips = {
        unescape(text): unescape(href)
        for href, text in re.findall(r'<a class="chip" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    }
    assert list(chips) == [
        "Calendar file (.ics)",
        "Apple Calendar",
        "Google Calendar",
        "Outlook.com",
        "Office 365",
        "Yahoo Calendar",
    ]
    assert chips["Apple Calendar"] == webcal_url(links.ics(timed.key))
    assert chips["Yahoo Calendar"].startswith("https://calendar.yahoo.com/?v=60&")
