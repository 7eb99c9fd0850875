"""Drives a real `calsnack serve` subprocess over SMTP and HTTP, reading its Maildir outbox."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page(HTMLParser):
    """Links (text, href) and forms of an HTML page, as a person would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.forms: list[dict] = []
        self._href: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self._href, self._text = a["href"], ""
        elif tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": {}}
            )
        elif tag in ("input", "button") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((" ".join(self._text.split()), self._href))
            self._href = None

    def link(self, starts: str) -> str:
        for text, href in self.links:
            if text.lower().startswith(starts.lower()):
                return href
        raise AssertionError(f"no link starting with {starts!r} in {self.links}")


@dataclass
class Stack:
    data: Path
    smtp_port: int
    http_port: int
    domain: str
    proc: subprocess.Popen | None = None
    extra: list[str] = field(default_factory=list)
    _parsed: dict[str, tuple[list[str], EmailMessage]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        cli = Path(sys.executable).with_name("calsnack")
        log = (self.data.parent / f"serve-{self.http_port}.log").open("ab")
        self.proc = subprocess.Popen(
            [
                str(cli),
                "serve",
                "--data-dir",
                str(self.data),
                "--smtp-port",
                str(self.smtp_port),
                "--http-port",
                str(self.http_port),
                "--domain",
                self.domain,
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, "serve exited"
            time.sleep(0.1)
        raise AssertionError("serve never became healthy")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def send(self, sender: str, rcpts: list[str], message: bytes | EmailMessage) -> None:
        raw = message.as_bytes() if isinstance(message, EmailMessage) else message
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as s:
            s.sendmail(sender, rcpts, raw)

    def send_raw(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        """Send with the MAIL FROM written verbatim (smtplib would re-quote the address)."""
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30) as s:
            s.ehlo()
            code, reply = s.docmd(f"MAIL FROM:<{mail_from}>")
            assert code == 250, reply
            for rcpt in rcpts:
                assert s.rcpt(rcpt)[0] == 250
            assert s.data(raw)[0] == 250

    def settle(self, seconds: float = 30) -> None:
        """Wait until the inbound worker has handled every mail the SMTP server stored."""
        from calsnack.adapters.embedded.queue import SqliteQueue

        queue = SqliteQueue(self.data / "queue.db")
        deadline = time.monotonic() + seconds
        while queue.depth("inbound"):
            assert time.monotonic() < deadline, "inbound mail still queued"
            time.sleep(0.05)

    def stored_mail(self, route: str) -> list[EmailMessage]:
        """Every mail the SMTP server stored for a route, as the inbound worker reads it."""
        folder = self.data / "blobs" / "mail" / route
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")
        ]

    def get(self, path_or_url: str) -> tuple[int, str, str]:
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        try:
            with urllib.request.urlopen(url, timeout=15) as r:
                return r.status, r.geturl(), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode("utf-8", "replace")

    def submit(self, url: str, html: str, address: str) -> tuple[int, str]:
        page = Page(html)
        form = next(f for f in page.forms if "email" in f["fields"])
        body = urllib.parse.urlencode({**form["fields"], "email": address}).encode()
        action = urllib.parse.urljoin(url, form["action"] or url)
        req = urllib.request.Request(action, data=body, method=form["method"].upper())
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def outbox(self) -> list[tuple[list[str], EmailMessage]]:
        folder = self.data / "outbox" / "new"
        out = []
        for p in sorted(folder.iterdir()) if folder.is_dir() else []:
            if p.name not in self._parsed:
                msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                rcpts = [str(v).strip().lower() for v in msg.get_all("Delivered-To", [])]
                self._parsed[p.name] = (rcpts, msg)
            out.append(self._parsed[p.name])
        return out

    def mails_to(self, rcpt: str) -> list[EmailMessage]:
        return [m for r, m in self.outbox() if rcpt.lower() in r]

    def wait_for(self, rcpt: str, count: int = 1, seconds: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            hits = self.mails_to(rcpt)
            if len(hits) >= count:
                return hits
            time.sleep(0.05)
        raise AssertionError(f"{len(self.mails_to(rcpt))} mails to {rcpt} within {seconds}s, wanted {count}")

    def report(self, *args: str) -> dict:
        import json

        cli = Path(sys.executable).with_name("calsnack")
        r = subprocess.run(
            [str(cli), "report", "--data-dir", str(self.data), *args, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(r.stdout)
