"""The red-team's RSVP form attacks (issue 17.5) against a running `calsnack serve`: each now fails,
and the person's own answer still goes through."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from calsnack.usecases.answer_rsvp import RsvpLimits

from tests.e2e.stack import Page, Stack
from tests.mailfactory import DOMAIN, invitation

ORGANIZER = "olga@example.test"


def snack_html(stack: Stack) -> tuple[str, str]:
    uid = f"{uuid.uuid4()}@google.com"
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(uid))
    return uid, stack.wait_for(ORGANIZER)[0].get_body(("html",)).get_content()


def form_of(stack: Stack, html: str, answer: str) -> tuple[str, dict[str, str]]:
    """The RSVP form behind a snack button: its action and its fields, as a browser would send them."""
    _, url, page = stack.get(Page(html).link(answer))
    form = next(f for f in Page(page).forms if "email" in f["fields"])
    return urllib.parse.urljoin(url, form["action"]), form["fields"]


def post(url: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def counts(stack: Stack, uid: str) -> dict[str, int]:
    return stack.report("--event", ORGANIZER, uid)["events"][0]["counts"]


def test_a_strangers_no_needs_alices_confirmation(stack: Stack) -> None:
    uid, html = snack_html(stack)
    action, fields = form_of(stack, html, "Yes")
    assert post(action, {**fields, "email": "alice@example.test"})[0] == 200
    stack.wait_for("alice@example.test")  # her invitation
    action, fields = form_of(stack, html, "No")
    status, page = post(action, {**fields, "email": "alice@example.test"})
    assert status == 200 and "We sent a mail" in page
    assert counts(stack, uid)["accepted"] == 1  # she will still get the updates
    confirm = next(m for m in stack.wait_for("alice@example.test", 2) if "Confirm" in m["Subject"])
    link = Page(confirm.get_body(("html",)).get_content()).link("Confirm")
    _, url, page = stack.get(link)
    form = Page(page).forms[0]
    assert post(urllib.parse.urljoin(url, form["action"]), form["fields"])[0] == 200
    assert (counts(stack, uid)["accepted"], counts(stack, uid)["declined"]) == (0, 1)


def test_a_burst_of_third_party_addresses_is_no_relay(stack: Stack) -> None:
    uid, html = snack_html(stack)
    action, fields = form_of(stack, html, "Yes")
    # The limits count in fixed windows: a burst that straddles a window's end gets two allowances.
    window = RsvpLimits().per_client.seconds
    if (left := window - time.time() % window) < 30:
        time.sleep(left + 0.5)
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(lambda n: post(action, {**fields, "email": f"v{n}@example.test"})[0], range(100))
        )
    allowed = RsvpLimits().per_client.hits
    assert sorted(statuses) == [200] * allowed + [429] * (100 - allowed)
    assert counts(stack, uid)["invited"] <= allowed
    assert stack.get("/healthz")[0] == 200


def test_cross_origin_and_tokenless_posts_record_nothing(stack: Stack) -> None:
    uid, html = snack_html(stack)
    action, fields = form_of(stack, html, "Yes")
    address = {"email": "eve-target@example.test"}
    assert post(action, {**fields, **address}, {"Origin": "https://evil.example"})[0] == 403
    assert post(action, {**fields, **address}, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert post(action, address)[0] == 400  # no form token: the form is shown again
    assert counts(stack, uid)["accepted"] == 0
    # The same post from our own page, as Chromium sends it, goes through.
    assert post(action, {**fields, **address}, {"Sec-Fetch-Site": "same-origin", "Origin": "null"})[0] == 200
    assert counts(stack, uid)["accepted"] == 1
