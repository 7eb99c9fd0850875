"""The HTML of the public pages: every value the organizer or a visitor typed goes through `escape`.

Pages hold no inline script or style (the CSP forbids both); behaviour comes from
/static/landing.js and /static/dashboard.js, looks from /static/app.css.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from calsnack.api.access import DashboardGrant
from calsnack.api.assets import asset_url
from calsnack.api.calendar_links import CalendarLinks
from calsnack.domain.model import Event
from calsnack.ical.description import clean_description, html_text, published_html, text_html
from calsnack.ical.uris import is_web_url
from calsnack.mail.snack import when_text

ANSWER_LABELS = {"yes": "Yes", "maybe": "Maybe", "no": "No"}


@dataclass(frozen=True, slots=True)
class Site:
    """Where the pages live: every link and asset URL is absolute, under the base URL."""

    base_url: str
    product_name: str = "calsnack"

    def asset(self, name: str) -> str:
        return asset_url(self.base_url, name)


@dataclass(frozen=True, slots=True)
class LandingLinks:
    landing: str
    rsvp: dict[str, str]
    calendar: CalendarLinks


def layout(site: Site, title: str, body: str, *, scripts: Sequence[str] = (), page_class: str = "") -> str:
    tags = "".join(f'<script src="{escape(site.asset(s))}" defer></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{escape(site.asset("app.css"))}">{tags}</head>
<body class="{escape(page_class)}"><main>{body}</main>
<footer class="muted">{escape(site.product_name)}</footer></body></html>
"""


def description_block(event: Event) -> str:
    """The description as clean HTML (see `ical.description`): the stored X-ALT-DESC sanitized,
    else the text cleaned of Google's block and private links, as sanitized HTML where it is
    HTML (a CSV cell may hold some), else as text with its line breaks and links.

    A cancelled event's description keeps its words but no links: its meeting is off.
    """
    rich = published_html(event.calendar, "") if "X-ALT-DESC" in event.calendar.upper() else ""
    if not rich:
        cleaned = clean_description(event.description)
        rich = cleaned.html or text_html(cleaned.text)
    if event.cancelled:
        rich = escape(html_text(rich)).replace("\n", "<br>\n")
    return f'<div class="description">{rich}</div>' if rich else ""


def meeting_line(event: Event) -> str:
    """The meeting link; on a cancelled event no link at all, and the reason in words."""
    if event.cancelled:
        value = "No meeting link: this event has been cancelled."
        return f'<p class="where cancelled-link"><span class="label">Online</span> <span class="value">{value}</span></p>'
    link = (
        f'<a href="{escape(event.meeting_url)}" rel="noopener noreferrer">Join the meeting</a>'
        if is_web_url(event.meeting_url)
        else escape(event.meeting_url)
    )
    return f'<p class="where"><span class="label">Online</span> <span class="value">{link}</span></p>'


def _updated_text(event: Event) -> str:
    if not event.updated_at:
        return ""
    moment = event.updated_at.astimezone(ZoneInfo(event.timezone))
    return f"{moment:%d %B %Y, %H:%M} ({event.timezone})"


def event_details(event: Event) -> str:
    """Title, status, time (the event's zone, and the visitor's zone filled in by landing.js), place."""
    parts = [f"<h1>{escape(event.summary)}</h1>"]
    if event.cancelled:
        parts.append('<p class="notice" role="status">This event has been cancelled.</p>')
    elif event.sequence > 0:
        updated = _updated_text(event)
        parts.append(
            '<p class="updated" role="status">This event was updated'
            + (f" on {escape(updated)}" if updated else "")
            + ". The details below are the latest.</p>"
        )
    parts.append(
        f'<p class="when"><span class="label">When</span> <span class="value">{escape(when_text(event))}</span></p>'
    )
    if not event.all_day:
        parts.append(
            f'<p class="when local" id="local-time" hidden data-start="{escape(event.start.isoformat())}"'
            f' data-end="{escape(event.end.isoformat())}" data-zone="{escape(event.timezone)}">'
            '<span class="label">Your time</span> <span class="value" data-local-text></span></p>'
        )
    if event.location:
        parts.append(
            f'<p class="where"><span class="label">Where</span> <span class="value">{escape(event.location)}</span></p>'
        )
    if event.meeting_url:
        parts.append(meeting_line(event))
    description = description_block(event)
    if description:
        parts.append(description)
    return "\n".join(parts)


