"""Helpers for the iCalendar reading tests: the corpus on disk, and mails shaped like clients' own."""

from __future__ import annotations

import csv
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from calsnack.ical.read import CalendarMail, read_calendar_mail, read_calendar_text

REPO = Path(__file__).resolve().parents[3]
#: Permissively licensed files, copied into the repository.
BUNDLED = REPO / "tests" / "data" / "corpus"
#: The whole corpus (AGPL files included), next to a checkout in the project's workspace only.
SHARED = REPO.parent / "shared" / "corpus"
PERMISSIVE = ("Apache-2.0", "MIT", "BSD-", "MPL-2.0")


@dataclass(frozen=True)
class CorpusFile:
    """One manifest row: a file, the METHOD found in it, and its licence."""

    name: str
    method: str
    license: str
    notes: str

    @property
    def bundled(self) -> bool:
        return self.license.startswith(PERMISSIVE)

    @property
    def path(self) -> Path:
        return (BUNDLED if self.bundled else SHARED) / self.name


def manifest(root: Path) -> list[CorpusFile]:
    with (root / "MANIFEST.tsv").open(encoding="utf-8", newline="") as rows:
        return [
            CorpusFile(row["file"], row["method"], row["license"], row["notes"])
            for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def corpus() -> list[CorpusFile]:
    """Every file: the bundled ones always, the rest of the shared corpus when it is there."""
    files = {entry.name: entry for entry in manifest(BUNDLED)}
    if (SHARED / "MANIFEST.tsv").exists():
        files.update({entry.name: entry for entry in manifest(SHARED) if entry.name not in files})
    return sorted(files.values(), key=lambda entry: entry.name)


def read_file(path: Path) -> CalendarMail:
    """Read a corpus file the way the service meets it: a mail, or a bare calendar."""
    data = path.read_bytes()
    if path.suffix == ".ics":
        return read_calendar_text(data)
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return read_calendar_mail(message)


def vcalendar(*components: str, method: str | None = "REQUEST") -> str:
    """A VCALENDAR around the given components (written with plain newlines), with CRLF lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN"]
    if method:
        lines.append(f"METHOD:{method}")
    for component in components:
        lines += component.strip().splitlines()
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def part(
    body: bytes,
    *,
    content_type: str = "text/calendar",
    method: str | None = None,
    charset: str | None = "utf-8",
    cte: str = "7bit",
    filename: str | None = None,
) -> EmailMessage:
    """A MIME part holding `body`, labelled as a client would label it."""
    maintype, subtype = content_type.split("/")
    params = {key: value for key, value in (("charset", charset), ("method", method)) if value}
    mime = EmailMessage()
    mime.set_content(
        body,
        maintype=maintype,
        subtype=subtype,
        cte=cte,
        params=params,
        disposition="attachment" if filename else None,
        filename=filename,
    )
    return mime


def text_part(text: str = "You are invited.", subtype: str = "plain") -> EmailMessage:
    mime = EmailMessage()
    mime.set_content(text, subtype=subtype)
    return mime


def multipart(subtype: str, *parts: EmailMessage) -> EmailMessage:
    mime = EmailMessage()
    mime.set_type(f"multipart/{subtype}")
    for child in parts:
        mime.attach(child)
    return mime


def mail(body: EmailMessage) -> EmailMessage:
    """`body` as a whole message, through bytes, so headers and encodings are what a server sees."""
    body["From"] = "Olga Organizer <olga@example.org>"
    body["To"] = "events@snack.test"
    body["Subject"] = "Invitation"
    parsed = email.message_from_bytes(body.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def google_invitation(ics: str, *, method: str | None = "REQUEST") -> EmailMessage:
    """Google's layout: text, HTML and the calendar as alternatives, plus invite.ics."""
    data = ics.encode()
    alternatives = multipart(
        "alternative", text_part(), text_part("<p>Invited</p>", "html"), part(data, method=method)
    )
    attachment = part(data, content_type="application/ics", charset=None, cte="base64", filename="invite.ics")
    return mail(multipart("mixed", alternatives, attachment))
