"""The mailer port as a Maildir outbox, optionally relaying every message to a smarthost."""

from __future__ import annotations

import itertools
import os
import smtplib
import socket
import threading
import time
from pathlib import Path

from calsnack.ports import OutgoingMail, Rejected, Throttled


class MaildirMailer:
    """Writes each message, as sent, to `outbox/new/` with one `Delivered-To:` per recipient."""

    def __init__(self, outbox: Path, smarthost: tuple[str, int] | None = None) -> None:
        self.outbox = outbox
        for sub in ("tmp", "new", "cur"):
            (outbox / sub).mkdir(parents=True, exist_ok=True)
        self.smarthost = smarthost
        self._counter = itertools.count()
        self._host = socket.gethostname().replace("/", "_").replace(":", "_")
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail) -> str:
        if self.smarthost is not None:
            self._relay(mail)
        with self._lock:
            n = next(self._counter)
        name = f"{time.time_ns()}.P{os.getpid()}Q{n}.{self._host}"
        delivered = b"".join(f"Delivered-To: {r}\r\n".encode() for r in mail.recipients)
        tmp = self.outbox / "tmp" / name
        tmp.write_bytes(delivered + mail.raw)
        os.replace(tmp, self.outbox / "new" / name)
        return name

    def _relay(self, mail: OutgoingMail) -> None:
        assert self.smarthost is not None
        host, port = self.smarthost
        try:
            with smtplib.SMTP(host, port, timeout=30) as smtp:
                smtp.sendmail(mail.sender, list(mail.recipients), mail.raw)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Rejected(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise Throttled(str(exc)) from exc
            raise Rejected(str(exc)) from exc
        except OSError as exc:
            raise Throttled(f"smarthost {host}:{port} unreachable: {exc}") from exc