def rsvp_fields(email: str, token: str, *, invalid: bool = False) -> str:
    """The address field, and the form token the post must carry back (see `api.form_guard`).

    `invalid` marks the field for screen readers and points it at the form's error message.
    """
    marked = ' aria-invalid="true" aria-describedby="form-error"' if invalid else ""
    return (
        f'<input type="hidden" name="form_token" value="{escape(token)}">'
        '<p><label for="email">Your e-mail address</label></p>'
        f'<p><input type="email" id="email" name="email" required maxlength="254" autocomplete="email"'
        f' inputmode="email" value="{escape(email)}"{marked}></p>'
    )


def add_to_calendar(links: CalendarLinks) -> str:
    """The .ics download, Apple's webcal subscription, and the web calendars' "new event" forms."""
    web = (
        ("Google Calendar", links.google),
        ("Outlook.com", links.outlook),
        ("Office 365", links.office365),
        ("Yahoo Calendar", links.yahoo),
    )
    items = [
        f'<li><a class="chip" href="{escape(links.ics)}" download>Calendar file (.ics)</a></li>',
        f'<li><a class="chip" href="{escape(links.apple)}">Apple Calendar</a></li>',
        *(
            f'<li><a class="chip" href="{escape(url)}" rel="noopener noreferrer">{name}</a></li>'
            for name, url in web
        ),
    ]
    return f'<section class="add"><h2>Add to your calendar</h2><ul class="add-links">{"".join(items)}</ul></section>'


def landing_page(site: Site, event: Event, links: LandingLinks, token: str, email: str = "") -> str:
    sections = [f'<article class="card">{event_details(event)}']
    if not event.cancelled:
        buttons = "".join(
            f'<button class="btn {a}" type="submit" formaction="{escape(links.rsvp[a])}">{label}</button>'
            for a, label in ANSWER_LABELS.items()
        )
        sections.append(
            f'<form class="rsvp" method="post" action="{escape(links.rsvp["yes"])}">'
            "<h2>Will you attend?</h2>"
            f"{rsvp_fields(email, token)}"
            '<p class="muted">Yes or Maybe brings a personal calendar invitation to this address;'
            " No records that you decline.</p>"
            f'<p class="buttons">{buttons}</p></form>'
        )
        sections.append(add_to_calendar(links.calendar))
    sections.append("</article>")
    return layout(site, event.summary, "\n".join(sections), scripts=("landing.js",), page_class="landing")


def rsvp_form(
    site: Site,
    event: Event,
    answer: str,
    action: str,
    email: str,
    token: str,
    notice: str = "",
    error: str = "",
) -> str:
    """`notice` says why the form is shown again (it had expired): the person sends it once more.
    `error` says what was wrong with the address, shown above the field that keeps what was typed."""
    label = ANSWER_LABELS[answer]
    note = (
        "We will record that you decline."
        if answer == "no"
        else "We will send a personal calendar invitation to this address."
    )
    shown = f'<p class="notice" role="status">{escape(notice)}</p>' if notice else ""
    if error:
        shown += f'<p class="notice" id="form-error" role="alert">{escape(error)}</p>'
    body = f"""<article class="card">{event_details(event)}
<form class="rsvp" method="post" action="{escape(action)}">
<h2>Your answer: {label}</h2>{shown}
{rsvp_fields(email, token, invalid=bool(error))}
<p class="muted">{note}</p>
<p class="buttons"><button class="btn {answer}" type="submit">{label}</button></p>
</form></article>"""
    return layout(site, event.summary, body, scripts=("landing.js",), page_class="rsvp")


def confirm_page(site: Site, event: Event, answer: str, email: str, action: str) -> str:
    """A confirmation link's page asks once more (a link scanner's GET changes nothing)."""
    label = ANSWER_LABELS[answer]
    body = f"""<article class="card">{event_details(event)}
<form class="rsvp" method="post" action="{escape(action)}">
<h2>Confirm your answer: {label}</h2>
<p>For <strong>{escape(email)}</strong>.</p>
<p class="buttons"><button class="btn {answer}" type="submit">Confirm: {label}</button></p>
</form></article>"""
    return layout(site, event.summary, body, page_class="rsvp")


