"""The snack: the organizer's answer mail with RSVP buttons, landing page, VIP address and dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from calsnack.config import Settings
from calsnack.domain.model import Event
from calsnack.links import Links
from calsnack.mail.compose import compose
from calsnack.ports import OutgoingMail

#: How long the dashboard link in a snack stays valid.
DASHBOARD_LINK_LIFETIME = timedelta(days=30)

_BUTTON = (
    '<a href="{href}" style="display:inline-block;padding:10px 22px;margin:4px;border-radius:6px;'
    'background:{color};color:#ffffff;text-decoration:none;font-weight:bold">{label}</a>'
)


#: The three answers as the buttons show them, in the order every page and mail uses. White on
#: each colour is at least 4.5:1 (WCAG 2.1 AA), the same colours as the pages' app.css.
BUTTONS = (
    ("yes", "#137333", "Yes, I'll be there"),
    ("maybe", "#a35200", "Maybe"),
    ("no", "#c5221f", "No, thanks"),
)

MAIL_MERGE_HINT = (
    "In a mail-merge tool, add &email= and the tool's merge tag for the recipient's address to each "
    "link (Mailchimp: &email=*|EMAIL|*): the form then opens with the address filled in."
)


def rsvp_buttons(rsvp: dict[str, str]) -> str:
    """The three RSVP buttons as mail-safe HTML (inline styles only: mail clients drop stylesheets)."""
    return "".join(
        _BUTTON.format(href=escape(rsvp[answer]), color=color, label=label)
        for answer, color, label in BUTTONS
    )


def rsvp_snippet(rsvp: dict[str, str]) -> str:
    """Ready-to-paste HTML of the buttons for the organizer's own mailings and newsletters."""
    return f'<p style="margin:16px 0">{rsvp_buttons(rsvp)}</p>'


def when_text(event: Event) -> str:
    """The event's time as its organizer set it, in its own zone."""
    zone = ZoneInfo(event.timezone)
    start, end = event.start.astimezone(zone), event.end.astimezone(zone)
    if event.all_day:
        return start.strftime("%A %d %B %Y") + " (all day)"
    end_text = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %d %b %Y %H:%M")
    return f"{start:%A %d %B %Y, %H:%M} – {end_text} ({event.timezone})"


def snack_mail(
    settings: Settings, links: Links, event: Event, *, in_reply_to: str, now: datetime
) -> OutgoingMail:
    """The organizer's snack; its dashboard link runs for `DASHBOARD_LINK_LIFETIME` from `now`, the
    moment it is sent, so a snack sent again for an old event carries a link that works."""
    landing = links.landing(event.key)
    rsvp = {answer: links.rsvp(event.key, answer) for answer in ("yes", "maybe", "no")}
    vip = links.vip_address(event.key)
    expires = int((now + DASHBOARD_LINK_LIFETIME).timestamp())
    dashboard = links.dashboard(event.organizer, expires)
    ics = links.ics(event.key)
    when = when_text(event)
    snippet = rsvp_snippet(rsvp)
    text = f"""Your calsnack for "{event.summary}" is ready.
{when}

Share these RSVP links. Whoever clicks Yes or Maybe gets a personal calendar invitation;
No records a decline.

  Yes:   {rsvp["yes"]}
  Maybe: {rsvp["maybe"]}
  No:    {rsvp["no"]}

Public landing page: {landing}
Calendar file (.ics): {ics}
VIP list: mail addresses (one per line, or a CSV file) to {vip}
  and each gets a personal invitation.
Your dashboard: {dashboard}

{MAIL_MERGE_HINT}

When you change or cancel the event in your calendar, everyone who answered Yes or
Maybe gets the new version or the cancellation.
"""
    buttons = rsvp_buttons(rsvp)
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your calsnack: {escape(event.summary)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#202124;max-width:640px">
<h2 style="margin-bottom:4px">{escape(event.summary)}</h2>
<p style="margin-top:0">{escape(when)}</p>
<p>Your calsnack is ready. Share these buttons: whoever clicks <b>Yes</b> or <b>Maybe</b> gets a
personal calendar invitation; <b>No</b> records a decline.</p>
<p>{buttons}</p>
<ul>
<li><a href="{escape(landing)}">Open the public landing page</a></li>
<li><a href="{escape(ics)}">Download the calendar file (.ics)</a></li>
<li><a href="{escape(dashboard)}">Your dashboard</a> (answers and attendees)</li>
</ul>
<p><b>VIP list:</b> mail addresses (one per line, or a CSV file) to
<a href="mailto:{escape(vip)}">{escape(vip)}</a> and each gets a personal invitation.</p>
<p>Buttons for your own mailings (paste this HTML):</p>
<pre style="background:#f1f3f4;padding:8px;white-space:pre-wrap;font-size:12px">{escape(snippet)}</pre>
<p style="color:#5f6368;font-size:12px">{escape(MAIL_MERGE_HINT)}</p>
<p style="color:#5f6368;font-size:12px">When you change or cancel the event in your calendar, everyone who
answered Yes or Maybe gets the new version or the cancellation.</p>
</body></html>
"""
    return compose(
        settings,
        to=event.organizer,
        subject=f"Your calsnack: {event.summary}",
        text=text,
        html=html,
        in_reply_to=in_reply_to,
        date=now,
    )
