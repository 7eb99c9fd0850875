"""RFC 8601 `Authentication-Results`: reading the receiving server's verdicts, and writing ours.

Everything the service does for a sender rests on this header, so it is read the way RFC 8601
§2.2 writes it, not by splitting on `;`: comments (nested, with quoted-pairs) are dropped,
quoted-strings are single values whatever they hold, a method may report several results
(two DKIM signatures), an authserv-id may be followed by a version, and `none` means no
results. The same module writes the embedded SMTP server's header, quoting what a stranger
controls (the envelope sender, the From domain), so a value can never open a result of its
own. Values are read from the raw header: the `email` package decodes RFC 2047 encoded-words
in unstructured headers, which would let `=?utf-8?q?=22=3Bdkim=3Dpass?=` close a quoted
string and forge a result.

Real shapes the parser is tested against (tests/unit/mail/test_authresults.py cites each):
SES `amazonses.com; spf=pass (spfCheck: ...) client-ip=...; envelope-from=...; helo=...;
dkim=pass header.i=@example.com; dmarc=none header.from=example.com;`, Gmail
`mx.google.com; dkim=pass header.i=@example.com header.s=... header.b="..."; spf=pass (...)
smtp.mailfrom=...; dmarc=pass (p=NONE ...) header.from=...`, and Exchange Online, which
writes no authserv-id at all: `spf=pass (sender IP is ...) smtp.mailfrom=...; dkim=pass
(signature was verified) header.d=...;dmarc=pass action=none header.from=...;compauth=pass
reason=100`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Literal

HEADER = "Authentication-Results"

_SPACE = " \t\r\n"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
#: Values written bare: an address or domain of these characters can end no result and open none.
_BARE = re.compile(r"(?:[A-Za-z0-9._+-]+)?(?:@[A-Za-z0-9.-]+)?")


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One `method=result` with its properties (`header.d`, `smtp.mailfrom`, `reason` ...)."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str:
        """The first value of a property (names are case-insensitive), or ""."""
        wanted = name.lower()
        return next((value for key, value in self.properties if key == wanted), "")


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    #: "" when the writer put none (Exchange Online).
    authserv_id: str
    version: str
    results: tuple[MethodResult, ...]

    def of(self, method: str) -> tuple[MethodResult, ...]:
        """Every result of one method, in the order written."""
        return tuple(r for r in self.results if r.method == method)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["value", ";", "="]
    text: str = ""


def parse(value: str) -> AuthenticationResults:
    """One header value (folded or not) as its authserv-id, version and results."""
    segments = list(_segments(_tokens(_FOLD.sub("", value))))
    head = segments[0] if segments else []
    authserv_id, version = "", ""
    rest = segments[1:]
    if any(token.kind == "=" for token in head):
        # No authserv-id: the first segment is already a result (Exchange Online).
        rest = segments
    else:
        words = [token.text for token in head]
        authserv_id = words[0].lower() if words else ""
        version = words[1] if len(words) > 1 and words[1].isdigit() else ""
    results = tuple(result for segment in rest if (result := _result(segment)) is not None)
    return AuthenticationResults(authserv_id, version, results)


def trusted(message: Message, authserv_id: str) -> AuthenticationResults | None:
    """The topmost header written by our own receiving server, or None.

    The receiving server (SES, or the embedded SMTP server) prepends its header, so only the
    first one carrying its authserv-id is its own; any other was written by the sender or a
    hop we do not trust, whatever it claims (RFC 8601 §5).
    """
    wanted = authserv_id.lower()
    for name, raw in message.raw_items():
        if name.lower() == HEADER.lower():
            results = parse(str(raw))
            if results.authserv_id == wanted:
                return results
    return None


def proves_sender(results: AuthenticationResults, from_domain: str) -> bool:
    """Whether the verdicts prove the From domain, the ways DMARC (RFC 7489 §3.1) accepts.

    A DMARC pass for that domain proves it; a DMARC fail disproves it (the owner's own policy,
    strict alignment included, said no). Otherwise, as for a domain with no DMARC record
    (`dmarc=none`), any passing DKIM signature or SPF check whose domain aligns (relaxed) with
    the From domain proves it: one good signature among several is enough.
    """
    domain = from_domain.lower()
    if not domain:
        return False
    dmarc = results.of("dmarc")
    if any(r.result == "pass" and aligned(r.get("header.from") or domain, domain) for r in dmarc):
        return True
    if any(r.result == "fail" for r in dmarc):
        return False
    dkim = (r for r in results.of("dkim") if r.result == "pass")
    if any(aligned(_dkim_domain(r), domain) for r in dkim):
        return True
    spf = (r for r in results.of("spf") if r.result == "pass")
    return any(aligned(_domain_of(r.get("smtp.mailfrom")), domain) for r in spf)


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    domain, from_domain = domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return bool(domain) and (
        domain == from_domain or from_domain.endswith("." + domain) or domain.endswith("." + from_domain)
    )


def pvalue(text: str) -> str:
    """A property value as RFC 8601 writes it: bare when plainly an address or domain, else quoted.

    Line breaks and other controls become spaces first: a header value cannot hold them.
    """
    flat = _CONTROL.sub(" ", text)
    if flat and _BARE.fullmatch(flat):
        return flat
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_results(authserv_id: str, results: Iterable[MethodResult]) -> str:
    """A header value for our own verdicts (the embedded server's), every value quoted as needed."""
    parts = [
        " ".join([f"{r.method}={r.result}", *(f"{name}={pvalue(value)}" for name, value in r.properties)])
        for r in results
    ]
    return "; ".join([authserv_id, *parts]) if parts else f"{authserv_id}; none"


def _dkim_domain(result: MethodResult) -> str:
    """The signing domain: `header.d`, else the domain of the identity `header.i` (SES writes only that)."""
    return result.get("header.d") or _domain_of(result.get("header.i"))


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2].strip().lower()


