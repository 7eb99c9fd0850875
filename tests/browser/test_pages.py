"""The public pages and the dashboard as a person sees them in Chromium."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MISSING, Snack, new_event
from tests.e2e.stack import Stack
from tests.mailfactory import DOMAIN, invitation

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(MISSING), reason=MISSING)]

START = datetime(2031, 6, 1, 16, 0, tzinfo=UTC)


def test_landing_page_shows_the_event_time_here_and_there(stack: Stack, page, shots: Path) -> None:
    snack = new_event(stack, summary="Summer product webinar", start=START)
    page.goto(snack.landing)
    assert page.locator("h1").inner_text() == "Summer product webinar"
    when = page.locator(".when").first.inner_text()
    assert "Sun, Jun 1, 2031, 4:00 PM" in when
    local = page.locator("#local-time")
    local.wait_for(state="visible")
    # 16:00 UTC is 01:00 the next day in Tokyo.
    text = local.inner_text()
    assert "Asia/Tokyo" in text and "2 June 2031" in text and "01:00" in text, text
    for name in (
        "Calendar file (.ics)",
        "Apple Calendar",
        "Google Calendar",
        "Outlook.com",
        "Office 365",
        "Yahoo Calendar",
    ):
        assert page.get_by_role("link", name=name).is_visible()
    assert page.locator("input[name=email]").is_visible()
    page.screenshot(path=str(shots / "landing.png"), full_page=True)


def test_an_rsvp_in_the_browser_brings_a_personal_invitation(stack: Stack, page, shots: Path) -> None:
    snack = new_event(stack, summary="Browser RSVP", start=START)
    page.goto(snack.landing)
    page.fill("input[name=email]", "bea@example.test")
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("A calendar invitation is on its way to bea@example.test").wait_for()
    # Not a dead end: the time where the viewer is, calendar buttons, and a way to change the answer.
    local = page.locator("#local-time")
    local.wait_for(state="visible")
    assert "Asia/Tokyo" in local.inner_text() and "01:00" in local.inner_text()
    assert page.get_by_role("link", name="Apple Calendar").is_visible()
    page.screenshot(path=str(shots / "rsvp-done.png"))
    page.get_by_role("link", name="Change to No").click()
    assert page.locator("input[name=email]").input_value() == "bea@example.test"
    (mail,) = stack.wait_for("bea@example.test")
    assert mail.get_all("Delivered-To") == ["bea@example.test"]
    assert any(p.get_content_type() == "text/calendar" for p in mail.walk())


def test_the_snack_buttons_open_a_prefilled_form(stack: Stack, page) -> None:
    snack = new_event(stack, summary="Merge tags", start=START)
    page.goto(snack.link("Maybe") + "&email=max%40example.test")
    assert page.locator("input[name=email]").input_value() == "max@example.test"
    page.get_by_role("button", name="Maybe").click()
    page.get_by_text("on its way to max@example.test").wait_for()
    stack.wait_for("max@example.test")


def test_a_cancelled_event_says_so(stack: Stack, page, shots: Path) -> None:
    snack = new_event(stack, summary="Cancelled meetup", start=START)
    stack.send(
        snack.organizer,
        [f"snack@{DOMAIN}"],
        invitation(
            snack.uid, snack.organizer, method="CANCEL", sequence=1, summary="Cancelled meetup", start=START
        ),
    )
    deadline = time.monotonic() + 20
    while "This event has been cancelled." not in stack.get(snack.landing)[2]:
        assert time.monotonic() < deadline, "the cancellation never showed"
        time.sleep(0.2)
    page.goto(snack.landing)
    assert page.get_by_text("This event has been cancelled.").is_visible()
    assert page.locator("input[name=email]").count() == 0
    page.screenshot(path=str(shots / "cancelled.png"))


def answer(stack: Stack, snack: Snack, which: str, address: str) -> None:
    _, url, html = stack.get(snack.link(which))
    status, _ = stack.submit(url, html, address)
    assert status == 200


def test_the_dashboard_shows_counts_chart_and_attendees(stack: Stack, page, shots: Path) -> None:
    snack = new_event(stack, summary="Dashboard demo", start=START)
    answer(stack, snack, "Yes", "ann@example.test")
    answer(stack, snack, "Yes", "amy@example.test")
    answer(stack, snack, "Maybe", "max@example.test")
    answer(stack, snack, "No", "noa@example.test")
    page.set_viewport_size({"width": 1100, "height": 1000})
    page.goto(snack.dashboard)
    detail = page.locator("#detail")
    detail.get_by_text("Yes 2").wait_for()
    assert detail.get_by_text("Maybe 1").is_visible() and detail.get_by_text("No 1", exact=True).is_visible()
    page.locator("#chart svg rect").first.wait_for()
    assert page.locator("#chart svg rect").count() >= 3  # yes, maybe and no stacked in the bucket
    rows = page.locator("#attendees tbody tr")
    rows.filter(has_text="noa@example.test").wait_for()
    assert rows.count() == 4
    assert not page.get_by_role("button", name="Show more").is_visible()  # one page holds them all
    assert rows.filter(has_text="ann@example.test").inner_text().count("Yes") == 1
    page.select_option("#status-filter", "DECLINED")
    # `expect` polls from Playwright's own script: the page's CSP forbids the eval a string
    # predicate of wait_for_function needs.
    expect(rows).to_have_count(1)
    assert "noa@example.test" in rows.first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("email,answer")
    assert "amy@example.test" in exported
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)


def test_a_vip_list_uploaded_on_the_dashboard_is_invited(
    stack: Stack, page, shots: Path, tmp_path: Path
) -> None:
    snack = new_event(stack, summary="VIP dinner", start=START)
    page.goto(snack.dashboard)
    page.locator("#vip-addresses").wait_for()
    page.fill("#vip-addresses", "vera@example.test\nVictor <victor@example.test>")
    listing = tmp_path / "vips.csv"
    listing.write_text("name,email\nVal,val@example.test\n", encoding="utf-8")
    page.set_input_files("#vip-file", str(listing))
    expect(page.locator("#vip-addresses")).to_have_value(re.compile("val@example[.]test"))
    page.get_by_role("button", name="Send personal invitations").click()
    page.get_by_text("3 personal invitations on their way").wait_for()
    page.screenshot(path=str(shots / "vip.png"), full_page=True)
    for address in ("vera@example.test", "victor@example.test", "val@example.test"):
        stack.wait_for(address)


def test_the_api_docs_open_from_the_home_page_with_nothing_from_another_host(
    stack: Stack, page, shots: Path
) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(stack.base + "/")
    page.get_by_role("link", name="Read the API documentation").click()
    page.locator(".swagger-ui .info .title").get_by_text("calsnack").wait_for()
    assert page.locator(".opblock-summary-path", has_text="/batches").first.is_visible()
    page.screenshot(path=str(shots / "docs.png"))
    elsewhere = [url for url in requested if not url.startswith(stack.base) and not url.startswith("data:")]
    assert elsewhere == []


OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.scrollWidth > window.innerWidth)
  .map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth)"""
