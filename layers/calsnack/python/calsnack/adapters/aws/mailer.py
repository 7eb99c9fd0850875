"""The mailer port on SES v2: one raw message a call, provider refusals mapped to the port's errors.

SES v2 reports its sending limits in more than one shape: the rate limit as a 429
`TooManyRequestsException` ("Maximum sending rate exceeded."), both limits as a
`ThrottlingException` whose message names the limit ("Maximum sending rate exceeded" or
"Daily message quota exceeded"), and the daily quota as a `LimitExceededException`. The
message text decides first, the error code second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from calsnack.ports import OutgoingMail, Rejected, SendingStopped, Throttled

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import SendEmailRequestTypeDef

DAILY_QUOTA = "daily message quota exceeded"
RATE_LIMIT = "maximum sending rate exceeded"
#: Sending faster than the account's rate, or the API's own request throttling: retry soon.
THROTTLED = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
#: The account cannot send anything until its state changes (the quota's 24-hour window, an
#: operator, AWS): the daily quota, paused or suspended sending, an unverified MAIL FROM
#: domain, a configuration set that does not exist.
STOPPED = frozenset(
    {
        "LimitExceededException",
        "SendingPausedException",
        "AccountSuspendedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
    }
)
#: SES refuses this one message (its size, its content, an address it cannot parse, in the
#: sandbox an unverified recipient): that recipient fails. A `MessageRejected` naming our own
#: sending identity as unverified stops all sending instead (`provider_error`).
REJECTED = frozenset({"BadRequestException", "MessageRejected"})
UNVERIFIED = "not verified"

#: SES v2's limits on one message: 40 MB after base64 encoding, 50 recipients. Checked here,
#: before the call: SES would refuse such a message with a code (MessageRejected) that also
#: means "the account cannot send", and one oversized message must not stop everyone's mail.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
MAX_RECIPIENTS = 50

#: Seconds one SES call may take at worst; the sender's `SEND_ALLOWANCE` covers it.
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 4.0
CALL_TIMEOUT = CONNECT_TIMEOUT + READ_TIMEOUT
#: No botocore retries: the sender backs off itself, paced and within its time budget, and a
#: retried quota error would only burn the invocation's time.
CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": 1},
)


def unverified_sender(message: str, sender: str) -> bool:
    """Whether SES's "Email address is not verified. The following identities failed the check
    in region ...: a, b" lists `sender` or its domain (not only recipients, as in the sandbox)."""
    if UNVERIFIED not in message:
        return False
    listed = {identity.strip().strip(".") for identity in message.rpartition(":")[2].split(",")}
    address = sender.rpartition("<")[2].rstrip(">").strip().lower()
    return bool(listed & {address, address.rpartition("@")[2]})


def provider_error(exc: ClientError, sender: str = "") -> Exception:
    """The port's error for an SES refusal, or `exc` itself when it is none of them (a bug)."""
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    text = f"SES {code}: {error.get('Message', '')}"
    message = error.get("Message", "").lower()
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if DAILY_QUOTA in message:
        return SendingStopped(text)
    if code in THROTTLED or RATE_LIMIT in message:
        return Throttled(text)
    if code in STOPPED or (code == "MessageRejected" and unverified_sender(message, sender)):
        return SendingStopped(text)
    if code in REJECTED:
        return Rejected(text)
    if status >= 500:
        # SES's own transient failure: the message did not go, it may go later.
        return Throttled(text)
    return exc


class SesMailer:
    """Implements `calsnack.ports.Mailer`."""

    def __init__(self, client: SESV2Client, configuration_set: str = "") -> None:
        self.client = client
        self.configuration_set = configuration_set

    def send(self, mail: OutgoingMail) -> str:
        encoded = 4 * -(-len(mail.raw) // 3)  # its base64 length, as SES counts it
        if encoded > MAX_MESSAGE_BYTES:
            raise Rejected(f"a message of {encoded} bytes (base64) exceeds SES's 40 MB")
        if len(mail.recipients) > MAX_RECIPIENTS:
            raise Rejected(f"{len(mail.recipients)} recipients exceed SES's {MAX_RECIPIENTS} a message")
        # Raw content carries its own From/To headers; Destination is the envelope.
        request: SendEmailRequestTypeDef = {
            "FromEmailAddress": mail.sender,
            "Destination": {"ToAddresses": list(mail.recipients)},
            "Content": {"Raw": {"Data": mail.raw}},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            return self.client.send_email(**request)["MessageId"]
        except ClientError as exc:
            raise provider_error(exc, mail.sender) from exc
        except (BotocoreConnectionError, HTTPClientError) as exc:
            # Unreachable or timed out: no answer, so the message may go later (a read timeout
            # after SES accepted it can send it twice, as any at-least-once retry can).
            raise Throttled(f"SES unreachable: {exc}") from exc
