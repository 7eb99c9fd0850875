"""The mailer port as a Maildir outbox, optionally relaying every message to a smarthost."""

from __future__ import annotations

import errno
import itertools
import os
import smtplib
import socket
import threading
import time
from pathlib import Path

from calsnack.ports import OutgoingMail, Rejected, Throttled

#: What `open(O_TMPFILE)` raises where the kernel or file system has no unnamed files.
_NO_TMPFILE = (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT)


class MaildirMailer:
    """Writes each message, as sent, to `outbox/new/` with one `Delivered-To:` per recipient.

    A reader must never see a partial file. The classic way writes into `tmp/` and renames
    into `new/`; a rename between two directories takes the file system's rename lock, which
    every sending process then queues on. Where Linux allows, the file is instead written
    unnamed in `new/` itself (O_TMPFILE) and given its name once complete (linkat): one
    directory operation, in one directory, and the same guarantee.
    """

    def __init__(self, outbox: Path, smarthost: tuple[str, int] | None = None) -> None:
        self.outbox = outbox
        for sub in ("tmp", "new", "cur"):
            (outbox / sub).mkdir(parents=True, exist_ok=True)
        self.smarthost = smarthost
        self._counter = itertools.count()
        self._host = socket.gethostname().replace("/", "_").replace(":", "_")
        self._lock = threading.Lock()
        # Unnamed files until the kernel, file system or a missing /proc says no (then the
        # classic way, for good). A directory descriptor survives a fork; /proc/self is
        # resolved at each link, so a forked child names its own descriptor.
        self._unnamed = hasattr(os, "O_TMPFILE")
        self._new_fd = os.open(outbox / "new", os.O_RDONLY | os.O_DIRECTORY)

    def send(self, mail: OutgoingMail) -> str:
        if self.smarthost is not None:
            self._relay(mail)
        with self._lock:
            n = next(self._counter)
        name = f"{time.time_ns()}.P{os.getpid()}Q{n}.{self._host}"
        delivered = b"".join(f"Delivered-To: {r}\r\n".encode() for r in mail.recipients)
        data = delivered + mail.raw
        if not (self._unnamed and self._link_new(name, data)):
            tmp = self.outbox / "tmp" / name
            tmp.write_bytes(data)
            os.replace(tmp, self.outbox / "new" / name)
        return name

    def _link_new(self, name: str, data: bytes) -> bool:
        """Write `data` unnamed in new/, then name it; False where unnamed files are not supported."""
        try:
            fd = os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o666, dir_fd=self._new_fd)
        except OSError as exc:
            if exc.errno not in _NO_TMPFILE:
                raise
            self._unnamed = False
            return False
        try:
            with open(fd, "wb", closefd=False) as f:
                f.write(data)
            try:
                # linkat(2) with AT_SYMLINK_FOLLOW names the file through its /proc link.
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=self._new_fd, follow_symlinks=True)
            except FileNotFoundError:
                if os.path.isdir("/proc/self/fd"):
                    raise
                self._unnamed = False
                return False
        finally:
            os.close(fd)
        return True

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
