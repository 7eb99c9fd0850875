"""An organizer's description as it may be published: clean text, sanitized HTML, no private links.

Clients write descriptions for their own users, not for strangers: Google writes HTML
(`<b>`, `<br>`, `&nbsp;`) into DESCRIPTION and appends a fenced "-::~:~::~" block of meeting
boilerplate that holds the organizer's private `calendar.google.com/...&tok=` link, which
opens the organizer's own event; Outlook sends HTML in X-ALT-DESC. What the service forwards
and shows must be readable text for text parts, HTML that cannot run script or leak a
tracking image for pages and mail, and never the organizer's private link. The meeting link
the block names stays: it is the event's conference link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import nh3
from icalendar import Calendar, vText
from icalendar.parser import unescape_backslash

#: Hosts whose links are video meetings, wherever they are written.
MEETING_HOSTS = ("meet.google.com", "zoom.us", "zoomgov.com", "teams.microsoft.com", "teams.live.com")

# Google's fence: "-::~:~::~:~:~ ... :~::~:~::-" opens and closes the block.
_FENCE = re.compile(r"-::~[:~]*::-")
_LINK = re.compile(r"https?://[^\s<>\"'\\]+", re.IGNORECASE)
# Only tags that markup a description in a calendar client mean it is HTML; "<ann@example.com>"
# in plain text does not.
_MARKUP = re.compile(
    r"<(?:br|p|div|span|b|i|u|em|strong|a|ul|ol|li|font|table|tr|td|html|body|h[1-6])\b[^>]*>"
    r"|</(?:p|div|span|b|i|u|em|strong|a|ul|ol|li|font|table|html|body|h[1-6])>"
    r"|&(?:nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)
# What a description may keep of HTML: structure and emphasis; no images (tracking), forms,
# frames, styles or script.
_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "br", "p", "div", "span", "ul", "ol", "li", "blockquote"}
    | {"pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th"}
)
_ATTRIBUTES = {"a": {"href", "title"}}
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_BLOCKS = frozenset(
    {"p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIPPED = frozenset({"script", "style", "head", "title"})


@dataclass(frozen=True, slots=True)
class Description:
    """What a description publishes: `html` is "" when the organizer wrote plain text."""

    text: str
    html: str
    meeting_url: str

    def forwarded(self) -> tuple[str, str]:
        """DESCRIPTION and X-ALT-DESC as sent: the meeting link the removed block named is kept
        in words, as a CSV event's description says it, for clients that show no conference link."""
        link = self.meeting_url
        if not link or link in self.text:
            return self.text, self.html
        note = f"Join: {link}"
        text = f"{self.text}\n\n{note}" if self.text else note
        anchor = f'<a href="{escape(link)}" rel="noopener noreferrer nofollow">{escape(link)}</a>'
        return text, f"{self.html}<p>Join: {anchor}</p>" if self.html else ""


def clean_description(description: str, alt_html: str = "") -> Description:
    """The description without Google's block and private links, as text and (when HTML) HTML.

    `alt_html` is Outlook's X-ALT-DESC: the same content as HTML, preferred for HTML output.
    """
    body, meeting_url = _without_google_block(description)
    alt, alt_meeting_url = _without_google_block(alt_html)
    html = sanitized_html(alt) if alt.strip() else ""
    if _MARKUP.search(body):
        text = html_text(body.replace("\n", "<br>"))
        html = html or sanitized_html(body.replace("\n", "<br>"))
    else:
        text = body.strip()
    return Description(text=text, html=html, meeting_url=meeting_url or alt_meeting_url)


def published_html(calendar: str, text: str) -> str:
    """The description as HTML for a page or mail: the stored calendar's X-ALT-DESC sanitized
    (again: a record may predate the reader's cleaning), else the text with its line breaks."""
    if "X-ALT-DESC" in calendar.upper():
        for vevent in Calendar.from_ical(calendar).walk("VEVENT"):
            if "RECURRENCE-ID" not in vevent and (alt := vevent.get("X-ALT-DESC")) is not None:
                html = sanitized_html(str(alt if isinstance(alt, vText) else unescape_backslash(str(alt))))
                if html:
                    return html
    return text_html(text)


def sanitized_html(html: str) -> str:
    """HTML a page or mail may carry: formatting and http(s)/mailto links only (ammonia, via nh3)."""
    cleaned: str = nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes=set(_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style", "title"},
    )
    return cleaned.strip()


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept, http(s) links clickable."""
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        url = match.group().rstrip(".,;:)]}")
        end = match.start() + len(url)
        out.append(escape(text[last : match.start()]))
        out.append(f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">{escape(url)}</a>')
        last = end
    out.append(escape(text[last:]))
    return "".join(out).replace("\r\n", "\n").replace("\n", "<br>\n")


def html_text(html: str) -> str:
    """The text a reader sees in HTML: breaks and blocks as line breaks, a link's address kept."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    lines = [line.replace("\xa0", " ").rstrip() for line in "".join(reader.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_meeting_link(link: str) -> bool:
    try:
        host = (urlsplit(link).hostname or "").lower()
    except ValueError:
        return False
    return any(host == known or host.endswith(f".{known}") for known in MEETING_HOSTS)


def _without_google_block(text: str) -> tuple[str, str]:
    """The text without the fenced block and lines holding a private calendar link, and the
    meeting link the block named."""
    fences = list(_FENCE.finditer(text))
    meeting_url = ""
    if fences:
        start = fences[0].start()
        end = fences[1].end() if len(fences) > 1 else len(text)
        block = text[start:end]
        meeting_url = next(
            (link for link in _links(block) if is_meeting_link(link) and not _private(link)), ""
        )
        text = text[:start] + text[end:]
    kept = [line for line in text.split("\n") if not any(_private(link) for link in _links(line))]
    return "\n".join(kept).strip(), meeting_url


def _links(text: str) -> list[str]:
    return [match.group().rstrip(".,;:)]}") for match in _LINK.finditer(text)]


def _private(link: str) -> bool:
    """A Google Calendar link that carries the organizer's token (`tok=`): it opens their event."""
    try:
        parts = urlsplit(link.replace("&amp;", "&"))
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    google = host in ("calendar.google.com", "www.google.com", "google.com") and (
        host == "calendar.google.com" or parts.path.startswith("/calendar")
    )
    return google and any(name == "tok" for name, _ in parse_qsl(parts.query))


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0
        # Open links: their href, and where their text starts in `out`.
        self._links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            shown = "".join(self.out[start:]).strip()
            if href.startswith(("http://", "https://")) and href != shown:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(data)
