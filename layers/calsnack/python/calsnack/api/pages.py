"""Self-contained HTML pages (no external CDN): every value the organizer typed is escaped."""

from __future__ import annotations

from html import escape

from calsnack.domain.model import Event
from calsnack.mail.snack import when_text

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif;margin:0;background:#f6f7f9;color:#202124}
main{max-width:640px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:12px;padding:20px 24px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.6rem;margin:0 0 8px}
.muted{color:#5f6368}
.btn{display:inline-block;padding:10px 20px;margin:4px 4px 4px 0;border-radius:8px;color:#fff;text-decoration:none;
 font-weight:600;border:0;font-size:1rem;cursor:pointer}
.yes{background:#1e8e3e}.maybe{background:#f29900}.no{background:#d93025}.plain{background:#1a73e8}
input[type=email]{font-size:1rem;padding:10px;border:1px solid #dadce0;border-radius:8px;width:100%;box-sizing:border-box}
.notice{padding:12px;border-radius:8px;background:#fce8e6;color:#a50e0e}
.ok{padding:12px;border-radius:8px;background:#e6f4ea;color:#137333}
pre{white-space:pre-wrap;font-family:inherit}
"""


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head>
<body><main>{body}</main></body></html>
"""


def event_details(event: Event) -> str:
    parts = [f"<h1>{escape(event.summary)}</h1>", f'<p class="muted">{escape(when_text(event))}</p>']
    if event.cancelled:
        parts.append('<p class="notice">This event has been cancelled.</p>')
    if event.location:
        parts.append(f"<p>📍 {escape(event.location)}</p>")
    if event.meeting_url:
        parts.append(f'<p>🔗 <a href="{escape(event.meeting_url)}" rel="noopener">Join the meeting</a></p>')
    if event.description:
        parts.append(f"<pre>{escape(event.description)}</pre>")
    return "\n".join(parts)


def landing_page(event: Event, rsvp: dict[str, str], ics: str) -> str:
    buttons = (
        ""
        if event.cancelled
        else (
            f'<p><a class="btn yes" href="{escape(rsvp["yes"])}">Yes</a>'
            f'<a class="btn maybe" href="{escape(rsvp["maybe"])}">Maybe</a>'
            f'<a class="btn no" href="{escape(rsvp["no"])}">No</a></p>'
        )
    )
    body = f"""<div class="card">{event_details(event)}
{buttons}
<p><a href="{escape(ics)}">Add to my calendar (.ics)</a></p></div>"""
    return page(event.summary, body)


def rsvp_form(event: Event, answer: str, action: str, token: str, email: str) -> str:
    label = {"yes": "Yes", "maybe": "Maybe", "no": "No"}[answer]
    note = (
        "We will record that you decline."
        if answer == "no"
        else "We will send a personal calendar invitation to this address."
    )
    body = f"""<div class="card">{event_details(event)}
<form method="post" action="{escape(action)}">
<input type="hidden" name="t" value="{escape(token)}">
<p><label for="email">Your e-mail address</label></p>
<p><input type="email" id="email" name="email" required autocomplete="email" value="{escape(email)}"></p>
<p class="muted">{note}</p>
<p><button class="btn {answer}" type="submit">{label}</button></p>
</form></div>"""
    return page(event.summary, body)


def message_page(title: str, message: str, *, ok: bool) -> str:
    return page(
        title,
        f'<div class="card"><h1>{escape(title)}</h1><p class="{"ok" if ok else "notice"}">'
        f"{escape(message)}</p></div>",
    )