def _tokens(text: str) -> Iterator[_Token]:
    """Values, `;` and `=`; a value is a run of characters and quoted-strings with no space or comment."""
    value: list[str] | None = None
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == '"':
            quoted, i = _quoted(text, i)
            value = [*(value or []), quoted]
            continue
        if char in _SPACE or char in "();=":
            if value is not None:
                yield _Token("value", "".join(value))
                value = None
            if char == "(":
                i = _after_comment(text, i)
                continue
            if char in ";=":
                yield _Token(";" if char == ";" else "=")
        else:
            value = [*(value or []), char]
        i += 1
    if value is not None:
        yield _Token("value", "".join(value))


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The content of the quoted-string at `start` (quoted-pairs undone) and the index after it."""
    i = start + 1
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == '"':
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    return "".join(out), i


def _after_comment(text: str, start: int) -> int:
    """The index after the (possibly nested) comment opening at `start`; an open one runs to the end."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _segments(tokens: Iterable[_Token]) -> Iterator[list[_Token]]:
    segment: list[_Token] = []
    for token in tokens:
        if token.kind == ";":
            yield segment
            segment = []
        else:
            segment.append(token)
    yield segment


def _result(segment: list[_Token]) -> MethodResult | None:
    """`method[/version]=result` then `name=value` pairs; anything else (SES's `client-ip=` pieces
    are results of no method we read, Exchange's stray `; hotmail.com;` is no result) is skipped."""
    if len(segment) < 3 or [t.kind for t in segment[:3]] != ["value", "=", "value"]:
        return None
    method = segment[0].text.partition("/")[0].strip().lower()
    properties: list[tuple[str, str]] = []
    i = 3
    while i < len(segment):
        token = segment[i]
        if token.kind == "value" and i + 1 < len(segment) and segment[i + 1].kind == "=":
            following = segment[i + 2] if i + 2 < len(segment) else None
            opens_next = i + 3 < len(segment) and segment[i + 3].kind == "="
            if following is not None and following.kind == "value" and not opens_next:
                properties.append((token.text.lower(), following.text))
                i += 3
            else:  # `smtp.mailfrom=` with its value left out (Exchange redacts it)
                properties.append((token.text.lower(), ""))
                i += 2
        else:
            i += 1
    return MethodResult(method, segment[2].text.lower(), tuple(properties))
