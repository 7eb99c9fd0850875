"""RFC 8601 Authentication-Results as SES, Gmail and Microsoft really write them, and forged ones.

Each real shape below is cited where it was found; addresses, IPs and selectors are replaced
with example ones, the syntax (spacing, comments, quoting, stray segments) is kept as written.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from calsnack.mail.authresults import MethodResult, format_results, parse, proves_sender, pvalue, trusted
from calsnack.mail.inbound import parse_inbound

# SES inbound as of 2024 (issue 12's text; the same shape is in many SES receipt fixtures, e.g.
# the SQS test event of a febos.cl SES pipeline found with the `search` tool): SPF's
# client-ip/envelope-from/helo are written as `;`-separated pieces, DKIM gives only header.i,
# and a domain without a DMARC record gets `dmarc=none`. A trailing `;` ends the value.
SES_DKIM_NO_DMARC = (
    "amazonses.com; spf=pass (spfCheck: domain of example.com designates 1.2.3.4 as permitted sender)"
    " client-ip=1.2.3.4; envelope-from=a@example.com; helo=mail.example.com;"
    " dkim=pass header.i=@example.com; dmarc=none header.from=example.com;"
)
# SES before DMARC verdicts (github.com/jahkeup/repost, handler/s3_test.go, 2018): no dmarc at all.
SES_2018 = (
    "amazonses.com; spf=pass (spfCheck: domain of example.com designates 209.85.218.53 as permitted"
    " sender) client-ip=209.85.218.53; envelope-from=you@example.com; helo=mail-oi0-f53.google.com;"
    " dkim=pass header.i=@example.com;"
)
# Gmail (https://mailsleuth.ai/blog/gmail-s-authentication-results-header-translated-for-soc-analysts
# and https://reviewmyemails.com/emailalmanac/esp-and-infrastructure/reading-email-headers/
# authentication-results-header-reading): folded over lines, header.b quoted when it holds "/"
# (as in the ARC copies of Gmail's header in public mailing-list archives), a comment with ":"
# and the DMARC policy in a comment.
GMAIL = (
    "mx.google.com;\r\n"
    '       dkim=pass header.i=@example.com header.s=20230601 header.b="EqG/2fTW";\r\n'
    "       spf=pass (google.com: domain of a@example.com designates 209.85.220.41 as permitted sender)"
    " smtp.mailfrom=a@example.com;\r\n"
    "       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=example.com"
)
# Exchange Online, no authserv-id, no space after ";" (the brief's shape; also
# https://learn.microsoft.com/en-us/answers/questions/2336905, which shows two dkim results).
EXCHANGE = (
    "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=example.com; dkim=pass (signature was verified)"
    " header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100"
)
# Exchange Online with two DKIM results, folded (learn.microsoft.com answer 2336905, values redacted there).
EXCHANGE_TWO_DKIM = (
    "spf=softfail (sender IP is 40.107.1.2)\r\n smtp.mailfrom=relay.example; dkim=pass (signature was"
    " verified)\r\n header.d=example.com;dkim=fail (signature did not verify)\r\n header.d=relay.example;"
    "dmarc=fail action=quarantine\r\n header.from=example.com;compauth=none reason=452"
)
# Exchange's stray "; <domain>;" pieces (https://help.returnpath.com/hc/en-us/articles/360040988772
# and github.com/jstedfast/MimeKit issue #490).
EXCHANGE_STRAY = (
    "spf=none (sender IP is 192.0.2.7) smtp.mailfrom=example.net; hotmail.com; dkim=none"
    " header.d=example.net;hotmail.com; dmarc=none action=none header.from=example.net;compauth=fail"
    " reason=001"
)
# Hotmail with a ";" inside a comment (https://pastebin.com/H8JCEbqd).
HOTMAIL = (
    "hotmail.com; spf=pass (sender IP is 104.47.0.119; identity alignment result is pass and alignment"
    " mode is strict) smtp.mailfrom=a@example.com; dkim=pass (identity alignment result is pass and"
    " alignment mode is strict) header.d=example.com; x-hmca=pass header.id=a@example.com"
)
# An authserv-id followed by a version, as Microsoft writes its ARC copy.
VERSIONED = "mx.microsoft.com 1; spf=pass (sender ip is\r\n 63.35.35.123) smtp.mailfrom=example.com"


def test_ses_dkim_without_dmarc_record_proves_the_sender() -> None:
    results = parse(SES_DKIM_NO_DMARC)
    assert results.authserv_id == "amazonses.com"
    [dkim] = results.of("dkim")
    assert (dkim.result, dkim.get("header.i")) == ("pass", "@example.com")
    assert results.of("dmarc")[0].result == "none"
    assert proves_sender(results, "example.com")
    assert not proves_sender(results, "victim.example")


def test_ses_without_any_dmarc_verdict_aligns_dkim_on_the_identity() -> None:
    results = parse(SES_2018)
    assert [r.method for r in results.results if r.method in ("spf", "dkim")] == ["spf", "dkim"]
    assert proves_sender(results, "example.com")
    # header.i's domain aligns with a subdomain From (relaxed), never with an unrelated one.
    assert proves_sender(results, "mail.example.com")
    assert not proves_sender(results, "example.org")


def test_gmail_folded_with_comments_and_a_quoted_value() -> None:
    results = parse(GMAIL)
    assert results.authserv_id == "mx.google.com"
    [dkim] = results.of("dkim")
    assert dkim.get("header.b") == "EqG/2fTW" and dkim.get("header.s") == "20230601"
    assert results.of("spf")[0].get("smtp.mailfrom") == "a@example.com"
    assert results.of("dmarc")[0].get("header.from") == "example.com"
    assert proves_sender(results, "example.com")


def test_exchange_online_has_no_authserv_id() -> None:
    results = parse(EXCHANGE)
    assert results.authserv_id == ""
    assert [r.method for r in results.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert results.of("compauth")[0].get("reason") == "100"
    assert results.of("dmarc")[0].get("action") == "none"
    assert proves_sender(results, "example.com")


def test_several_results_of_one_method_are_all_kept() -> None:
    results = parse(EXCHANGE_TWO_DKIM)
    assert [(r.result, r.get("header.d")) for r in results.of("dkim")] == [
        ("pass", "example.com"),
        ("fail", "relay.example"),
    ]
    # The domain's own DMARC said fail: an aligned DKIM pass does not overrule its policy.
    assert not proves_sender(results, "example.com")


def test_any_aligned_dkim_pass_counts_whatever_its_position() -> None:
    header = (
        "amazonses.com; spf=pass smtp.mailfrom=bounce@esp.example; dkim=pass header.i=@esp.example;"
        " dkim=fail header.i=@example.com; dkim=pass header.d=example.com; dmarc=none header.from=example.com"
    )
    assert proves_sender(parse(header), "example.com")
    without = header.replace("dkim=pass header.d=example.com", "dkim=neutral header.d=example.com")
    assert not proves_sender(parse(without), "example.com")


def test_stray_segments_and_semicolons_in_comments() -> None:
    stray = parse(EXCHANGE_STRAY)
    assert [r.method for r in stray.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert not proves_sender(stray, "example.net")
    hotmail = parse(HOTMAIL)
    assert hotmail.authserv_id == "hotmail.com"
    assert [r.method for r in hotmail.results] == ["spf", "dkim", "x-hmca"]
    assert hotmail.of("spf")[0].get("smtp.mailfrom") == "a@example.com"
    assert proves_sender(hotmail, "example.com")


def test_version_after_authserv_id_and_nested_comments() -> None:
    results = parse(VERSIONED)
    assert (results.authserv_id, results.version) == ("mx.microsoft.com", "1")
    nested = parse("example.org; dkim=pass (a (nested; dmarc=pass) comment) header.d=example.org")
    assert [r.method for r in nested.results] == ["dkim"]
    assert nested.of("dkim")[0].get("header.d") == "example.org"


def test_none_means_no_results() -> None:
    results = parse("example.org 1; none")
    assert (results.authserv_id, results.version, results.results) == ("example.org", "1", ())
    assert not proves_sender(results, "example.org")


def test_quoted_strings_cannot_open_a_result() -> None:
    forged = parse(
        'calsnack.local; spf=fail smtp.mailfrom="x;dkim=pass header.d=victim.example x"@evil.example;'
        " dkim=none; dmarc=fail header.from=evil.example"
    )
    assert [r.method for r in forged.results] == ["spf", "dkim", "dmarc"]
    assert forged.of("dkim")[0].result == "none"
    assert not proves_sender(forged, "victim.example")


@pytest.mark.parametrize(
    "value",
    [
        '"x;dkim=pass header.d=victim.example x"@evil.example',
        'a"b\\"; dmarc=pass header.from=victim.example',
        "x (dkim=pass) y",
        "line\r\nbreak; dkim=pass header.d=victim.example",
        "",
    ],
)
def test_written_values_round_trip_as_one_value(value: str) -> None:
    header = format_results(
        "calsnack.local",
        [
            MethodResult("spf", "fail", (("smtp.mailfrom", value),)),
            MethodResult("dkim", "none"),
            MethodResult("dmarc", "fail", (("header.from", "evil.example"),)),
        ],
    )
    results = parse(header)
    assert [r.method for r in results.results] == ["spf", "dkim", "dmarc"]
    assert results.of("spf")[0].get("smtp.mailfrom") == value.replace("\r\n", " ")
    assert not proves_sender(results, "victim.example")


def test_plain_addresses_are_written_bare() -> None:
    assert pvalue("olga@example.test") == "olga@example.test"
    assert pvalue("example.test") == "example.test"
    assert pvalue("a b") == '"a b"'


def _message(*headers: str, sender: str = "olga@example.com") -> EmailMessage:
    lines = [f"Authentication-Results: {h}" for h in headers]
    raw = "\r\n".join(
        [*lines, f"Return-Path: <{sender}>", f"From: Olga <{sender}>", "Subject: hi", "", "body"]
    )
    message = email.message_from_bytes(raw.encode(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_only_the_topmost_header_with_our_authserv_id_is_trusted() -> None:
    ours_fail = "amazonses.com; spf=fail; dkim=none; dmarc=fail header.from=example.com"
    forged_pass = "amazonses.com; dmarc=pass header.from=example.com"
    message = _message(ours_fail, forged_pass, sender="olga@example.com")
    assert not parse_inbound(message.as_bytes(), "amazonses.com").authenticated
    # Someone else's header above ours is not ours, however it passes.
    message = _message("mx.google.com; dmarc=pass header.from=example.com", ours_fail)
    assert not parse_inbound(message.as_bytes(), "amazonses.com").authenticated
    results = trusted(message, "AmazonSES.com")
    assert results is not None and results.of("dmarc")[0].result == "fail"


def test_real_ses_header_authenticates_the_organizer_end_to_end() -> None:
    message = _message(SES_DKIM_NO_DMARC, sender="olga@example.com")
    assert parse_inbound(message.as_bytes(), "amazonses.com").authenticated
    stranger = _message(SES_DKIM_NO_DMARC, sender="olga@victim.example")
    assert not parse_inbound(stranger.as_bytes(), "amazonses.com").authenticated


def test_encoded_words_are_not_decoded_into_results() -> None:
    # The email package decodes RFC 2047 words in unstructured headers: read raw, this stays one value.
    header = (
        'calsnack.local; spf=fail smtp.mailfrom="=?utf-8?q?x=22=3B_dmarc=3Dpass_header.from=3Dexample.com?="'
        "; dkim=none; dmarc=fail header.from=example.com"
    )
    message = _message(header)
    assert not parse_inbound(message.as_bytes(), "calsnack.local").authenticated