NARROW_CELLS = """() => [...document.querySelectorAll('#attendees td')]
  .filter(td => td.textContent.trim() && td.getBoundingClientRect().width < 120)
  .map(td => td.textContent + ' ' + td.getBoundingClientRect().width)"""


def test_the_dashboard_fits_a_phone_and_its_counts_update_live(stack: Stack, page, shots: Path) -> None:
    snack = new_event(stack, summary="A phone-sized dashboard with a rather long event title", start=START)
    long_address = "firstname.middlename.lastname.department@subdomain.example-company.test"
    answer(stack, snack, "Yes", long_address)
    answer(stack, snack, "Maybe", "max@example.test")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(snack.dashboard)
    page.locator("#chart svg rect").first.wait_for()
    page.locator("#attendees tbody tr").filter(has_text=long_address).wait_for()
    page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], overflowing
    assert page.evaluate(NARROW_CELLS) == []
    # Live: another answer shows up in the counts without a reload (the marker would be gone).
    page.evaluate("window.notReloaded = true")
    page.locator("#detail").get_by_text("No 0").wait_for()
    answer(stack, snack, "No", "noa@example.test")
    page.locator("#detail").get_by_text("No 1", exact=True).wait_for(timeout=25_000)
    assert page.locator(".event .counts").get_by_text("No 1", exact=True).is_visible()
    assert page.evaluate("window.notReloaded") is True


def test_vip_rows_without_an_address_are_listed_back(stack: Stack, page) -> None:
    snack = new_event(stack, summary="VIP typo", start=START)
    page.goto(snack.dashboard)
    page.locator("#vip-addresses").wait_for()
    page.fill("#vip-addresses", "vic@example.test\nvalerie at example dot test")
    page.get_by_role("button", name="Send personal invitations").click()
    page.get_by_text("1 row holds no e-mail address").wait_for()
    assert page.locator(".not-addresses li").all_inner_texts() == ["valerie at example dot test"]
