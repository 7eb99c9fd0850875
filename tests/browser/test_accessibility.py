"""axe-core (through axe-playwright-python) on every page and on the snack mail: WCAG 2.1 AA, 0 violations.

Each page is audited and photographed at desktop (1280×800) and phone (390×844) size, so a
layout or contrast rule that holds on one width only still fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from calsnack.bootstrap import link_key
from calsnack.links import Links

from tests.browser.conftest import MISSING, Snack, new_event
from tests.e2e.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(MISSING), reason=MISSING)]

START = datetime(2031, 6, 1, 16, 0, tzinfo=UTC)
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def audit(page: Any, shots: Path, name: str) -> None:
    """Screenshots at both sizes and axe's WCAG 2.1 A/AA rules at each; its report names any violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    reports = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)
        results = axe.run(page, options=WCAG_21_AA)
        if results.violations_count:
            reports.append(f"{name} at {size}:\n{results.generate_report()}")
    assert reports == [], "\n".join(reports)


@pytest.fixture
def refused_page(browser: Any) -> Iterator[Any]:
    """A page for answers that are refused on purpose (the `page` fixture fails on any 4xx)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def snack(stack: Stack) -> Snack:
    return new_event(stack, summary="Accessible product launch", start=START)


def test_the_landing_page_is_accessible(stack: Stack, snack: Snack, page: Any, shots: Path) -> None:
    page.goto(snack.landing)
    page.locator("#local-time").wait_for(state="visible")
    audit(page, shots, "a11y-landing")


@pytest.mark.parametrize("which", ["Yes", "Maybe", "No"])
def test_the_rsvp_form_and_its_answer_are_accessible(
    stack: Stack, snack: Snack, page: Any, shots: Path, which: str
) -> None:
    page.goto(snack.link(which))
    audit(page, shots, f"a11y-rsvp-{which.lower()}")
    page.fill("input[name=email]", f"{which.lower()}-a11y@example.test")
    page.locator("button[type=submit]").click()
    page.get_by_text("Thank you.").wait_for()
    audit(page, shots, f"a11y-rsvp-{which.lower()}-done")


def test_the_bad_address_page_is_accessible(
    stack: Stack, snack: Snack, refused_page: Any, shots: Path
) -> None:
    page = refused_page
    page.goto(snack.link("Yes"))
    # The browser's own check would stop the post; the server's answer is what is audited here.
    page.locator("form.rsvp").evaluate("f => f.setAttribute('novalidate', '')")
    page.fill("input[name=email]", "not an address")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("button[type=submit]").click()
    assert answered.value.status == 400
    page.wait_for_load_state()
    audit(page, shots, "a11y-rsvp-bad-address")


def test_the_dashboard_and_vip_list_are_accessible(
    stack: Stack, snack: Snack, page: Any, shots: Path
) -> None:
    page.goto(snack.dashboard)
    page.locator(".event").first.click()
    page.locator("#chart svg").wait_for()
    page.locator("#attendees tbody tr").first.wait_for()
    audit(page, shots, "a11y-dashboard")
    page.fill("#vip-addresses", "vip-a11y@example.test")
    page.get_by_role("button", name="Send personal invitations").click()
    page.get_by_text("1 personal invitation").wait_for()
    audit(page, shots, "a11y-vip")


def test_the_expired_dashboard_link_page_is_accessible(
    stack: Stack, snack: Snack, refused_page: Any, shots: Path
) -> None:
    lapsed = Links(link_key(stack.data), stack.base, stack.domain).dashboard(snack.organizer, 1_600_000_000)
    response = refused_page.goto(lapsed)
    assert response.status == 403
    assert refused_page.get_by_text("This dashboard link has expired.").is_visible()
    audit(refused_page, shots, "a11y-dashboard-expired")


def test_the_snack_mail_is_accessible(stack: Stack, snack: Snack, page: Any, shots: Path) -> None:
    """The mail's HTML as it sits in the outbox, loaded into a page as a mail client would show it."""
    page.set_content(snack.html)
    audit(page, shots, "a11y-snack-mail")


def test_the_home_page_is_accessible(stack: Stack, page: Any, shots: Path) -> None:
    page.goto(stack.base + "/")
    assert page.get_by_role("link", name=f"snack@{stack.domain}").is_visible()
    audit(page, shots, "a11y-home")
