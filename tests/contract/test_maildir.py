"""Embedded-only: how the Maildir outbox writes a message, so a reader never sees part of one."""

from __future__ import annotations

import errno
import os
import threading

import pytest
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.ports import OutgoingMail

RAW = b"Subject: hello\r\n\r\n" + b"x" * 100_000 + b"\r\n"
MAIL = OutgoingMail(RAW, "no-reply@snack.example", ("ann@attendee.example",))
EXPECTED = b"Delivered-To: ann@attendee.example\r\n" + RAW


def test_a_message_is_named_in_new_only_once_complete(tmp_path, monkeypatch):
    """Without a rename from tmp/: the file is written unnamed in new/, then linked there."""
    if not hasattr(os, "O_TMPFILE"):
        pytest.skip("no O_TMPFILE on this platform")
    mailer = MaildirMailer(tmp_path)
    renames: list[object] = []
    real_replace = os.replace

    def replace(*args: object) -> None:
        renames.append(args)
        real_replace(*args)  # type: ignore[arg-type]

    seen: list[bytes] = []
    stop = threading.Event()

    def read_new() -> None:
        while not stop.is_set():
            for name in os.listdir(tmp_path / "new"):
                seen.append((tmp_path / "new" / name).read_bytes())

    reader = threading.Thread(target=read_new)
    monkeypatch.setattr(os, "replace", replace)
    reader.start()
    try:
        names = [mailer.send(MAIL) for _ in range(50)]
    finally:
        stop.set()
        reader.join()
    assert renames == []
    assert sorted(os.listdir(tmp_path / "new")) == sorted(names)
    assert all((tmp_path / "new" / n).read_bytes() == EXPECTED for n in names)
    assert os.listdir(tmp_path / "tmp") == []
    assert set(seen) <= {EXPECTED}


def test_without_unnamed_files_it_writes_in_tmp_and_renames(tmp_path, monkeypatch):
    mailer = MaildirMailer(tmp_path)
    real_open = os.open

    def no_tmpfile(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            raise OSError(errno.EOPNOTSUPP, "no O_TMPFILE here")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_tmpfile)
    names = [mailer.send(MAIL) for _ in range(3)]
    assert sorted(os.listdir(tmp_path / "new")) == sorted(names)
    assert all((tmp_path / "new" / n).read_bytes() == EXPECTED for n in names)
    assert os.listdir(tmp_path / "tmp") == []


def test_a_forked_process_names_its_own_files(tmp_path):
    """The mailer made before a fork still works in the child (multiprocessing's fork start method)."""
    mailer = MaildirMailer(tmp_path)
    mailer.send(MAIL)
    pid = os.fork()
    if pid == 0:  # the child: exit at once, with the outcome as its status
        ok = False
        try:
            name = mailer.send(MAIL)
            ok = (tmp_path / "new" / name).read_bytes() == EXPECTED
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(os.listdir(tmp_path / "new")) == 2