def thanks_page(
    site: Site, event: Event, message: str, *, answer: str, change: dict[str, str], calendar: CalendarLinks
) -> str:
    """After an answer: what happens next, the event (its time in the visitor's zone by landing.js,
    the event's own zone without script), add-to-calendar unless they declined, and links to
    the form of each other answer (pre-filled with their address) to change their mind."""
    others = "".join(
        f'<li><a class="btn {a} small" href="{escape(url)}">Change to {label}</a></li>'
        for a, label in ANSWER_LABELS.items()
        if a != answer and (url := change.get(a))
    )
    body = [
        f'<article class="card"><p class="ok" role="status">{escape(message)}</p>',
        event_details(event),
        add_to_calendar(calendar) if answer != "no" else "",
        f'<section class="change"><h2>Changed your mind?</h2><ul class="add-links">{others}</ul></section>',
        "</article>",
    ]
    return layout(
        site, event.summary, "\n".join(b for b in body if b), scripts=("landing.js",), page_class="thanks"
    )


def message_page(site: Site, title: str, message: str, *, ok: bool) -> str:
    return layout(
        site,
        title,
        f'<article class="card"><h1>{escape(title)}</h1><p class="{"ok" if ok else "notice"}" role="status">'
        f"{escape(message)}</p></article>",
    )


def home_page(site: Site, *, snack_address: str, batch_address: str, docs_url: str) -> str:
    """The deployment's front door: what it does and the three ways in (calendar, CSV mail, API)."""
    name = escape(site.product_name)
    snack, batch = escape(snack_address), escape(batch_address)
    body = f"""<article class="card home"><h1>{name}: calendar invitations that count the answers</h1>
<p>This service sends real calendar invitations, one personal invitation per guest, and counts
who says Yes, Maybe or No. Guests answer from their own calendar or from a web page.</p>
<h2>From your calendar</h2>
<ol>
<li>Create the event in your calendar (Google, Outlook, Apple or any other).</li>
<li>Add <a href="mailto:{snack}">{snack}</a> as a guest and send the invitation.</li>
<li>A reply comes back with RSVP buttons to share, a public landing page, a VIP address that
invites a list of people, and your dashboard of answers.</li>
</ol>
<p>Change or cancel the event in your calendar as usual: everyone who said Yes or Maybe gets the
update or the cancellation.</p>
<h2>Many events at once</h2>
<p>Mail a CSV file of events and guests to <a href="mailto:{batch}">{batch}</a> from your
organization's address; the reply gives the counts and each event's links.</p>
<h2>From your own systems</h2>
<p>The HTTP API takes the same CSV files and reports the answers, with an API key of your sending
domain. <a href="{escape(docs_url)}">Read the API documentation</a>.</p>
</article>"""
    return layout(site, f"{site.product_name}: calendar invitations", body, page_class="home")


def unsubscribe_page(site: Site, email: str, domain: str, action: str) -> str:
    body = f"""<article class="card"><h1>Unsubscribe</h1>
<p>Stop calendar invitations from <strong>{escape(domain)}</strong> to <strong>{escape(email)}</strong>?</p>
<form method="post" action="{escape(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<p class="buttons"><button class="btn no" type="submit">Unsubscribe</button></p>
</form></article>"""
    return layout(site, "Unsubscribe", body)


def dashboard_page(site: Site, grant: DashboardGrant, *, api: str, expires: str, token: str) -> str:
    until = f"{grant.expires:%d %B %Y}"
    body = f"""<div id="dashboard" data-api="{escape(api)}" data-o="{escape(grant.organizer)}"
 data-x="{escape(expires)}" data-t="{escape(token)}">
<header class="dash-head"><h1>Your events</h1>
<p class="muted">{escape(grant.organizer)} · this link works until {escape(until)}</p></header>
<noscript><p class="notice">The dashboard needs JavaScript.</p></noscript>
<section id="events" class="events" aria-live="polite"><p class="muted">Loading…</p></section>
<section id="detail" class="card detail" hidden></section>
</div>"""
    return layout(site, "Your calsnack dashboard", body, scripts=("dashboard.js",), page_class="dashboard")
